"""Full-size images of the HTML report, stored once per content hash, small.

When a report is asked for, every process that shows the model an image (each xdist
worker, or the single process) writes it to ``<report dir>/images/<sha256>.<ext>``, named
by the SHA-256 the sample records carry. The write is atomic (a temporary file, then
``os.replace``) and idempotent (a file already there is left alone), so workers need no
message passing: the controller finds the files when it writes ``report.html``. The page
then references them relatively, or, in the single-file mode, embeds each one once as a
``data:`` URI (:func:`image_urls`). An image encoded now is encoded and written on one
background thread of the process (:class:`ImageStore`), beside the tests; each process
waits for it (:meth:`ImageStore.finish`) at its session's end, before the folder is read.

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
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pytest_multitrust.models.keys import cache_key
from pytest_multitrust.report.json_report import write_bytes_atomic

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from PIL import Image as PILImage

    from pytest_multitrust.engine.cache import SQLiteCache
    from pytest_multitrust.models.base import ImageData
    from pytest_multitrust.settings import ReportImages

__all__ = [
    "CACHE_BATCH",
    "ENCODING",
    "ENCODING_VERSION",
    "IMAGES_DIR",
    "INLINE_LIMIT_BYTES",
    "PENDING_LIMIT",
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
#: Images an :class:`ImageStore` encodes ahead of the tests, at most (a few MB each).
PENDING_LIMIT = 16
#: New encodings an :class:`ImageStore` stores in the cache in one transaction.
CACHE_BATCH = 64
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


@dataclass(frozen=True)
class _Pending:
    """One image handed to the store's thread, not yet collected by the owning thread."""

    sha256: str  # the image's hash
    key: str  # its encoding's cache key
    future: Future[EncodedImage]  # the encoding written to its file, or the error


class ImageStore:
    """Writes the images one process showed the model into a report's ``images/`` folder.

    :meth:`keep` returns at once: one background thread encodes and writes the images
    (Pillow's WebP encoder releases the GIL, so this overlaps the tests on a spare core),
    at most ``pending_limit`` behind the tests (beyond, :meth:`keep` waits for the
    oldest, so the pixels held stay bounded). Everything else happens on the thread that
    calls :meth:`keep` and :meth:`finish` (the cache connection belongs to it): cache
    reads, the counters, the cache writes of new encodings, ``cache_batch`` at a time in
    one transaction, and the file of an image whose encoding the cache had (a write
    alone costs less than handing it over). :meth:`finish` must be called before anyone
    reads the folder.

    The folder is listed once, at the first :meth:`keep`: a file there then (an earlier
    run's, another worker's) is kept as it is, and no file is looked for again. Two
    workers that show the same image at once both write it, atomically and with the same
    bytes: harmless.

    Args:
        folder: the report's ``images/`` folder (created on the first write).
        cache: the run's cache database, where encoded images are kept across runs (None:
            every image is encoded).
        write: whether images encoded now are stored in ``cache`` (``--mt-cache=readwrite``).
        encoding: how images are encoded.
        pending_limit: images handed to the thread and not yet collected, at most.
        cache_batch: new encodings stored in the cache in one transaction.
    """

    def __init__(
        self,
        folder: Path,
        cache: SQLiteCache | None = None,
        *,
        write: bool = True,
        encoding: Encoding = ENCODING,
        pending_limit: int = PENDING_LIMIT,
        cache_batch: int = CACHE_BATCH,
    ) -> None:
        """A store writing into ``folder``."""
        self.folder = folder
        self.cache = cache
        self.write = write
        self.encoding = encoding
        self.pending_limit = max(1, pending_limit)
        self.cache_batch = max(1, cache_batch)
        self._parameters = repr(encoding)  # the cache key's part for the parameters
        self.written: set[str] = set()  # hashes this process wrote or found there
        self.failed: str | None = None  # the first encoding or write error (the run goes on)
        self.failures = 0  # writes that failed (a later keep() of the image tries again)
        self.encoded = 0  # images encoded (and written) by this process
        self.reused = 0  # images whose encoding came from the cache (and written)
        self._present: set[str] | None = None  # hashes with a file at the first keep()
        self._pending: deque[_Pending] = deque()  # in the order the thread finishes them
        self._puts: list[tuple[str, str]] = []  # new encodings not yet in the cache
        self._executor: ThreadPoolExecutor | None = None
        self._made = False  # the folder exists (set by either thread: mkdir is idempotent)

    @property
    def pending(self) -> int:
        """Images handed to the store's thread and not yet collected."""
        return len(self._pending)

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

    def _listed(self) -> set[str]:
        """The hashes with a file in the folder, listed once."""
        if self._present is None:
            try:
                names = os.listdir(self.folder)
            except OSError:  # no folder yet (or not a folder: the first write says so)
                names = []
            else:
                self._made = True
            self._present = {name[:64] for name in names if _FILE_NAME.match(name)}
        return self._present

    def keep(self, image: ImageData, picture: PILImage.Image | None = None) -> None:
        """Have ``image`` written once (atomic; a file already there is kept as it is).

        Returns at once unless ``pending_limit`` images are still being written (then it
        waits for the oldest). An error never reaches the caller: the first is kept in
        :attr:`failed` (a preview must never fail a trust test).

        Args:
            image: the image.
            picture: its pixels (RGB), when the caller has them, as just drawn: an image
                encoded now is then not decoded from its PNG first. The caller must not
                change them afterwards.
        """
        sha = image.sha256
        if sha in self.written or any(p.sha256 == sha for p in self._pending):
            return
        if sha in self._listed():
            self.written.add(sha)
            return
        key = self._key(sha)
        found = self._cached(key)
        if found is not None:  # only a file to write: cheaper here than handed over
            try:
                self._store(sha, found)
            except OSError as error:
                self._fail(error)
                return
            self.written.add(sha)
            self.reused += 1
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="multitrust-report-images"
            )
        future = self._executor.submit(self._encode_and_store, image, picture)
        self._pending.append(_Pending(sha, key, future))
        while self._pending and (
            len(self._pending) > self.pending_limit or self._pending[0].future.done()
        ):
            self._collect_oldest()

    def finish(self) -> None:
        """Wait for every image kept so far; store the new encodings in the cache.

        Idempotent; a later :meth:`keep` starts the thread again.
        """
        while self._pending:
            self._collect_oldest()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        self._flush()

    # -- the store's thread (and the owning thread, for an encoding from the cache) ----

    def _encode_and_store(self, image: ImageData, picture: PILImage.Image | None) -> EncodedImage:
        return self._store(image.sha256, encode_for_report(image, self.encoding, picture=picture))

    def _store(self, sha256: str, encoded: EncodedImage) -> EncodedImage:
        path = self.folder / image_file_name(sha256, encoded.extension)
        if not self._made:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._made = True
        write_bytes_atomic(path, encoded.data)
        return encoded

    # -- the owning thread --------------------------------------------------------------

    def _collect_oldest(self) -> None:
        """Wait for the oldest pending image; count it, queue its encoding for the cache."""
        item = self._pending[0]
        try:
            encoded = item.future.result()
        except Exception as error:  # OSError, a PIL error: a preview never fails a test
            self._fail(error)
            encoded = None
        self._pending.popleft()
        if encoded is None:
            return
        self.written.add(item.sha256)
        self.encoded += 1
        if self.cache is not None and self.write:
            value = base64.b64encode(encoded.data).decode("ascii")
            self._puts.append((item.key, f"{encoded.extension}:{encoded.kind}:{value}"))
            if len(self._puts) >= self.cache_batch:
                self._flush()

    def _fail(self, error: Exception) -> None:
        self.failed = self.failed or f"{type(error).__name__}: {error}"
        self.failures += 1

    def _flush(self) -> None:
        if self._puts and self.cache is not None:
            self.cache.put_many(PREVIEW_NAMESPACE, self._puts)
        self._puts = []


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
