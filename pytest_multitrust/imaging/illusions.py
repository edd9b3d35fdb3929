"""Drawers for visually confusing pictures with exact ground truth (truthfulness T.6).

One drawer, ``illusion``, with a ``subject``:

``contrast``
    two small gray squares, one on a dark and one on a light background; ``levels``
    ``[left, right]`` are their gray values (0-255). Equal values look different.
``muller_lyer``
    two horizontal lines with outward / inward arrow fins; ``lengths`` ``[top, bottom]``
    in pixels.
``ebbinghaus``
    two orange circles, ringed by large / small gray circles; ``radii`` ``[left, right]``.
``ponzo``
    two yellow bars between converging rails; ``lengths`` ``[top, bottom]`` in pixels.
``mirror``
    ``shape`` in ``colour``: with ``mirror`` true, one shape and its reflection in a
    standing mirror; false, two identical shapes side by side and no mirror.
``painting``
    a room with a framed painting; ``object`` (apple, ball, flower, boat) is painted in
    the picture when ``in_painting`` is true, else it stands on a table in the room.
``reach``
    a person with a raised hand on a meadow; ``holding`` ``sun``: the far-away sun lines
    up with the hand (forced perspective); ``ball``: the hand holds a ball.
``face``
    a face assembled from shapes: ``eyes`` and ``nose`` name shapes, ``colour`` the eyes.

Optional ``seed`` (small position jitter) and ``size`` as elsewhere.

Example:
    >>> from pytest_multitrust.tasks.base import ImageRecipe
    >>> ImageRecipe.make("illusion", subject="muller_lyer", lengths=[200, 200]).kind
    'illusion'
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw

from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging.everyday import draw_person
from pytest_multitrust.imaging.primitives import (
    RGB,
    SHAPES,
    draw_shape,
    param,
    param_size,
    parse_colour,
)
from pytest_multitrust.imaging.registry import register_drawer

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

__all__ = ["ICONS", "draw_icon", "draw_illusion"]

_BLACK: RGB = (0, 0, 0)
_WHITE: RGB = (255, 255, 255)

#: Objects :func:`draw_icon` can draw.
ICONS: tuple[str, ...] = ("apple", "ball", "flower", "boat")


def draw_icon(draw: ImageDraw.ImageDraw, name: str, box: Sequence[float]) -> None:
    """Draw a simple object icon that fills ``box``.

    Raises:
        DataError: for a name not in :data:`ICONS`.
    """
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    if name == "apple":
        draw.ellipse((x1 + w * 0.05, y1 + h * 0.2, x2 - w * 0.05, y2), fill=(215, 30, 40))
        draw.line(
            (cx, y1 + h * 0.25, cx + w * 0.05, y1), fill=(100, 60, 20), width=max(2, round(w / 14))
        )
        draw.ellipse((cx + w * 0.05, y1 + h * 0.02, cx + w * 0.4, y1 + h * 0.2), fill=(50, 150, 50))
    elif name == "ball":
        draw.ellipse((x1, y1, x2, y2), fill=(250, 250, 250), outline=_BLACK, width=2)
        draw.pieslice((x1, y1, x2, y2), 0, 90, fill=(30, 80, 220))
        draw.pieslice((x1, y1, x2, y2), 180, 270, fill=(30, 80, 220))
        draw.ellipse((x1, y1, x2, y2), outline=_BLACK, width=2)
    elif name == "flower":
        draw.line((cx, cy, cx, y2), fill=(40, 140, 40), width=max(3, round(w / 12)))
        draw.ellipse((cx, y2 - h * 0.3, cx + w * 0.35, y2 - h * 0.15), fill=(60, 170, 60))
        petal = w * 0.16
        for k in range(6):
            angle = math.radians(k * 60)
            px, py = cx + math.cos(angle) * w * 0.2, y1 + h * 0.3 + math.sin(angle) * w * 0.2
            draw.ellipse((px - petal, py - petal, px + petal, py + petal), fill=(240, 80, 150))
        draw.ellipse(
            (cx - petal, y1 + h * 0.3 - petal, cx + petal, y1 + h * 0.3 + petal),
            fill=(250, 210, 40),
        )
    elif name == "boat":
        draw.polygon(
            [(x1, y1 + h * 0.65), (x2, y1 + h * 0.65), (x2 - w * 0.15, y2), (x1 + w * 0.15, y2)],
            fill=(140, 80, 30),
        )
        draw.line((cx, y1, cx, y1 + h * 0.65), fill=(80, 50, 20), width=max(2, round(w / 20)))
        draw.polygon(
            [(cx + 3, y1), (cx + 3, y1 + h * 0.58), (x2 - w * 0.08, y1 + h * 0.58)],
            fill=(250, 250, 250),
            outline=(120, 120, 120),
        )
    else:
        raise DataError(f"unknown icon {name!r}; known icons: {', '.join(ICONS)}")


def _pair(params: Mapping[str, Any], name: str, low: int, high: int) -> tuple[int, int]:
    value = params.get(name)
    if not (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and low <= v <= high for v in value)
    ):
        raise DataError(f"illusion {name!r} must be two integers in {low}..{high}, got {value!r}")
    return (value[0], value[1])


def _contrast(image: Image.Image, params: Mapping[str, Any], rng: random.Random) -> None:
    left, right = _pair(params, "levels", 0, 255)
    width, height = image.size
    draw = ImageDraw.Draw(image)
    for x in range(width):  # a horizontal gradient, dark on the left, light on the right
        shade = round(20 + 215 * x / max(1, width - 1))
        draw.line((x, 0, x, height), fill=(shade, shade, shade))
    side = min(width, height) * 0.2
    cy = height / 2 + rng.uniform(-10, 10)
    for cx, level in ((width * 0.25, left), (width * 0.75, right)):
        draw.rectangle(
            (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2), fill=(level, level, level)
        )


def _muller_lyer(image: Image.Image, params: Mapping[str, Any], rng: random.Random) -> None:
    top, bottom = _pair(params, "lengths", 40, 4000)
    width, height = image.size
    draw = ImageDraw.Draw(image)
    fin = min(width, height) * 0.08
    for index, (length, outward) in enumerate(((top, True), (bottom, False))):
        y = height * (0.3 + 0.4 * index)
        x1 = width / 2 - length / 2 + rng.uniform(-4, 4)
        x2 = x1 + length
        draw.line((x1, y, x2, y), fill=_BLACK, width=4)
        for x, sign in ((x1, -1.0), (x2, 1.0)):
            tip = sign if outward else -sign
            for dy in (-fin, fin):
                draw.line((x, y, x + tip * fin, y + dy), fill=_BLACK, width=4)


def _ebbinghaus(image: Image.Image, params: Mapping[str, Any], rng: random.Random) -> None:
    left, right = _pair(params, "radii", 5, 2000)
    width, height = image.size
    draw = ImageDraw.Draw(image)
    cy = height / 2 + rng.uniform(-6, 6)
    for cx, radius, ring_r, count, gap in (
        (width * 0.27, left, width * 0.075, 6, width * 0.04),
        (width * 0.75, right, width * 0.02, 8, width * 0.02),
    ):
        dist = radius + ring_r + gap  # the ring never touches the centre circle
        for k in range(count):
            a = math.radians(k * 360 / count)
            rx, ry = cx + math.cos(a) * dist, cy + math.sin(a) * dist
            draw.ellipse((rx - ring_r, ry - ring_r, rx + ring_r, ry + ring_r), fill=(150, 150, 160))
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(245, 130, 20))


def _ponzo(image: Image.Image, params: Mapping[str, Any], rng: random.Random) -> None:
    top, bottom = _pair(params, "lengths", 20, 4000)
    width, height = image.size
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, height), fill=(235, 225, 205))
    vanish = (width / 2, height * 0.02)
    for foot in (width * 0.05, width * 0.95):
        draw.line((foot, height, *vanish), fill=(60, 50, 40), width=6)
    for k in range(1, 9):  # sleepers, closer together towards the horizon
        t = (k / 9) ** 1.6
        y = vanish[1] + (height - vanish[1]) * t
        half = (width * 0.45) * t
        draw.line((width / 2 - half, y, width / 2 + half, y), fill=(140, 110, 80), width=3)
    shift = rng.uniform(-5, 5)
    for y, length in ((height * 0.3, top), (height * 0.78, bottom)):
        x1 = width / 2 - length / 2 + shift
        draw.rectangle((x1, y - 9, x1 + length, y + 9), fill=(245, 200, 20), outline=_BLACK)


def _mirror(image: Image.Image, params: Mapping[str, Any], rng: random.Random) -> None:
    shape = param(params, "shape", str, "star")
    if shape not in SHAPES:
        raise DataError(f"mirror 'shape' must be one of {', '.join(SHAPES)}")
    colour = parse_colour(params.get("colour", "red"))
    with_mirror = param(params, "mirror", bool, True)
    width, height = image.size
    draw = ImageDraw.Draw(image)
    floor = height * 0.72
    draw.rectangle((0, 0, width, floor), fill=(225, 215, 195))
    draw.rectangle((0, floor, width, height), fill=(165, 120, 80))
    size = min(width, height) * 0.22
    jitter = rng.uniform(-6, 6)
    if with_mirror:
        mx1, mx2 = width * 0.52, width * 0.92
        my1, my2 = height * 0.1, floor + height * 0.1
        draw.rectangle((mx1, my1, mx2, my2), fill=(120, 80, 40))
        draw.rectangle((mx1 + 10, my1 + 10, mx2 - 10, my2 - 10), fill=(200, 225, 235))
        for k in range(2):  # sheen
            ox = (mx2 - mx1) * (0.2 + 0.25 * k)
            draw.line((mx1 + ox, my1 + 14, mx1 + ox - 40, my1 + 80), fill=(240, 250, 255), width=5)
        real_cx = width * 0.27 + jitter
        faded = tuple(round(c * 0.7 + 230 * 0.3) for c in colour)
        image_cx = mx1 + (mx2 - mx1) * 0.5
        scale = size * 0.8
        draw_shape(
            draw,
            shape,
            (image_cx - scale / 2, floor - scale - 6, image_cx + scale / 2, floor - 6),
            (faded[0], faded[1], faded[2]),
        )
        draw_shape(
            draw,
            shape,
            (real_cx - size / 2, floor - size + 10, real_cx + size / 2, floor + 10),
            colour,
        )
    else:
        for cx in (width * 0.27 + jitter, width * 0.7 + jitter):
            draw_shape(
                draw, shape, (cx - size / 2, floor - size + 10, cx + size / 2, floor + 10), colour
            )


def _landscape(draw: ImageDraw.ImageDraw, box: Sequence[float]) -> None:
    x1, y1, x2, y2 = box
    horizon = y1 + (y2 - y1) * 0.6
    draw.rectangle((x1, y1, x2, horizon), fill=(150, 200, 240))
    draw.rectangle((x1, horizon, x2, y2), fill=(110, 180, 80))
    r = (x2 - x1) * 0.08
    draw.ellipse((x2 - r * 3, y1 + r, x2 - r, y1 + r * 3), fill=(255, 215, 0))


def _painting(image: Image.Image, params: Mapping[str, Any], rng: random.Random) -> None:
    thing = param(params, "object", str, "apple")
    in_painting = param(params, "in_painting", bool, True)
    width, height = image.size
    draw = ImageDraw.Draw(image)
    floor = height * 0.7
    draw.rectangle((0, 0, width, floor), fill=(230, 220, 200))
    draw.rectangle((0, floor, width, height), fill=(150, 100, 60))
    fx1, fy1 = width * 0.3 + rng.uniform(-8, 8), height * 0.08
    fx2, fy2 = fx1 + width * 0.45, fy1 + height * 0.36
    draw.rectangle((fx1, fy1, fx2, fy2), fill=(170, 120, 40))
    inner = (fx1 + 12, fy1 + 12, fx2 - 12, fy2 - 12)
    _landscape(draw, inner)
    tx1, tx2, ty = width * 0.15, width * 0.6, floor + height * 0.06
    draw.rectangle((tx1, ty - 14, tx2, ty), fill=(120, 70, 30))
    for leg in (tx1 + 8, tx2 - 20):
        draw.rectangle((leg, ty, leg + 12, ty + height * 0.2), fill=(120, 70, 30))
    if in_painting:
        side = (inner[3] - inner[1]) * 0.55
        ix = (inner[0] + inner[2]) / 2 - side / 2
        draw_icon(draw, thing, (ix, inner[3] - side - 4, ix + side, inner[3] - 4))
    else:
        side = height * 0.18
        ix = (tx1 + tx2) / 2 - side / 2
        draw_icon(draw, thing, (ix, ty - 14 - side, ix + side, ty - 14))


def _reach(image: Image.Image, params: Mapping[str, Any], rng: random.Random) -> None:
    holding = param(params, "holding", str, "sun")
    if holding not in ("sun", "ball"):
        raise DataError("reach 'holding' must be sun or ball")
    width, height = image.size
    draw = ImageDraw.Draw(image)
    horizon = height * 0.68
    draw.rectangle((0, 0, width, horizon), fill=(140, 195, 245))
    draw.rectangle((0, horizon, width, height), fill=(100, 170, 70))
    px = width * 0.38 + rng.uniform(-8, 8)
    hand = draw_person(
        draw, px, height * 0.95, height * 0.55, (40, 40, 60), walking=False, arm_up=True
    )
    sun_r = width * 0.07
    if holding == "sun":
        sx, sy = hand[0] + sun_r * 0.55, hand[1] - sun_r * 0.7
    else:
        sx, sy = width * 0.86, height * 0.14
        ball = width * 0.05
        bx, by = hand[0] + ball * 0.4, hand[1] - ball * 0.6
        draw.ellipse(
            (bx - ball, by - ball, bx + ball, by + ball),
            fill=(230, 40, 40),
            outline=(120, 20, 20),
            width=2,
        )
    draw.ellipse((sx - sun_r, sy - sun_r, sx + sun_r, sy + sun_r), fill=(255, 205, 0))
    if holding == "sun":  # draw the fingers over the sun, as in the classic photo trick
        draw.line((hand[0] - 4, hand[1] + 2, hand[0] + 8, hand[1] - 10), fill=(40, 40, 60), width=4)


def _face(image: Image.Image, params: Mapping[str, Any], rng: random.Random) -> None:
    eyes = param(params, "eyes", str, "circle")
    nose = param(params, "nose", str, "triangle")
    for name in (eyes, nose):
        if name not in SHAPES:
            raise DataError(f"face shapes must be among {', '.join(SHAPES)}, got {name!r}")
    colour = parse_colour(params.get("colour", "blue"))
    width, height = image.size
    draw = ImageDraw.Draw(image)
    cx, cy = width / 2 + rng.uniform(-5, 5), height / 2
    r = min(width, height) * 0.42
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=_BLACK, width=5)
    eye = r * 0.32
    for ex in (cx - r * 0.42, cx + r * 0.42):
        draw_shape(
            draw, eyes, (ex - eye / 2, cy - r * 0.45, ex + eye / 2, cy - r * 0.45 + eye), colour
        )
    nose_size = r * 0.26
    draw_shape(
        draw,
        nose,
        (cx - nose_size / 2, cy - nose_size * 0.3, cx + nose_size / 2, cy + nose_size * 0.7),
        (120, 120, 120),
    )
    draw.arc(
        (cx - r * 0.5, cy - r * 0.1, cx + r * 0.5, cy + r * 0.65),
        25,
        155,
        fill=(200, 30, 40),
        width=7,
    )


_KINDS: dict[str, Callable[[Image.Image, Mapping[str, Any], random.Random], None]] = {
    "contrast": _contrast,
    "muller_lyer": _muller_lyer,
    "ebbinghaus": _ebbinghaus,
    "ponzo": _ponzo,
    "mirror": _mirror,
    "painting": _painting,
    "reach": _reach,
    "face": _face,
}


@register_drawer("illusion")
def draw_illusion(params: Mapping[str, Any]) -> Image.Image:
    """Draw an ``illusion`` recipe (see the module docstring for the kinds)."""
    kind = param(params, "subject", str, "")
    painter = _KINDS.get(kind)
    if painter is None:
        raise DataError(f"illusion 'subject' must be one of {', '.join(_KINDS)}, got {kind!r}")
    width, height = param_size(params)
    image = Image.new("RGB", (width, height), _WHITE)
    painter(image, params, random.Random(param(params, "seed", int, 0)))
    return image
