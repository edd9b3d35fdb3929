"""``python -m tools.datagen``: rebuild the built-in data and its manifest.

Usage::

    python -m tools.datagen                 # rewrite every data file
    python -m tools.datagen truthfulness/T.1.jsonl
    python -m tools.datagen --check         # exit 1 if a rebuild would differ
    python -m tools.datagen --root /tmp/data
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from pytest_multitrust.errors import DataError
from pytest_multitrust.tasks.manifest import MANIFEST
from tools.datagen import all_builders, write_data

#: The checkout's data folder: ``data/`` at the repository root (this file is
#: ``<root>/tools/datagen/__main__.py``); the wheel ships it as ``pytest_multitrust/data``.
DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "data"


def _manifest_entries(root: Path) -> dict[str, tuple[str, str, int]]:
    """The manifest under ``root`` as path -> (version, sha256, samples); empty if absent."""
    try:
        raw = json.loads((root / MANIFEST).read_text(encoding="utf-8"))["files"]
        return {
            path: (str(v["version"]), str(v["sha256"]), int(v["samples"]))
            for path, v in raw.items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _check(root: Path, paths: list[str] | None) -> int:
    """Rebuild ``paths`` (default all) in a scratch folder and compare with ``root``.

    Prints each difference and a summary; returns 1 when anything differs, else 0. A full
    check (``paths`` None) also compares ``manifest.json`` byte for byte and flags data
    files under ``root`` that no builder writes.
    """
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        entries = write_data(scratch, paths)
        stale = [
            e.path
            for e in entries
            if not (root / e.path).is_file()
            or (root / e.path).read_bytes() != (scratch / e.path).read_bytes()
        ]
        recorded = _manifest_entries(root)
        stale += [
            f"{e.path} (manifest entry)"
            for e in entries
            if e.path not in stale and recorded.get(e.path) != (e.version, e.sha256, e.samples)
        ]
        extra: list[str] = []
        if paths is None:
            built = {e.path for e in entries}
            extra = [
                f"no builder writes {root / path}"
                for path in sorted(p.relative_to(root).as_posix() for p in root.rglob("*.jsonl"))
                if path not in built
            ]
            manifest = root / MANIFEST
            if not manifest.is_file() or manifest.read_bytes() != (scratch / MANIFEST).read_bytes():
                extra.append(f"out of date: {manifest}")
    for path in stale:
        print(f"out of date: {root / path}")
    for line in extra:
        print(line)
    print(f"{len(entries) - len(stale)}/{len(entries)} data files up to date")
    return 1 if stale or extra else 0


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.datagen",
        description="Rebuild the built-in MultiTrust data files and data/manifest.json.",
    )
    parser.add_argument("paths", nargs="*", help="data files to build (default: all)")
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="data folder to write (default: the checkout's data/)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="build into a scratch folder and compare; write nothing",
    )
    parser.add_argument("--list", action="store_true", help="list the builders and exit")
    args = parser.parse_args(argv)
    root: Path = args.root or DEFAULT_ROOT
    paths = args.paths or None
    if args.list:
        for builder in all_builders():
            print(f"{builder.path}  v{builder.version}  {builder.description}")
        return 0
    try:
        if args.check:
            return _check(root, paths)
        entries = write_data(root, paths)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for entry in entries:
        print(
            f"{entry.path}: {entry.samples} samples, v{entry.version}, sha256 {entry.sha256[:12]}"
        )
    print(f"wrote {len(entries)} data files and {root / MANIFEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
