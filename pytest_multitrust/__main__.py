"""``python -m pytest_multitrust``: commands that work on saved runs, outside a pytest run.

``board``
    Put saved runs on one page (:mod:`pytest_multitrust.report.board`)::

        python -m pytest_multitrust board                       # .multitrust/ here
        python -m pytest_multitrust board runs/ a/report.json --out board.html

Exit status: 0 when the page was written; 2 for a usage error (an unknown option, a path
that does not exist, a folder with no run in it, no saved runs); 1 when a run cannot be
read (not JSON, not a report, another schema version, not following the schema) or
the page cannot be written.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_multitrust.errors import DataError
from pytest_multitrust.reliability import terminal_safe

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]

PROG = "python -m pytest_multitrust"


def _parsers() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """The command's parser and its ``board`` subcommand's."""
    from pytest_multitrust.report.baseline import STORAGE_DIR
    from pytest_multitrust.report.board import PAIR_MODES

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Commands that work on saved pytest-multitrust runs.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    board = commands.add_parser(
        "board",
        help="write one HTML page comparing saved runs",
        description=(
            "Write one self-contained HTML page of saved runs: models x aspects, models x "
            "tasks and models x task metrics with 95% intervals and ranks (sorted by any "
            "column, filtered by run name or aspect on the page), a chart per "
            "run, and the paired difference between any two runs picked on the page "
            "(computed as --mt-compare computes it)."
        ),
        epilog=(
            f"PATH may be a report JSON file, a report folder (with report.json), a "
            f"{STORAGE_DIR} folder, one of its machine folders or a folder holding "
            f"{STORAGE_DIR}; without PATH, "
            f"./{STORAGE_DIR}. Exit status: 0 written; 2 usage error (bad option, missing "
            "path, no run found); 1 a run cannot be read (corrupt, not a report, other "
            "schema version) or the page cannot be written."
        ),
    )
    board.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="runs to show")
    board.add_argument(
        "--out",
        type=Path,
        default=Path("board.html"),
        metavar="FILE",
        help="where to write the page (default: board.html)",
    )
    board.add_argument(
        "--pairs",
        choices=PAIR_MODES,
        default="all",
        help=(
            "which pairs of runs get a paired comparison: every pair (default; n(n-1)/2 "
            "bootstraps), each run with the next, every run against the first, or none"
        ),
    )
    board.add_argument(
        "--seed",
        type=int,
        default=None,
        help=(
            "bootstrap seed of the paired comparisons (default: run B's --mt-seed, as "
            "--mt-compare uses it)"
        ),
    )
    board.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    return parser, board


def _board(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from pytest_multitrust.report.baseline import STORAGE_DIR
    from pytest_multitrust.report.board import (
        board_runs,
        compare_pairs,
        find_runs,
        on_official_data,
        pair_indices,
        render_board,
    )
    from pytest_multitrust.report.json_report import write_atomic

    def say(text: str) -> None:
        if not args.quiet:
            print(text, file=sys.stderr, flush=True)

    if args.out.is_dir():
        parser.error(f"--out {args.out}: is a folder; name the HTML file to write")
    try:
        found = find_runs(args.paths, Path(STORAGE_DIR))  # relative: the page shows it so
    except (FileNotFoundError, LookupError) as error:
        parser.error(terminal_safe(str(error)))
    try:
        runs = board_runs(found)
    except DataError as error:
        print(f"{PROG} board: error: {terminal_safe(str(error))}", file=sys.stderr)
        return 1
    for label in on_official_data(runs):
        say(
            f"board: warning: {terminal_safe(label)} was made on the official data; its paired "
            "changes use the built-in samples (see the page's note)"
        )
    pairs = pair_indices(len(runs), args.pairs)
    start = time.perf_counter()
    if pairs:
        say(f"board: {len(runs)} runs; comparing {len(pairs)} pairs (paired bootstrap)")

    last = [start]

    def progress(done: int, total: int) -> None:  # at most one line per 10 s
        now = time.perf_counter()
        if done == total or now - last[0] >= 10.0:
            last[0] = now
            say(f"board: {done}/{total} pairs ({now - start:.1f} s)")

    compared = compare_pairs(runs, pairs, seed=args.seed, progress=progress)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    page = render_board(runs, compared, args.pairs, created)
    try:
        write_atomic(args.out, page)
    except OSError as error:
        print(f"{PROG} board: error: cannot write {args.out}: {error}", file=sys.stderr)
        return 1
    size = len(page.encode("utf-8"))
    say(f"board: wrote {args.out} ({len(runs)} runs, {len(compared)} pairs, {size / 1024:.0f} KiB)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; returns the exit status (argparse exits 2 on a usage error).

    Args:
        argv: the arguments after ``python -m pytest_multitrust`` (default: ``sys.argv``).
    """
    parser, board = _parsers()
    args = parser.parse_args(argv)
    return _board(args, board)


if __name__ == "__main__":
    sys.exit(main())
