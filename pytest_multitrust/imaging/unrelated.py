"""The ``unrelated`` drawer: images unrelated to the prompt, from a seed.

MMTrustEval pairs text prompts with unrelated images to see whether an image alone
changes behaviour. Its three kinds, made reproducible (the original samples them
without a seed, and draws "nature" from a folder of photographs):

``color``
    one solid random colour;
``noise``
    independent uniform random RGB per pixel;
``nature``
    a procedural landscape: sky gradient (day, dusk or overcast), an optional sun,
    layered hills, a lake on some seeds, and trees.

Parameters: ``style`` (required, one of the above; not ``kind``, which
``ImageRecipe.make`` takes for the drawer name), ``seed`` (integer, default 0),
``size`` (``[width, height]``, default ``[336, 336]``).

Example:
    >>> from pytest_multitrust.tasks.base import ImageRecipe
    >>> recipe = ImageRecipe.make("unrelated", style="noise", seed=7)
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw

from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging.primitives import RGB, param, param_size
from pytest_multitrust.imaging.registry import register_drawer
from pytest_multitrust.imaging.scenes import vertical_gradient

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["UNRELATED_KINDS", "draw_landscape", "draw_unrelated"]

#: The kinds of unrelated image, as MMTrustEval names them.
UNRELATED_KINDS: tuple[str, ...] = ("color", "noise", "nature")

_SKIES: tuple[tuple[RGB, RGB], ...] = (
    ((70, 150, 235), (185, 220, 250)),  # clear day
    ((60, 60, 120), (245, 160, 90)),  # dusk
    ((150, 160, 170), (205, 210, 215)),  # overcast
)


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def draw_landscape(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A procedural landscape drawn from ``rng`` (sky, sun, hills, lake, trees)."""
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    top, bottom = rng.choice(_SKIES)
    vertical_gradient(draw, (0, 0, width, height), top, bottom)
    unit = min(width, height)
    if top != _SKIES[2][0]:
        sx, sy, sr = rng.uniform(0.15, 0.85) * width, rng.uniform(0.1, 0.35) * height, unit * 0.07
        sun = (255, 230, 120) if top == _SKIES[0][0] else (255, 190, 110)
        draw.ellipse((sx - sr, sy - sr, sx + sr, sy + sr), fill=sun)
    far, near = (90, 120, 150), (40, 110, 50)
    layers = rng.randint(3, 4)
    for layer in range(layers):
        t = layer / (layers - 1)
        base = height * (0.45 + 0.15 * layer)
        amp = height * rng.uniform(0.06, 0.14)
        phase, freq = rng.uniform(0, 2 * math.pi), rng.uniform(0.8, 2.5)
        points = [(0.0, float(height))]
        for x in range(0, width + 1, 4):
            wobble = math.sin(phase + freq * 2 * math.pi * x / width)
            wobble += 0.3 * math.sin(phase * 2 + freq * 5 * math.pi * x / width)
            points.append((float(x), base - amp * wobble))
        points.append((float(width), float(height)))
        draw.polygon(points, fill=_mix(far, near, t))
        if layer == layers - 2 and rng.random() < 0.4:
            lake_y = base + height * 0.06
            lake_x = rng.uniform(0.1, 0.5) * width
            draw.ellipse(
                (lake_x, lake_y, lake_x + width * 0.4, lake_y + height * 0.07),
                fill=_mix(bottom, (40, 90, 160), 0.6),
            )
    for _ in range(rng.randint(3, 9)):
        tx = rng.uniform(0, width)
        ty = rng.uniform(0.75, 0.95) * height
        th = unit * rng.uniform(0.08, 0.16)
        draw.rectangle(
            (tx - th * 0.06, ty - th * 0.2, tx + th * 0.06, ty + th * 0.1), fill=(80, 55, 30)
        )
        draw.polygon(
            [(tx, ty - th), (tx - th * 0.35, ty - th * 0.15), (tx + th * 0.35, ty - th * 0.15)],
            fill=(25, 80, 35),
        )
    return image


@register_drawer("unrelated")
def draw_unrelated(params: Mapping[str, Any]) -> Image.Image:
    """Draw an ``unrelated`` recipe (see the module docstring for the parameters).

    Raises:
        DataError: for a missing or unknown ``style``.
    """
    kind = param(params, "style", str, "")
    if kind not in UNRELATED_KINDS:
        raise DataError(
            f"unrelated image 'style' must be one of {', '.join(UNRELATED_KINDS)}, got {kind!r}"
        )
    size = param_size(params)
    seed = param(params, "seed", int, 0)
    rng = random.Random(f"unrelated:{kind}:{seed}")
    if kind == "color":
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        return Image.new("RGB", size, colour)
    if kind == "noise":
        return Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    return draw_landscape(size, rng)
