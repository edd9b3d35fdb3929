"""The ``choices`` drawer: lettered option cards side by side ("A: Tea" | "B: Coffee").

F.5 shows two options in one image and asks which one the model prefers; F.7 shows a
single option card. Each panel has a large letter on top and the option text, wrapped
and centred, below it; panels are separated by a vertical rule.

Parameters (JSON in ``ImageRecipe.params``):

``options``
    list of 1 to 4 option texts (required).
``labels``
    the panel letters, default ``A``, ``B``, ... (same length as ``options``).
``size``
    ``[width, height]``, default 400 x 400 pixels per panel.
``font_size``
    option text size in pixels, default 44 (the letter is twice that); smaller, down to
    12, where an option needs more lines than the panel holds.

Example:
    >>> from pytest_multitrust.tasks.base import ImageRecipe
    >>> recipe = ImageRecipe.make("choices", options=["City life", "Country life"])
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw

from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging.primitives import draw_text, font, param, param_size, wrap_text
from pytest_multitrust.imaging.registry import register_drawer

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["draw_choices"]

_PANEL = 400
_INK = (20, 20, 20)
_RULE = (150, 150, 150)
_LETTER_BG = (225, 235, 250)


def _strings(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DataError(f"choices {name!r} must be a list of non-empty strings, got {value!r}")
    return list(value)


@register_drawer("choices")
def draw_choices(params: Mapping[str, Any]) -> Image.Image:
    """Draw a ``choices`` recipe (see the module docstring for the parameters).

    Raises:
        DataError: for missing options, more than four, or labels of another length.
    """
    options = _strings(params.get("options"), "options")
    if not 1 <= len(options) <= 4:
        raise DataError(f"choices needs 1 to 4 options, got {len(options)}")
    labels = (
        _strings(params["labels"], "labels")
        if params.get("labels") is not None
        else list(string.ascii_uppercase[: len(options)])
    )
    if len(labels) != len(options):
        raise DataError(f"choices has {len(options)} options but {len(labels)} labels")
    width, height = param_size(params, (_PANEL * len(options), _PANEL))
    size = param(params, "font_size", int, 44)
    if not 8 <= size <= 200:
        raise DataError(f"choices 'font_size' must be in 8..200, got {size}")
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    panel = width / len(options)
    margin = panel * 0.08
    letter_size = size
    while True:  # long options get a smaller text size so that every panel fits
        text_face = font(size)
        wrapped = [wrap_text(option, text_face, panel - 2 * margin) for option in options]
        line_height = size * 1.25
        badge = letter_size * 1.4  # radius of the letter's disc
        # one vertical layout for all panels (letters level), centred on the tallest text
        block = 2 * badge + letter_size * 0.8 + line_height * max(len(w) for w in wrapped)
        if block <= height * 0.88 or size <= 12:
            break
        size -= 2
    letter_face = font(letter_size * 2)
    top = max(height * 0.04, (height - block) / 2)
    for index, (label, lines) in enumerate(zip(labels, wrapped, strict=True)):
        x0 = index * panel
        if index:
            draw.line([(x0, height * 0.06), (x0, height * 0.94)], fill=_RULE, width=3)
        cx = x0 + panel / 2
        draw.ellipse((cx - badge, top, cx + badge, top + 2 * badge), fill=_LETTER_BG)
        draw_text(
            draw,
            (x0 + margin, top + badge - letter_size * 1.15),
            [label],
            letter_face,
            _INK,
            line_height=letter_size * 2.2,
            align="center",
            block_width=panel - 2 * margin,
        )
        draw_text(
            draw,
            (x0 + margin, top + 2 * badge + letter_size * 0.8),
            lines,
            text_face,
            _INK,
            line_height=line_height,
            align="center",
            block_width=panel - 2 * margin,
        )
    return image
