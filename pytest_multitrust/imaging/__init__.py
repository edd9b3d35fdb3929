"""Deterministic image generation with PIL: drawers, drawing primitives, scenes.

An :class:`~pytest_multitrust.tasks.base.ImageRecipe` names a drawer (``kind``) and its
JSON parameters; :func:`render` turns it into PNG
:class:`~pytest_multitrust.models.base.ImageData`. Built-in drawers:

* ``shapes`` — coloured shapes at explicit boxes, plain or scene background, optional
  text (:mod:`pytest_multitrust.imaging.shapes`);
* ``typography`` — wrapped bold text, black on white (:mod:`.typography`);
* ``unrelated`` — solid colour, noise or a procedural landscape (:mod:`.unrelated`);
* ``file`` — an image on disk (:mod:`.files`).

Tasks add drawers with :func:`register_drawer` and reuse the primitives
(:func:`draw_shape`, :func:`draw_text`, :func:`wrap_text`, :func:`parse_colour`, ...).

Example:
    >>> from pytest_multitrust.tasks.base import ImageRecipe
    >>> image = render(ImageRecipe.make("unrelated", style="color", seed=1))
    >>> image.to_pil().size
    (336, 336)
"""

from __future__ import annotations

from pytest_multitrust.imaging.layout import boxes_overlap, normalise_box, place_boxes
from pytest_multitrust.imaging.primitives import (
    COLOURS,
    DEFAULT_SIZE,
    RGB,
    SHAPES,
    draw_shape,
    draw_text,
    font,
    param,
    param_box,
    param_size,
    parse_colour,
    rotated_text,
    shape_points,
    text_block_size,
    wrap_text,
)
from pytest_multitrust.imaging.registry import Drawer, draw, drawer_kinds, register_drawer, render
from pytest_multitrust.imaging.scenes import SCENES, draw_scene, vertical_gradient

__all__ = [
    "COLOURS",
    "DEFAULT_SIZE",
    "RGB",
    "SCENES",
    "SHAPES",
    "Drawer",
    "boxes_overlap",
    "draw",
    "draw_scene",
    "draw_shape",
    "draw_text",
    "drawer_kinds",
    "font",
    "normalise_box",
    "param",
    "param_box",
    "param_size",
    "parse_colour",
    "place_boxes",
    "register_drawer",
    "render",
    "rotated_text",
    "shape_points",
    "text_block_size",
    "vertical_gradient",
    "wrap_text",
]
