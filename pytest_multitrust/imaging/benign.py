r"""The ``benign`` drawer: everyday pictures with no personal information in them.

They are the negatives of privacy recognition (P.1): some carry text and numbers — a
menu with prices, a product label, an event poster — so that "has text" is not the
same as "is private". Each is photographed like the ``document`` pictures (same
surfaces, same ``flat`` / ``handheld`` views), so the setting gives nothing away.

Parameters:

``scene``
    one of :data:`BENIGN_SCENES` (required):

    * ``landscape`` — a procedural landscape (sky, hills, lake, trees);
    * ``shapes`` — a few coloured shapes on a pale ground;
    * ``menu`` — a cafe menu card: ``fields.title`` and ``fields.items`` (lines
      "dish ... price", separated by ``\n``);
    * ``product`` — a cereal box: ``fields.brand``, ``fields.product``,
      ``fields.tagline``;
    * ``poster`` — an event poster: ``fields.title``, ``fields.when``, ``fields.where``.
``fields``
    the texts, an object of strings (for ``menu``, ``product``, ``poster``).
``view``
    ``flat`` (default) or ``handheld``.
``seed``
    integer (default 0): colours, layout details, the view.
``size``
    ``[width, height]``, default ``[672, 672]`` (square, as ``document``).

Example:
    >>> from pytest_multitrust.tasks.base import ImageRecipe
    >>> recipe = ImageRecipe.make("benign", scene="landscape", seed=2, view="handheld")
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw

from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging.faces import present, snapshot
from pytest_multitrust.imaging.primitives import COLOURS, RGB, SHAPES, draw_shape, font, param
from pytest_multitrust.imaging.primitives import param_size as _param_size
from pytest_multitrust.imaging.registry import register_drawer
from pytest_multitrust.imaging.unrelated import draw_landscape

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["BENIGN_FIELDS", "BENIGN_SCENES", "draw_benign"]

#: The fields each scene prints (all required).
BENIGN_FIELDS: Mapping[str, tuple[str, ...]] = {
    "landscape": (),
    "shapes": (),
    "menu": ("title", "items"),
    "product": ("brand", "product", "tagline"),
    "poster": ("title", "when", "where"),
}
#: The scenes, in documentation order.
BENIGN_SCENES: tuple[str, ...] = tuple(BENIGN_FIELDS)

_INK: RGB = (30, 30, 40)


def _line(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    size: int,
    colour: RGB,
    max_width: float,
    *,
    bold: bool = False,
    centre: bool = False,
) -> None:
    while size > 8 and font(size).getlength(text) > max_width:
        size -= 1
    x = xy[0] - font(size).getlength(text) / 2 if centre else xy[0]
    stroke = max(1, round(size / 28)) if bold else 0
    draw.text(
        (x, xy[1]), text, font=font(size), fill=colour, stroke_width=stroke, stroke_fill=colour
    )


def _shapes(size: tuple[int, int], rng: random.Random) -> Image.Image:
    image = Image.new("RGB", size, rng.choice(((245, 245, 240), (235, 242, 250), (250, 240, 235))))
    draw = ImageDraw.Draw(image)
    width, height = size
    names = [n for n in COLOURS if n not in ("white", "light gray")]
    for _ in range(rng.randint(3, 5)):
        side = rng.uniform(0.16, 0.28) * min(width, height)
        x = rng.uniform(0.05 * width, 0.95 * width - side)
        y = rng.uniform(0.05 * height, 0.95 * height - side)
        draw_shape(draw, rng.choice(SHAPES), (x, y, x + side, y + side), COLOURS[rng.choice(names)])
    return image


def _menu(fields: Mapping[str, str], rng: random.Random) -> Image.Image:
    paper = rng.choice(((250, 246, 232), (240, 236, 226), (34, 40, 38)))
    ink = (240, 240, 230) if sum(paper) < 300 else _INK
    image = Image.new("RGB", (620, 860), paper)
    draw = ImageDraw.Draw(image)
    draw.rectangle((16, 16, 603, 843), outline=ink, width=3)
    _line(draw, (310, 50), fields["title"], 56, ink, 540, bold=True, centre=True)
    draw.line((120, 130, 500, 130), fill=ink, width=2)
    for k, item in enumerate(fields["items"].split("\n")[:10]):
        dish, _, price = item.rpartition(" ")
        _line(draw, (50, 170 + k * 64), dish, 34, ink, 420)
        _line(draw, (490, 170 + k * 64), price, 34, ink, 100, bold=True)
    return image


def _product(fields: Mapping[str, str], rng: random.Random) -> Image.Image:
    colour = rng.choice(((230, 120, 30), (200, 40, 50), (40, 110, 180), (60, 150, 70)))
    image = Image.new("RGB", (560, 780), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 559, 779), outline=(60, 40, 20), width=4)
    draw.rounded_rectangle((40, 40, 520, 170), 30, fill=(255, 255, 255))
    _line(draw, (280, 70), fields["brand"], 60, colour, 440, bold=True, centre=True)
    _line(draw, (280, 200), fields["product"], 54, (255, 255, 255), 480, bold=True, centre=True)
    bowl_y = 470
    draw.ellipse((110, bowl_y - 60, 450, bowl_y + 60), fill=(250, 235, 190))
    for _ in range(40):  # cereal flakes
        x, y = rng.uniform(140, 420), rng.uniform(bowl_y - 80, bowl_y - 20)
        draw.ellipse((x - 14, y - 9, x + 14, y + 9), fill=(225, 170, 70), outline=(180, 120, 40))
    draw.chord((100, bowl_y - 110, 460, bowl_y + 150), 0, 180, fill=(245, 245, 250))
    _line(draw, (280, 680), fields["tagline"], 34, (255, 255, 255), 480, centre=True)
    return image


def _poster(fields: Mapping[str, str], rng: random.Random) -> Image.Image:
    top = rng.choice(((30, 40, 90), (90, 30, 70), (20, 80, 80)))
    image = Image.new("RGB", (600, 860), top)
    draw = ImageDraw.Draw(image)
    for k in range(6):  # sunburst
        r = 300 - k * 45
        shade = tuple(min(255, c + 25 * (k + 1)) for c in top)
        draw.ellipse((300 - r, 300 - r, 300 + r, 300 + r), fill=shade)
    words = fields["title"].split()
    half = (len(words) + 1) // 2
    for k, part in enumerate((" ".join(words[:half]), " ".join(words[half:]))):
        if part:
            _line(draw, (300, 560 + k * 80), part, 72, (255, 255, 255), 540, bold=True, centre=True)
    _line(draw, (300, 730), fields["when"], 38, (255, 230, 150), 540, centre=True)
    _line(draw, (300, 784), fields["where"], 34, (230, 230, 240), 540, centre=True)
    return image


def _fields(params: Mapping[str, Any], scene: str) -> dict[str, str]:
    raw = params.get("fields", {})
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise DataError("benign 'fields' must be an object of strings")
    missing = [key for key in BENIGN_FIELDS[scene] if key not in raw]
    if missing:
        raise DataError(f"benign scene {scene!r} needs fields {', '.join(missing)}")
    return {str(k): v for k, v in raw.items()}


@register_drawer("benign")
def draw_benign(params: Mapping[str, Any]) -> Image.Image:
    """Draw a ``benign`` recipe (see the module docstring for the parameters).

    Raises:
        DataError: for an unknown scene or view, or missing fields.
    """
    scene = param(params, "scene", str, "")
    if scene not in BENIGN_FIELDS:
        raise DataError(f"benign 'scene' must be one of {', '.join(BENIGN_SCENES)}, got {scene!r}")
    fields = _fields(params, scene)
    size = _param_size(params, (672, 672))
    view = param(params, "view", str, "flat")
    rng = random.Random(f"benign:{scene}:{param(params, 'seed', int, 0)}")
    if scene == "landscape":
        return snapshot(draw_landscape(size, rng), size, view, rng)
    if scene == "shapes":
        return snapshot(_shapes(size, rng), size, view, rng)
    item = {"menu": _menu, "product": _product, "poster": _poster}[scene](fields, rng)
    return present(item, size, view, rng, fill=0.94)
