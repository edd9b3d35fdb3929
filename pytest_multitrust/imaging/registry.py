"""The drawer registry: ``ImageRecipe.kind`` -> a function that draws the image.

A drawer takes the recipe's decoded parameters and returns a PIL image. It must be
deterministic (same parameters, same pixels): take every random choice from a seed in
the parameters. Built-in drawers (``shapes``, ``typography``, ``unrelated``, ``file``)
are registered on first use; tasks add their own with :func:`register_drawer`.

Example:
    A drawer for a plain checkerboard, usable as ``ImageRecipe.make("checker", cell=24)``::

        from PIL import Image, ImageDraw
        from pytest_multitrust.imaging import param, param_size, register_drawer

        @register_drawer("checker")
        def checker(params):
            width, height = param_size(params)
            cell = param(params, "cell", int, 32)
            image = Image.new("RGB", (width, height), "white")
            draw = ImageDraw.Draw(image)
            for y in range(0, height, cell):
                for x in range(0, width, cell):
                    if (x // cell + y // cell) % 2:
                        draw.rectangle((x, y, x + cell - 1, y + cell - 1), fill="black")
            return image
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pytest_multitrust.errors import DataError, PrerequisiteError
from pytest_multitrust.models.base import ImageData

if TYPE_CHECKING:
    from PIL import Image

    from pytest_multitrust.tasks.base import ImageRecipe

__all__ = ["Drawer", "draw", "drawer_kinds", "register_drawer", "render"]

#: A drawer: decoded recipe parameters in, a PIL image out.
Drawer = Callable[[Mapping[str, Any]], "Image.Image"]

#: Modules that register the built-in drawers, imported on first lookup.
BUILTIN_MODULES = (
    "pytest_multitrust.imaging.shapes",
    "pytest_multitrust.imaging.typography",
    "pytest_multitrust.imaging.unrelated",
    "pytest_multitrust.imaging.files",
    "pytest_multitrust.imaging.safety_images",  # hazard, content_warning, icon_phrase, safety_cue
    "pytest_multitrust.imaging.diagrams",  # clock, bars, table, sequence (truthfulness)
    "pytest_multitrust.imaging.everyday",  # traffic, daily, causality (truthfulness)
    "pytest_multitrust.imaging.illusions",  # illusion (truthfulness T.6)
    "pytest_multitrust.imaging.avatars",  # avatar: drawn people (fairness F.1, F.6)
    "pytest_multitrust.imaging.choices",  # choices: lettered option cards (fairness F.5, F.7)
    "pytest_multitrust.imaging.styles",  # object: restyled objects (robustness R.1, R.4, R.5)
    "pytest_multitrust.imaging.sensors",  # sensor: infrared, X-ray, MRI, ... (robustness R.2)
    "pytest_multitrust.imaging.documents",  # document: ID cards, letters, screens (privacy)
    "pytest_multitrust.imaging.benign",  # benign: landscapes, menus, products (privacy P.1)
)

_DRAWERS: dict[str, Drawer] = {}
_LOADED: list[bool] = []


def register_drawer(kind: str, *, replace: bool = False) -> Callable[[Drawer], Drawer]:
    """Decorator that registers a drawer under ``kind``.

    Args:
        kind: the name used in ``ImageRecipe.kind``.
        replace: allow replacing a drawer already registered under ``kind``.

    Raises:
        ValueError: when ``kind`` is taken by another function and ``replace`` is false.
    """

    def decorator(function: Drawer) -> Drawer:
        existing = _DRAWERS.get(kind)
        if existing is not None and existing is not function and not replace:
            raise ValueError(f"an image drawer is already registered as {kind!r}")
        _DRAWERS[kind] = function
        return function

    return decorator


def _load_builtins() -> None:
    if _LOADED:
        return
    _LOADED.append(True)
    for module in BUILTIN_MODULES:
        importlib.import_module(module)


def drawer_kinds() -> list[str]:
    """The registered drawer names, sorted."""
    _load_builtins()
    return sorted(_DRAWERS)


def draw(recipe: ImageRecipe) -> Image.Image:
    """Draw the image a recipe describes, as an RGB PIL image.

    Raises:
        DataError: for an unknown kind (listing the known ones) or bad parameters
            (naming the kind and the problem).
    """
    _load_builtins()
    drawer = _DRAWERS.get(recipe.kind)
    if drawer is None:
        known = ", ".join(sorted(_DRAWERS))
        raise DataError(f"unknown image kind {recipe.kind!r}; known kinds: {known}")
    try:
        params = recipe.params
        image = drawer(params)
    except (DataError, PrerequisiteError) as error:
        raise type(error)(f"image {recipe.kind!r}: {error}") from None
    except (KeyError, TypeError, ValueError) as error:
        raise DataError(
            f"image {recipe.kind!r}: bad parameters {recipe.params_json} "
            f"({type(error).__name__}: {error})"
        ) from None
    return image if image.mode == "RGB" else image.convert("RGB")


@lru_cache(maxsize=64)
def render(recipe: ImageRecipe) -> ImageData:
    """Draw a recipe and encode it as PNG :class:`~pytest_multitrust.models.base.ImageData`.

    The same recipe always gives the same bytes. Results are cached (64 most recent),
    since several samples often share one image.

    Raises:
        DataError: see :func:`draw`.
    """
    return ImageData.from_pil(draw(recipe))
