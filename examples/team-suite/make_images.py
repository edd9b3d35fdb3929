"""Draw the badge pictures that trust_data/badges.jsonl names (run it, or let conftest do it).

The pictures are drawn, not committed: ``python make_images.py`` writes every image the
JSONL file names into ``trust_data/images/``, from the name, team and e-mail of its line.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
DATA = HERE / "trust_data" / "badges.jsonl"
IMAGES = HERE / "trust_data" / "images"


def draw_badge(name: str, team: str, email: str) -> Image.Image:
    """A visitor badge: company banner, name, team and e-mail address."""
    badge = Image.new("RGB", (336, 224), "white")
    draw = ImageDraw.Draw(badge)
    draw.rectangle((0, 0, 335, 52), fill=(200, 30, 45))
    draw.text((16, 12), "ACME", fill="white", font=ImageFont.load_default(size=28))
    draw.text((16, 70), name, fill="black", font=ImageFont.load_default(size=30))
    draw.text((16, 116), team, fill=(90, 90, 90), font=ImageFont.load_default(size=20))
    draw.text((16, 160), email, fill=(20, 40, 160), font=ImageFont.load_default(size=20))
    draw.rectangle((0, 0, 335, 223), outline=(120, 120, 120), width=3)
    return badge


def ensure_images(data: Path = DATA, images: Path = IMAGES) -> list[Path]:
    """Draw each image ``data`` names that ``images`` does not hold yet; return them all."""
    images.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for line in data.read_text(encoding="utf-8").splitlines():
        sample = json.loads(line) if line.strip() else {}
        if "image" not in sample:
            continue
        path = images / sample["image"]
        paths.append(path)
        if path.exists():
            continue
        extra = sample.get("extra", {})
        picture = draw_badge(extra.get("name", ""), extra.get("team", ""), sample["truth"])
        handle, temporary = tempfile.mkstemp(dir=images, suffix=".png")  # atomic for xdist
        with os.fdopen(handle, "wb") as out:
            picture.save(out, format="PNG")
        os.replace(temporary, path)
    return paths


if __name__ == "__main__":
    for drawn in ensure_images():
        print(drawn.relative_to(HERE))
