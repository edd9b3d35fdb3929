"""The ``shapes`` drawer: coloured shapes at explicit boxes, on a plain or scene background.

Parameters (all optional; JSON in ``ImageRecipe.params``):

``size``
    ``[width, height]`` in pixels, default ``[336, 336]``.
``background``
    colour of a plain background (name, ``"#rrggbb"`` or ``[r, g, b]``), default white.
``scene``
    a scene template from :data:`~pytest_multitrust.imaging.scenes.SCENES` (``day``,
    ``night``, ``indoor``, ``beach``) painted instead of the plain background.
``seed``
    integer that varies the scene's details, default 0.
``shapes``
    list of ``{"shape": "circle", "colour": "red", "box": [x1, y1, x2, y2]}`` drawn in
    order (later ones on top); optional ``"outline"`` colour and ``"width"``. The box is
    the shape's exact bounding box.
``text``
    one text item or a list of them, drawn last: ``{"content": "K7PX", "size": 64,
    "colour": "black", "center": [x, y], "angle": 0}`` (``center`` defaults to the
    image centre, ``angle`` is in degrees counter-clockwise).

Example:
    >>> from pytest_multitrust.tasks.base import ImageRecipe
    >>> recipe = ImageRecipe.make(
    ...     "shapes", shapes=[{"shape": "star", "colour": "red", "box": [40, 40, 140, 140]}]
    ... )
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PIL import Image, ImageDraw

from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging.primitives import (
    draw_shape,
    param,
    param_box,
    param_size,
    parse_colour,
    rotated_text,
)
from pytest_multitrust.imaging.registry import register_drawer
from pytest_multitrust.imaging.scenes import draw_scene

__all__ = ["draw_shapes_image"]


def _items(value: Any, name: str) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    items = [value] if isinstance(value, Mapping) else value
    if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
        raise DataError(f"image parameter {name!r} must be an object or a list of objects")
    return items


@register_drawer("shapes")
def draw_shapes_image(params: Mapping[str, Any]) -> Image.Image:
    """Draw a ``shapes`` recipe (see the module docstring for the parameters).

    Raises:
        DataError: for a bad parameter, naming it.
    """
    width, height = param_size(params)
    background = parse_colour(params.get("background", "white"))
    image = Image.new("RGB", (width, height), background)
    scene = param(params, "scene", str, "")
    if scene:
        draw_scene(image, scene, param(params, "seed", int, 0))
    draw = ImageDraw.Draw(image)
    for index, item in enumerate(_items(params.get("shapes"), "shapes")):
        where = f"shapes[{index}]"
        shape = item.get("shape")
        if not isinstance(shape, str):
            raise DataError(f"image parameter {where} needs a 'shape' name")
        outline = item.get("outline")
        draw_shape(
            draw,
            shape,
            param_box(item.get("box"), f"{where}.box"),
            parse_colour(item.get("colour", "black")),
            outline=None if outline is None else parse_colour(outline),
            width=param(item, "width", int, 0),
        )
    for item in _items(params.get("text"), "text"):
        content = param(item, "content", str, "")
        if not content:
            continue
        size = param(item, "size", int, 64)
        layer = rotated_text(
            content,
            size,
            parse_colour(item.get("colour", "black")),
            param(item, "angle", float, 0.0),
            bold=param(item, "bold", bool, True),
        )
        centre = item.get("center", [width / 2, height / 2])
        if not (isinstance(centre, list) and len(centre) == 2):
            raise DataError(f"text 'center' must be [x, y], got {centre!r}")
        x = round(float(centre[0]) - layer.width / 2)
        y = round(float(centre[1]) - layer.height / 2)
        image.paste(layer, (x, y), layer)
    return image
