"""Drawing primitives shared by every drawer: colours, fonts, shapes, text, parameters.

All of it is deterministic: no randomness here (drawers pass a seeded ``random.Random``
where they need one), and the only font is Pillow's built-in scalable font
(``ImageFont.load_default(size=...)``, Pillow >= 10.1 with FreeType), so nothing is
fetched at run time and the same parameters give the same pixels.

Example:
    Draw a red star filling a box, the same way the ``shapes`` drawer does::

        from PIL import Image, ImageDraw
        image = Image.new("RGB", (336, 336), "white")
        draw_shape(ImageDraw.Draw(image), "star", (40, 40, 140, 140), parse_colour("red"))
"""

from __future__ import annotations

import math
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from PIL import Image, ImageDraw, ImageFont

from pytest_multitrust.errors import DataError, PrerequisiteError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "COLOURS",
    "DEFAULT_SIZE",
    "RGB",
    "SHAPES",
    "draw_shape",
    "draw_text",
    "font",
    "pad_to_square",
    "param",
    "param_box",
    "param_size",
    "parse_colour",
    "rotated_text",
    "shape_points",
    "text_block_size",
    "wrap_text",
]

#: An RGB colour, 0-255 per channel.
RGB = tuple[int, int, int]
#: A box in pixels, ``(x1, y1, x2, y2)``, corners included.
BoxPx = tuple[int, int, int, int]

#: Default image size (width, height) in pixels: LLaVA-1.5's input resolution.
DEFAULT_SIZE: tuple[int, int] = (336, 336)

#: Named colours, chosen to be unambiguous to a human reader (and a model) when drawn
#: as flat fills. Questions about colour use these names.
COLOURS: Mapping[str, RGB] = {
    "red": (220, 30, 35),
    "green": (30, 150, 50),
    "blue": (30, 80, 220),
    "yellow": (245, 205, 20),
    "orange": (245, 130, 20),
    "purple": (130, 50, 180),
    "pink": (245, 120, 190),
    "brown": (120, 70, 30),
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "gray": (128, 128, 128),
    "light gray": (225, 225, 225),
}

#: Shapes :func:`draw_shape` knows; each fills its box exactly (its bounding box is the box).
SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "star", "diamond", "hexagon")

T = TypeVar("T")


def param(params: Mapping[str, Any], name: str, kind: type[T], default: T) -> T:
    """Read one drawer parameter, checking its type.

    ``int`` parameters accept integral floats; ``float`` parameters accept ints.

    Raises:
        DataError: naming the parameter, the expected type and the value found.
    """
    if name not in params or params[name] is None:
        return default
    value = params[name]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return kind(value)  # type: ignore[call-arg]
    if kind is int and isinstance(value, float) and value.is_integer():
        return kind(value)  # type: ignore[call-arg]
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise DataError(f"image parameter {name!r} must be {kind.__name__}, got {value!r}")
    return value


def param_size(
    params: Mapping[str, Any], default: tuple[int, int] = DEFAULT_SIZE
) -> tuple[int, int]:
    """The ``size`` parameter, ``[width, height]`` in pixels (1 to 4096 each).

    Raises:
        DataError: for anything but two integers in range.
    """
    value = params.get("size")
    if value is None:
        return default
    if (
        not isinstance(value, (list, tuple))
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or not all(1 <= v <= 4096 for v in value)
    ):
        raise DataError(f"image parameter 'size' must be [width, height] in 1..4096, got {value!r}")
    return (int(value[0]), int(value[1]))


def param_box(value: Any, name: str = "box") -> BoxPx:
    """A box parameter ``[x1, y1, x2, y2]`` in pixels with ``x1 < x2`` and ``y1 < y2``.

    Raises:
        DataError: naming the parameter and the value.
    """
    if (
        not isinstance(value, (list, tuple))
        or len(value) != 4
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    ):
        raise DataError(f"image parameter {name!r} must be [x1, y1, x2, y2], got {value!r}")
    x1, y1, x2, y2 = (round(v) for v in value)
    if x1 >= x2 or y1 >= y2:
        raise DataError(f"image parameter {name!r} must have x1 < x2 and y1 < y2, got {value!r}")
    return (x1, y1, x2, y2)


def parse_colour(value: Any) -> RGB:
    """A colour from a name of :data:`COLOURS`, ``"#rrggbb"`` or ``[r, g, b]``.

    Raises:
        DataError: for anything else, listing the colour names.
    """
    if isinstance(value, str):
        key = value.strip().lower()
        if key in COLOURS:
            return COLOURS[key]
        if len(key) == 7 and key.startswith("#"):
            try:
                return (int(key[1:3], 16), int(key[3:5], 16), int(key[5:7], 16))
            except ValueError:
                pass
    elif (
        isinstance(value, (list, tuple))
        and len(value) == 3
        and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in value)
    ):
        return (int(value[0]), int(value[1]), int(value[2]))
    names = ", ".join(COLOURS)
    raise DataError(f"unknown colour {value!r}; use one of {names}, '#rrggbb' or [r, g, b]")


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's built-in scalable font at ``size`` pixels (cached).

    Raises:
        PrerequisiteError: when Pillow is older than 10.1 or built without FreeType.
    """
    try:
        loaded = ImageFont.load_default(size=size)
    except (TypeError, ImportError, OSError) as error:  # Pillow < 10.1 / no FreeType
        raise PrerequisiteError(
            "drawing text needs Pillow >= 10.1 built with FreeType "
            f"(ImageFont.load_default(size=...) failed: {error}); run "
            "`pip install -U 'pillow>=10.1'`"
        ) from None
    if not isinstance(loaded, ImageFont.FreeTypeFont):
        raise PrerequisiteError(
            "drawing text needs Pillow built with FreeType (the built-in font is a bitmap "
            "font here); run `pip install -U --force-reinstall 'pillow>=10.1'`"
        )
    return loaded


def _unit_polygon(shape: str) -> list[tuple[float, float]]:
    """Vertices of a polygon shape on the unit circle (y down), before fitting to a box."""
    if shape == "square":
        return [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)]
    if shape == "triangle":
        return [(0.0, -1.0), (1.0, 1.0), (-1.0, 1.0)]
    if shape == "diamond":
        return [(0.0, -1.0), (1.0, 0.0), (0.0, 1.0), (-1.0, 0.0)]
    if shape == "hexagon":
        return [(math.cos(math.radians(a)), math.sin(math.radians(a))) for a in range(0, 360, 60)]
    if shape == "star":
        inner = math.sin(math.radians(18)) / math.sin(math.radians(54))  # regular pentagram
        points = []
        for k in range(10):
            radius = 1.0 if k % 2 == 0 else inner
            angle = math.radians(-90 + 36 * k)
            points.append((radius * math.cos(angle), radius * math.sin(angle)))
        return points
    known = ", ".join(SHAPES)
    raise DataError(f"unknown shape {shape!r}; known shapes: {known}")


def shape_points(shape: str, box: Sequence[float]) -> list[tuple[float, float]]:
    """Polygon vertices of ``shape`` stretched to fill ``box`` exactly.

    The polygon's bounding box equals ``box``, so the box is the shape's ground-truth
    location (grounding tasks rely on it). Not defined for ``"circle"``.

    Raises:
        DataError: for an unknown shape or ``"circle"``.
    """
    if shape == "circle":
        raise DataError("a circle has no polygon; draw it with draw_shape")
    unit = _unit_polygon(shape)
    xs = [x for x, _ in unit]
    ys = [y for _, y in unit]
    x_lo, x_hi, y_lo, y_hi = min(xs), max(xs), min(ys), max(ys)
    x1, y1, x2, y2 = box
    return [
        (x1 + (x - x_lo) / (x_hi - x_lo) * (x2 - x1), y1 + (y - y_lo) / (y_hi - y_lo) * (y2 - y1))
        for x, y in unit
    ]


def draw_shape(
    draw: ImageDraw.ImageDraw,
    shape: str,
    box: Sequence[float],
    colour: RGB,
    *,
    outline: RGB | None = None,
    width: int = 0,
) -> None:
    """Draw a filled ``shape`` that fills ``box`` (pixels, ``(x1, y1, x2, y2)``).

    Args:
        draw: the target.
        shape: one of :data:`SHAPES`.
        box: where the shape goes; it is also the shape's bounding box.
        colour: fill colour.
        outline: optional outline colour.
        width: outline width in pixels (0 = no outline).

    Raises:
        DataError: for an unknown shape.
    """
    x1, y1, x2, y2 = box
    if shape == "circle":
        draw.ellipse((x1, y1, x2, y2), fill=colour, outline=outline, width=width)
    elif shape == "square":
        draw.rectangle((x1, y1, x2, y2), fill=colour, outline=outline, width=width)
    else:
        draw.polygon(shape_points(shape, box), fill=colour, outline=outline, width=width)


def wrap_text(text: str, face: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Greedy word wrap of ``text`` to lines at most ``width`` pixels wide in ``face``.

    Explicit newlines start new lines (blank lines are kept); a word wider than the line
    is split between characters.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if face.getlength(candidate) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            for char in word:  # only a single over-long word reaches this split
                if current and face.getlength(current + char) > width:
                    lines.append(current)
                    current = ""
                current += char
            if face.getlength(current) > width:  # pragma: no cover - one glyph too wide
                lines.append(current)
                current = ""
        lines.append(current)
    return lines


def text_block_size(
    lines: Sequence[str], face: ImageFont.FreeTypeFont, line_height: float
) -> tuple[int, int]:
    """Width and height in pixels of ``lines`` set ``line_height`` pixels apart."""
    width = max((face.getlength(line) for line in lines), default=0.0)
    return (math.ceil(width), math.ceil(line_height * len(lines)))


def draw_text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    lines: Sequence[str],
    face: ImageFont.FreeTypeFont,
    colour: RGB,
    *,
    line_height: float,
    bold: bool = True,
    align: str = "left",
    block_width: float = 0.0,
) -> None:
    """Draw ``lines`` from the top-left ``xy``, one every ``line_height`` pixels.

    ``bold`` thickens the strokes (Pillow's default font has no bold face) with a
    stroke of about 1/30 of the font size. ``align`` is ``"left"`` or ``"center"``
    (centred within ``block_width``).
    """
    stroke = max(1, round(face.size / 30)) if bold else 0
    x, y = xy
    for index, line in enumerate(lines):
        dx = (block_width - face.getlength(line)) / 2 if align == "center" else 0.0
        draw.text(
            (x + dx, y + index * line_height),
            line,
            font=face,
            fill=colour,
            stroke_width=stroke,
            stroke_fill=colour,
        )


def rotated_text(
    text: str, size: int, colour: RGB, angle: float, *, bold: bool = True
) -> Image.Image:
    """An RGBA image of one line of ``text`` rotated by ``angle`` degrees (counter-clockwise).

    Paste it with itself as the mask to place rotated text on a picture.
    """
    face = font(size)
    stroke = max(1, round(size / 30)) if bold else 0
    left, top, right, bottom = face.getbbox(text, stroke_width=stroke)
    pad = stroke + 2
    layer_size = (math.ceil(right - left) + 2 * pad, math.ceil(bottom - top) + 2 * pad)
    layer = Image.new("RGBA", layer_size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).text(
        (pad - left, pad - top),
        text,
        font=face,
        fill=(*colour, 255),
        stroke_width=stroke,
        stroke_fill=(*colour, 255),
    )
    if angle:
        layer = layer.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    return layer


def pad_to_square(image: Image.Image, fill: RGB = (255, 255, 255)) -> Image.Image:
    """``image`` centred on a ``fill`` square as wide as its longer side (itself if square).

    A processor that centre-crops (CLIP: shortest side to 336, then the middle 336 x 336)
    would otherwise cut the sides off a wide picture: a table's first and last columns,
    the ends of an equation or of a typographic phrase.
    """
    if image.width == image.height:
        return image
    side = max(image.size)
    square = Image.new("RGB", (side, side), fill)
    square.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
    return square
