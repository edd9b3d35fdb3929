"""The ``file`` drawer: an image read from disk (``{"path": "..."}``).

For users who bring their own images, e.g. the official MultiTrust data. A relative
``path`` is resolved against the current working directory.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image, UnidentifiedImageError

from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging.registry import register_drawer

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["MAX_PIXELS", "load_image_file", "to_rgb"]


#: The largest image read from disk, in pixels (8192 x 8192). Bigger ones are refused
#: before they are decoded: a few-kilobyte PNG can claim gigapixels (a decompression bomb).
MAX_PIXELS = 8192 * 8192


@register_drawer("file")
def load_image_file(params: Mapping[str, Any]) -> Image.Image:
    """Load the image at ``params["path"]`` as RGB.

    Any mode is accepted: palette, greyscale, CMYK and 16-bit images are converted, and
    transparent pixels (alpha, or a palette's transparent colour) are laid over white,
    the way a viewer shows them. Images over :data:`MAX_PIXELS` are refused unread.

    Raises:
        DataError: naming the file when it is missing, unreadable, truncated, not an
            image, or too large.
    """
    raw = params.get("path")
    if not isinstance(raw, str) or not raw:
        raise DataError("a 'file' image needs a 'path' string")
    path = Path(raw)
    if not path.is_file():
        raise DataError(f"{path}: image file not found (cwd {Path.cwd()})")
    try:
        with warnings.catch_warnings():
            # PIL warns from 89 M pixels on and refuses from 179 M with its own words; our
            # smaller limit answers every oversize image, with the same message
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
        with image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _too_large(path, f"{width}x{height} pixels")
            image.load()
            return to_rgb(image)
    except DataError:
        raise
    except Image.DecompressionBombError as error:  # so large that PIL refused it first
        found = re.search(r"\((\d+) pixels\)", str(error))
        raise _too_large(path, f"{int(found[1]):,} pixels" if found else "its size") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise DataError(f"{path}: not a readable image ({error})") from None


def _too_large(path: Path, size: str) -> DataError:
    return DataError(
        f"{path}: image too large ({size}, more than {MAX_PIXELS:,}); refused before "
        "decoding (a decompression bomb?)"
    )


def to_rgb(image: Image.Image) -> Image.Image:
    """An RGB copy of ``image`` whatever its mode; transparency is composited over white.

    16-bit and 32-bit greyscale (``I;16``, ``I``) keep their range: the top 8 bits are
    kept rather than clipping every value above 255 to white.
    """
    if image.mode == "RGB":
        return image.copy()
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        top = image.getextrema()[1]
        wide = image.mode.startswith("I;16") or (isinstance(top, int | float) and top > 255)
        high = 65535 if wide else 255
        image = image.convert("I").point(lambda v: v * 255 / high).convert("L")
    elif image.mode == "F":
        image = image.point(lambda v: v * 255).convert("L")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")
