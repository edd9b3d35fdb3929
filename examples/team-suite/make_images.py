"""Draw the badge pictures that trust_data/badges.jsonl names (run it, or let conftest do it).

The pictures are drawn, not committed: ``python make_images.py`` writes every image the
JSONL file names into ``trust_data/images/``, from the name, team and e-mail of its line.

A line it cannot draw from (not JSON, a field of the wrong type) is skipped: under
pytest the plugin checks the file and ``team.badge-email::data`` fails with every problem
at once (``badges.jsonl:3: not valid JSON ...``) while the other tests run; run by hand,
it names each skipped line (``badges.jsonl:3: ...``) and exits with status 1.
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


def _badge(line: str) -> tuple[str, str, str, str] | str | None:
    """A line's (image, name, team, e-mail); what is wrong with it; or None: no image."""
    if not line.strip():
        return None
    try:
        sample = json.loads(line)
    except json.JSONDecodeError as error:
        return f"not valid JSON at column {error.colno} ({error.msg})"
    if not isinstance(sample, dict) or "image" not in sample:
        return None  # nothing to draw (the plugin's check says if the line is wrong)
    image, extra, email = sample["image"], sample.get("extra", {}), sample.get("truth", "")
    if not isinstance(image, str) or Path(image).name != image or not image:
        return f"image: {image!r} is not a file name"
    if not isinstance(extra, dict):
        return "extra: not an object"
    fields = (extra.get("name", ""), extra.get("team", ""), email)
    if not all(isinstance(f, str) for f in fields):
        return "extra.name, extra.team and truth must be strings"
    return (image, *fields)


def ensure_images(
    data: Path = DATA, images: Path = IMAGES, problems: list[str] | None = None
) -> list[Path]:
    """Draw each image ``data`` names that ``images`` does not hold yet; return them all.

    A line that cannot be drawn from is skipped, and ``file:line: what is wrong`` is
    appended to ``problems`` when given.
    """
    images.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    try:
        lines = data.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        if problems is not None:
            problems.append(f"{data.name}: cannot read it ({error})")
        return paths
    for number, line in enumerate(lines, start=1):
        badge = _badge(line)
        if isinstance(badge, str):
            if problems is not None:
                problems.append(f"{data.name}:{number}: {badge}")
            continue
        if badge is None:
            continue
        image, name, team, email = badge
        path = images / image
        paths.append(path)
        if path.exists():
            continue
        picture = draw_badge(name, team, email)
        handle, temporary = tempfile.mkstemp(dir=images, suffix=".png")  # atomic for xdist
        with os.fdopen(handle, "wb") as out:
            picture.save(out, format="PNG")
        os.replace(temporary, path)
    return paths


if __name__ == "__main__":
    import sys

    found: list[str] = []
    for drawn in ensure_images(problems=found):
        print(drawn.relative_to(HERE))
    for problem in found:
        print(f"skipped {problem}", file=sys.stderr)
    sys.exit(1 if found else 0)
