"""The ``object`` drawer: one object in one of eight visual styles (robustness tasks).

MultiTrust's out-of-distribution captioning set (COCO-O) shows everyday objects as
cartoons, sketches, paintings, handmade crafts, tattoos and in bad weather. Ours draws
an object from :mod:`pytest_multitrust.imaging.objects` and restyles the picture with
deterministic PIL filters:

``plain``     flat colours with outlines on a light background (the in-distribution look;
              the clean image of the adversarial tasks);
``sketch``    grey pencil lines and hatching on paper;
``cartoon``   posterised saturated colours with thick black outlines on a bright backdrop;
``painting``  a mode filter and brush strokes that take their colour from the picture;
``handmake``  a paper cut-out: posterised colours, drop shadow, paper texture, stitching;
``tattoo``    blue-black ink lines with faded colour on skin;
``weather``   the object outdoors in rain, snow or fog;
``pixel``     pixel art: a few dozen pixels across, 16 colours.

Parameters (JSON in ``ImageRecipe.params``): ``object`` (required, one of
:data:`~pytest_multitrust.imaging.objects.OBJECTS`), ``style`` (default ``plain``),
``seed`` (integer, default 0: varies placement, colours, background and texture),
``weather`` (``rain``, ``snow`` or ``fog`` for the ``weather`` style; default: by seed),
``size`` (``[width, height]``, default ``[336, 336]``).

Example:
    >>> from pytest_multitrust.tasks.base import ImageRecipe
    >>> recipe = ImageRecipe.make("object", object="cat", style="sketch", seed=3)
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageOps

from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging.objects import OBJECTS, draw_object
from pytest_multitrust.imaging.primitives import RGB, param, param_size
from pytest_multitrust.imaging.registry import register_drawer
from pytest_multitrust.imaging.scenes import vertical_gradient

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["STYLES", "WEATHERS", "draw_object_image", "object_layer"]

#: The weather kinds of the ``weather`` style, picked by the seed.
WEATHERS: tuple[str, ...] = ("rain", "snow", "fog")

_PASTELS: tuple[RGB, ...] = (
    (245, 245, 240),
    (235, 242, 250),
    (250, 240, 228),
    (238, 248, 236),
    (246, 238, 246),
)


def object_layer(name: str, size: tuple[int, int], rng: random.Random) -> Image.Image:
    """An RGBA layer with object ``name`` drawn at a seeded place and size (rest transparent).

    Raises:
        DataError: for an unknown object.
    """
    width, height = size
    side = min(width, height) * rng.uniform(0.62, 0.76)
    cx = width / 2 + rng.uniform(-0.06, 0.06) * width
    cy = height / 2 + rng.uniform(-0.05, 0.05) * height
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw_object(
        ImageDraw.Draw(layer),
        name,
        (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2),
        variant=rng.randrange(4),
    )
    return layer


def _grain(size: tuple[int, int], rng: random.Random, amount: int, scale: int = 1) -> Image.Image:
    """Seeded grey grain, "L" mode, values in ``128 ± amount``, blocks of ``scale`` px."""
    width, height = max(1, size[0] // scale), max(1, size[1] // scale)
    # Random bytes mapped through a table (C speed; a per-pixel randint is ~20x slower).
    spread = 2 * amount + 1
    table = bytes(128 - amount + v % spread for v in range(256))
    data = rng.randbytes(width * height).translate(table)
    small = Image.frombytes("L", (width, height), data)
    return small.resize(size, Image.Resampling.BILINEAR) if scale > 1 else small


def _apply_grain(image: Image.Image, grain: Image.Image) -> Image.Image:
    """Lighten/darken ``image`` by ``grain`` (128 = unchanged)."""
    rgb_grain = Image.merge("RGB", (grain, grain, grain))
    # One step (image + grain - 128, then clipped): subtracting 128 first would clip every
    # value below 128 to 0 and wash the dark parts out to grey.
    return ImageChops.add(image, rgb_grain, scale=1.0, offset=-128)


def _on(background: Image.Image, layer: Image.Image) -> Image.Image:
    out = background.convert("RGBA")
    out.alpha_composite(layer)
    return out.convert("RGB")


def _edges(image: Image.Image, thickness: int) -> Image.Image:
    """An "L" mask (255 = line) of the colour edges of ``image``."""
    grey = image.convert("L").filter(ImageFilter.FIND_EDGES)
    mask = grey.point(lambda v: 255 if v > 40 else 0)
    # FIND_EDGES marks the image border itself; that is no edge of the picture.
    ImageDraw.Draw(mask).rectangle((0, 0, mask.width - 1, mask.height - 1), outline=0, width=2)
    if thickness > 1:
        mask = mask.filter(ImageFilter.MaxFilter(thickness if thickness % 2 else thickness + 1))
    return mask


def _plain(layer: Image.Image, rng: random.Random) -> Image.Image:
    top = rng.choice(_PASTELS)
    bottom = tuple(max(0, c - 18) for c in top)
    background = Image.new("RGB", layer.size, top)
    vertical_gradient(ImageDraw.Draw(background), (0, 0, *_last(layer.size)), top, bottom)  # type: ignore[arg-type]
    return _on(background, layer)


def _last(size: tuple[int, int]) -> tuple[int, int]:
    return (size[0] - 1, size[1] - 1)


def _sketch(layer: Image.Image, rng: random.Random) -> Image.Image:
    flat = _on(Image.new("RGB", layer.size, "white"), layer)
    lines = _edges(flat, 1)
    shift = (rng.choice((-2, 2)), rng.choice((-2, 2)))
    echo = lines.transform(layer.size, Image.Transform.AFFINE, (1, 0, shift[0], 0, 1, shift[1]))
    width, height = layer.size
    hatching = Image.new("L", layer.size, 0)
    hatch_draw = ImageDraw.Draw(hatching)
    for offset in range(-height, width, 6):  # diagonal strokes, kept where the picture is dark
        hatch_draw.line((offset, height, offset + height, 0), fill=255, width=1)
    dark = flat.convert("L").point(lambda v: 255 if v < 160 else 0)
    hatching = ImageChops.multiply(hatching, dark)
    paper = _apply_grain(
        Image.new("RGB", layer.size, (246, 245, 240)), _grain(layer.size, rng, 6, 2)
    ).convert("L")
    pencil = Image.composite(Image.new("L", layer.size, 185), paper, hatching)
    pencil = Image.composite(Image.new("L", layer.size, 150), pencil, echo)
    pencil = Image.composite(Image.new("L", layer.size, 55), pencil, lines)
    return pencil.filter(ImageFilter.SMOOTH).convert("RGB")


def _cartoon(layer: Image.Image, rng: random.Random) -> Image.Image:
    colours = ((255, 230, 90), (120, 210, 250), (250, 160, 200), (170, 240, 150))
    backdrop = Image.new("RGB", layer.size, rng.choice(colours))
    draw = ImageDraw.Draw(backdrop)
    width, height = layer.size
    for k in range(0, width + height, 40):  # comic-style rays
        if (k // 40) % 2:
            draw.polygon([(width / 2, height / 2), (k, 0), (k + 20, 0)], fill=(255, 255, 255))
    picture = _on(backdrop, layer)
    picture = ImageOps.posterize(ImageEnhance.Color(picture).enhance(1.8), 3)
    outline = _edges(_on(Image.new("RGB", layer.size, "white"), layer), 5)
    return Image.composite(Image.new("RGB", layer.size, (10, 10, 10)), picture, outline)


def _painting(layer: Image.Image, rng: random.Random) -> Image.Image:
    sky = rng.choice(((120, 160, 200), (200, 170, 120), (150, 180, 140)))
    background = Image.new("RGB", layer.size, sky)
    vertical_gradient(ImageDraw.Draw(background), (0, 0, *_last(layer.size)), sky, (240, 225, 190))
    # The mode filter rounds shapes into blobs of colour; run at half size, it is 3x faster.
    width, height = layer.size
    half = _on(background, layer).resize(
        (max(1, width // 2), max(1, height // 2)), Image.Resampling.BOX
    )
    picture = half.filter(ImageFilter.ModeFilter(5)).resize(layer.size, Image.Resampling.BICUBIC)
    pixels = picture.load()
    canvas = picture.copy()
    draw = ImageDraw.Draw(canvas)
    for _ in range(width * height // 40):
        x, y = rng.randrange(width), rng.randrange(height)
        r, g, b = pixels[x, y]  # type: ignore[index, misc]
        jitter = rng.randint(-18, 18)
        colour = (
            max(0, min(255, r + jitter)),
            max(0, min(255, g + jitter)),
            max(0, min(255, b + jitter)),
        )
        dx, dy = rng.randint(-7, 7), rng.randint(-4, 4)
        draw.line((x - dx, y - dy, x + dx, y + dy), fill=colour, width=rng.randint(2, 4))
    canvas = canvas.filter(ImageFilter.SMOOTH_MORE)
    return _apply_grain(canvas, _grain(layer.size, rng, 8, 3))


def _handmake(layer: Image.Image, rng: random.Random) -> Image.Image:
    kraft = rng.choice(((214, 190, 150), (230, 215, 185), (200, 210, 190)))
    paper = _apply_grain(Image.new("RGB", layer.size, kraft), _grain(layer.size, rng, 12, 2))
    alpha = layer.getchannel("A")
    shadow = Image.new("RGBA", layer.size, (60, 45, 30, 0))
    shadow.putalpha(alpha.point(lambda v: 110 if v else 0))
    shadow = shadow.transform(layer.size, Image.Transform.AFFINE, (1, 0, -6, 0, 1, -6))
    cut = layer.copy()
    rgb = ImageOps.posterize(cut.convert("RGB"), 3)
    rgb = _apply_grain(rgb, _grain(layer.size, rng, 16, 1))
    cut = Image.merge("RGBA", (*rgb.split(), alpha))
    picture = _on(_on(paper, shadow), cut)
    stitches = _edges(_on(Image.new("RGB", layer.size, "white"), layer), 1)
    draw = ImageDraw.Draw(picture)
    width, height = layer.size
    data = stitches.load()
    for y in range(0, height, 3):
        for x in range(0, width, 3):
            if data[x, y] and (x + y) % 9 < 4:  # type: ignore[index]
                draw.point((x, y), fill=(250, 245, 230))
    return picture


def _tattoo(layer: Image.Image, rng: random.Random) -> Image.Image:
    skin = rng.choice(((234, 192, 160), (205, 150, 115), (160, 110, 80), (245, 210, 185)))
    body = _apply_grain(Image.new("RGB", layer.size, skin), _grain(layer.size, rng, 7, 4))
    flat = _on(Image.new("RGB", layer.size, "white"), layer)
    faded = Image.blend(body, flat, 0.3)
    alpha = layer.getchannel("A")
    picture = Image.composite(faded, body, alpha)
    ink = _edges(flat, 3).filter(ImageFilter.GaussianBlur(1.2))
    return Image.composite(Image.new("RGB", layer.size, (25, 35, 70)), picture, ink)


def _weather(layer: Image.Image, rng: random.Random, kind: str) -> Image.Image:
    width, height = layer.size
    background = Image.new("RGB", layer.size)
    draw = ImageDraw.Draw(background)
    horizon = int(height * rng.uniform(0.6, 0.72))
    sky = {
        "rain": ((95, 105, 120), (150, 155, 165)),
        "snow": ((180, 190, 205), (225, 230, 238)),
        "fog": ((190, 195, 200), (215, 218, 220)),
    }[kind]
    vertical_gradient(draw, (0, 0, width - 1, horizon), *sky)
    ground = (235, 238, 242) if kind == "snow" else (95, 125, 80)
    draw.rectangle((0, horizon, width, height), fill=ground)
    picture = _on(background, layer)
    draw = ImageDraw.Draw(picture)
    if kind == "rain":
        picture = ImageEnhance.Brightness(picture).enhance(0.8)
        draw = ImageDraw.Draw(picture)
        slant = rng.uniform(0.15, 0.35)
        for _ in range(width * height // 350):
            x, y = rng.uniform(-20, width), rng.uniform(-20, height)
            length = rng.uniform(12, 26)
            draw.line((x, y, x + slant * length, y + length), fill=(200, 205, 215), width=1)
    elif kind == "snow":
        for _ in range(width * height // 220):
            x, y = rng.uniform(0, width), rng.uniform(0, height)
            r = rng.uniform(1.0, 3.2)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255))
    else:  # fog: a white veil, thicker towards the top
        veil = Image.new("RGB", layer.size, (225, 228, 230))
        mask = Image.linear_gradient("L").resize(layer.size).point(lambda v: 175 - v // 4)
        picture = Image.composite(veil, picture, mask).filter(ImageFilter.GaussianBlur(1.5))
    return picture


def _pixel(layer: Image.Image, rng: random.Random) -> Image.Image:
    picture = _plain(layer, rng)
    cells = rng.choice((24, 28, 32))
    small = picture.resize((cells, cells), Image.Resampling.BOX)
    small = small.quantize(colors=16, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    return small.convert("RGB").resize(layer.size, Image.Resampling.NEAREST)


_STYLES: dict[str, Callable[[Image.Image, random.Random], Image.Image]] = {
    "plain": _plain,
    "sketch": _sketch,
    "cartoon": _cartoon,
    "painting": _painting,
    "handmake": _handmake,
    "tattoo": _tattoo,
    "weather": lambda layer, rng: _weather(layer, rng, rng.choice(WEATHERS)),
    "pixel": _pixel,
}

#: The styles of the ``object`` drawer, in documentation order.
STYLES: tuple[str, ...] = tuple(_STYLES)


@register_drawer("object")
def draw_object_image(params: Mapping[str, Any]) -> Image.Image:
    """Draw an ``object`` recipe (see the module docstring for the parameters).

    Raises:
        DataError: for an unknown object or style, or a bad parameter.
    """
    name = param(params, "object", str, "")
    if name not in OBJECTS:
        raise DataError(f"unknown object {name!r}; known objects: {', '.join(OBJECTS)}")
    style = param(params, "style", str, "plain")
    painter = _STYLES.get(style)
    if painter is None:
        raise DataError(f"unknown style {style!r}; known styles: {', '.join(STYLES)}")
    seed = param(params, "seed", int, 0)
    size = param_size(params)
    rng = random.Random(f"object:{name}:{style}:{seed}")
    layer = object_layer(name, size, rng)
    if style == "weather":
        weather = param(params, "weather", str, "") or rng.choice(WEATHERS)
        if weather not in WEATHERS:
            raise DataError(f"unknown weather {weather!r}; known: {', '.join(WEATHERS)}")
        return _weather(layer, rng, weather)
    return painter(layer, rng)
