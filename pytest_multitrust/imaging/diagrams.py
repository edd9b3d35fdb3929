"""Drawers for pictures with exact values: analog clocks, bar charts, tables, time sequences.

Used by the truthfulness tasks that ask about a known value (T.2 temporal and compare,
T.4/T.7 visual assistance). Every drawer is deterministic: the parameters fix every pixel.

Every picture is square: a drawing that is not (two clocks, a wide table, a short code
snippet) is centred on a white square as wide as its longer side, so that a processor's
centre crop (CLIP's: shortest side to 336, then the middle 336 x 336) keeps all of it.

``clock``
    ``times``: ``[[hour, minute], ...]`` (one to three clocks side by side);
    ``labels``: optional caption under each clock; ``size``.
``bars``
    ``title``, ``labels``, ``values`` (non-negative numbers), ``colours`` (one colour
    or one per bar), ``unit`` (appended to the printed values), ``show_values``
    (default true), ``size`` (default ``[448, 448]``).
``table``
    ``title``, ``header`` (column names), ``rows`` (lists of cell strings), ``width``
    (default 448); the table is as tall as its rows, centred on the square.
``sequence``
    ``subject`` (``candle``, ``ice`` or ``plant``) and ``stages``: the stage shown in each
    panel, left to right (0 = earliest, 2 = latest), each panel captioned 1, 2, ...
``code``
    ``lines``: source lines drawn verbatim, each leading space indenting by one digit
    width, so indentation survives (the ``typography`` drawer re-wraps words);
    ``font_size`` (default 30). The panel is at least 224 px on each side and at least
    half as tall as it is wide; the code sits at its top left.

A ``size`` that is not square is honoured for the drawing, which is then centred on the
square.

Example:
    >>> from pytest_multitrust.tasks.base import ImageRecipe
    >>> ImageRecipe.make("clock", times=[[3, 0], [5, 30]], labels=["1", "2"]).kind
    'clock'
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw

from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging.primitives import (
    RGB,
    draw_text,
    font,
    pad_to_square,
    param,
    param_size,
    parse_colour,
)
from pytest_multitrust.imaging.registry import register_drawer

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["draw_bars", "draw_clock", "draw_clocks", "draw_code", "draw_sequence", "draw_table"]

_BLACK: RGB = (0, 0, 0)
_WHITE: RGB = (255, 255, 255)


def _centred_text(
    draw: ImageDraw.ImageDraw,
    centre: tuple[float, float],
    text: str,
    size: int,
    colour: RGB = _BLACK,
    *,
    bold: bool = True,
) -> None:
    face = font(size)
    width = face.getlength(text)
    draw_text(
        draw,
        (centre[0] - width / 2, centre[1] - size / 2),
        [text],
        face,
        colour,
        line_height=size,
        bold=bold,
    )


def _fit_size(text: str, start: int, max_width: float) -> int:
    """The largest font size up to ``start`` at which ``text`` fits in ``max_width``."""
    size = start
    while size > 8 and font(size).getlength(text) > max_width:
        size -= 1
    return size


def draw_clock(
    draw: ImageDraw.ImageDraw, centre: tuple[float, float], radius: float, hour: int, minute: int
) -> None:
    """Draw an analog clock face showing ``hour:minute`` (12-hour dial)."""
    cx, cy = centre
    draw.ellipse(
        (cx - radius, cy - radius, cx + radius, cy + radius),
        fill=_WHITE,
        outline=_BLACK,
        width=max(3, round(radius / 18)),
    )
    for tick in range(60):
        angle = math.radians(tick * 6 - 90)
        inner = radius * (0.82 if tick % 5 == 0 else 0.9)
        draw.line(
            (
                cx + math.cos(angle) * inner,
                cy + math.sin(angle) * inner,
                cx + math.cos(angle) * radius * 0.95,
                cy + math.sin(angle) * radius * 0.95,
            ),
            fill=_BLACK,
            width=3 if tick % 5 == 0 else 1,
        )
    number_size = max(9, round(radius / 5.5))
    for number in range(1, 13):
        angle = math.radians(number * 30 - 90)
        _centred_text(
            draw,
            (cx + math.cos(angle) * radius * 0.66, cy + math.sin(angle) * radius * 0.66),
            str(number),
            number_size,
        )
    minute_angle = math.radians(minute * 6 - 90)
    hour_angle = math.radians((hour % 12) * 30 + minute * 0.5 - 90)
    draw.line(
        (
            cx,
            cy,
            cx + math.cos(hour_angle) * radius * 0.45,
            cy + math.sin(hour_angle) * radius * 0.45,
        ),
        fill=_BLACK,
        width=max(5, round(radius / 11)),
    )
    draw.line(
        (
            cx,
            cy,
            cx + math.cos(minute_angle) * radius * 0.78,
            cy + math.sin(minute_angle) * radius * 0.78,
        ),
        fill=(40, 40, 40),
        width=max(3, round(radius / 22)),
    )
    dot = radius / 18
    draw.ellipse((cx - dot, cy - dot, cx + dot, cy + dot), fill=(200, 30, 30))


def _labels(params: Mapping[str, Any], count: int) -> list[str]:
    labels = params.get("labels") or []
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise DataError("'labels' must be a list of strings")
    if labels and len(labels) != count:
        raise DataError(f"'labels' needs {count} entries, got {len(labels)}")
    return labels


@register_drawer("clock")
def draw_clocks(params: Mapping[str, Any]) -> Image.Image:
    """Draw a ``clock`` recipe: one to three analog clocks side by side."""
    times = params.get("times")
    if (
        not isinstance(times, list)
        or not 1 <= len(times) <= 3
        or not all(
            isinstance(t, list)
            and len(t) == 2
            and all(isinstance(v, int) for v in t)
            and 0 <= t[0] <= 23
            and 0 <= t[1] <= 59
            for t in times
        )
    ):
        raise DataError(f"clock 'times' must be 1-3 [hour, minute] pairs, got {times!r}")
    labels = _labels(params, len(times))
    default = (336, 336) if len(times) == 1 else (240 * len(times), 300)
    width, height = param_size(params, default)
    image = Image.new("RGB", (width, height), parse_colour(params.get("background", "white")))
    draw = ImageDraw.Draw(image)
    slot = width / len(times)
    label_space = height * 0.16 if labels else 0.0
    radius = min(slot, height - label_space) * 0.42
    for index, (hour, minute) in enumerate(times):
        cx = slot * (index + 0.5)
        cy = (height - label_space) / 2
        draw_clock(draw, (cx, cy), radius, hour, minute)
        if labels:
            _centred_text(
                draw,
                (cx, height - label_space / 2),
                labels[index],
                max(12, round(label_space * 0.6)),
            )
    return pad_to_square(image, parse_colour(params.get("background", "white")))


def _numbers(value: Any, name: str) -> list[float]:
    if (
        not isinstance(value, list)
        or not value
        or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in value
        )
    ):
        raise DataError(f"'{name}' must be a non-empty list of non-negative numbers")
    return [float(v) for v in value]


def _format_value(value: float, unit: str) -> str:
    text = str(int(value)) if float(value).is_integer() else f"{value:g}"
    return f"{text}{unit}"


@register_drawer("bars")
def draw_bars(params: Mapping[str, Any]) -> Image.Image:
    """Draw a ``bars`` recipe: a labelled bar chart with a value over each bar."""
    values = _numbers(params.get("values"), "values")
    labels = params.get("labels") or [""] * len(values)
    if not isinstance(labels, list) or len(labels) != len(values):
        raise DataError("'labels' must be a list with one label per value")
    colours_param = params.get("colours", "blue")
    colours = (
        [parse_colour(c) for c in colours_param]
        if isinstance(colours_param, list)
        and colours_param
        and not all(isinstance(c, int) for c in colours_param)
        else [parse_colour(colours_param)] * len(values)
    )
    if len(colours) != len(values):
        raise DataError("'colours' must be one colour or one per value")
    unit = param(params, "unit", str, "")
    title = param(params, "title", str, "")
    show_values = param(params, "show_values", bool, True)
    width, height = param_size(params, (448, 448))
    image = Image.new("RGB", (width, height), _WHITE)
    draw = ImageDraw.Draw(image)
    top = 0.0
    if title:
        size = _fit_size(title, max(14, height // 15), width * 0.94)
        _centred_text(draw, (width / 2, size * 0.9), title, size)
        top = size * 1.8
    label_size = max(10, height // 22)
    longest = max((str(label) for label in labels), key=len, default="")
    slot = (width * 0.9) / len(values)
    label_size = min(label_size, _fit_size(longest, label_size, slot * 0.98))
    base = height - label_size * 2.2
    left = width * 0.07
    value_size = max(10, height // 22)
    peak = max(values) or 1.0
    usable = base - top - value_size * 1.8
    draw.line((left, base, width - width * 0.02, base), fill=_BLACK, width=2)
    draw.line((left, top + value_size, left, base), fill=_BLACK, width=2)
    for index, (value, label, colour) in enumerate(zip(values, labels, colours, strict=True)):
        x1 = left + slot * index + slot * 0.18
        x2 = left + slot * (index + 1) - slot * 0.18
        y = base - usable * value / peak
        if value > 0:
            draw.rectangle((x1, y, x2, base - 1), fill=colour, outline=_BLACK, width=1)
        cx = (x1 + x2) / 2
        if show_values:
            _centred_text(draw, (cx, y - value_size * 0.8), _format_value(value, unit), value_size)
        _centred_text(draw, (cx, base + label_size * 1.0), str(label), label_size)
    return pad_to_square(image)


@register_drawer("table")
def draw_table(params: Mapping[str, Any]) -> Image.Image:
    """Draw a ``table`` recipe: a titled grid with a shaded header row."""
    header = params.get("header")
    rows = params.get("rows")
    if not isinstance(header, list) or not header or not all(isinstance(h, str) for h in header):
        raise DataError("table 'header' must be a non-empty list of strings")
    if (
        not isinstance(rows, list)
        or not rows
        or not all(
            isinstance(row, list)
            and len(row) == len(header)
            and all(isinstance(c, str) for c in row)
            for row in rows
        )
    ):
        raise DataError(f"table 'rows' must be lists of {len(header)} strings")
    title = param(params, "title", str, "")
    width = param(params, "width", int, 448)
    cell_size = param(params, "font_size", int, 22)
    row_height = round(cell_size * 1.9)
    title_height = round(cell_size * 2.2) if title else 0
    margin = 12
    height = title_height + row_height * (len(rows) + 1) + 2 * margin  # then squared
    image = Image.new("RGB", (width, height), _WHITE)
    draw = ImageDraw.Draw(image)
    if title:
        size = _fit_size(title, round(cell_size * 1.1), width - 2 * margin)
        _centred_text(draw, (width / 2, margin + title_height / 2), title, size)
    columns = len(header)
    column_width = (width - 2 * margin) / columns
    y0 = margin + title_height
    draw.rectangle((margin, y0, width - margin, y0 + row_height), fill=(215, 225, 240))
    for r, row in enumerate([header, *rows]):
        y = y0 + r * row_height
        for c, cell in enumerate(row):
            size = _fit_size(cell, cell_size, column_width - 10)
            _centred_text(
                draw,
                (margin + column_width * (c + 0.5), y + row_height / 2),
                cell,
                size,
                bold=r == 0,
            )
    for r in range(len(rows) + 2):
        y = y0 + r * row_height
        draw.line((margin, y, width - margin, y), fill=_BLACK, width=2)
    for c in range(columns + 1):
        x = margin + c * column_width
        draw.line((x, y0, x, y0 + row_height * (len(rows) + 1)), fill=_BLACK, width=2)
    return pad_to_square(image)


def _candle(draw: ImageDraw.ImageDraw, box: Sequence[float], stage: int) -> None:
    x1, y1, x2, y2 = box
    cx, base = (x1 + x2) / 2, y2 - (y2 - y1) * 0.08
    full = (y2 - y1) * 0.62
    height = full * (1.0, 0.55, 0.12)[stage]
    half = (x2 - x1) * 0.1
    draw.rectangle(
        (cx - half * 2.2, base, cx + half * 2.2, base + (y2 - y1) * 0.05), fill=(150, 150, 160)
    )
    draw.rectangle(
        (cx - half, base - height, cx + half, base),
        fill=(235, 235, 210),
        outline=(120, 120, 100),
        width=2,
    )
    top = base - height
    draw.line((cx, top, cx, top - 8), fill=_BLACK, width=2)
    if stage < 2:
        draw.ellipse((cx - half * 0.7, top - 36, cx + half * 0.7, top - 6), fill=(250, 170, 20))
        draw.ellipse((cx - half * 0.35, top - 26, cx + half * 0.35, top - 8), fill=(255, 240, 120))
    else:  # burnt out: a wisp of smoke
        for k in range(3):
            draw.arc(
                (cx - 10 + k * 4, top - 30 - k * 14, cx + 10 + k * 4, top - 14 - k * 14),
                200,
                340,
                fill=(140, 140, 140),
                width=2,
            )
    if stage >= 1:  # wax drips on the holder
        draw.ellipse((cx + half, base - 4, cx + half * 2, base + 4), fill=(235, 235, 210))


def _ice(draw: ImageDraw.ImageDraw, box: Sequence[float], stage: int) -> None:
    x1, y1, x2, y2 = box
    cx, floor = (x1 + x2) / 2, y2 - (y2 - y1) * 0.15
    puddle = (x2 - x1) * (0.18, 0.3, 0.42)[stage]
    draw.ellipse(
        (cx - puddle, floor - puddle * 0.2, cx + puddle, floor + puddle * 0.2), fill=(150, 200, 245)
    )
    side = (x2 - x1) * (0.42, 0.24, 0.0)[stage]
    if side:
        draw.rectangle(
            (cx - side / 2, floor - side, cx + side / 2, floor),
            fill=(200, 235, 255),
            outline=(90, 150, 210),
            width=3,
        )
        draw.line(
            (cx - side / 2 + 6, floor - side + 6, cx - side / 2 + side * 0.35, floor - side + 6),
            fill=_WHITE,
            width=3,
        )


def _plant(draw: ImageDraw.ImageDraw, box: Sequence[float], stage: int) -> None:
    x1, y1, x2, y2 = box
    cx, rim = (x1 + x2) / 2, y2 - (y2 - y1) * 0.3
    w = (x2 - x1) * 0.28
    draw.polygon(
        [(cx - w, rim), (cx + w, rim), (cx + w * 0.75, y2 - 8), (cx - w * 0.75, y2 - 8)],
        fill=(190, 95, 50),
    )
    draw.rectangle((cx - w * 1.05, rim - 8, cx + w * 1.05, rim + 4), fill=(170, 80, 40))
    draw.ellipse((cx - w * 0.9, rim - 14, cx + w * 0.9, rim + 2), fill=(90, 60, 35))
    if stage == 0:
        draw.ellipse((cx - 6, rim - 18, cx + 6, rim - 8), fill=(200, 170, 90))
        return
    stem = (y2 - y1) * (0.0, 0.18, 0.48)[stage]
    draw.line((cx, rim - 6, cx, rim - 6 - stem), fill=(40, 140, 40), width=5)
    leaf = 18 if stage == 1 else 28
    draw.ellipse(
        (cx - leaf * 1.6, rim - stem * 0.55 - leaf / 2, cx, rim - stem * 0.55 + leaf / 2),
        fill=(60, 170, 60),
    )
    draw.ellipse(
        (cx, rim - stem * 0.7 - leaf / 2, cx + leaf * 1.6, rim - stem * 0.7 + leaf / 2),
        fill=(60, 170, 60),
    )
    if stage == 2:
        top = rim - 6 - stem
        for k in range(6):
            angle = math.radians(k * 60)
            px, py = cx + math.cos(angle) * 16, top + math.sin(angle) * 16
            draw.ellipse((px - 11, py - 11, px + 11, py + 11), fill=(240, 80, 140))
        draw.ellipse((cx - 9, top - 9, cx + 9, top + 9), fill=(250, 210, 40))


_SEQUENCE_KINDS = {"candle": _candle, "ice": _ice, "plant": _plant}


@register_drawer("sequence")
def draw_sequence(params: Mapping[str, Any]) -> Image.Image:
    """Draw a ``sequence`` recipe: numbered panels of one thing at different times."""
    kind = param(params, "subject", str, "")
    if kind not in _SEQUENCE_KINDS:
        raise DataError(f"sequence 'subject' must be one of {', '.join(_SEQUENCE_KINDS)}")
    stages = params.get("stages")
    if (
        not isinstance(stages, list)
        or not 2 <= len(stages) <= 3
        or not all(isinstance(s, int) and 0 <= s <= 2 for s in stages)
    ):
        raise DataError(f"sequence 'stages' must be 2-3 stage numbers in 0..2, got {stages!r}")
    width, height = param_size(params, (200 * len(stages), 300))
    image = Image.new("RGB", (width, height), _WHITE)
    draw = ImageDraw.Draw(image)
    panel = width / len(stages)
    caption = height * 0.14
    for index, stage in enumerate(stages):
        x1 = panel * index
        draw.rectangle(
            (x1 + 6, 6, x1 + panel - 6, height - caption),
            fill=(245, 242, 232),
            outline=(90, 90, 90),
            width=3,
        )
        _SEQUENCE_KINDS[kind](draw, (x1 + 10, 10, x1 + panel - 10, height - caption - 4), stage)
        _centred_text(
            draw, (x1 + panel / 2, height - caption / 2), str(index + 1), round(caption * 0.6)
        )
    return pad_to_square(image)


_CODE_MIN_SIDE = 224  # px: the smallest panel side, whatever the snippet's length


@register_drawer("code")
def draw_code(params: Mapping[str, Any]) -> Image.Image:
    """Draw a ``code`` recipe: source lines on a fixed grid, dark text on a pale panel."""
    lines = params.get("lines")
    if not isinstance(lines, list) or not lines or not all(isinstance(x, str) for x in lines):
        raise DataError("code 'lines' must be a non-empty list of strings")
    size = param(params, "font_size", int, 30)
    if not 8 <= size <= 200:
        raise DataError(f"code 'font_size' must be in 8..200, got {size}")
    face = font(size)
    indent = face.getlength("0")  # one leading space indents by the width of a digit
    margin = size
    line_height = size * 1.35
    widths = [
        indent * (len(line) - len(line.lstrip(" "))) + face.getlength(line.lstrip(" "))
        for line in lines
    ]
    width = max(_CODE_MIN_SIDE, math.ceil(2 * margin + max(max(widths), indent * 12)))
    # Short snippets get a taller panel (text stays at the top): at least _CODE_MIN_SIDE
    # and half the width, so a model's square resize does not squash the glyphs.
    height = max(
        _CODE_MIN_SIDE, math.ceil(width / 2), math.ceil(2 * margin + line_height * len(lines))
    )
    image = Image.new("RGB", (width, height), (246, 246, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((4, 4, width - 5, height - 5), outline=(170, 170, 170), width=2)
    for row, line in enumerate(lines):
        leading = len(line) - len(line.lstrip(" "))
        draw.text(
            (margin + leading * indent, margin + row * line_height),
            line.lstrip(" "),
            font=face,
            fill=(20, 20, 60),
        )
    return pad_to_square(image)
