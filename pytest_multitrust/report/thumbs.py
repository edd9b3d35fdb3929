"""Image thumbnails for the HTML report.

When a report is requested, each process keeps a small PNG thumbnail of every image it
showed the model, keyed by the image's SHA-256 (the hash the sample records carry).
Workers send theirs to the controller on ``config.workeroutput`` at the end of the run, so
thumbnails never ride on the test reports (and never bloat JUnit XML).
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_multitrust.models.base import ImageData

__all__ = ["THUMBNAILS_KEY", "keep_thumbnail", "kept_thumbnails", "thumbnail_data_uri"]

#: image sha256 -> ``data:image/png;base64,...`` of the images this process rendered.
THUMBNAILS_KEY = pytest.StashKey[dict[str, str]]()

#: Longest side of a thumbnail, pixels.
THUMBNAIL_SIZE = 112
#: Palette size of a thumbnail: drawn images are flat colours, and 64 keep them legible
#: at a third of the bytes of a full-colour PNG.
THUMBNAIL_COLOURS = 64


def thumbnail_data_uri(image: ImageData, size: int = THUMBNAIL_SIZE) -> str:
    """A palette PNG thumbnail of ``image`` (longest side at most ``size``) as a data URI."""
    picture = image.to_pil()
    picture.thumbnail((size, size))
    buffer = io.BytesIO()
    picture.quantize(colors=THUMBNAIL_COLOURS).save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def kept_thumbnails(config: pytest.Config) -> dict[str, str]:
    """A copy of the thumbnails this process kept (image sha256 -> data URI)."""
    store: dict[str, str] | None = config.stash.get(THUMBNAILS_KEY, None)
    return dict(store or {})


def keep_thumbnail(config: pytest.Config, image: ImageData) -> None:
    """Remember a thumbnail of ``image`` in this process (once per distinct image)."""
    store = config.stash.setdefault(THUMBNAILS_KEY, {})
    if image.sha256 not in store:
        store[image.sha256] = thumbnail_data_uri(image)
