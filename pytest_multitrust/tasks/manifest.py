"""The built-in data manifest: where ``data/`` is, and each file's version and hash.

``data/manifest.json`` records every data file's version, sample count and SHA-256. It is
the source of a task's data version (:attr:`TaskSpec.data_version
<pytest_multitrust.tasks.base.TaskSpec.data_version>`, part of every response cache key)
and of the provenance that reports list (:class:`DataVersion`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_multitrust.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["MANIFEST", "DataFile", "DataVersion", "data_root", "load_manifest"]

MANIFEST = "manifest.json"


def data_root() -> Path:
    """The built-in data folder (in the wheel, or beside the package in a checkout)."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "data", package.parent / "data"):
        if (candidate / MANIFEST).is_file():
            return candidate
    raise DataError(
        f"built-in data not found (looked for {MANIFEST} in {package / 'data'} and "
        f"{package.parent / 'data'}); reinstall pytest-multitrust"
    )


@dataclass(frozen=True)
class DataFile:
    """One entry of the manifest."""

    path: str  # relative to the data root, e.g. "safety/S.4.jsonl"
    version: str  # data version, bumped whenever the content changes meaning
    sha256: str  # hex digest of the file bytes
    samples: int  # number of lines (samples)


@cache
def load_manifest(root: Path | None = None) -> Mapping[str, DataFile]:
    """The manifest of the data root, keyed by relative path."""
    base = root or data_root()
    path = base / MANIFEST
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        entries = raw["files"]
        return {
            key: DataFile(
                path=key,
                version=str(v["version"]),
                sha256=str(v["sha256"]),
                samples=int(v["samples"]),
            )
            for key, v in sorted(entries.items())
        }
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataError(f"{path}: unreadable data manifest ({error})") from None


@dataclass(frozen=True)
class DataVersion:
    """The built-in data file a task read, as the manifest lists it."""

    task_id: str  # e.g. "S.4"
    path: str  # relative to the data root, e.g. "safety/S.4.jsonl"
    version: str  # data version
    sha256: str  # hex digest of the file
    samples: int  # samples in the file (all tiers)
