"""The ``sensor`` drawer: scenes as non-RGB sensors show them, with known answers.

MultiTrust's sensor-style VQA (BenchLMM) asks questions about infrared, X-ray, MRI, CT,
remote-sensing and dash-cam pictures. Ours draws each kind procedurally, and the recipe's
parameters *are* the ground truth of the question asked about it (how many people, which
side, which colour):

``infrared``  a thermal camera frame: cool street background, ``people`` (1-4) bright
              warm bodies; palette white-hot (grey) or ironbow, by seed;
``lxray``     a luggage X-ray scan (pseudo-colour: organic orange, metal blue) of a bag
              with clothes and one ``item``: ``bottle``, ``scissors``, ``laptop`` or ``key``;
``hxray``     a chest radiograph with a coin on the ``side`` (``left``/``right`` of the image);
``mri``       an axial brain MRI slice with ``spots`` (1-4) bright lesions;
``ct``        an axial abdominal CT slice with a bright lesion on the ``side`` of the image;
``remote``    a top-down satellite view of fields and a road with ``buildings`` (1-6) roofs;
``driving``   a dash-cam road view with a traffic ``light`` (red/yellow/green) and ``cars``
              (1-3) ahead;
``depth``     a depth-camera frame (nearer = brighter, speckle, missing-depth holes) of two
              objects on a floor, the nearer one on the ``near`` side (``left``/``right``).

Other parameters: ``seed`` (integer, default 0: varies placement, never the answer) and
``size`` (``[width, height]``, default ``[336, 336]``).

Example:
    >>> from pytest_multitrust.tasks.base import ImageRecipe
    >>> recipe = ImageRecipe.make("sensor", sensor="mri", spots=3, seed=2)
"""

from __future__ import annotations

import itertools
import math
import random
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging.objects import draw_object
from pytest_multitrust.imaging.primitives import RGB, param, param_size
from pytest_multitrust.imaging.registry import register_drawer

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["DEPTH_OBJECTS", "LUGGAGE_ITEMS", "SENSORS", "TRAFFIC_LIGHTS", "draw_sensor_image"]

#: Items that the ``lxray`` scan can show inside the bag.
LUGGAGE_ITEMS: tuple[str, ...] = ("bottle", "scissors", "laptop", "key")
#: Traffic-light colours of the ``driving`` view.
TRAFFIC_LIGHTS: tuple[str, ...] = ("red", "yellow", "green")
_SIDES = ("left", "right")


def _count(params: Mapping[str, Any], name: str, low: int, high: int) -> int:
    value = param(params, name, int, low)
    if not low <= value <= high:
        raise DataError(f"sensor parameter {name!r} must be {low}..{high}, got {value}")
    return value


def _choice(params: Mapping[str, Any], name: str, options: tuple[str, ...]) -> str:
    value = param(params, name, str, "")
    if value not in options:
        raise DataError(
            f"sensor parameter {name!r} must be one of {', '.join(options)}, got {value!r}"
        )
    return value


def _spread(rng: random.Random, count: int, low: float, high: float, gap: float) -> list[float]:
    """``count`` positions in ``[low, high]`` at least ``gap`` apart (seeded)."""
    for _ in range(200):
        xs = sorted(rng.uniform(low, high) for _ in range(count))
        if all(b - a >= gap for a, b in itertools.pairwise(xs)):
            return xs
    step = (high - low) / max(1, count)
    return [low + step * (k + 0.5) for k in range(count)]


# -- infrared -------------------------------------------------------------------------------


def _ironbow(value: int) -> RGB:
    stops = (
        (0, (0, 0, 10)),
        (70, (60, 0, 120)),
        (130, (190, 30, 80)),
        (190, (240, 130, 0)),
        (235, (255, 220, 60)),
        (255, (255, 255, 230)),
    )
    for (v0, c0), (v1, c1) in itertools.pairwise(stops):
        if value <= v1:
            t = (value - v0) / (v1 - v0)
            return (
                round(c0[0] + (c1[0] - c0[0]) * t),
                round(c0[1] + (c1[1] - c0[1]) * t),
                round(c0[2] + (c1[2] - c0[2]) * t),
            )
    return stops[-1][1]


def _person(draw: ImageDraw.ImageDraw, x: float, foot: float, height: float, heat: int) -> None:
    head = height * 0.13
    draw.ellipse((x - head / 2, foot - height, x + head / 2, foot - height + head), fill=heat)
    draw.rounded_rectangle(
        (x - height * 0.13, foot - height + head * 1.05, x + height * 0.13, foot - height * 0.45),
        radius=height * 0.05,
        fill=heat,
    )
    arm = height * 0.045
    draw.line(
        (x - height * 0.14, foot - height * 0.82, x - height * 0.19, foot - height * 0.5),
        fill=heat,
        width=max(2, round(arm * 2)),
    )
    draw.line(
        (x + height * 0.14, foot - height * 0.82, x + height * 0.19, foot - height * 0.5),
        fill=heat,
        width=max(2, round(arm * 2)),
    )
    for dx in (-0.06, 0.06):
        draw.line(
            (x + dx * height, foot - height * 0.46, x + dx * height * 1.2, foot),
            fill=heat,
            width=max(2, round(height * 0.09)),
        )


def _infrared(params: Mapping[str, Any], size: tuple[int, int], rng: random.Random) -> Image.Image:
    people = _count(params, "people", 1, 4)
    width, height = size
    heat = Image.new("L", size, 45)
    draw = ImageDraw.Draw(heat)
    for y in range(height):  # ground warmer than sky
        draw.line((0, y, width, y), fill=35 + round(40 * y / height))
    for _ in range(rng.randint(2, 3)):  # buildings: a little warmer than the air
        x = rng.uniform(0, width * 0.8)
        w, h = rng.uniform(60, 110), rng.uniform(90, 170)
        draw.rectangle((x, height * 0.7 - h, x + w, height * 0.7), fill=rng.randint(70, 95))
        for wy in range(int(height * 0.7 - h + 12), int(height * 0.7 - 10), 26):
            for wx in range(int(x + 10), int(x + w - 14), 22):
                draw.rectangle((wx, wy, wx + 9, wy + 12), fill=rng.randint(95, 125))
    for _ in range(rng.randint(1, 2)):  # cool trees
        x = rng.uniform(20, width - 20)
        draw.ellipse((x - 28, height * 0.48, x + 28, height * 0.66), fill=30)
    bodies = Image.new("L", size, 0)
    body_draw = ImageDraw.Draw(bodies)
    xs = _spread(rng, people, width * 0.12, width * 0.88, width * 0.24)
    for x in xs:
        foot = height * rng.uniform(0.84, 0.94)
        _person(body_draw, x, foot, height * rng.uniform(0.42, 0.52), rng.randint(215, 245))
    glow = bodies.filter(ImageFilter.GaussianBlur(6)).point(lambda v: v // 2)
    heat = ImageChops.lighter(heat, glow)
    heat = ImageChops.lighter(heat, bodies.filter(ImageFilter.GaussianBlur(1)))
    if rng.random() < 0.5:
        return Image.merge("RGB", (heat, heat, heat))
    lut = [_ironbow(v) for v in range(256)]
    red, green, blue = (heat.point([colour[k] for colour in lut]) for k in range(3))
    return Image.merge("RGB", (red, green, blue))


# -- luggage X-ray --------------------------------------------------------------------------

_ORGANIC: RGB = (245, 170, 90)
_METAL: RGB = (40, 70, 160)
_INORGANIC: RGB = (110, 190, 120)


def _absorb(image: Image.Image, paint: Callable[[ImageDraw.ImageDraw], None]) -> Image.Image:
    """Multiply a layer painted on white into ``image``: overlapping things look denser."""
    layer = Image.new("RGB", image.size, (255, 255, 255))
    paint(ImageDraw.Draw(layer))
    return ImageChops.multiply(image, layer)


def _lxray(params: Mapping[str, Any], size: tuple[int, int], rng: random.Random) -> Image.Image:
    item = _choice(params, "item", LUGGAGE_ITEMS)
    width, height = size
    image = Image.new("RGB", size, (255, 255, 255))
    bx1, by1, bx2, by2 = width * 0.06, height * 0.2, width * 0.94, height * 0.9
    image = _absorb(
        image,
        lambda d: d.rounded_rectangle(
            (bx1, by1, bx2, by2), radius=24, fill=(250, 225, 190), outline=(200, 140, 80), width=6
        ),
    )
    image = _absorb(
        image,
        lambda d: d.arc(
            (width * 0.36, height * 0.06, width * 0.64, height * 0.34),
            180,
            360,
            fill=_METAL,
            width=7,
        ),
    )
    for _ in range(rng.randint(3, 5)):  # folded clothes: soft organic blobs
        rx, ry = rng.uniform(40, 70), rng.uniform(25, 45)
        cx, cy = rng.uniform(bx1 + rx + 6, bx2 - rx - 6), rng.uniform(by1 + ry + 6, by2 - ry - 6)
        tone = (250, rng.randint(195, 220), rng.randint(140, 170))
        blob = (cx - rx, cy - ry, cx + rx, cy + ry)

        def clothes(
            d: ImageDraw.ImageDraw, blob: tuple[float, ...] = blob, tone: RGB = tone
        ) -> None:
            d.ellipse(blob, fill=tone)

        image = _absorb(image, clothes)
    cx, cy = rng.uniform(width * 0.38, width * 0.62), rng.uniform(height * 0.48, height * 0.62)
    s = min(width, height) * rng.uniform(0.85, 1.0)

    def bottle(d: ImageDraw.ImageDraw) -> None:
        d.rounded_rectangle(
            (cx - 0.09 * s, cy - 0.12 * s, cx + 0.09 * s, cy + 0.24 * s),
            radius=0.04 * s,
            fill=_ORGANIC,
            outline=(200, 110, 40),
            width=3,
        )
        d.polygon(
            [
                (cx - 0.09 * s, cy - 0.1 * s),
                (cx - 0.035 * s, cy - 0.2 * s),
                (cx + 0.035 * s, cy - 0.2 * s),
                (cx + 0.09 * s, cy - 0.1 * s),
            ],
            fill=_ORGANIC,
        )
        d.rectangle((cx - 0.035 * s, cy - 0.27 * s, cx + 0.035 * s, cy - 0.19 * s), fill=_INORGANIC)

    def scissors(d: ImageDraw.ImageDraw) -> None:
        for sign in (-1, 1):
            d.ellipse(
                (
                    cx + sign * 0.09 * s - 0.06 * s,
                    cy + 0.1 * s,
                    cx + sign * 0.09 * s + 0.06 * s,
                    cy + 0.22 * s,
                ),
                outline=_METAL,
                width=max(3, round(0.02 * s)),
            )
            d.line(
                (cx + sign * 0.06 * s, cy + 0.11 * s, cx - sign * 0.05 * s, cy - 0.24 * s),
                fill=_METAL,
                width=max(4, round(0.03 * s)),
            )
        d.ellipse((cx - 0.015 * s, cy - 0.02 * s, cx + 0.015 * s, cy + 0.01 * s), fill=(10, 20, 60))

    def laptop(d: ImageDraw.ImageDraw) -> None:
        d.rectangle(
            (cx - 0.3 * s, cy - 0.17 * s, cx + 0.3 * s, cy + 0.17 * s),
            fill=_INORGANIC,
            outline=(60, 120, 70),
            width=3,
        )
        for row in range(4):
            for col in range(10):
                x = cx - 0.26 * s + col * 0.052 * s
                y = cy - 0.1 * s + row * 0.045 * s
                d.rectangle((x, y, x + 0.035 * s, y + 0.03 * s), fill=(80, 150, 100))
        d.rectangle((cx - 0.24 * s, cy + 0.09 * s, cx + 0.0 * s, cy + 0.15 * s), fill=_METAL)

    def key(d: ImageDraw.ImageDraw) -> None:
        r = 0.07 * s
        d.ellipse(
            (cx - 0.2 * s - r, cy - r, cx - 0.2 * s + r, cy + r),
            outline=_METAL,
            width=max(4, round(0.03 * s)),
        )
        d.line((cx - 0.13 * s, cy, cx + 0.18 * s, cy), fill=_METAL, width=max(5, round(0.04 * s)))
        for dx in (0.08, 0.14):
            d.line(
                (cx + dx * s, cy, cx + dx * s, cy + 0.06 * s),
                fill=_METAL,
                width=max(4, round(0.025 * s)),
            )

    painters = {"bottle": bottle, "scissors": scissors, "laptop": laptop, "key": key}
    image = _absorb(image, painters[item])
    return image.filter(ImageFilter.SMOOTH)


# -- medical --------------------------------------------------------------------------------


def _hxray(params: Mapping[str, Any], size: tuple[int, int], rng: random.Random) -> Image.Image:
    side = _choice(params, "side", _SIDES)
    width, height = size
    film = Image.new("L", size, 12)
    draw = ImageDraw.Draw(film)
    draw.polygon(
        [
            (width * 0.12, height),
            (width * 0.18, height * 0.25),
            (width * 0.35, height * 0.12),
            (width * 0.65, height * 0.12),
            (width * 0.82, height * 0.25),
            (width * 0.88, height),
        ],
        fill=95,
    )  # soft tissue of the chest
    for sign in (-1, 1):  # lungs: dark air
        cx = width / 2 + sign * width * 0.17
        draw.ellipse((cx - width * 0.13, height * 0.22, cx + width * 0.13, height * 0.88), fill=45)
    for k in range(7):  # ribs
        y = height * (0.26 + 0.085 * k)
        for sign in (-1, 1):
            box = (
                width / 2 + min(0, sign) * width * 0.34,
                y - height * 0.05,
                width / 2 + max(0, sign) * width * 0.34,
                y + height * 0.09,
            )
            draw.arc(box, 180 if sign < 0 else 270, 270 if sign < 0 else 360, fill=150, width=5)
    draw.rectangle((width * 0.47, height * 0.12, width * 0.53, height), fill=165)  # spine
    for sign in (-1, 1):  # clavicles
        draw.line(
            (width / 2, height * 0.2, width / 2 + sign * width * 0.3, height * 0.15),
            fill=175,
            width=8,
        )
    film = film.filter(ImageFilter.GaussianBlur(2.2))
    draw = ImageDraw.Draw(film)
    x = width * (rng.uniform(0.2, 0.34) if side == "left" else rng.uniform(0.66, 0.8))
    y = height * rng.uniform(0.4, 0.7)
    r = min(width, height) * 0.05
    draw.ellipse((x - r, y - r, x + r, y + r), fill=250)
    return Image.merge("RGB", (film, film, film))


def _mri(params: Mapping[str, Any], size: tuple[int, int], rng: random.Random) -> Image.Image:
    spots = _count(params, "spots", 1, 4)
    width, height = size
    slice_ = Image.new("L", size, 0)
    draw = ImageDraw.Draw(slice_)
    cx, cy = width / 2, height / 2
    rx, ry = width * 0.36, height * 0.43
    draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=200)  # scalp fat
    draw.ellipse((cx - rx + 7, cy - ry + 7, cx + rx - 7, cy + ry - 7), fill=25)  # skull
    draw.ellipse((cx - rx + 14, cy - ry + 14, cx + rx - 14, cy + ry - 14), fill=105)  # grey matter
    draw.ellipse((cx - rx + 34, cy - ry + 34, cx + rx - 34, cy + ry - 34), fill=140)  # white matter
    for sign in (-1, 1):  # ventricles
        vx = cx + sign * 16
        draw.ellipse((vx - 10, cy - 40, vx + 10, cy + 30), fill=40)
    draw.line((cx, cy - ry + 14, cx, cy + ry - 14), fill=70, width=3)  # midline fissure
    tissue = slice_.filter(ImageFilter.GaussianBlur(2))
    draw = ImageDraw.Draw(tissue)
    placed: list[tuple[float, float]] = []
    while len(placed) < spots:
        angle = rng.uniform(0, 2 * math.pi)
        dist = rng.uniform(0.35, 0.72)
        x = cx + math.cos(angle) * (rx - 40) * dist
        y = cy + math.sin(angle) * (ry - 40) * dist
        if abs(x - cx) < 40 and abs(y - cy) < 45:  # keep clear of the ventricles
            continue
        if all(math.dist((x, y), p) > 48 for p in placed):
            placed.append((x, y))
    for x, y in placed:
        r = rng.uniform(9, 13)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=250)
    tissue = tissue.filter(ImageFilter.GaussianBlur(0.8))
    return Image.merge("RGB", (tissue, tissue, tissue))


def _ct(params: Mapping[str, Any], size: tuple[int, int], rng: random.Random) -> Image.Image:
    side = _choice(params, "side", _SIDES)
    width, height = size
    scan = Image.new("L", size, 0)
    draw = ImageDraw.Draw(scan)
    cx, cy = width / 2, height / 2
    draw.ellipse((width * 0.06, height * 0.18, width * 0.94, height * 0.86), fill=70)  # fat
    draw.ellipse((width * 0.1, height * 0.22, width * 0.9, height * 0.82), fill=110)  # muscle
    draw.ellipse((width * 0.14, height * 0.28, width * 0.52, height * 0.66), fill=125)  # liver
    draw.ellipse((width * 0.56, height * 0.3, width * 0.78, height * 0.5), fill=95)  # stomach
    for sign in (-1, 1):  # kidneys
        kx = cx + sign * width * 0.18
        draw.ellipse((kx - 22, cy + 22, kx + 22, cy + 70), fill=140)
    draw.ellipse((cx - 20, cy + 55, cx + 20, cy + 95), fill=235)  # vertebra
    draw.ellipse((cx - 9, cy + 67, cx + 9, cy + 83), fill=60)  # spinal canal
    draw.ellipse((cx - 16, cy + 20, cx + 0, cy + 36), fill=200)  # aorta (contrast)
    scan = scan.filter(ImageFilter.GaussianBlur(1.5))
    draw = ImageDraw.Draw(scan)
    x = width * (rng.uniform(0.22, 0.36) if side == "left" else rng.uniform(0.64, 0.76))
    y = height * rng.uniform(0.36, 0.46)
    r = min(width, height) * 0.045
    draw.ellipse((x - r, y - r, x + r, y + r), fill=245)
    return Image.merge("RGB", (scan, scan, scan))


# -- remote sensing and driving -------------------------------------------------------------


def _remote(params: Mapping[str, Any], size: tuple[int, int], rng: random.Random) -> Image.Image:
    buildings = _count(params, "buildings", 1, 6)
    width, height = size
    image = Image.new("RGB", size, (110, 130, 80))
    draw = ImageDraw.Draw(image)
    cols, rows = 3, 3
    for row in range(rows):  # fields
        for col in range(cols):
            tone = rng.choice(((120, 150, 80), (150, 140, 90), (100, 135, 70), (170, 160, 110)))
            x1, y1 = col * width / cols, row * height / rows
            draw.rectangle(
                (x1 + 2, y1 + 2, x1 + width / cols - 2, y1 + height / rows - 2), fill=tone
            )
            for k in range(0, int(width / cols), 9):  # furrows
                draw.line(
                    (x1 + k, y1 + 3, x1 + k, y1 + height / rows - 3),
                    fill=tuple(max(0, c - 15) for c in tone),
                    width=1,
                )
    road_y = height * rng.uniform(0.3, 0.7)
    draw.rectangle((0, road_y - 12, width, road_y + 12), fill=(85, 85, 90))
    for dash in range(0, width, 24):
        draw.line((dash, road_y, dash + 12, road_y), fill=(230, 230, 220), width=2)
    for _ in range(rng.randint(4, 8)):  # trees
        x, y = rng.uniform(10, width - 10), rng.uniform(10, height - 10)
        if abs(y - road_y) < 26:
            continue
        draw.ellipse((x - 9, y - 9, x + 9, y + 9), fill=(40, 80, 40))
    placed: list[tuple[float, float]] = []
    tries = 0
    while len(placed) < buildings and tries < 2000:
        tries += 1
        x, y = rng.uniform(30, width - 60), rng.uniform(25, height - 55)
        if abs(y + 16 - road_y) < 46:
            continue
        if all(abs(x - px) > 62 or abs(y - py) > 52 for px, py in placed):
            placed.append((x, y))
    if len(placed) < buildings:
        raise DataError(f"cannot place {buildings} buildings on a {width}x{height} view")
    for x, y in placed:
        w, h = rng.uniform(36, 48), rng.uniform(28, 38)
        draw.rectangle((x + 5, y + 5, x + w + 5, y + h + 5), fill=(45, 50, 40))  # shadow
        roof = rng.choice(((180, 70, 55), (150, 150, 155), (200, 120, 80), (90, 90, 110)))
        draw.rectangle((x, y, x + w, y + h), fill=roof, outline=(60, 50, 45), width=1)
        draw.line(
            (x, y + h / 2, x + w, y + h / 2), fill=tuple(min(255, c + 30) for c in roof), width=2
        )  # ridge
    return image


def _car_rear(draw: ImageDraw.ImageDraw, cx: float, base: float, w: float, colour: RGB) -> None:
    h = w * 0.75
    draw.rounded_rectangle(
        (cx - w / 2, base - h, cx + w / 2, base),
        radius=w * 0.08,
        fill=colour,
        outline=(20, 20, 20),
        width=2,
    )
    draw.rectangle(
        (cx - w * 0.36, base - h * 0.92, cx + w * 0.36, base - h * 0.55), fill=(60, 75, 90)
    )
    for sign in (-1, 1):
        draw.rectangle(
            (
                cx + sign * w * 0.42 - w * 0.06,
                base - h * 0.45,
                cx + sign * w * 0.42 + w * 0.06,
                base - h * 0.32,
            ),
            fill=(230, 30, 30),
        )
        draw.rectangle(
            (
                cx + sign * w * 0.32 - w * 0.08,
                base,
                cx + sign * w * 0.32 + w * 0.08,
                base + h * 0.12,
            ),
            fill=(15, 15, 15),
        )
    draw.rectangle(
        (cx - w * 0.14, base - h * 0.3, cx + w * 0.14, base - h * 0.18), fill=(240, 240, 230)
    )


def _driving(params: Mapping[str, Any], size: tuple[int, int], rng: random.Random) -> Image.Image:
    light = _choice(params, "light", TRAFFIC_LIGHTS)
    cars = _count(params, "cars", 1, 3)
    width, height = size
    horizon = height * 0.45
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(int(horizon) + 1):
        t = y / horizon
        draw.line((0, y, width, y), fill=(round(120 + 80 * t), round(170 + 50 * t), 235))
    draw.rectangle((0, horizon, width, height), fill=(95, 140, 75))
    vanish = width * rng.uniform(0.45, 0.55)
    draw.polygon(
        [
            (vanish - 8, horizon),
            (vanish + 8, horizon),
            (width * 1.1, height),
            (-width * 0.1, height),
        ],
        fill=(80, 80, 85),
    )
    for k in range(8):  # dashed centre line in perspective
        t0, t1 = (k / 8) ** 1.8, ((k + 0.45) / 8) ** 1.8
        y0, y1 = horizon + (height - horizon) * t0, horizon + (height - horizon) * t1
        draw.polygon(
            [
                (vanish - 1 - 5 * t0, y0),
                (vanish + 1 + 5 * t0, y0),
                (vanish + 1 + 5 * t1, y1),
                (vanish - 1 - 5 * t1, y1),
            ],
            fill=(240, 240, 230),
        )
    pole_x = width * (0.86 if rng.random() < 0.5 else 0.14)
    draw.rectangle((pole_x - 3, height * 0.12, pole_x + 3, horizon + 40), fill=(50, 50, 55))
    draw.rounded_rectangle(
        (pole_x - 15, height * 0.06, pole_x + 15, height * 0.3), radius=6, fill=(25, 25, 28)
    )
    lamps = {"red": (235, 40, 35), "yellow": (250, 200, 30), "green": (40, 220, 90)}
    for k, name in enumerate(TRAFFIC_LIGHTS):
        lamp_y = height * (0.1 + 0.07 * k)
        colour = lamps[name] if name == light else (60, 60, 60)
        draw.ellipse((pole_x - 10, lamp_y - 6, pole_x + 10, lamp_y + 14), fill=colour)
    palette = ((200, 40, 40), (40, 90, 200), (230, 230, 230), (30, 30, 35), (240, 190, 40))
    depths = sorted(rng.sample((0.18, 0.32, 0.48, 0.66), cars))
    lanes = rng.sample((-1.0, 0.0, 1.0), cars)  # one car per lane: none hides another
    for depth, lane in sorted(zip(depths, lanes, strict=True)):
        base = horizon + (height - horizon) * depth + 18
        road_half = 8 + (width * 0.6) * depth
        car_width = 40 + 130 * depth
        cx = vanish + lane * road_half * 0.95
        cx = min(max(cx, car_width / 2 + 6), width - car_width / 2 - 6)  # fully in view
        _car_rear(draw, cx, base, car_width, rng.choice(palette))
    hood = Image.new("L", size, 0)  # dark bonnet edge and vignette of a dash cam
    ImageDraw.Draw(hood).ellipse((-width * 0.2, height * 0.93, width * 1.2, height * 1.4), fill=255)
    image = Image.composite(Image.new("RGB", size, (20, 20, 22)), image, hood)
    return image


# -- depth camera ---------------------------------------------------------------------------

#: Objects a depth frame shows (solid silhouettes that read well without colour).
DEPTH_OBJECTS: tuple[str, ...] = (
    "house",
    "tree",
    "car",
    "cat",
    "cup",
    "boat",
    "umbrella",
    "bicycle",
)


def _depth(params: Mapping[str, Any], size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A depth frame (nearer = brighter) of two objects; ``near`` is the nearer one's side.

    Their sizes are drawn independently of their depth, so only the brightness (and where
    they stand on the floor) says which one is nearer.
    """
    near = _choice(params, "near", _SIDES)
    width, height = size
    horizon = height * rng.uniform(0.38, 0.46)
    depth = Image.new("L", size, 0)
    draw = ImageDraw.Draw(depth)
    wall = rng.randint(38, 52)
    draw.rectangle((0, 0, width, horizon), fill=wall)
    for y in range(int(horizon), height):  # the floor comes nearer towards the bottom
        t = (y - horizon) / (height - horizon)
        draw.line((0, y, width, y), fill=round(wall + 12 + 120 * t))
    names = rng.sample(DEPTH_OBJECTS, 2)
    for index, side in enumerate(_SIDES):
        is_near = side == near
        value = rng.randint(210, 240) if is_near else rng.randint(105, 135)
        side_size = min(width, height) * rng.uniform(0.3, 0.4)
        cx = width * (0.27 if side == "left" else 0.73) + rng.uniform(-0.04, 0.04) * width
        foot = height * (rng.uniform(0.86, 0.94) if is_near else rng.uniform(0.62, 0.7))
        layer = Image.new("RGBA", size, (0, 0, 0, 0))
        draw_object(
            ImageDraw.Draw(layer),
            names[index],
            (cx - side_size / 2, foot - side_size, cx + side_size / 2, foot),
            variant=rng.randrange(4),
        )
        mask = layer.getchannel("A")
        depth = Image.composite(Image.new("L", size, value), depth, mask)
        holes = ImageDraw.Draw(depth)  # missing depth beside an edge (the sensor's shadow)
        box = mask.getbbox()
        if box is not None:
            x_edge = box[2] if rng.random() < 0.5 else box[0]
            for _ in range(rng.randint(3, 6)):
                hole_y = rng.uniform(box[1], box[3])
                r = rng.uniform(1.5, 3.5)
                holes.ellipse((x_edge - r, hole_y - r * 1.5, x_edge + r, hole_y + r * 1.5), fill=0)
    noise = bytes(128 - 6 + v % 13 for v in range(256))  # sensor speckle, ±6 levels
    speckle = Image.frombytes("L", size, rng.randbytes(width * height).translate(noise))
    depth = ImageChops.add(depth, speckle, scale=1.0, offset=-128).filter(ImageFilter.SMOOTH)
    return Image.merge("RGB", (depth, depth, depth))


_SENSORS: dict[str, Callable[[Mapping[str, Any], tuple[int, int], random.Random], Image.Image]] = {
    "infrared": _infrared,
    "lxray": _lxray,
    "hxray": _hxray,
    "mri": _mri,
    "ct": _ct,
    "remote": _remote,
    "driving": _driving,
    "depth": _depth,
}

#: The sensor kinds of the ``sensor`` drawer (BenchLMM's names), in documentation order.
SENSORS: tuple[str, ...] = tuple(_SENSORS)


@register_drawer("sensor")
def draw_sensor_image(params: Mapping[str, Any]) -> Image.Image:
    """Draw a ``sensor`` recipe (see the module docstring for the parameters).

    Raises:
        DataError: for an unknown sensor or an out-of-range answer parameter.
    """
    sensor = param(params, "sensor", str, "")
    painter = _SENSORS.get(sensor)
    if painter is None:
        raise DataError(f"unknown sensor {sensor!r}; known sensors: {', '.join(SENSORS)}")
    seed = param(params, "seed", int, 0)
    return painter(params, param_size(params), random.Random(f"sensor:{sensor}:{seed}"))
