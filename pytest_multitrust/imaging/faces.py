"""A drawn face placeholder and the two ways a privacy picture is "photographed".

Privacy images show people only as :func:`draw_face`: a flat cartoon head and
shoulders whose skin tone, hair and clothes come from a seed — never a photograph, and
never anyone in particular.

:func:`present` puts a drawn item (a card, a letter, a product) on a surface the way a
photo of it would show it: ``flat`` is a tidy scan-like shot, centred and upright;
``handheld`` is a casual phone snapshot in the manner of the VizWiz-Priv pictures —
tilted, off-centre, partly cut by the frame, slightly blurred and unevenly lit.

Example:
    >>> import random
    >>> from PIL import Image
    >>> image = Image.new("RGB", (200, 240), "white")
    >>> draw_face(image, (20, 20, 180, 220), random.Random(3))
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFilter

from pytest_multitrust.errors import DataError

if TYPE_CHECKING:
    import random
    from collections.abc import Sequence

    from pytest_multitrust.imaging.primitives import RGB

__all__ = [
    "SKIN_TONES",
    "SURFACES",
    "VIEWS",
    "draw_face",
    "draw_surface",
    "present",
    "snapshot",
]

#: Skin tones of the face placeholder, light to dark.
SKIN_TONES: tuple[RGB, ...] = (
    (250, 220, 195),
    (236, 192, 152),
    (214, 164, 120),
    (176, 122, 82),
    (128, 84, 56),
    (92, 60, 42),
)
_HAIR: tuple[RGB, ...] = (
    (30, 25, 20),
    (90, 60, 35),
    (160, 110, 60),
    (220, 190, 120),
    (150, 150, 150),
    (120, 40, 30),
)
_CLOTHES: tuple[RGB, ...] = (
    (40, 70, 140),
    (150, 40, 50),
    (40, 110, 80),
    (60, 60, 60),
    (200, 160, 60),
    (110, 70, 140),
)
#: Surfaces an item may lie on.
SURFACES: tuple[str, ...] = ("wood", "desk", "fabric", "stone")
#: How an item is photographed.
VIEWS: tuple[str, ...] = ("flat", "handheld")


def draw_face(
    image: Image.Image, box: Sequence[float], rng: random.Random, *, backdrop: bool = True
) -> None:
    """Paste a cartoon head and shoulders into ``box`` (pixels) of ``image``.

    Skin tone, hair colour and style (short, long, bun, none), eyebrows, mouth, clothes
    and the plain photo backdrop are drawn from ``rng``; proportions are fixed. Nothing
    is drawn outside ``box``. Without ``backdrop`` the figure stands on ``image`` as it is.
    """
    x1, y1, x2, y2 = (round(v) for v in box)
    width, height = x2 - x1, y2 - y1
    if width < 8 or height < 8:
        raise DataError(f"a face needs a box of at least 8 x 8 pixels, got {width} x {height}")
    skin = rng.choice(SKIN_TONES)
    hair = rng.choice(_HAIR)
    style = rng.choice(("short", "long", "bun", "none", "short"))
    clothes = rng.choice(_CLOTHES)
    colour = rng.choice(((205, 220, 235), (225, 225, 215), (215, 230, 215), (235, 220, 225)))
    layer = Image.new("RGBA", (width, height), (*colour, 255) if backdrop else (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    cx = width / 2
    head_w, head_h = width * 0.5, height * 0.46
    top = height * 0.1
    head = (cx - head_w / 2, top, cx + head_w / 2, top + head_h)
    if style == "long":  # hair behind the head and shoulders
        draw.rounded_rectangle(
            (
                head[0] - head_w * 0.08,
                head[1] - head_h * 0.04,
                head[2] + head_w * 0.08,
                head[3] + head_h * 0.3,
            ),
            radius=head_w * 0.3,
            fill=hair,
        )
    draw.rectangle(
        (cx - head_w * 0.17, head[3] - head_h * 0.15, cx + head_w * 0.17, height * 0.82),
        fill=_shade(skin, 0.92),
    )
    draw.ellipse((width * 0.1, height * 0.72, width * 0.9, height * 1.45), fill=clothes)
    draw.polygon(
        [
            (cx - head_w * 0.17, height * 0.74),
            (cx + head_w * 0.17, height * 0.74),
            (cx, height * 0.84),
        ],
        fill=_shade(skin, 0.92),
    )
    for side in (-1, 1):  # ears
        ex = cx + side * head_w * 0.48
        draw.ellipse(
            (ex - head_w * 0.08, top + head_h * 0.42, ex + head_w * 0.08, top + head_h * 0.64),
            fill=skin,
        )
    draw.ellipse(head, fill=skin)
    if style in ("short", "long", "bun"):
        draw.chord(
            (head[0] - 1, head[1] - head_h * 0.05, head[2] + 1, head[1] + head_h * 0.6),
            180,
            360,
            fill=hair,
        )
    if style == "bun":
        r = head_w * 0.18
        draw.ellipse((cx - r, head[1] - r * 1.4, cx + r, head[1] + r * 0.6), fill=hair)
    eye_y = top + head_h * 0.52
    dark = (35, 30, 30)
    r = max(1.5, head_w * 0.05)
    for side in (-1, 1):  # eyes and brows
        ex = cx + side * head_w * 0.2
        draw.ellipse((ex - r, eye_y - r, ex + r, eye_y + r), fill=dark)
        brow = eye_y - head_h * 0.11
        draw.line(
            (ex - r * 2, brow + rng.uniform(-1, 1), ex + r * 2, brow),
            fill=hair if style != "none" else dark,
            width=max(1, round(r * 0.7)),
        )
    draw.line(
        (
            cx,
            eye_y + head_h * 0.06,
            cx - head_w * 0.05,
            eye_y + head_h * 0.2,
            cx,
            eye_y + head_h * 0.22,
        ),
        fill=_shade(skin, 0.7),
        width=max(1, round(r * 0.5)),
    )
    mouth_y = top + head_h * 0.8
    smile = rng.uniform(0.04, 0.08) * head_h
    draw.arc(
        (cx - head_w * 0.17, mouth_y - smile, cx + head_w * 0.17, mouth_y + smile),
        15,
        165,
        fill=(150, 60, 60),
        width=max(1, round(r * 0.6)),
    )
    image.paste(layer, (x1, y1), layer)


def _shade(colour: RGB, factor: float) -> RGB:
    return (round(colour[0] * factor), round(colour[1] * factor), round(colour[2] * factor))


def draw_surface(size: tuple[int, int], surface: str, rng: random.Random) -> Image.Image:
    """A background an item lies on: ``wood``, ``desk``, ``fabric`` or ``stone``.

    Raises:
        DataError: for an unknown surface.
    """
    width, height = size
    if surface not in SURFACES:
        raise DataError(f"unknown surface {surface!r}; known: {', '.join(SURFACES)}")
    base: RGB = {
        "wood": (150, 105, 65),
        "desk": (200, 200, 196),
        "fabric": (60, 85, 120),
        "stone": (150, 148, 140),
    }[surface]
    image = Image.new("RGB", size, base)
    draw = ImageDraw.Draw(image)
    if surface == "wood":
        for y in range(0, height, 6):
            wobble = rng.uniform(-0.15, 0.15)
            draw.line(
                (0, y, width, y + wobble * width / 10),
                fill=_shade(base, rng.uniform(0.85, 1.1)),
                width=3,
            )
    elif surface == "fabric":
        for x in range(0, width, 4):
            draw.line((x, 0, x, height), fill=_shade(base, 1.08 if x % 8 else 0.92))
    elif surface == "stone":
        for _ in range(width * height // 400):
            px, py = rng.uniform(0, width), rng.uniform(0, height)
            draw.point((px, py), fill=_shade(base, rng.uniform(0.8, 1.2)))
    return image


def present(
    item: Image.Image,
    size: tuple[int, int],
    view: str,
    rng: random.Random,
    *,
    surface: str | None = None,
    fill: float = 0.86,
) -> Image.Image:
    """``item`` photographed on a surface: ``flat`` (tidy) or ``handheld`` (casual).

    Args:
        item: the drawn card, letter, screen or object (RGB).
        size: the picture's size in pixels.
        view: ``"flat"`` or ``"handheld"``.
        rng: draws the surface, tilt, offset, blur and lighting.
        surface: one of :data:`SURFACES`; ``None`` draws one.
        fill: the share of the picture's width (or height) the item takes in the
            ``flat`` view; ``handheld`` shots are closer.

    Raises:
        DataError: for an unknown view or surface.
    """
    if view not in VIEWS:
        raise DataError(f"unknown view {view!r}; known views: {', '.join(VIEWS)}")
    width, height = size
    picture = draw_surface(size, surface or rng.choice(SURFACES), rng)
    handheld = view == "handheld"
    scale = min(width * fill / item.width, height * fill / item.height)
    if handheld:
        scale *= rng.uniform(1.0, 1.15)
    resized = item.resize(
        (max(1, round(item.width * scale)), max(1, round(item.height * scale))),
        Image.Resampling.LANCZOS,
    )
    layer = resized.convert("RGBA")
    angle = rng.uniform(8.0, 18.0) * rng.choice((-1, 1)) if handheld else 0.0
    if angle:
        layer = layer.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    shadow = Image.new("RGBA", layer.size, (0, 0, 0, 0))
    shadow.putalpha(layer.getchannel("A").point(lambda a: 90 if a else 0))
    x = (width - layer.width) / 2
    y = (height - layer.height) / 2
    if handheld:  # off-centre, partly out of frame
        x += rng.uniform(0.06, 0.14) * width * rng.choice((-1, 1))
        y += rng.uniform(0.04, 0.1) * height * rng.choice((-1, 1))
    picture.paste(shadow, (round(x + 6), round(y + 8)), shadow)
    picture.paste(layer, (round(x), round(y)), layer)
    if handheld:
        picture = picture.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.3)))
        picture = _uneven_light(picture, rng)
    return picture


def snapshot(
    scene: Image.Image, size: tuple[int, int], view: str, rng: random.Random
) -> Image.Image:
    """A whole scene (a car, a stage) photographed: ``flat`` as drawn, ``handheld`` askew.

    The scene is scaled to cover ``size`` and never distorted: when the aspect ratios
    differ, the overflow is cut evenly from both sides.
    The ``handheld`` shot is tilted a little, zoomed in so the tilt leaves no blank
    corners (cropping the scene's edges), off-centre, blurred and unevenly lit.

    Raises:
        DataError: for an unknown view.
    """
    if view not in VIEWS:
        raise DataError(f"unknown view {view!r}; known views: {', '.join(VIEWS)}")
    picture = _cover(scene.convert("RGB"), size)
    if view == "flat":
        return picture
    width, height = size
    angle = rng.uniform(5.0, 10.0) * rng.choice((-1, 1))
    zoom = 1.0 + abs(math.sin(math.radians(angle))) * 1.6 + rng.uniform(0.05, 0.15)
    turned = picture.rotate(angle, resample=Image.Resampling.BICUBIC)
    crop_w, crop_h = width / zoom, height / zoom
    cx = width / 2 + rng.uniform(-0.08, 0.08) * width
    cy = height / 2 + rng.uniform(-0.06, 0.06) * height
    box = (cx - crop_w / 2, cy - crop_h / 2, cx + crop_w / 2, cy + crop_h / 2)
    picture = turned.resize(size, Image.Resampling.LANCZOS, box=box)
    picture = picture.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.3)))
    return _uneven_light(picture, rng)


def _cover(scene: Image.Image, size: tuple[int, int]) -> Image.Image:
    """``scene`` scaled to cover ``size``, the overflow cut evenly (never distorted)."""
    width, height = size
    scale = max(width / scene.width, height / scene.height)
    crop_w, crop_h = min(scene.width, width / scale), min(scene.height, height / scale)
    left, top = max(0.0, (scene.width - crop_w) / 2), max(0.0, (scene.height - crop_h) / 2)
    return scene.resize(
        size, Image.Resampling.LANCZOS, box=(left, top, left + crop_w, top + crop_h)
    )


def _uneven_light(picture: Image.Image, rng: random.Random) -> Image.Image:
    """Light the picture from one corner, darker away from it, as a lamp would."""
    width, height = picture.size
    mask = Image.new("L", (width, height))
    draw = ImageDraw.Draw(mask)
    corner = (rng.choice((0, width)), rng.choice((0, height)))
    reach = math.hypot(width, height)
    steps = 24
    for step in range(steps, 0, -1):
        radius = reach * step / steps
        draw.ellipse(
            (corner[0] - radius, corner[1] - radius, corner[0] + radius, corner[1] + radius),
            fill=round(110 * step / steps),
        )
    dark = Image.new("RGB", picture.size, (20, 20, 30))
    return Image.composite(dark, picture, mask.point(lambda v: v // 2))
