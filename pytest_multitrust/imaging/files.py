"""The ``file`` drawer: an image read from disk (``{"path": "..."}``).

For users who bring their own images, e.g. the official MultiTrust data. A relative
``path`` is resolved against the current working directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image, UnidentifiedImageError

from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging.registry import register_drawer

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["load_image_file"]


@register_drawer("file")
def load_image_file(params: Mapping[str, Any]) -> Image.Image:
    """Load the image at ``params["path"]`` as RGB.

    Raises:
        DataError: naming the file when it is missing, unreadable or not an image.
    """
    raw = params.get("path")
    if not isinstance(raw, str) or not raw:
        raise DataError("a 'file' image needs a 'path' string")
    path = Path(raw)
    if not path.is_file():
        raise DataError(f"{path}: image file not found (cwd {Path.cwd()})")
    try:
        with Image.open(path) as image:
            image.load()
            return image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise DataError(f"{path}: not a readable image ({error})") from None
