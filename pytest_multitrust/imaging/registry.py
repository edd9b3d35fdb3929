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

import hashlib
import importlib
from collections.abc import Callable, Hashable, Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pytest_multitrust.errors import DataError, PrerequisiteError
from pytest_multitrust.models.base import ImageData

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "BUILTIN_MODULES",
    "Drawer",
    "Recipe",
    "builtin_kinds",
    "code_version",
    "draw",
    "drawer_kinds",
    "drawing_version",
    "register_drawer",
    "render",
]

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


class Recipe(Hashable, Protocol):
    """What a drawer is asked for: :class:`~pytest_multitrust.tasks.base.ImageRecipe`."""

    @property
    def kind(self) -> str:
        """The drawer's name."""

    @property
    def params_json(self) -> str:
        """The parameters as canonical JSON."""

    @property
    def params(self) -> Mapping[str, Any]:
        """The decoded parameters."""


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


def draw(recipe: Recipe) -> Image.Image:
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
def render(recipe: Recipe) -> ImageData:
    """Draw a recipe and encode it as PNG :class:`~pytest_multitrust.models.base.ImageData`.

    The same recipe always gives the same bytes. Results are cached (64 most recent),
    since several samples often share one image.

    Raises:
        DataError: see :func:`draw`.
    """
    return ImageData.from_pil(draw(recipe))


def builtin_kinds() -> frozenset[str]:
    """Drawer kinds registered by the built-in imaging modules (``file`` excluded).

    Their code is what :func:`code_version` hashes, so only their images may be cached.
    """
    _load_builtins()
    return frozenset(
        kind
        for kind, drawer in _DRAWERS.items()
        if getattr(drawer, "__module__", "") in BUILTIN_MODULES and kind != "file"
    )


@cache
def code_version() -> str:
    """A hash of what decides a built-in drawing: the imaging code, Pillow and FreeType.

    Covers the source of every module in :mod:`pytest_multitrust.imaging` (so any change
    to a drawer, a primitive or the registry gives new keys) and the Pillow and FreeType
    versions (text rendering and PNG encoding can change with them).
    """
    import PIL
    from PIL import features

    digest = hashlib.sha256()
    digest.update(f"pillow={PIL.__version__};freetype={features.version('freetype2')}".encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(f"\n{source.name}\n".encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def drawing_version(kind: str) -> str | None:
    """The cache version of images of ``kind``: :func:`code_version` for a built-in drawer.

    None for ``file`` images and for drawers registered elsewhere (their code is not
    hashed, so their images are never cached).
    """
    return code_version() if kind in builtin_kinds() else None
