"""Scene templates: whole-picture backgrounds drawn from primitives and a seed.

Each scene is recognisable at a glance and distinct from the others, so that yes/no
questions about it have one right answer:

* ``day`` — a sunny meadow: blue sky, sun, clouds, green grass, a tree, flowers;
* ``night`` — dark sky with a crescent moon and stars over dark hills and houses
  with lit windows;
* ``indoor`` — a room: wall, wooden floor, a window, a framed picture, a table, a lamp;
* ``beach`` — sky and sun over the sea, sand, a beach umbrella and a ball.

The seed varies positions and sizes only; the scene's identity never changes.
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging.primitives import RGB, draw_shape

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["SCENES", "draw_scene", "vertical_gradient"]


def vertical_gradient(
    draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], top: RGB, bottom: RGB
) -> None:
    """Fill ``box`` with a vertical gradient from ``top`` to ``bottom`` colour."""
    x1, y1, x2, y2 = box
    span = max(1, y2 - y1)
    for y in range(y1, y2 + 1):
        t = (y - y1) / span
        colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line((x1, y, x2, y), fill=colour)


def _cloud(draw: ImageDraw.ImageDraw, cx: float, cy: float, scale: float) -> None:
    for dx, dy, r in ((-1.0, 0.2, 0.7), (0.0, -0.2, 0.9), (1.0, 0.2, 0.7), (0.5, 0.35, 0.6)):
        x, y, radius = cx + dx * scale, cy + dy * scale, r * scale
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(255, 255, 255))


def _sun(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    for k in range(12):
        angle = math.radians(k * 30)
        draw.line(
            (
                cx + math.cos(angle) * radius * 1.25,
                cy + math.sin(angle) * radius * 1.25,
                cx + math.cos(angle) * radius * 1.7,
                cy + math.sin(angle) * radius * 1.7,
            ),
            fill=(250, 200, 20),
            width=max(2, round(radius / 8)),
        )
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(255, 215, 0))


def _hills(
    draw: ImageDraw.ImageDraw,
    width: int,
    height: int,
    base: float,
    amp: float,
    colour: RGB,
    rng: random.Random,
) -> None:
    phase, freq = rng.uniform(0, 2 * math.pi), rng.uniform(1.0, 2.2)
    points = [(0.0, float(height))]
    for x in range(0, width + 1, 4):
        y = base - amp * (0.6 + 0.4 * math.sin(phase + freq * 2 * math.pi * x / width))
        points.append((float(x), y))
    points.append((float(width), float(height)))
    draw.polygon(points, fill=colour)


def _day(image: Image.Image, rng: random.Random) -> None:
    width, height = image.size
    draw = ImageDraw.Draw(image)
    horizon = round(height * rng.uniform(0.58, 0.66))
    vertical_gradient(draw, (0, 0, width, horizon), (90, 170, 245), (190, 225, 255))
    vertical_gradient(draw, (0, horizon, width, height), (110, 190, 70), (60, 150, 45))
    sun_x = width * rng.choice((0.2, 0.8))
    _sun(draw, sun_x, height * 0.17, min(width, height) * 0.08)
    for _ in range(rng.randint(1, 2)):
        cx = width - sun_x + rng.uniform(-0.12, 0.12) * width
        _cloud(draw, cx, height * rng.uniform(0.15, 0.32), min(width, height) * 0.06)
    trunk_x = width * (0.8 if sun_x < width / 2 else 0.2) + rng.uniform(-0.05, 0.05) * width
    unit = min(width, height)
    draw.rectangle(
        (
            trunk_x - unit * 0.025,
            horizon - unit * 0.12,
            trunk_x + unit * 0.025,
            horizon + unit * 0.06,
        ),
        fill=(110, 70, 30),
    )
    draw.ellipse(
        (trunk_x - unit * 0.11, horizon - unit * 0.32, trunk_x + unit * 0.11, horizon - unit * 0.1),
        fill=(35, 120, 40),
    )
    for _ in range(rng.randint(6, 10)):
        fx = rng.uniform(0.05, 0.95) * width
        fy = rng.uniform(horizon + unit * 0.1, height - unit * 0.04)
        petal = rng.choice(((250, 80, 120), (255, 255, 255), (250, 220, 40)))
        r = unit * 0.018
        draw.ellipse((fx - r, fy - r, fx + r, fy + r), fill=petal)
        draw.ellipse((fx - r / 2.5, fy - r / 2.5, fx + r / 2.5, fy + r / 2.5), fill=(240, 170, 0))


def _night(image: Image.Image, rng: random.Random) -> None:
    width, height = image.size
    draw = ImageDraw.Draw(image)
    unit = min(width, height)
    vertical_gradient(draw, (0, 0, width, height), (8, 12, 40), (30, 40, 95))
    for _ in range(rng.randint(25, 40)):
        x, y = rng.uniform(0, width), rng.uniform(0, height * 0.6)
        r = rng.choice((1.0, 1.5, 2.0)) * unit / 336
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 230))
    mx, my, mr = width * rng.choice((0.25, 0.75)), height * 0.2, unit * 0.09
    draw.ellipse((mx - mr, my - mr, mx + mr, my + mr), fill=(250, 245, 200))
    offset = mr * 0.45
    draw.ellipse(
        (mx - mr + offset, my - mr - offset * 0.4, mx + mr + offset, my + mr - offset * 0.4),
        fill=(12, 18, 50),
    )
    _hills(draw, width, height, height * 0.72, height * 0.12, (20, 45, 35), rng)
    base = height * 0.86
    for k in range(rng.randint(2, 3)):
        hx = width * (0.15 + 0.3 * k) + rng.uniform(-0.04, 0.04) * width
        hw, hh = unit * 0.16, unit * 0.11
        draw.rectangle((hx, base - hh, hx + hw, base), fill=(25, 25, 35))
        draw.polygon(
            [
                (hx - hw * 0.1, base - hh),
                (hx + hw / 2, base - hh * 1.7),
                (hx + hw * 1.1, base - hh),
            ],
            fill=(25, 25, 35),
        )
        for wx in (0.2, 0.6):
            draw.rectangle(
                (hx + hw * wx, base - hh * 0.7, hx + hw * (wx + 0.2), base - hh * 0.35),
                fill=(250, 210, 90),
            )
    draw.rectangle((0, base, width, height), fill=(15, 30, 22))


def _indoor(image: Image.Image, rng: random.Random) -> None:
    width, height = image.size
    draw = ImageDraw.Draw(image)
    unit = min(width, height)
    floor = round(height * rng.uniform(0.68, 0.74))
    wall = rng.choice(((232, 218, 190), (215, 225, 210), (225, 210, 215)))
    draw.rectangle((0, 0, width, floor), fill=wall)
    draw.rectangle((0, floor, width, height), fill=(150, 100, 60))
    for k in range(1, 6):
        y = floor + (height - floor) * k / 6
        draw.line((0, y, width, y), fill=(120, 78, 45), width=2)
    draw.rectangle((0, floor - unit * 0.03, width, floor), fill=(240, 240, 235))
    left_window = rng.random() < 0.5
    wx = width * (0.1 if left_window else 0.55)
    ww, wh, wy = width * 0.32, height * 0.3, height * 0.12
    draw.rectangle((wx, wy, wx + ww, wy + wh), fill=(250, 250, 250))
    draw.rectangle((wx + 6, wy + 6, wx + ww - 6, wy + wh - 6), fill=(170, 210, 240))
    draw.line((wx + ww / 2, wy, wx + ww / 2, wy + wh), fill=(250, 250, 250), width=5)
    draw.line((wx, wy + wh / 2, wx + ww, wy + wh / 2), fill=(250, 250, 250), width=5)
    px = width * (0.62 if left_window else 0.12)
    pw, ph, py = width * 0.22, height * 0.16, height * 0.16
    draw.rectangle((px, py, px + pw, py + ph), fill=(110, 70, 35))
    draw.rectangle((px + 5, py + 5, px + pw - 5, py + ph - 5), fill=(200, 225, 200))
    draw.polygon(
        [(px + 5, py + ph - 5), (px + pw * 0.45, py + ph * 0.35), (px + pw - 5, py + ph - 5)],
        fill=(90, 140, 90),
    )
    tx, ty = width * rng.uniform(0.3, 0.45), floor + (height - floor) * 0.35
    tw = width * 0.36
    draw.rectangle((tx, ty - unit * 0.2, tx + tw, ty - unit * 0.17), fill=(120, 70, 30))
    for leg in (tx + 6, tx + tw - 14):
        draw.rectangle((leg, ty - unit * 0.17, leg + 8, ty), fill=(120, 70, 30))
    lx = tx + tw * 0.7
    draw.rectangle((lx - 2, ty - unit * 0.33, lx + 2, ty - unit * 0.2), fill=(60, 60, 60))
    draw.polygon(
        [
            (lx - unit * 0.06, ty - unit * 0.33),
            (lx + unit * 0.06, ty - unit * 0.33),
            (lx + unit * 0.035, ty - unit * 0.42),
            (lx - unit * 0.035, ty - unit * 0.42),
        ],
        fill=(250, 225, 140),
    )


def _beach(image: Image.Image, rng: random.Random) -> None:
    width, height = image.size
    draw = ImageDraw.Draw(image)
    unit = min(width, height)
    horizon = round(height * rng.uniform(0.42, 0.48))
    shore = round(height * rng.uniform(0.62, 0.68))
    vertical_gradient(draw, (0, 0, width, horizon), (80, 165, 240), (185, 225, 250))
    vertical_gradient(draw, (0, horizon, width, shore), (20, 100, 180), (40, 150, 200))
    for k in range(4):
        y = horizon + (shore - horizon) * (k + 0.6) / 4.5
        for x in range(round(rng.uniform(0, 30)), width, 60):
            draw.arc((x, y - 6, x + 30, y + 6), 200, 340, fill=(230, 245, 255), width=2)
    draw.rectangle((0, shore, width, height), fill=(238, 214, 160))
    draw.line((0, shore, width, shore), fill=(250, 250, 245), width=4)
    _sun(draw, width * rng.choice((0.18, 0.82)), height * 0.15, unit * 0.07)
    ux = width * rng.uniform(0.25, 0.7)
    top = shore - unit * 0.02
    draw.line((ux, top, ux + unit * 0.02, height - unit * 0.08), fill=(90, 60, 30), width=4)
    r = unit * 0.16
    colours = ((230, 40, 40), (255, 255, 255))
    for k in range(6):
        draw.pieslice(
            (ux - r, top - r * 0.6, ux + r, top + r * 0.6),
            180 + k * 30,
            210 + k * 30,
            fill=colours[k % 2],
        )
    bx, by, br = width * (0.15 if ux > width / 2 else 0.8), height * 0.85, unit * 0.05
    draw_shape(draw, "circle", (bx - br, by - br, bx + br, by + br), (250, 250, 250))
    draw.pieslice((bx - br, by - br, bx + br, by + br), 0, 60, fill=(30, 80, 220))
    draw.pieslice((bx - br, by - br, bx + br, by + br), 120, 180, fill=(245, 205, 20))
    draw.pieslice((bx - br, by - br, bx + br, by + br), 240, 300, fill=(220, 30, 35))


_SCENES: dict[str, Callable[[Image.Image, random.Random], None]] = {
    "day": _day,
    "night": _night,
    "indoor": _indoor,
    "beach": _beach,
}

#: Scene template names, in documentation order.
SCENES: tuple[str, ...] = tuple(_SCENES)


def draw_scene(image: Image.Image, scene: str, seed: int) -> None:
    """Paint scene template ``scene`` over all of ``image``, varied by ``seed``.

    Raises:
        DataError: for an unknown scene name, listing the known ones.
    """
    painter = _SCENES.get(scene)
    if painter is None:
        raise DataError(f"unknown scene {scene!r}; known scenes: {', '.join(SCENES)}")
    painter(image, random.Random(f"scene:{scene}:{seed}"))
