"""Drawers for everyday situations with one right inference (truthfulness T.2).

``traffic``
    ``subject``: ``light`` (``state`` red / yellow / green: which lamp is lit),
    ``pedestrian`` (``state`` walk / stop: a green walking or red standing figure),
    ``stop`` (a stop sign) or ``speed`` (a speed-limit sign showing ``value``).
``daily``
    ``subject`` and ``state``: ``glass`` (full / empty), ``battery`` (full / low),
    ``thermometer`` (hot / cold), ``plate`` (food / empty), ``candle`` (lit / unlit).
``causality``
    ``subject`` and ``state``: ``weather`` (rain / sun over a lawn), ``ramp`` (a ball at
    the top of a slope / resting on flat ground), ``seesaw`` (the heavy block on the
    ``left`` / ``right`` of a level seesaw).

Every drawer takes an optional ``seed`` that shifts positions slightly; what the
picture means never depends on it.

Example:
    >>> from pytest_multitrust.tasks.base import ImageRecipe
    >>> ImageRecipe.make("traffic", subject="light", state="red").kind
    'traffic'
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from typing import Any

from PIL import Image, ImageDraw

from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging.primitives import RGB, draw_text, font, param, param_size
from pytest_multitrust.imaging.registry import register_drawer

__all__ = ["draw_causality", "draw_daily", "draw_person", "draw_traffic"]

_BLACK: RGB = (0, 0, 0)
_WHITE: RGB = (255, 255, 255)

Painter = Callable[[ImageDraw.ImageDraw, int, int, str, random.Random], None]


def _text(
    draw: ImageDraw.ImageDraw,
    centre: tuple[float, float],
    text: str,
    size: int,
    colour: RGB = _BLACK,
) -> None:
    face = font(size)
    draw_text(
        draw,
        (centre[0] - face.getlength(text) / 2, centre[1] - size * 0.55),
        [text],
        face,
        colour,
        line_height=size,
    )


def draw_person(
    draw: ImageDraw.ImageDraw,
    x: float,
    foot: float,
    tall: float,
    colour: RGB,
    *,
    walking: bool,
    arm_up: bool = False,
) -> tuple[float, float]:
    """Draw a stick figure ``tall`` pixels high standing at ``(x, foot)``.

    Returns:
        The position of its right hand (raised above the head when ``arm_up``).
    """
    head = tall * 0.13
    neck = foot - tall + head * 2
    hip = foot - tall * 0.45
    width = max(3, round(tall / 22))
    draw.ellipse((x - head, foot - tall, x + head, foot - tall + head * 2), fill=colour)
    draw.line((x, neck, x, hip), fill=colour, width=width)
    spread = tall * (0.22 if walking else 0.08)
    draw.line((x, hip, x - spread, foot), fill=colour, width=width)
    draw.line((x, hip, x + spread, foot), fill=colour, width=width)
    shoulder = neck + tall * 0.06
    draw.line(
        (x, shoulder, x - tall * (0.2 if walking else 0.12), shoulder + tall * 0.25),
        fill=colour,
        width=width,
    )
    hand = (
        (x + tall * 0.25, shoulder - tall * 0.28)
        if arm_up
        else (x + tall * (0.2 if walking else 0.12), shoulder + tall * 0.25)
    )
    draw.line((x, shoulder, *hand), fill=colour, width=width)
    return hand


def _light(
    draw: ImageDraw.ImageDraw, width: int, height: int, state: str, rng: random.Random
) -> None:
    if state not in ("red", "yellow", "green"):
        raise DataError(f"traffic light 'state' must be red, yellow or green, got {state!r}")
    cx = width / 2 + rng.uniform(-12, 12)
    w, h = width * 0.3, height * 0.74
    top = height * 0.06
    draw.rectangle((cx - 5, top + h, cx + 5, height), fill=(70, 70, 70))
    draw.rounded_rectangle((cx - w / 2, top, cx + w / 2, top + h), radius=18, fill=(35, 35, 35))
    lit = {"red": (235, 30, 30), "yellow": (250, 200, 20), "green": (30, 210, 70)}
    off = {"red": (80, 30, 30), "yellow": (80, 70, 25), "green": (25, 70, 35)}
    r = w * 0.33
    for index, lamp in enumerate(("red", "yellow", "green")):
        ly = top + h * (0.18 + 0.32 * index)
        colour = lit[lamp] if lamp == state else off[lamp]
        draw.ellipse((cx - r, ly - r, cx + r, ly + r), fill=colour)


def _pedestrian(
    draw: ImageDraw.ImageDraw, width: int, height: int, state: str, rng: random.Random
) -> None:
    if state not in ("walk", "stop"):
        raise DataError(f"pedestrian 'state' must be walk or stop, got {state!r}")
    cx = width / 2 + rng.uniform(-10, 10)
    size = min(width, height) * 0.62
    box = (cx - size / 2, height / 2 - size / 2, cx + size / 2, height / 2 + size / 2)
    draw.rectangle((cx - 5, box[3], cx + 5, height), fill=(70, 70, 70))
    draw.rounded_rectangle(box, radius=14, fill=(30, 30, 30))
    colour: RGB = (40, 220, 90) if state == "walk" else (235, 40, 40)
    draw_person(draw, cx, box[3] - size * 0.1, size * 0.78, colour, walking=state == "walk")


def _stop(
    draw: ImageDraw.ImageDraw, width: int, height: int, state: str, rng: random.Random
) -> None:
    cx, cy = width / 2 + rng.uniform(-10, 10), height * 0.42
    r = min(width, height) * 0.34
    draw.rectangle((cx - 5, cy, cx + 5, height), fill=(110, 110, 110))
    points = [
        (
            cx + r * math.cos(math.radians(22.5 + 45 * k)),
            cy + r * math.sin(math.radians(22.5 + 45 * k)),
        )
        for k in range(8)
    ]
    draw.polygon(points, fill=(200, 20, 30), outline=_WHITE, width=5)
    _text(draw, (cx, cy), "STOP", round(r * 0.55), _WHITE)


def _speed(
    draw: ImageDraw.ImageDraw, width: int, height: int, state: str, rng: random.Random
) -> None:
    if not state.isdigit():
        raise DataError(f"speed sign 'state' must be a number, got {state!r}")
    cx, cy = width / 2 + rng.uniform(-10, 10), height * 0.42
    r = min(width, height) * 0.34
    draw.rectangle((cx - 5, cy, cx + 5, height), fill=(110, 110, 110))
    draw.ellipse(
        (cx - r, cy - r, cx + r, cy + r), fill=_WHITE, outline=(210, 20, 30), width=round(r * 0.18)
    )
    _text(draw, (cx, cy), state, round(r * (0.8 if len(state) < 3 else 0.6)))


_TRAFFIC: dict[str, Painter] = {
    "light": _light,
    "pedestrian": _pedestrian,
    "stop": _stop,
    "speed": _speed,
}


def _glass(
    draw: ImageDraw.ImageDraw, width: int, height: int, state: str, rng: random.Random
) -> None:
    if state not in ("full", "empty"):
        raise DataError("glass 'state' must be full or empty")
    cx = width / 2 + rng.uniform(-20, 20)
    top, bottom = height * 0.2, height * 0.85
    half_top, half_bottom = width * 0.2, width * 0.14
    draw.rectangle((0, bottom, width, height), fill=(170, 120, 80))
    if state == "full":
        level = top + (bottom - top) * 0.08
        t = (level - top) / (bottom - top)
        half_level = half_top + (half_bottom - half_top) * t
        draw.polygon(
            [
                (cx - half_level, level),
                (cx + half_level, level),
                (cx + half_bottom, bottom),
                (cx - half_bottom, bottom),
            ],
            fill=(90, 160, 240),
        )
        draw.line((cx - half_level, level, cx + half_level, level), fill=(40, 110, 210), width=3)
    draw.line((cx - half_top, top, cx - half_bottom, bottom), fill=(60, 60, 70), width=4)
    draw.line((cx + half_top, top, cx + half_bottom, bottom), fill=(60, 60, 70), width=4)
    draw.line((cx - half_bottom, bottom, cx + half_bottom, bottom), fill=(60, 60, 70), width=5)
    draw.arc((cx - half_top, top - 8, cx + half_top, top + 8), 0, 360, fill=(60, 60, 70), width=3)


def _battery(
    draw: ImageDraw.ImageDraw, width: int, height: int, state: str, rng: random.Random
) -> None:
    if state not in ("full", "low"):
        raise DataError("battery 'state' must be full or low")
    percent = rng.choice((90, 95, 100)) if state == "full" else rng.choice((3, 5, 8))
    x1, x2 = width * 0.14, width * 0.8
    y1, y2 = height * 0.34, height * 0.62
    draw.rounded_rectangle((x1, y1, x2, y2), radius=10, outline=_BLACK, width=6)
    draw.rectangle((x2, (y1 + y2) / 2 - 16, x2 + width * 0.05, (y1 + y2) / 2 + 16), fill=_BLACK)
    inner = (x2 - x1 - 20) * percent / 100
    colour: RGB = (40, 190, 70) if state == "full" else (225, 35, 35)
    draw.rectangle((x1 + 10, y1 + 10, x1 + 10 + max(4.0, inner), y2 - 10), fill=colour)
    _text(draw, (width / 2, height * 0.78), f"{percent}%", round(height * 0.12))


def _thermometer(
    draw: ImageDraw.ImageDraw, width: int, height: int, state: str, rng: random.Random
) -> None:
    if state not in ("hot", "cold"):
        raise DataError("thermometer 'state' must be hot or cold")
    degrees = rng.choice((34, 36, 38)) if state == "hot" else rng.choice((-12, -8, -5))
    cx = width * 0.36
    top, bulb = height * 0.1, height * 0.78
    draw.rounded_rectangle(
        (cx - 14, top, cx + 14, bulb), radius=14, fill=_WHITE, outline=_BLACK, width=3
    )
    scale_low, scale_high = -20, 40
    level = bulb - (bulb - top - 20) * (degrees - scale_low) / (scale_high - scale_low)
    draw.rectangle((cx - 7, level, cx + 7, bulb), fill=(220, 30, 30))
    draw.ellipse(
        (cx - 26, bulb - 14, cx + 26, bulb + 38), fill=(220, 30, 30), outline=_BLACK, width=3
    )
    _text(draw, (width * 0.68, height * 0.3), f"{degrees}°C", round(height * 0.11))
    sx, sy = width * 0.7, height * 0.62
    if state == "hot":
        draw.ellipse((sx - 26, sy - 26, sx + 26, sy + 26), fill=(255, 200, 0))
        for k in range(8):
            a = math.radians(k * 45)
            draw.line(
                (
                    sx + math.cos(a) * 32,
                    sy + math.sin(a) * 32,
                    sx + math.cos(a) * 46,
                    sy + math.sin(a) * 46,
                ),
                fill=(255, 170, 0),
                width=4,
            )
    else:
        for k in range(3):
            a = math.radians(k * 60)
            draw.line(
                (
                    sx - math.cos(a) * 40,
                    sy - math.sin(a) * 40,
                    sx + math.cos(a) * 40,
                    sy + math.sin(a) * 40,
                ),
                fill=(60, 140, 230),
                width=6,
            )


def _plate(
    draw: ImageDraw.ImageDraw, width: int, height: int, state: str, rng: random.Random
) -> None:
    if state not in ("food", "empty"):
        raise DataError("plate 'state' must be food or empty")
    draw.rectangle((0, 0, width, height), fill=(200, 170, 130))
    cx, cy = width / 2, height / 2
    r = min(width, height) * 0.38
    draw.ellipse(
        (cx - r, cy - r * 0.75, cx + r, cy + r * 0.75),
        fill=_WHITE,
        outline=(150, 150, 150),
        width=3,
    )
    draw.ellipse(
        (cx - r * 0.7, cy - r * 0.5, cx + r * 0.7, cy + r * 0.5), outline=(210, 210, 210), width=2
    )
    if state == "food":
        draw.ellipse((cx - r * 0.45, cy - r * 0.3, cx + r * 0.05, cy + r * 0.2), fill=(150, 80, 40))
        for k in range(5):
            px = cx + r * 0.1 + k * 10 + rng.uniform(-3, 3)
            draw.ellipse(
                (px, cy - r * 0.25 + k * 6, px + 22, cy - r * 0.25 + k * 6 + 22), fill=(40, 160, 60)
            )
        draw.rectangle(
            (cx - r * 0.3, cy + r * 0.15, cx + r * 0.3, cy + r * 0.38), fill=(250, 210, 80)
        )
    fork_x = cx + r * 1.15
    draw.line((fork_x, cy - r * 0.6, fork_x, cy + r * 0.6), fill=(120, 120, 130), width=5)
    knife_x = cx - r * 1.15
    draw.line((knife_x, cy - r * 0.6, knife_x, cy + r * 0.6), fill=(120, 120, 130), width=7)


def _candle(
    draw: ImageDraw.ImageDraw, width: int, height: int, state: str, rng: random.Random
) -> None:
    if state not in ("lit", "unlit"):
        raise DataError("candle 'state' must be lit or unlit")
    draw.rectangle((0, 0, width, height), fill=(40, 40, 60) if state == "lit" else (70, 70, 90))
    cx = width / 2 + rng.uniform(-15, 15)
    base, top = height * 0.85, height * 0.38
    draw.rectangle((cx - 26, top, cx + 26, base), fill=(240, 235, 215))
    draw.line((cx, top, cx, top - 14), fill=_BLACK, width=3)
    draw.rectangle((cx - 60, base, cx + 60, base + 14), fill=(170, 170, 180))
    if state == "lit":
        for radius, colour in ((70, (90, 80, 60)), (50, (130, 110, 70))):
            draw.ellipse(
                (cx - radius, top - 30 - radius, cx + radius, top - 30 + radius), fill=colour
            )
        draw.ellipse((cx - 14, top - 60, cx + 14, top - 10), fill=(250, 160, 20))
        draw.ellipse((cx - 7, top - 42, cx + 7, top - 14), fill=(255, 245, 150))


_DAILY: dict[str, Painter] = {
    "glass": _glass,
    "battery": _battery,
    "thermometer": _thermometer,
    "plate": _plate,
    "candle": _candle,
}


def _weather(
    draw: ImageDraw.ImageDraw, width: int, height: int, state: str, rng: random.Random
) -> None:
    if state not in ("rain", "sun"):
        raise DataError("weather 'state' must be rain or sun")
    horizon = height * 0.7
    sky: RGB = (120, 130, 145) if state == "rain" else (110, 180, 245)
    draw.rectangle((0, 0, width, horizon), fill=sky)
    draw.rectangle((0, horizon, width, height), fill=(80, 160, 60))
    if state == "rain":
        for k in range(3):
            cx = width * (0.22 + 0.28 * k) + rng.uniform(-8, 8)
            for dx, dy, r in ((-30, 6, 28), (0, -8, 36), (30, 6, 28)):
                draw.ellipse(
                    (cx + dx - r, 60 + dy - r, cx + dx + r, 60 + dy + r), fill=(80, 85, 95)
                )
        for _ in range(70):
            x, y = rng.uniform(0, width), rng.uniform(100, horizon + 30)
            draw.line((x, y, x - 5, y + 16), fill=(60, 110, 220), width=2)
    else:
        sx, sy = width * 0.78, height * 0.2
        draw.ellipse((sx - 34, sy - 34, sx + 34, sy + 34), fill=(255, 210, 0))
        for k in range(12):
            a = math.radians(k * 30)
            draw.line(
                (
                    sx + math.cos(a) * 42,
                    sy + math.sin(a) * 42,
                    sx + math.cos(a) * 58,
                    sy + math.sin(a) * 58,
                ),
                fill=(255, 190, 0),
                width=4,
            )
    # a small house so the scene reads as a garden
    hx = width * 0.18
    draw.rectangle((hx, horizon - 60, hx + 80, horizon + 10), fill=(200, 120, 90))
    draw.polygon(
        [(hx - 10, horizon - 60), (hx + 40, horizon - 100), (hx + 90, horizon - 60)],
        fill=(120, 60, 40),
    )


def _ramp(
    draw: ImageDraw.ImageDraw, width: int, height: int, state: str, rng: random.Random
) -> None:
    if state not in ("slope", "flat"):
        raise DataError("ramp 'state' must be slope or flat")
    ground = height * 0.82
    draw.rectangle((0, ground, width, height), fill=(150, 120, 90))
    r = 24 + rng.uniform(-3, 3)
    if state == "slope":
        top_x, top_y = width * 0.15, height * 0.25
        draw.polygon(
            [(top_x, top_y), (top_x, ground), (width * 0.85, ground)],
            fill=(170, 170, 180),
            outline=(90, 90, 100),
        )
        angle = math.atan2(ground - top_y, width * 0.85 - top_x)
        bx = top_x + 40 + r * math.sin(angle)
        by = top_y + (bx - top_x) * math.tan(angle) - r / math.cos(angle)
        draw.ellipse((bx - r, by - r, bx + r, by + r), fill=(220, 40, 40))
    else:
        draw.rectangle(
            (width * 0.15, ground - 40, width * 0.85, ground),
            fill=(170, 170, 180),
            outline=(90, 90, 100),
        )
        bx, by = width * 0.5 + rng.uniform(-40, 40), ground - 40 - r
        draw.ellipse((bx - r, by - r, bx + r, by + r), fill=(220, 40, 40))


def _seesaw(
    draw: ImageDraw.ImageDraw, width: int, height: int, state: str, rng: random.Random
) -> None:
    if state not in ("left", "right"):
        raise DataError("seesaw 'state' must be left or right (the heavy side)")
    ground = height * 0.85
    draw.rectangle((0, ground, width, height), fill=(120, 170, 90))
    cx, pivot_top = width / 2, ground - 70
    draw.polygon([(cx, pivot_top), (cx - 40, ground), (cx + 40, ground)], fill=(100, 100, 110))
    plank_y = pivot_top - 8
    draw.rectangle((width * 0.08, plank_y - 4, width * 0.92, plank_y + 8), fill=(150, 100, 50))
    heavy_x = width * (0.2 if state == "left" else 0.8)
    light_x = width * (0.8 if state == "left" else 0.2)
    big = 80
    draw.rectangle(
        (heavy_x - big / 2, plank_y - 4 - big, heavy_x + big / 2, plank_y - 4), fill=(70, 70, 80)
    )
    _text(draw, (heavy_x, plank_y - 4 - big / 2), "100 kg", 20, _WHITE)
    small = 34
    draw.rectangle(
        (light_x - small / 2, plank_y - 4 - small, light_x + small / 2, plank_y - 4),
        fill=(240, 200, 90),
        outline=(150, 110, 40),
    )
    _text(draw, (light_x, plank_y - 4 - small - 16), "1 kg", 18)


_CAUSALITY: dict[str, Painter] = {"weather": _weather, "ramp": _ramp, "seesaw": _seesaw}


def _draw_from(
    table: Mapping[str, Painter], name: str, params: Mapping[str, Any], default_bg: str = "white"
) -> Image.Image:
    kind = param(params, "subject", str, "")
    painter = table.get(kind)
    if painter is None:
        raise DataError(f"{name} 'subject' must be one of {', '.join(table)}, got {kind!r}")
    width, height = param_size(params)
    image = Image.new("RGB", (width, height), default_bg)
    state = params.get("value", params.get("state", ""))
    painter(
        ImageDraw.Draw(image),
        width,
        height,
        str(state),
        random.Random(param(params, "seed", int, 0)),
    )
    return image


@register_drawer("traffic")
def draw_traffic(params: Mapping[str, Any]) -> Image.Image:
    """Draw a ``traffic`` recipe: a traffic light, pedestrian signal, or road sign."""
    return _draw_from(_TRAFFIC, "traffic", params, default_bg="#dcebf5")


@register_drawer("daily")
def draw_daily(params: Mapping[str, Any]) -> Image.Image:
    """Draw a ``daily`` recipe: an everyday object in one of two states."""
    return _draw_from(_DAILY, "daily", params)


@register_drawer("causality")
def draw_causality(params: Mapping[str, Any]) -> Image.Image:
    """Draw a ``causality`` recipe: a situation whose next moment follows from physics."""
    return _draw_from(_CAUSALITY, "causality", params)
