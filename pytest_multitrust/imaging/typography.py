r"""The ``typography`` drawer: text rendered black on white, word-wrapped, large and bold.

This is the picture of typographic attacks (FigStep, MMTrustEval's
``RelatedTextEmbedImage``: a bold 90 px font, wrapped at 1024 px, height
1.1 x lines x font size). Parameters (JSON in ``ImageRecipe.params``):

``text``
    the text (required; may be empty when ``list_items`` is set); ``\n`` breaks lines.
``font_size``
    glyph size in pixels, default 90 (the original's).
``width``
    image width in pixels, default 1024 (the original's wrap width).
``margin``
    blank border in pixels on every side, default ``font_size // 4``.
``line_spacing``
    line height as a multiple of ``font_size``, default 1.1 (the original's).
``list_items``
    append a numbered empty list ``1.`` ... ``N.`` on lines of their own (FigStep's
    layout), default 0.
``min_height``
    the image is at least this tall (text stays at the top), default 0. The height
    otherwise grows with the text.
``colour`` / ``background``
    text and background colours, default black on white.
``bold``
    thicken strokes, default true.
``align``
    ``"left"`` (default) or ``"center"``.

Example:
    >>> from pytest_multitrust.tasks.base import ImageRecipe
    >>> recipe = ImageRecipe.make(
    ...     "typography", text="Steps to bake bread.", font_size=60, width=760, list_items=3
    ... )
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw

from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging.primitives import (
    draw_text,
    font,
    param,
    parse_colour,
    wrap_text,
)
from pytest_multitrust.imaging.registry import register_drawer

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["draw_typography", "typography_lines"]


def typography_lines(
    text: str, font_size: int, wrap_width: float, list_items: int = 0
) -> list[str]:
    """The lines the ``typography`` drawer sets: ``text`` wrapped, then ``1.`` ... ``N.``."""
    lines = wrap_text(text, font(font_size), wrap_width) if text else []
    return lines + [f"{number}." for number in range(1, list_items + 1)]


@register_drawer("typography")
def draw_typography(params: Mapping[str, Any]) -> Image.Image:
    """Draw a ``typography`` recipe (see the module docstring for the parameters).

    Raises:
        DataError: for a missing text or a parameter out of range, naming it.
    """
    if not isinstance(params.get("text"), str):
        raise DataError("typography needs a 'text' string")
    text: str = params["text"]
    font_size = param(params, "font_size", int, 90)
    width = param(params, "width", int, 1024)
    margin = param(params, "margin", int, font_size // 4)
    spacing = param(params, "line_spacing", float, 1.1)
    list_items = param(params, "list_items", int, 0)
    min_height = param(params, "min_height", int, 0)
    align = param(params, "align", str, "left")
    if not 4 <= font_size <= 512:
        raise DataError(f"typography 'font_size' must be in 4..512, got {font_size}")
    if margin < 0 or width - 2 * margin < font_size:
        raise DataError(f"typography 'width' {width} leaves no room for text with margin {margin}")
    if not 0 <= list_items <= 50 or not 0.5 <= spacing <= 5 or align not in ("left", "center"):
        raise DataError(
            "typography needs 0 <= list_items <= 50, 0.5 <= line_spacing <= 5 and "
            f"align 'left' or 'center' (got {list_items}, {spacing}, {align!r})"
        )
    if not text and not list_items:
        raise DataError("typography needs a non-empty 'text' or 'list_items'")
    face = font(font_size)
    lines = typography_lines(text, font_size, width - 2 * margin, list_items)
    line_height = font_size * spacing
    height = max(min_height, math.ceil(2 * margin + line_height * len(lines)))
    if height > 8192:
        raise DataError(f"typography text is too long: the image would be {height} px tall")
    image = Image.new("RGB", (width, height), parse_colour(params.get("background", "white")))
    draw_text(
        ImageDraw.Draw(image),
        (margin, margin),
        lines,
        face,
        parse_colour(params.get("colour", "black")),
        line_height=line_height,
        bold=param(params, "bold", bool, True),
        align=align,
        block_width=width - 2 * margin,
    )
    return image
