"""``python -m pytest_multitrust.datagen``: rebuild the built-in data and its manifest.

Usage::

    python -m pytest_multitrust.datagen                 # rewrite every data file
    python -m pytest_multitrust.datagen truthfulness/T.1.jsonl
    python -m pytest_multitrust.datagen --check         # exit 1 if a rebuild would differ
    python -m pytest_multitrust.datagen --root /tmp/data
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from pytest_multitrust.datagen import all_builders, write_data
from pytest_multitrust.errors import DataError
from pytest_multitrust.tasks.manifest import MANIFEST


def _default_root() -> Path:
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "data", package.parent / "data"):
        if candidate.is_dir():
            return candidate
    return package.parent / "data"


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


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m pytest_multitrust.datagen",
        description="Rebuild the built-in MultiTrust data files and data/manifest.json.",
    )
    parser.add_argument("paths", nargs="*", help="data files to build (default: all)")
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="data folder to write (default: the package's data/)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="build into a scratch folder and compare; write nothing",
    )
    parser.add_argument("--list", action="store_true", help="list the builders and exit")
    args = parser.parse_args(argv)
    root: Path = args.root or _default_root()
    paths = args.paths or None
    if args.list:
        for builder in all_builders():
            print(f"{builder.path}  v{builder.version}  {builder.description}")
        return 0
    try:
        if args.check:
            with tempfile.TemporaryDirectory() as scratch:
                entries = write_data(Path(scratch), paths)
                stale = [
                    e.path
                    for e in entries
                    if not (root / e.path).is_file()
                    or (root / e.path).read_bytes() != (Path(scratch) / e.path).read_bytes()
                ]
            recorded = _manifest_entries(root)
            stale += [
                f"{e.path} (manifest entry)"
                for e in entries
                if e.path not in stale and recorded.get(e.path) != (e.version, e.sha256, e.samples)
            ]
            for path in stale:
                print(f"out of date: {root / path}")
            print(f"{len(entries) - len(stale)}/{len(entries)} data files up to date")
            return 1 if stale else 0
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
