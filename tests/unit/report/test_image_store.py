"""The report's image store: encoding on its own thread, bounded, finished before reading."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PIL import Image

from pytest_multitrust.engine.cache import SQLiteCache
from pytest_multitrust.models.base import ImageData
from pytest_multitrust.report import images as report_images
from pytest_multitrust.report.images import (
    PREVIEW_NAMESPACE,
    EncodedImage,
    Encoding,
    ImageStore,
    image_file_name,
)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    import pytest
    from PIL import Image as PILImage

WAIT_S = 30.0  # a bound on waits that only a broken store reaches (then a test fails)


def _images(count: int) -> list[ImageData]:
    return [
        ImageData.from_pil(Image.new("RGB", (24, 16), (i, 2 * i, 255 - i))) for i in range(count)
    ]


class _RecordingCache(SQLiteCache):
    """A cache database that notes each ``put_many``: its size and its thread."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.batches: list[tuple[int, str]] = []

    def put_many(self, namespace: str, items: Iterable[tuple[str, str]]) -> None:
        rows = list(items)
        self.batches.append((len(rows), threading.current_thread().name))
        super().put_many(namespace, rows)


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_keep_returns_at_once_and_finish_writes_every_image_and_its_cache_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = report_images.encode_for_report
    gate = threading.Event()
    threads: list[str] = []

    def held(
        image: ImageData, encoding: Encoding, *, picture: PILImage.Image | None = None
    ) -> EncodedImage:
        threads.append(threading.current_thread().name)
        if not gate.wait(WAIT_S):  # keep() encoding inline would wait here, then fail
            raise AssertionError("keep() waited for the encoder")
        return real(image, encoding, picture=picture)

    monkeypatch.setattr(report_images, "encode_for_report", held)
    db = _RecordingCache(tmp_path / "cache.sqlite3")
    store = ImageStore(tmp_path / "images", db, pending_limit=8, cache_batch=2)
    pictures = _images(5)
    for image in [*pictures, pictures[0]]:  # the same image twice: kept once
        store.keep(image, image.to_pil())
    assert store.pending == 5
    assert store.encoded == 0
    assert not (tmp_path / "images").exists()  # nothing written yet: the encoder is held
    gate.set()
    store.finish()
    store.finish()  # idempotent
    assert _files(tmp_path / "images") == sorted(image_file_name(i.sha256) for i in pictures)
    assert (store.encoded, store.reused, store.pending, store.failed) == (5, 0, 0, None)
    assert store.written == {i.sha256 for i in pictures}
    assert len(threads) == 5
    assert all(name.startswith("multitrust-report-images") for name in threads)
    # the cache is written on the owning thread, a batch per transaction
    main = threading.current_thread().name
    assert sum(size for size, _ in db.batches) == 5 == db.count(PREVIEW_NAMESPACE)
    assert all(size <= 2 and thread == main for size, thread in db.batches)
    # a later run reuses them: only the files are written, at once
    warm = ImageStore(tmp_path / "warm" / "images", db)
    for image in pictures:
        warm.keep(image)
    assert (warm.encoded, warm.reused, warm.pending) == (0, 5, 0)
    assert _files(tmp_path / "warm" / "images") == _files(tmp_path / "images")
    # and one that cannot write them records it
    (tmp_path / "file").write_text("a file where the folder should be")
    blocked = ImageStore(tmp_path / "file" / "images", db)
    blocked.keep(pictures[0])
    blocked.finish()
    assert blocked.failed
    assert (blocked.written, blocked.reused) == (set(), 0)
    db.close()


def test_keep_waits_once_pending_limit_images_are_still_being_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = report_images.encode_for_report
    permits = threading.Semaphore(0)  # one per image the encoder may finish

    def slow(
        image: ImageData, encoding: Encoding, *, picture: PILImage.Image | None = None
    ) -> EncodedImage:
        if not permits.acquire(timeout=WAIT_S):
            raise AssertionError("no permit")
        return real(image, encoding, picture=picture)

    monkeypatch.setattr(report_images, "encode_for_report", slow)
    limit = 3
    store = ImageStore(tmp_path / "images", pending_limit=limit)
    pictures = _images(10)
    for number, image in enumerate(pictures, 1):
        if number > limit:
            permits.release()  # the oldest may finish: keep() waits for it, no longer
        store.keep(image)
        assert store.pending <= limit
        assert store.encoded == max(0, number - limit)
    permits.release(limit)
    store.finish()
    assert (store.encoded, store.pending) == (10, 0)
    assert len(_files(tmp_path / "images")) == 10


def test_an_encoder_error_is_recorded_and_never_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = report_images.encode_for_report
    pictures = _images(4)
    bad = pictures[1].sha256

    def broken(
        image: ImageData, encoding: Encoding, *, picture: PILImage.Image | None = None
    ) -> EncodedImage:
        if image.sha256 == bad:
            raise ValueError("broken PNG data")  # what PIL raises for a bad image
        return real(image, encoding, picture=picture)

    monkeypatch.setattr(report_images, "encode_for_report", broken)
    db = SQLiteCache(tmp_path / "cache.sqlite3")
    store = ImageStore(tmp_path / "images", db)
    for image in pictures:
        store.keep(image)
    store.finish()
    assert store.failed == "ValueError: broken PNG data"
    assert (store.encoded, store.reused) == (3, 0)
    assert bad not in store.written
    assert _files(tmp_path / "images") == sorted(
        image_file_name(i.sha256) for i in pictures if i.sha256 != bad
    )  # no temporary file left either
    assert db.count(PREVIEW_NAMESPACE) == 3
    db.close()


def test_files_there_at_the_first_keep_are_kept_and_not_encoded(tmp_path: Path) -> None:
    pictures = _images(3)
    folder = tmp_path / "images"
    folder.mkdir()
    there = folder / image_file_name(pictures[0].sha256, "png")  # an earlier run's type
    there.write_bytes(b"an earlier run's file")
    store = ImageStore(folder)
    for image in pictures:
        store.keep(image)
    store.finish()
    assert there.read_bytes() == b"an earlier run's file"
    assert store.encoded == 2
    assert store.written == {i.sha256 for i in pictures}
    assert len(_files(folder)) == 3
