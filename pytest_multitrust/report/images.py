"""Full-size images of the HTML report, stored once per content hash.

When a report is asked for, every process that shows the model an image (each xdist
worker, or the single process) writes it to ``<report dir>/images/<sha256>.png``, named by
the SHA-256 the sample records carry. The write is atomic (a temporary file, then
``os.replace``) and idempotent (a file already there is left alone), so workers need no
message passing: the controller finds the files when it writes ``report.html``. The page
then references them relatively, or, in the single-file mode, embeds each one once as a
``data:`` URI (:func:`image_urls`).
"""

from __future__ import annotations

import base64
import io
import os
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from pytest_multitrust.models.base import ImageData
    from pytest_multitrust.settings import ReportImages

__all__ = [
    "IMAGES_DIR",
    "INLINE_LIMIT_BYTES",
    "ImageStore",
    "encode_for_report",
    "image_file_name",
    "image_urls",
    "prune_images",
]

#: The report folder's subfolder of image files.
IMAGES_DIR = "images"
#: ``--mt-report-images=auto`` embeds the images in ``report.html`` while their files
#: total at most this many bytes, and writes ``images/`` above it.
INLINE_LIMIT_BYTES = 2 * 2**20

_FILE_NAME = re.compile(r"^[0-9a-f]{64}\.png$")


def image_file_name(sha256: str) -> str:
    """The file name of the image whose PNG hashes to ``sha256``."""
    return f"{sha256}.png"


def encode_for_report(image: ImageData) -> bytes:
    """``image`` as a small lossless PNG: a palette when it has at most 256 colours."""
    from PIL import Image

    original = image.to_pil()
    picture = original
    if original.getcolors(256) is not None:  # drawn images: flat colours
        palette = original.quantize(
            colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        if palette.convert("RGB").tobytes() == original.tobytes():  # never trade exactness
            picture = palette
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    data = buffer.getvalue()
    return data if len(data) < len(image.png) else image.png


class ImageStore:
    """Writes the images one process showed the model into a report's ``images/`` folder."""

    def __init__(self, folder: Path) -> None:
        """A store writing into ``folder`` (created on the first write)."""
        self.folder = folder
        self.written: set[str] = set()  # hashes this process wrote or found there
        self.failed: str | None = None  # the first write error, if any (the run goes on)

    def keep(self, image: ImageData) -> None:
        """Write ``image`` once (atomic; a file already there is kept as it is)."""
        sha = image.sha256
        if sha in self.written:
            return
        path = self.folder / image_file_name(sha)
        try:
            if not path.exists():
                self.folder.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                try:
                    tmp.write_bytes(encode_for_report(image))
                    os.replace(tmp, path)
                finally:
                    tmp.unlink(missing_ok=True)
        except OSError as error:  # a preview must never fail a trust test
            self.failed = self.failed or str(error)
            return
        self.written.add(sha)


def image_urls(
    folder: Path, hashes: Iterable[str], mode: ReportImages
) -> tuple[dict[str, str], bool]:
    """What ``report.html`` puts in place of each image, and whether it needs ``images/``.

    Args:
        folder: the report's ``images/`` folder.
        hashes: the image hashes the report's samples carry.
        mode: ``files`` (relative ``images/<sha256>.png`` references), ``inline``
            (``data:`` URIs, a single-file page) or ``auto`` (inline while the files total
            at most :data:`INLINE_LIMIT_BYTES`).

    Returns:
        image sha256 → URL for the images found in ``folder`` (others are left out and
        show a placeholder), and True when the page references files in ``folder``.
    """
    found = {
        sha: folder / image_file_name(sha)
        for sha in sorted(set(hashes))
        if (folder / image_file_name(sha)).is_file()
    }
    total = sum(path.stat().st_size for path in found.values())
    inline = mode == "inline" or (mode == "auto" and total <= INLINE_LIMIT_BYTES)
    if not inline:
        return {sha: f"{IMAGES_DIR}/{path.name}" for sha, path in found.items()}, True
    return {
        sha: "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
        for sha, path in found.items()
    }, False


def prune_images(folder: Path, keep: Iterable[str]) -> None:
    """Remove image files of earlier runs from ``folder`` (only ``<sha256>.png`` names).

    The folder itself goes too when nothing is left in it.
    """
    wanted = {image_file_name(sha) for sha in keep}
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if _FILE_NAME.match(path.name) and path.name not in wanted:
            path.unlink(missing_ok=True)
    if not any(folder.iterdir()):
        folder.rmdir()
