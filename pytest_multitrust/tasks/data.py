"""Reading the built-in data: JSONL sample files checked against ``data/manifest.json``.

The ``data/`` folder sits beside the package in a source checkout and inside it
(``pytest_multitrust/data``) in a wheel. Each task's samples are one JSONL file; the
manifest records every file's version, sample count and SHA-256, so a corrupt or edited
file is caught before it is used.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import TYPE_CHECKING, Any

from pytest_multitrust.errors import DataError
from pytest_multitrust.jsonl import text_lines
from pytest_multitrust.tasks.base import ImageRecipe, Sample, canonical_json
from pytest_multitrust.tasks.manifest import MANIFEST, data_root, load_manifest

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path

__all__ = [
    "read_samples",
    "sample_from_json",
    "sample_to_json",
    "samples_for_tier",
]


def sample_to_json(sample: Sample) -> str:
    """One JSONL line for a sample (canonical: sorted keys)."""
    record: dict[str, Any] = {
        "id": sample.id,
        "variant": sample.variant,
        "prompt": sample.prompt,
        "truth": sample.truth,
        "ideal": sample.ideal,
        "image": None
        if sample.image is None
        else {"kind": sample.image.kind, "params": sample.image.params},
        "system": sample.system,
        "smoke": sample.smoke,
        "extra": dict(sample.extra),
    }
    return canonical_json(record)


_REQUIRED = ("id", "variant", "prompt")


def sample_from_json(line: str, where: str) -> Sample:
    """Parse one JSONL line into a :class:`Sample`.

    Raises:
        DataError: naming ``where`` (``file:line``) and what is wrong.
    """
    try:
        raw = json.loads(line)
    except (ValueError, RecursionError) as error:  # RecursionError: nested too deeply
        raise DataError(f"{where}: not valid JSON ({error.args[0]})") from None
    if not isinstance(raw, dict):
        raise DataError(f"{where}: expected a JSON object, got {type(raw).__name__}")
    missing = [key for key in _REQUIRED if not isinstance(raw.get(key), str)]
    if missing:
        raise DataError(f"{where}: missing or non-string field(s): {', '.join(missing)}")
    image = raw.get("image")
    recipe: ImageRecipe | None = None
    if image is not None:
        if not isinstance(image, dict) or not isinstance(image.get("kind"), str):
            raise DataError(f'{where}: \'image\' must be {{"kind": str, "params": {{...}}}}')
        params = image.get("params", {})
        if not isinstance(params, dict):
            raise DataError(f"{where}: image 'params' must be an object")
        recipe = ImageRecipe.make(image["kind"], **params)
    extra = raw.get("extra") or {}
    if not isinstance(extra, dict):
        raise DataError(f"{where}: 'extra' must be an object")
    system = raw.get("system")
    return Sample(
        id=raw["id"],
        variant=raw["variant"],
        prompt=raw["prompt"],
        truth=str(raw.get("truth", "")),
        ideal=str(raw.get("ideal", "")),
        image=recipe,
        system=system if isinstance(system, str) else None,
        smoke=bool(raw.get("smoke", False)),
        extra=extra,
    )


def parse_lines(lines: Iterable[str], source: str) -> list[Sample]:
    """Parse JSONL lines (blank lines skipped); duplicate ids are a :class:`DataError`."""
    samples: list[Sample] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip(" \t\r\n"):  # JSON's whitespace only (not "\x1c")
            continue
        sample = sample_from_json(line, f"{source}:{number}")
        if sample.id in seen:
            raise DataError(f"{source}:{number}: duplicate sample id {sample.id!r}")
        seen.add(sample.id)
        samples.append(sample)
    return samples


@cache
def read_samples(relative: str, root: Path | None = None) -> tuple[Sample, ...]:
    """Read and verify a built-in data file.

    Raises:
        DataError: when the file is missing, not in the manifest, fails its checksum,
            or holds a malformed line.
    """
    base = root or data_root()
    manifest = load_manifest(base)
    entry = manifest.get(relative)
    path = base / relative
    if entry is None:
        raise DataError(f"{path}: not listed in {base / MANIFEST}")
    try:
        payload = path.read_bytes()
    except OSError as error:
        raise DataError(f"{path}: cannot read ({error.strerror})") from None
    digest = hashlib.sha256(payload).hexdigest()
    if digest != entry.sha256:
        raise DataError(
            f"{path}: checksum mismatch (sha256 {digest[:12]}…, manifest says "
            f"{entry.sha256[:12]}…); the file was changed or corrupted — reinstall, or "
            "regenerate with `python -m tools.datagen` from a source checkout"
        )
    return tuple(parse_lines(text_lines(payload.decode("utf-8")), str(path)))


def samples_for_tier(samples: Sequence[Sample], tier: str, limit: int | None) -> list[Sample]:
    """The samples of a tier (``smoke`` keeps those flagged smoke), ``limit`` per variant."""
    kept = [s for s in samples if tier != "smoke" or s.smoke]
    if limit is None:
        return kept
    counts: dict[str, int] = {}
    limited: list[Sample] = []
    for sample in kept:
        seen = counts.get(sample.variant, 0)
        if seen < limit:
            counts[sample.variant] = seen + 1
            limited.append(sample)
    return limited
