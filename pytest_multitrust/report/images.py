"""Full-size images of the HTML report, stored once per content hash, small.

When a report is asked for, every process that shows the model an image (each xdist
worker, or the single process) writes it to ``<report dir>/images/<sha256>.<ext>``, named
by the SHA-256 the sample records carry. The write is atomic (a temporary file, then
``os.replace``) and idempotent (a file already there is left alone), so workers need no
message passing: the controller finds the files when it writes ``report.html``. The page
then references them relatively, or, in the single-file mode, embeds each one once as a
``data:`` URI (:func:`image_urls`).

Each image is encoded once for the page by :func:`encode_for_report`, WebP chosen per
image from its PNG's size (:func:`planned_kind`, :func:`lossless_wins`): lossless where
that is small or not much larger than lossy, so drawn text keeps its exact pixels; lossy
for photo-like images; a small preview for pure noise. An image drawn by this process is
encoded from the pixels just drawn (no PNG decoding). The encoded bytes are kept in the
run's cache database (namespace :data:`PREVIEW_NAMESPACE`, keyed by the image's hash, the
encoding parameters and :data:`ENCODING_VERSION`), so a later run writes them again
without encoding.
"""

from __future__ import annotations

import base64
import io
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pytest_multitrust.models.keys import cache_key

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from PIL import Image as PILImage

    from pytest_multitrust.engine.cache import SQLiteCache
    from pytest_multitrust.models.base import ImageData
    from pytest_multitrust.settings import ReportImages

__all__ = [
    "ENCODING",
    "ENCODING_VERSION",
    "IMAGES_DIR",
    "INLINE_LIMIT_BYTES",
    "PREVIEW_NAMESPACE",
    "EncodedImage",
    "Encoding",
    "ImageStore",
    "Plan",
    "encode_for_report",
    "find_image_file",
    "image_file_name",
    "image_urls",
    "lossless_wins",
    "planned_kind",
    "prune_images",
]

#: The report folder's subfolder of image files.
IMAGES_DIR = "images"
#: ``--mt-report-images=auto`` embeds the images in ``report.html`` while their files
#: total at most this many bytes, and writes ``images/`` above it.
INLINE_LIMIT_BYTES = 2 * 2**20
#: The cache database's namespace of encoded report images.
PREVIEW_NAMESPACE = "report-images"
#: Bumped when :func:`encode_for_report` changes in a way its parameters do not show.
ENCODING_VERSION = 2
#: What :func:`planned_kind` says of an image before any encoding.
Plan = Literal["noise", "lossless", "compare"]
#: The file types an image may be stored as, with their MIME types.
_MIME = {"webp": "image/webp", "png": "image/png"}

_FILE_NAME = re.compile(r"^[0-9a-f]{64}\.(png|webp)$")


@dataclass(frozen=True)
class Encoding:
    """How :func:`encode_for_report` chooses and encodes each image (part of the cache key)."""

    lossless_ok_bytes: int = 8 * 1024  # lossless estimated up to this size: kept, exact
    lossless_factor: float = 1.5  # else lossless while the estimate is at most this x lossy
    lossless_estimate: float = 0.5  # lossless WebP ~ this share of the image's PNG bytes
    drawn_ratio: float = 0.03  # PNG at most this share of raw RGB: flat drawing, lossless
    lossless_method: int = 2  # libwebp effort for lossless (0 fast .. 6 small)
    lossless_quality: int = 20  # lossless effort within the method (<= 25: no colour cache)
    lossy_quality: int = 70  # lossy WebP quality (text stays legible at full size)
    lossy_method: int = 2  # libwebp effort for lossy
    max_side: int = 1024  # a longer side is scaled down to this first (lossy only)
    noise_ratio: float = 0.9  # PNG at least this share of raw RGB: noise, nothing to read
    noise_side: int = 48  # noise is kept as a preview this many pixels on its longer side
    noise_quality: int = 50  # lossy quality of a noise preview
    noise_method: int = 4  # libwebp effort for a noise preview (tiny: effort is cheap)


#: The encoding every report uses.
ENCODING = Encoding()


@dataclass(frozen=True)
class EncodedImage:
    """One image as the report stores it."""

    data: bytes  # the file's bytes
    extension: str  # "webp" or "png" (the file name's and the MIME type's)
    kind: str  # "lossless" (exact pixels), "lossy" or "noise" (a small preview)

    @property
    def mime(self) -> str:
        """The MIME type of :attr:`data`."""
        return _MIME[self.extension]


def image_file_name(sha256: str, extension: str = "webp") -> str:
    """The file name of the image whose PNG hashes to ``sha256``."""
    return f"{sha256}.{extension}"


def find_image_file(folder: Path, sha256: str) -> Path | None:
    """The file of the image with this hash in ``folder`` (any stored type), or None."""
    for extension in _MIME:
        path = folder / image_file_name(sha256, extension)
        if path.is_file():
            return path
    return None


def _webp(picture: PILImage.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="WEBP", **options)
    return buffer.getvalue()


def _scaled(picture: PILImage.Image, side: int, resample: int) -> PILImage.Image:
    width, height = picture.size
    longest = max(width, height)
    if longest <= side:
        return picture
    size = (max(1, round(width * side / longest)), max(1, round(height * side / longest)))
    return picture.resize(size, resample)


def planned_kind(png_bytes: int, width: int, height: int, encoding: Encoding = ENCODING) -> Plan:
    """What an image's PNG size alone says about its encoding, before any is tried.

    Args:
        png_bytes: the size of the image's PNG (as the plugin draws it: zlib, no palette).
        width: the image's width in pixels.
        height: its height.
        encoding: the thresholds.

    Returns:
        ``"noise"`` when the PNG is at least ``noise_ratio`` of the raw RGB size
        (incompressible: random noise, nothing to read); ``"lossless"`` when the PNG is
        at most ``drawn_ratio`` of it (flat drawing: text, diagrams) or a lossless WebP,
        estimated at ``lossless_estimate`` of the PNG, is at most ``lossless_ok_bytes``;
        else ``"compare"``: a lossy WebP decides (:func:`lossless_wins`).
    """
    if png_bytes >= encoding.noise_ratio * width * height * 3:
        return "noise"
    if (
        png_bytes <= encoding.drawn_ratio * width * height * 3
        or encoding.lossless_estimate * png_bytes <= encoding.lossless_ok_bytes
    ):
        return "lossless"
    return "compare"


def lossless_wins(png_bytes: int, lossy_bytes: int, encoding: Encoding = ENCODING) -> bool:
    """Whether an image is kept lossless rather than as its lossy WebP of ``lossy_bytes``.

    True while the lossless WebP, estimated at ``lossless_estimate`` of the PNG's
    ``png_bytes``, is at most ``lossless_factor`` times the lossy one: drawn text and
    diagrams (lossless WebP is 0.3 to 0.6 of their PNG), not grainy photo-like images.
    """
    return encoding.lossless_estimate * png_bytes <= encoding.lossless_factor * lossy_bytes


def encode_for_report(
    image: ImageData, encoding: Encoding = ENCODING, *, picture: PILImage.Image | None = None
) -> EncodedImage:
    """``image`` as the report stores it: one WebP encoding that suits it, chosen cheaply.

    The choice (:func:`planned_kind`, :func:`lossless_wins`) reads the PNG's size, so no
    image is encoded losslessly only to be thrown away:

    * *noise* (an incompressible PNG): a lossy preview ``noise_side`` pixels long
      (nearest-neighbour);
    * *lossless* (the exact pixels) when the estimated lossless WebP is small, or not
      much larger than a lossy WebP of the image: drawn text, diagrams;
    * else that *lossy* WebP at ``lossy_quality`` (photo-like images and textures), the
      longer side at most ``max_side``.

    Args:
        image: the image (its PNG as shown to the model).
        encoding: how to choose and encode.
        picture: the image's pixels when the caller has them (as just drawn, RGB): saves
            decoding the PNG.
    """
    from PIL import Image

    if picture is None:
        picture = image.to_pil()
    width, height = picture.size
    plan = planned_kind(len(image.png), width, height, encoding)
    if plan == "noise":
        preview = _scaled(picture, encoding.noise_side, Image.Resampling.NEAREST)
        data = _webp(preview, quality=encoding.noise_quality, method=encoding.noise_method)
        return EncodedImage(data, "webp", "noise")
    if plan == "compare":
        lossy = _webp(
            _scaled(picture, encoding.max_side, Image.Resampling.LANCZOS),
            quality=encoding.lossy_quality,
            method=encoding.lossy_method,
        )
        if not lossless_wins(len(image.png), len(lossy), encoding):
            return EncodedImage(lossy, "webp", "lossy")
    lossless = _webp(
        picture,
        lossless=True,
        quality=encoding.lossless_quality,
        method=encoding.lossless_method,
    )
    return EncodedImage(lossless, "webp", "lossless")


class ImageStore:
    """Writes the images one process showed the model into a report's ``images/`` folder.

    Args:
        folder: the report's ``images/`` folder (created on the first write).
        cache: the run's cache database, where encoded images are kept across runs (None:
            every image is encoded).
        write: whether images encoded now are stored in ``cache`` (``--mt-cache=readwrite``).
        encoding: how images are encoded.
    """

    def __init__(
        self,
        folder: Path,
        cache: SQLiteCache | None = None,
        *,
        write: bool = True,
        encoding: Encoding = ENCODING,
    ) -> None:
        """A store writing into ``folder``."""
        self.folder = folder
        self.cache = cache
        self.write = write
        self.encoding = encoding
        self._parameters = repr(encoding)  # the cache key's part for the parameters
        self.written: set[str] = set()  # hashes this process wrote or found there
        self.failed: str | None = None  # the first write error, if any (the run goes on)
        self.encoded = 0  # images encoded by this process
        self.reused = 0  # images whose encoding came from the cache

    def _key(self, sha256: str) -> str:
        return cache_key("report-image", ENCODING_VERSION, self._parameters, sha256)

    def _cached(self, key: str) -> EncodedImage | None:
        if self.cache is None:
            return None
        found = self.cache.get(PREVIEW_NAMESPACE, key)
        if found is None:
            return None
        extension, _, rest = found.partition(":")
        kind, _, text = rest.partition(":")
        if extension not in _MIME:
            return None
        try:
            return EncodedImage(base64.b64decode(text, validate=True), extension, kind)
        except ValueError:  # a damaged entry is a miss
            return None

    def encoded_image(
        self, image: ImageData, picture: PILImage.Image | None = None
    ) -> EncodedImage:
        """``image`` encoded for the report: from the cache, else encoded (and cached).

        Args:
            image: the image.
            picture: its pixels, when the caller has them (see :func:`encode_for_report`).
        """
        sha = image.sha256
        key = self._key(sha)
        found = self._cached(key)
        if found is not None:
            self.reused += 1
            return found
        encoded = encode_for_report(image, self.encoding, picture=picture)
        self.encoded += 1
        if self.cache is not None and self.write:
            value = base64.b64encode(encoded.data).decode("ascii")
            self.cache.put(PREVIEW_NAMESPACE, key, f"{encoded.extension}:{encoded.kind}:{value}")
        return encoded

    def keep(self, image: ImageData, picture: PILImage.Image | None = None) -> None:
        """Write ``image`` once (atomic; a file already there is kept as it is).

        Args:
            image: the image.
            picture: its pixels (RGB), when the caller has them, as just drawn: an image
                encoded now is then not decoded from its PNG first.
        """
        sha = image.sha256
        if sha in self.written:
            return
        try:
            if find_image_file(self.folder, sha) is None:
                encoded = self.encoded_image(image, picture)
                path = self.folder / image_file_name(sha, encoded.extension)
                self.folder.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                try:
                    tmp.write_bytes(encoded.data)
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
        mode: ``files`` (relative ``images/<sha256>.<ext>`` references), ``inline``
            (``data:`` URIs, a single-file page) or ``auto`` (inline while the files total
            at most :data:`INLINE_LIMIT_BYTES`).

    Returns:
        image sha256 → URL for the images found in ``folder`` (others are left out and
        show a placeholder), and True when the page references files in ``folder``.
    """
    found = {
        sha: path
        for sha in sorted(set(hashes))
        if (path := find_image_file(folder, sha)) is not None
    }
    total = sum(path.stat().st_size for path in found.values())
    inline = mode == "inline" or (mode == "auto" and total <= INLINE_LIMIT_BYTES)
    if not inline:
        return {sha: f"{IMAGES_DIR}/{path.name}" for sha, path in found.items()}, True
    return {
        sha: f"data:{_MIME[path.suffix[1:]]};base64,"
        + base64.b64encode(path.read_bytes()).decode("ascii")
        for sha, path in found.items()
    }, False


def prune_images(folder: Path, keep: Iterable[str]) -> None:
    """Remove image files of earlier runs from ``folder`` (only ``<sha256>.<ext>`` names).

    The file kept for each hash in ``keep`` is the one :func:`find_image_file` finds (the
    page references it); the folder itself goes too when nothing is left in it.
    """
    if not folder.is_dir():
        return
    wanted = {path.name for sha in keep if (path := find_image_file(folder, sha)) is not None}
    for path in folder.iterdir():
        if _FILE_NAME.match(path.name) and path.name not in wanted:
            path.unlink(missing_ok=True)
    if not any(folder.iterdir()):
        folder.rmdir()
