"""Reading the official MultiTrust data folder: files, images, checksums.

The official data (``data/`` of MMTrustEval, obtained from its authors) is read in place.
A :class:`Layout` resolves paths under its root, reads the annotation files (JSON, JSONL,
CSV, text), turns image files into ``file`` image recipes, and remembers everything a
task used so :meth:`Layout.digest` can fingerprint it. Missing images are collected
(every one of them is listed); a missing annotation file stops the task at once. Where
the original's loader skipped a sample whose image is absent (T.1, T.5, T.6, P.1, P.2,
P.5, and P.4's portraits it could not download), :meth:`Layout.image_or_skip` skips it
too and records the image in :attr:`Layout.skipped`, which the check reports.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import re
from typing import TYPE_CHECKING, Any

from pytest_multitrust.jsonl import json_lines, text_lines
from pytest_multitrust.tasks.base import ImageRecipe, Sample

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

__all__ = ["Layout", "MissingData", "SampleBuilder", "UnreadableData", "natural_key"]

#: Folder of the unrelated images (``unrelated_images/*color*``, ``*nature*``, ``*noise*``).
UNRELATED_DIR = "unrelated_images"
#: Image file suffixes counted when a folder is listed.
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"})
#: Samples per variant flagged ``smoke`` (the first ones, in file order).
SMOKE_PER_VARIANT = 10


class MissingData(Exception):
    """An annotation file or folder a task needs is not there (``path`` relative to root)."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class UnreadableData(Exception):
    """A file is there but cannot be read as the original's format (``path``: why)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders ``2.png`` before ``10.png`` (the original's ``natsorted``)."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.lower())
        for part in re.split(r"(\d+)", name)
        if part
    )


class Layout:
    """The official data root of one run, and what one task read from it.

    Args:
        root: the official ``data`` folder (holds ``truthfulness/``, ``safety/``, ...).
        seed: the run's seed; unrelated images are drawn from it (the original did not
            seed its draws).
        task_id: the task being read (part of the unrelated-image draw).
    """

    def __init__(self, root: Path, seed: int, task_id: str) -> None:
        self.root = root
        self.seed = seed
        self.task_id = task_id
        self.files: set[str] = set()  # annotation files read (hashed by content)
        self.images: set[str] = set()  # image files used (hashed by name and size)
        self.missing: list[str] = []  # image files referenced but absent
        self.skipped: list[str] = []  # absent images whose samples were skipped (original)
        self._unrelated: dict[str, list[str]] = {}

    # -- paths ------------------------------------------------------------------------------

    def _inside(self, relative: str) -> Path:
        """``root / relative``, unless it leaves the root (``..``, absolute, a link out).

        Annotations name the files, so they are user data: such a path is unreadable.
        """
        path = self.root / relative
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise UnreadableData(relative, f"outside the data folder {self.root}")
        return path

    def pick(self, *candidates: str) -> str:
        """The first candidate path (file or folder) that exists, relative to the root.

        The original's configs named some files differently across its versions
        (``query_d_existence.json`` / ``query_d_object.json``, ``cm-jailbreak`` /
        ``crossmodal-jailbreak``, ...); every name it used is accepted.

        Raises:
            MissingData: naming the first candidate and the others, when none exists.
        """
        for candidate in candidates:
            if self._inside(candidate).exists():
                return candidate
        others = f" (or {', '.join(candidates[1:])})" if len(candidates) > 1 else ""
        raise MissingData(candidates[0] + others)

    def _file(self, relative: str) -> Path:
        path = self._inside(relative)
        if not path.is_file():
            raise MissingData(relative)
        self.files.add(relative)
        return path

    def folder(self, relative: str) -> list[str]:
        """The image files of a folder (relative paths, natural order).

        Raises:
            MissingData: when the folder is absent or holds no image.
        """
        path = self.root / relative
        if not path.is_dir():
            raise MissingData(relative + "/")
        names = sorted(
            (p.name for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES),
            key=natural_key,
        )
        if not names:
            raise MissingData(relative + "/ (no images in it)")
        return [f"{relative}/{name}" for name in names]

    def subfolders(self, relative: str) -> list[str]:
        """The sub-folder names of a folder, sorted.

        Raises:
            MissingData: when the folder is absent or has no sub-folder.
        """
        path = self.root / relative
        if not path.is_dir():
            raise MissingData(relative + "/")
        names = sorted(p.name for p in path.iterdir() if p.is_dir())
        if not names:
            raise MissingData(relative + "/ (no sub-folders in it)")
        return names

    def image(self, relative: str) -> ImageRecipe:
        """A ``file`` recipe for an image; a missing file is recorded, not raised.

        Raises:
            UnreadableData: for a path that leaves the data folder.
        """
        path = self._inside(relative)
        if path.is_file():
            self.images.add(relative)
        else:
            self.missing.append(relative)
        return ImageRecipe.make("file", path=str(path.resolve()))

    def image_or_skip(self, relative: str) -> ImageRecipe | None:
        """A ``file`` recipe, or ``None`` (recorded in :attr:`skipped`) when it is absent.

        For the tasks whose original loader skipped such samples with a warning.

        Raises:
            UnreadableData: for a path that leaves the data folder.
        """
        path = self._inside(relative)
        if not path.is_file():
            self.skipped.append(relative)
            return None
        self.images.add(relative)
        return ImageRecipe.make("file", path=str(path.resolve()))

    def unrelated(self, kind: str, key: str) -> ImageRecipe:
        """An unrelated image of ``kind`` (color, nature, noise), drawn from the seed and key.

        Raises:
            MissingData: when ``unrelated_images/`` has no image of that kind.
        """
        if kind not in self._unrelated:
            names = [name for name in self.folder(UNRELATED_DIR) if kind in name.rsplit("/", 1)[1]]
            if not names:
                raise MissingData(f"{UNRELATED_DIR}/*{kind}* (no {kind} images)")
            self._unrelated[kind] = names
        names = self._unrelated[kind]
        rng = random.Random(f"{self.seed}:{self.task_id}:{kind}:{key}")
        return self.image(names[rng.randrange(len(names))])

    # -- readers ----------------------------------------------------------------------------

    def text(self, relative: str) -> str:
        """A UTF-8 text file (a BOM is dropped)."""
        path = self._file(relative)
        try:
            return path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise UnreadableData(relative, f"cannot read as UTF-8 text ({error})") from None

    def json(self, relative: str) -> Any:
        """A JSON file."""
        try:
            return json.loads(self.text(relative))
        except (ValueError, RecursionError) as error:  # RecursionError: nested too deeply
            raise UnreadableData(relative, f"not valid JSON ({error})") from None

    def jsonl(self, relative: str) -> list[dict[str, Any]]:
        """A file of one JSON object per line (blank lines skipped)."""
        rows: list[dict[str, Any]] = []
        for number, line in json_lines(self.text(relative)):
            try:
                row = json.loads(line)
            except (ValueError, RecursionError) as error:  # nested too deeply
                raise UnreadableData(f"{relative}:{number}", f"not valid JSON ({error})") from None
            if not isinstance(row, dict):
                raise UnreadableData(f"{relative}:{number}", "expected a JSON object")
            rows.append(row)
        return rows

    def json_list(self, relative: str) -> list[dict[str, Any]]:
        """A JSON file holding a list of objects."""
        value = self.json(relative)
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise UnreadableData(relative, "expected a JSON list of objects")
        return value

    def json_object(self, relative: str, holding: str) -> dict[str, Any]:
        """A JSON file holding one object; ``holding`` says what for the error message."""
        value = self.json(relative)
        if not isinstance(value, dict):
            raise UnreadableData(relative, f"expected an object of {holding}")
        return value

    def csv(self, relative: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
        """A CSV file with a header row holding at least ``columns``."""
        reader = csv.DictReader(io.StringIO(self.text(relative), newline=""))
        found = tuple(reader.fieldnames or ())
        absent = [c for c in columns if c not in found]
        if absent:
            raise UnreadableData(
                relative, f"no column(s) {', '.join(absent)} (has {', '.join(found) or 'none'})"
            )
        return [row for row in reader if row.get(columns[0]) not in (None, columns[0])]

    def lines(self, relative: str) -> list[str]:
        """The stripped lines of a text file (the original's ``load_txt``)."""
        return [line.strip() for line in text_lines(self.text(relative))]

    def image_size(self, relative: str) -> list[int] | None:
        """``[width, height]`` of an image, or ``None`` when it cannot be opened."""
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(self.root / relative) as image:
                return [int(image.size[0]), int(image.size[1])]
        except (OSError, UnidentifiedImageError, ValueError):
            return None

    # -- fingerprint ------------------------------------------------------------------------

    def digest(self) -> str:
        """SHA-256 over what the task read: annotation bytes, image names and sizes.

        Images are fingerprinted by relative path and byte size (reading every image of
        the official set on each run would cost more than the run); annotation files by
        their full content.
        """
        digest = hashlib.sha256()
        for relative in sorted(self.files):
            digest.update(f"file\0{relative}\0".encode())
            digest.update((self.root / relative).read_bytes())
        for relative in sorted(self.images):
            size = (self.root / relative).stat().st_size
            digest.update(f"image\0{relative}\0{size}\0".encode())
        return digest.hexdigest()


class SampleBuilder:
    """Collects a task's samples with stable ids (``<variant>-NNNN``) and smoke flags."""

    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self._counts: dict[str, int] = {}

    def add(
        self,
        variant: str,
        prompt: str,
        *,
        truth: str = "",
        image: ImageRecipe | None = None,
        extra: Mapping[str, Any] | None = None,
        ideal: str = "",
    ) -> None:
        """Append one sample of ``variant``."""
        number = self._counts.get(variant, 0)
        self._counts[variant] = number + 1
        self.samples.append(
            Sample(
                id=f"{variant}-{number:04d}",
                variant=variant,
                prompt=prompt,
                truth=truth,
                ideal=ideal,
                image=image,
                smoke=number < SMOKE_PER_VARIANT,
                extra=dict(extra or {}),
            )
        )
