"""Generators of the built-in data: one builder per JSONL file, and the manifest.

Every built-in data file (``data/<aspect>/<task>.jsonl``) is written by a *builder*: a
function of no arguments that returns the file's samples, drawn from a seeded
``random.Random`` only, so rebuilding gives byte-identical files. Builders register
with :func:`register_builder` under the file's path relative to ``data/``;
:func:`write_data` (and ``python -m tools.datagen``) rewrites the files and
updates ``data/manifest.json`` — entries for files it did not write are kept.

A build-time tool: it lives in the checkout's ``tools/`` (and the sdist), never in the
wheel, and runs from the repository root. It imports :mod:`pytest_multitrust` (the sample
records and their canonical JSON, :mod:`pytest_multitrust.tasks.data`); nothing in the
package imports it.

To add a task's data, write a builder in the aspect's module (``datagen/<aspect>.py``,
imported through :data:`BUILDER_MODULES`)::

    @register_builder("robustness/R.3.jsonl", version="1", description="styled sentiment")
    def build_r3() -> list[Sample]:
        rng = random.Random(303)
        ...
        return mark_smoke(samples)

Conventions the helpers enforce: ids are ``<variant>-<4-digit index>`` (:func:`sample_id`),
unique within the file; the smoke tier is the first ``SMOKE_PER_VARIANT`` samples of each
variant (:func:`mark_smoke`); samples are written in the order returned.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pytest_multitrust.errors import DataError
from pytest_multitrust.tasks.data import sample_to_json
from pytest_multitrust.tasks.manifest import MANIFEST, DataFile

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from pathlib import Path

    from pytest_multitrust.tasks.base import Sample

__all__ = [
    "BUILDERS",
    "BUILDER_MODULES",
    "SMOKE_PER_VARIANT",
    "DataBuilder",
    "all_builders",
    "encode_samples",
    "mark_smoke",
    "register_builder",
    "sample_id",
    "write_data",
    "write_manifest",
]

#: Samples per variant flagged ``smoke`` by :func:`mark_smoke`.
SMOKE_PER_VARIANT = 10

#: Aspect modules holding builders, imported by :func:`all_builders` (missing ones skipped).
BUILDER_MODULES = (
    "tools.datagen.truthfulness",
    "tools.datagen.truthfulness_inherent",  # T.2, T.3
    "tools.datagen.truthfulness_qa",  # T.4, T.7
    "tools.datagen.truthfulness_misguided",  # T.5, T.6
    "tools.datagen.safety",
    "tools.datagen.safety_toxicity",  # S.1, S.2, S.3
    "tools.datagen.safety_jailbreak",  # S.5, S.6
    "tools.datagen.robustness",
    "tools.datagen.fairness",
    "tools.datagen.privacy",
)


@dataclass(frozen=True)
class DataBuilder:
    """One data file and the function that builds its samples."""

    path: str  # relative to the data root, e.g. "truthfulness/T.1.jsonl"
    version: str  # bump when the content changes meaning (recorded in the manifest)
    build: Callable[[], list[Sample]]  # returns the samples, deterministically
    description: str = ""  # one line for the CLI summary


#: Registered builders, keyed by relative path.
BUILDERS: dict[str, DataBuilder] = {}


def register_builder(
    path: str, *, version: str, description: str = ""
) -> Callable[[Callable[[], list[Sample]]], Callable[[], list[Sample]]]:
    """Decorator registering a builder for the data file ``path`` (relative to ``data/``).

    Raises:
        ValueError: when another function already builds ``path``.
    """

    def decorator(build: Callable[[], list[Sample]]) -> Callable[[], list[Sample]]:
        existing = BUILDERS.get(path)
        if existing is not None and existing.build is not build:
            raise ValueError(f"a data builder is already registered for {path!r}")
        BUILDERS[path] = DataBuilder(
            path=path, version=version, build=build, description=description
        )
        return build

    return decorator


def all_builders() -> list[DataBuilder]:
    """Every registered builder (builder modules imported first), sorted by path."""
    for module in BUILDER_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise
    return [BUILDERS[path] for path in sorted(BUILDERS)]


def sample_id(variant: str, index: int) -> str:
    """The conventional sample id: ``<variant>-<index:04d>``, e.g. ``object-0007``."""
    return f"{variant}-{index:04d}"


def mark_smoke(samples: Sequence[Sample], per_variant: int = SMOKE_PER_VARIANT) -> list[Sample]:
    """The samples with ``smoke`` set on the first ``per_variant`` of each variant."""
    seen: dict[str, int] = {}
    marked: list[Sample] = []
    for sample in samples:
        count = seen.get(sample.variant, 0)
        seen[sample.variant] = count + 1
        marked.append(replace(sample, smoke=count < per_variant))
    return marked


def encode_samples(samples: Sequence[Sample], path: str = "<samples>") -> bytes:
    """The JSONL bytes of ``samples`` (one canonical line each, in order).

    Raises:
        DataError: for duplicate sample ids, naming ``path`` and the id.
    """
    seen: set[str] = set()
    for sample in samples:
        if sample.id in seen:
            raise DataError(f"{path}: duplicate sample id {sample.id!r}")
        seen.add(sample.id)
    return "".join(sample_to_json(sample) + "\n" for sample in samples).encode("utf-8")


def write_manifest(root: Path, entries: Iterable[DataFile]) -> None:
    """Merge ``entries`` into ``root/manifest.json``, keeping every other entry."""
    path = root / MANIFEST
    files: dict[str, dict[str, object]] = {}
    if path.is_file():
        try:
            files = dict(json.loads(path.read_text(encoding="utf-8")).get("files", {}))
        except (ValueError, AttributeError) as error:
            raise DataError(f"{path}: unreadable data manifest ({error})") from None
    for entry in entries:
        files[entry.path] = {
            "version": entry.version,
            "sha256": entry.sha256,
            "samples": entry.samples,
        }
    text = json.dumps({"files": dict(sorted(files.items()))}, indent=2, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")


def write_data(root: Path, paths: Iterable[str] | None = None) -> list[DataFile]:
    """Build and write data files under ``root`` and update its manifest.

    Args:
        root: the data folder (``data/`` of a checkout, or a scratch folder).
        paths: relative paths to build; default all registered builders.

    Returns:
        The manifest entries of the files written, sorted by path.

    Raises:
        DataError: for an unknown path (listing the known ones) or a builder whose
            samples have duplicate ids.
    """
    builders = {builder.path: builder for builder in all_builders()}
    chosen = sorted(builders) if paths is None else sorted(set(paths))
    unknown = [path for path in chosen if path not in builders]
    if unknown:
        raise DataError(
            f"no data builder for {', '.join(unknown)}; known: {', '.join(sorted(builders))}"
        )
    written: list[DataFile] = []
    for path in chosen:
        builder = builders[path]
        samples = builder.build()
        payload = encode_samples(samples, path)
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(payload)
        written.append(
            DataFile(
                path=path,
                version=builder.version,
                sha256=hashlib.sha256(payload).hexdigest(),
                samples=len(samples),
            )
        )
    write_manifest(root, written)
    return written
