"""A board of saved runs: several models, or several versions of one, on one page.

``python -m pytest_multitrust board [PATH ...] [--out board.html]`` (the command is in
:mod:`pytest_multitrust.__main__`) reads saved runs (``--mt-save``'s ``.multitrust/``
folder by default; report ``.json`` files and folders given as paths) and writes one
self-contained HTML page:

* **models × aspects** (overall and the five aspects) and **models × tasks** (each task's
  trust score): each cell the score with its 95 % interval as the report carries it, and
  the run's rank in that column;
* **models × task metrics**: each metric's own value and interval, ranked the way the
  metric points (a lower-is-better metric such as an attack success rate ranks its
  lowest value first; the direction is the one each report's metric carries);
* a bar chart per run (overall and aspects, with their intervals), inline SVG;
* the **paired difference between two runs** the reader picks: per task, aspect and
  overall, the paired change ``B - A`` on the samples both runs scored with its 95 %
  paired-bootstrap interval, computed by :func:`~pytest_multitrust.report.baseline.compare`
  exactly as ``--mt-compare`` computes it (``A`` is the baseline, ``B`` the current run).

Ranks are competition ranks (``1, 2, 2, 4``): equal values share a rank, a run without a
value has none. Every score on the board is a trust score (0-1, higher is better) except
the metrics table's raw values.

For tens of runs, the page's script sorts and filters the three tables in place:
clicking a column heading orders the rows by that column's ranks, best first (so a
lower-is-better metric puts its lowest value first), again worst first; runs without a
value go last either way, and runs with equal values keep their board order. A text box
keeps the runs whose label or model spec holds every word typed (rows, charts and the run
list), and a select shows one aspect's task columns only. Ranks stay those of the whole
board.

The paired changes are computed in Python when the page is written, for the pairs that
``pairs`` names (:data:`PAIR_MODES`; every pair by default: 435 for 30 runs), and each
pair once, as ``compare(current=later run, baseline=earlier run)`` in board order, with
the later run's ``--mt-seed`` and ``--mt-rules`` (as ``--mt-compare`` in it would). The
page embeds their formatted numbers (JSON, a ``<script type="application/json">``
block). Picking the later run as ``A`` shows the same pair negated: its change with the
opposite sign and its interval mirrored (the numbers of ``compare`` in the stored
direction, not a second bootstrap).

Stable selectors (for browser tests):

* ``#board-aspects``: the models × aspects ``<table>``; ``#board-tasks``: models × tasks;
  ``#board-metrics``: models × task metrics; each body row is ``tr[data-run="I"]``
  (``I`` the run's index on the board, from 0), each score cell
  ``td[data-target=...]`` with ``data-rank`` (empty without a score) and, in the tasks
  and metrics tables, ``data-aspect``; each column heading
  ``th[data-target=...][data-direction=higher|lower]`` (and ``data-aspect``) holds the
  ``button`` that sorts by it, the run column's ``th[data-sort=label]`` one that sorts by
  label; the sorted heading has ``aria-sort`` (``ascending`` or ``descending``: the
  values' order);
* ``#board-controls``: the bar with ``#board-filter`` (the text box), ``#board-aspect``
  (the aspect ``<select>``, value ``""`` for every aspect), ``#board-order`` (the button
  that puts every table back in board order), ``#board-filter-status`` (how many runs
  match) and ``#board-sort-status`` (what the last sort did); a filtered-out row, chart or
  column has the ``hidden`` attribute;
* ``#board-legend``: the tasks' names (``li[data-aspect]``);
* ``#board-charts``: the per-run charts, one ``figure[data-run="I"]`` each; the run list's
  rows are ``tr[data-run="I"]`` too;
* ``#board-run-a`` and ``#board-run-b``: the two ``<select>`` elements (option values
  are run indices; the page's address may pick them: ``board.html#a=2&b=0``);
  ``#board-paired``: the paired-difference ``<table>``, one body row
  ``tr[data-target=...]`` per target; ``#board-paired-status``: the line above it
  (which direction is shown, or why nothing is); ``#board-paired-notes``: how the two
  runs differ (model, data, settings); ``#board-official``: the note naming runs made
  on the official data (absent when there are none);
* ``#board-data``: the embedded JSON the script reads.

The page makes no network request: its Content-Security-Policy allows no source but its
one script (by hash) and inline styles, as ``report.html``'s does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_multitrust.report.baseline import (
    STORAGE_DIR,
    compare,
    differences,
    load_baseline,
    saved_runs,
)
from pytest_multitrust.report.card import fmt, fmt_ci
from pytest_multitrust.report.html import esc
from pytest_multitrust.tasks.base import ASPECTS

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from pytest_multitrust.report.model import Comparison, TrustReport
    from pytest_multitrust.tasks.base import Sample, TaskSpec

__all__ = [
    "PAIR_MODES",
    "BoardRun",
    "FoundRun",
    "PairRows",
    "board_data",
    "board_runs",
    "compare_pairs",
    "find_runs",
    "on_official_data",
    "pair_indices",
    "pair_rows",
    "rank",
    "render_board",
    "run_chart_svg",
    "run_rules",
    "run_seed",
]

#: Which pairs of runs get a paired comparison: every pair, each run with the next one
#: (versions of one model in order), every run against the first, or none.
PAIR_MODES = ("all", "consecutive", "first", "none")

_STEM = re.compile(r"^(?P<number>[0-9]{4})_(?P<rest>.+)$")
_COMMIT_DATE = re.compile(
    r"^(?P<commit>[0-9a-f]{7,8}|nocommit)_(?P<date>[0-9]{8})_(?P<time>[0-9]{6})$"
)
_REPORT_FILE = "report.json"


@dataclass(frozen=True)
class FoundRun:
    """A run file found on disk, before it is read."""

    path: Path  # the report JSON file
    name: str  # the run's name: a saved run's name, or commit and date, or the folder


@dataclass(frozen=True)
class BoardRun:
    """One run on the board."""

    label: str  # unique on the board: model name and run name (and more when needed)
    model: str  # the model's name (its spec when no worker loaded it)
    name: str  # the run's name (FoundRun.name)
    path: Path  # where it was read from
    report: TrustReport  # the run


@dataclass(frozen=True)
class PairRows:
    """One pair's paired comparison, formatted as the page shows it."""

    baseline: int  # board index of run A (the baseline)
    current: int  # board index of run B (the current run)
    rows: tuple[tuple[str, str, str, str, int, str], ...]  # (target, full change, paired
    # change, its 95 % interval, shared samples, "worse"/"better"/"" by the interval)
    notes: tuple[str, ...]  # how the runs differ (baseline's value first), and targets
    # with no paired change
    notes_reversed: tuple[str, ...] = ()  # the same with the current run's value first (for
    # the pair picked the other way round)


# -- finding and reading runs ---------------------------------------------------------------


def _run_name(path: Path) -> str:
    """``self-reminder`` for ``0002_self-reminder.json``; ``1a2b3c4d 2026-11-23 10:15``."""
    if path.name == _REPORT_FILE:
        return path.parent.name or str(path.parent)
    match = _STEM.match(path.stem)
    if not match:
        return path.stem
    rest = match["rest"]
    dated = _COMMIT_DATE.match(rest)
    if dated:
        d, t = dated["date"], dated["time"]
        return f"{dated['commit']} {d[:4]}-{d[4:6]}-{d[6:]} {t[:2]}:{t[2:4]}"
    return rest


def find_runs(paths: Sequence[Path], default_root: Path) -> list[FoundRun]:
    """The run files that ``paths`` name, in order (each file once).

    A path may be a report JSON file, a report folder (holding ``report.json``), a
    ``.multitrust`` folder (its machine folders' ``NNNN_*.json``, by machine and number),
    one machine's folder, or a folder holding ``.multitrust`` (a project's). No path:
    ``default_root``'s saved runs.

    Raises:
        FileNotFoundError: a path does not exist.
        LookupError: a folder holds no run, or (no paths) ``default_root`` holds none.
    """
    found: list[FoundRun] = []
    if not paths:
        runs = saved_runs(default_root)
        if not runs:
            raise LookupError(
                f"no saved runs in {default_root} (save runs with pytest --mt-save, "
                "or name report JSON files or folders)"
            )
        found = [FoundRun(r.path, _run_name(r.path)) for r in runs]
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        if path.is_file():
            found.append(FoundRun(path, _run_name(path)))
            continue
        inside = [r.path for r in saved_runs(path)]
        inside += [r.path for r in saved_runs(path / STORAGE_DIR)]  # a project's folder
        if (path / _REPORT_FILE).is_file():
            inside.insert(0, path / _REPORT_FILE)
        inside += sorted(p for p in path.glob("*.json") if _STEM.match(p.stem))
        if not inside:
            raise LookupError(
                f"{path}: no run in this folder (neither {_REPORT_FILE} nor saved runs "
                f"NNNN_*.json, directly, in machine folders or in {STORAGE_DIR})"
            )
        found += [FoundRun(p, _run_name(p)) for p in inside]
    seen: set[Path] = set()
    unique: list[FoundRun] = []
    for run in found:
        key = run.path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(run)
    return unique


def _model_name(report: TrustReport) -> str:
    model = report.provenance.model
    return model.name if model is not None else report.provenance.model_spec


def board_runs(
    found: Sequence[FoundRun], read: Callable[[Path], TrustReport] = load_baseline
) -> list[BoardRun]:
    """Read ``found`` and label each run uniquely.

    The label is the model's name and the run's name (once when they are the same);
    runs whose labels are still equal
    get their report's creation time, then their position (``#2``).

    Raises:
        DataError: a file is not valid JSON, not a report, of another schema version, or
            does not follow the schema (:func:`~.baseline.load_baseline`'s errors).
    """
    reports = [(run, read(run.path)) for run in found]
    labels = [
        _model_name(r) if run.name == _model_name(r) else f"{_model_name(r)} · {run.name}"
        for run, r in reports
    ]
    extras: list[Callable[[int], str]] = [
        lambda i: reports[i][1].created[:19].replace("T", " "),
        lambda i: f"#{i + 1}",
    ]
    for extra in extras:
        counts = Counter(labels)
        labels = [f"{x} · {extra(i)}" if counts[x] > 1 else x for i, x in enumerate(labels)]
    return [
        BoardRun(label, _model_name(r), run.name, run.path, r)
        for (run, r), label in zip(reports, labels, strict=True)
    ]


# -- the numbers ----------------------------------------------------------------------------


def rank(values: Sequence[float], direction: str = "higher") -> list[int | None]:
    """Competition ranks (``1, 2, 2, 4``) of ``values``, best first; None for NaN.

    Args:
        values: one value per run.
        direction: ``"higher"`` (the largest ranks 1) or ``"lower"``.

    >>> rank([0.5, 0.9, float("nan"), 0.5])
    [2, 1, None, 2]
    >>> rank([0.1, 0.3], "lower")
    [1, 2]
    """
    sign = -1.0 if direction == "higher" else 1.0
    known = [sign * v for v in values if not math.isnan(v)]
    return [None if math.isnan(v) else 1 + sum(k < sign * v for k in known) for v in values]


def _task_key(task_id: str) -> tuple[int, int, str]:
    letter, _, rest = task_id.partition(".")
    number, _, _ = rest.partition(".")
    order = "TSRFP".index(letter) if len(letter) == 1 and letter in "TSRFP" else 99
    return (order, int(number) if number.isdigit() else 0, task_id)


def _task_ids(runs: Sequence[BoardRun]) -> list[str]:
    return sorted({t.task_id for r in runs for t in r.report.scores.tasks}, key=_task_key)


def _aspect_targets(runs: Sequence[BoardRun]) -> list[str]:
    present = [
        a
        for a in ASPECTS
        if any(not math.isnan(r.report.scores.node(a).score) for r in runs)  # type: ignore[union-attr]
    ]
    return ["overall", *present]


#: A cell: value, 95 % interval low and high ends, and a note ("" or how it is partial).
_Value = tuple[float, float, float, str]


def _score(report: TrustReport, target: str) -> _Value:
    """A run's overall, aspect or task trust score; a partial aggregate says so."""
    node = report.scores.node(target)
    if node is not None:
        note = report.scores.coverage(node) if node.partial else ""
        return (node.score, node.ci_low, node.ci_high, note)
    task = report.scores.task(target)
    if task is not None:
        return (task.score, task.ci_low, task.ci_high, "")
    return (math.nan, math.nan, math.nan, "")


def pair_indices(count: int, mode: str) -> list[tuple[int, int]]:
    """The ``(baseline, current)`` board indices ``mode`` compares (baseline first).

    >>> pair_indices(3, "all"), pair_indices(3, "consecutive"), pair_indices(3, "first")
    ([(0, 1), (0, 2), (1, 2)], [(0, 1), (1, 2)], [(0, 1), (0, 2)])
    """
    if mode not in PAIR_MODES:
        raise ValueError(f"pairs: {mode!r} is not one of {', '.join(PAIR_MODES)}")
    if mode == "all":
        return [(a, b) for a in range(count) for b in range(a + 1, count)]
    if mode == "consecutive":
        return [(a, a + 1) for a in range(count - 1)]
    if mode == "first":
        return [(0, b) for b in range(1, count)]
    return []


def _signed(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:+.3f}"


def _flag(low: float, high: float) -> str:
    if math.isnan(low) or math.isnan(high):
        return ""
    if high < 0:
        return "worse"
    return "better" if low > 0 else ""


def pair_rows(
    baseline: int,
    current: int,
    comparison: Comparison,
    notes_reversed: Sequence[str] = (),
) -> PairRows:
    """The page's rows of one comparison (``compare(current, baseline)``'s deltas).

    Args:
        baseline: board index of the baseline run (A).
        current: board index of the current run (B).
        comparison: ``compare(current, baseline)``.
        notes_reversed: its notes as the comparison the other way round words them.
    """
    rows = tuple(
        (
            d.target,
            _signed(d.change),
            _signed(d.paired_change),
            fmt_ci(d.paired_low, d.paired_high),
            d.shared,
            _flag(d.paired_low, d.paired_high),
        )
        for d in comparison.deltas
    )
    return PairRows(baseline, current, rows, comparison.differences, tuple(notes_reversed))


def compare_pairs(
    runs: Sequence[BoardRun],
    pairs: Sequence[tuple[int, int]],
    seed: int | None = None,
    tasks: Sequence[TaskSpec] | None = None,
    samples_of: Callable[[TaskSpec], Sequence[Sample]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[PairRows]:
    """Each pair's paired comparison, as ``--mt-compare`` computes it.

    Args:
        runs: the board's runs.
        pairs: ``(baseline, current)`` indices (:func:`pair_indices`).
        seed: the bootstrap seed; None: the current run's ``--mt-seed``, which is what
            ``--mt-compare`` uses when that run is made against the baseline.
        tasks: the task specs under the strict rules (default: the registry's); a pair
            whose current run was made with ``--mt-rules=original`` (the default on the
            official data) is recomputed with their original-rule versions, as
            ``--mt-compare`` in that run recomputes it (:func:`run_rules`).
        samples_of: a task's samples (default: its loader or built-in data), read once
            per task for all the pairs.
        progress: called with (pairs done, pairs in all) after each pair.
    """
    from pytest_multitrust.tasks.original import original_spec
    from pytest_multitrust.tasks.registry import all_tasks

    strict = list(all_tasks() if tasks is None else tasks)
    specs = {"strict": strict, "original": [original_spec(t) for t in strict]}
    cache: dict[str, Sequence[Sample]] = {}

    def cached(task: TaskSpec) -> Sequence[Sample]:
        if task.id not in cache:
            if samples_of is not None:
                cache[task.id] = samples_of(task)
            else:
                from pytest_multitrust.tasks.data import read_samples

                cache[task.id] = task.loader() if task.loader else read_samples(task.data)
        return cache[task.id]

    from pytest_multitrust.report.paired import BootstrapMemo

    # each run resampled once per task and rules, not once per pair (one memo per rules:
    # a memo holds one set of specs' numbers)
    memos = {rules: BootstrapMemo() for rules in specs}
    done: list[PairRows] = []
    for a, b in pairs:
        old, new = runs[a], runs[b]
        rules = run_rules(new.report)
        comparison = compare(
            new.report,
            old.report,
            old.path,
            seed=run_seed(new.report) if seed is None else seed,
            tasks=specs[rules],
            samples_of=cached,
            memo=memos[rules],
        )
        # differences() words a difference baseline first; the notes after it are the same
        # either way round
        extra = comparison.differences[len(differences(new.report, old.report)) :]
        back = (*differences(old.report, new.report), *extra)
        done.append(pair_rows(a, b, comparison, back))
        if progress is not None:
            progress(len(done), len(pairs))
    return done


def on_official_data(runs: Sequence[BoardRun]) -> list[str]:
    """Labels of the runs made on the official data (``--mt-data=official:PATH``).

    The board recomputes paired changes with the tasks' built-in samples; a task whose
    score reads its samples' fields (truth, groups) may then differ from what
    ``--mt-compare`` computed in such a run, which had the official samples.
    """
    return [r.label for r in runs if dict(r.report.provenance.settings).get("official_data")]


def run_rules(report: TrustReport) -> str:
    """The run's ``--mt-rules``: ``"original"`` or ``"strict"`` (also when it does not say)."""
    return "original" if dict(report.provenance.settings).get("rules") == "original" else "strict"


def run_seed(report: TrustReport) -> int:
    """The run's ``--mt-seed`` (0 when the report does not say).

    A run saved before settings were typed holds it as text.
    """
    value = dict(report.provenance.settings).get("seed")
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else 0


# -- the page -------------------------------------------------------------------------------


def board_data(runs: Sequence[BoardRun], pairs: Sequence[PairRows], mode: str) -> dict[str, Any]:
    """The JSON the page's script reads: run labels, model specs, scores, the pairs' rows."""
    targets = [*_aspect_targets(runs), *_task_ids(runs)]
    return {
        "runs": [
            {
                "label": r.label,
                "spec": r.report.provenance.model_spec,
                "scores": {t: fmt(_score(r.report, t)[0]) for t in targets},
            }
            for r in runs
        ],
        "pairs": {
            f"{p.baseline}-{p.current}": {
                "rows": [list(row) for row in p.rows],
                "notes": list(p.notes),
                "back": list(p.notes_reversed),
            }
            for p in pairs
        },
        "mode": mode,
    }


def _json_in_html(data: object) -> str:
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _heat(score: float) -> str:
    """A background colour from red (0) through yellow to green (1)."""
    if math.isnan(score):
        return ""
    hue = round(max(0.0, min(1.0, score)) * 120)
    return f' style="background:hsl({hue},70%,92%)"'


@dataclass(frozen=True)
class _Column:
    """A score column of a models × columns table."""

    target: str  # overall, an aspect, a task id or "task.metric"
    heading: str  # its heading
    direction: str  # "higher" or "lower": which values rank (and sort) first
    aspect: str  # the aspect whose tasks the column belongs to ("" for the aspects table)


def _cell(column: _Column, found: _Value, place: int | None, *, heat: bool) -> str:
    value, low, high, note = found
    where = f'data-target="{esc(column.target)}"'
    if column.aspect:
        where += f' data-aspect="{esc(column.aspect)}"'
    if math.isnan(value):
        return f'<td class="num muted" {where} data-rank="">n/a</td>'
    best = " best" if place == 1 else ""
    partial = f' title="{esc(note)}"' if note else ""
    return (
        f'<td class="num{best}" {where} data-rank="{place}"{partial}'
        f"{_heat(value) if heat else ''}>{esc(fmt(value))}{'*' if note else ''}"
        f"<sup>#{place}</sup><small>{esc(fmt_ci(low, high))}</small></td>"
    )


def _heading(column: _Column) -> str:
    """A column's heading: a button that sorts the rows by the column's ranks."""
    aspect = f' data-aspect="{esc(column.aspect)}"' if column.aspect else ""
    order = "highest" if column.direction == "higher" else "lowest"
    return (
        f'<th class="num" data-target="{esc(column.target)}" '
        f'data-direction="{esc(column.direction)}"{aspect}><button type="button" class="sort" '
        f'title="sort the runs by {esc(column.target)}: best ({order}) first, again for '
        f'worst first">{esc(column.heading)}</button></th>'
    )


def _table(
    table_id: str,
    name: str,
    runs: Sequence[BoardRun],
    columns: Sequence[_Column],
    value_of: Callable[[TrustReport, str], _Value],
    *,
    heat: bool,
) -> str:
    """A models × columns table called ``name`` (its accessible name)."""
    head = "".join(_heading(c) for c in columns)
    values = {c.target: [value_of(r.report, c.target) for r in runs] for c in columns}
    places = {c.target: rank([v[0] for v in values[c.target]], c.direction) for c in columns}
    body = "".join(
        f'<tr data-run="{i}"><th scope="row">{esc(run.label)}</th>'
        + "".join(_cell(c, values[c.target][i], places[c.target][i], heat=heat) for c in columns)
        + "</tr>"
        for i, run in enumerate(runs)
    )
    return (
        f'<div class="scroll"><table id="{table_id}" class="board" aria-label="{esc(name)}">'
        '<thead><tr><th data-sort="label"><button type="button" class="sort" '
        'title="sort the runs by label, again for the reverse order">run</button></th>'
        f"{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _task_aspects(runs: Sequence[BoardRun]) -> dict[str, str]:
    """Each task's aspect (as its first report on the board names it)."""
    found: dict[str, str] = {}
    for run in runs:
        for task in run.report.scores.tasks:
            found.setdefault(task.task_id, task.aspect)
    return found


def _metric_columns(runs: Sequence[BoardRun]) -> list[_Column]:
    found: dict[str, tuple[str, str]] = {}  # direction and aspect
    for run in runs:
        for task in run.report.scores.tasks:
            for m in task.metrics:
                found.setdefault(f"{m.task_id}.{m.metric}", (m.direction, task.aspect))
    ordered = sorted(found, key=lambda k: _task_key(k.rsplit(".", 1)[0]))  # stable: metrics
    # keep their reporting order within a task
    arrow = {"higher": "↑", "lower": "↓"}
    return [
        _Column(k, f"{k} {arrow.get(found[k][0], '')}", found[k][0], found[k][1]) for k in ordered
    ]


def _metric_value(report: TrustReport, target: str) -> _Value:
    task_id, _, name = target.rpartition(".")
    task = report.scores.task(task_id)
    for m in task.metrics if task is not None else ():
        if m.metric == name:
            return (m.value, m.ci_low, m.ci_high, "")
    return (math.nan, math.nan, math.nan, "")


def run_chart_svg(report: TrustReport) -> str:
    """Overall and the five aspects of one run as small bars with 95 % whiskers."""
    nodes = [report.scores.overall, *report.scores.aspects]
    left, bar_w, row_h, top = 96, 170, 20, 6
    width, height = left + bar_w + 46, top + row_h * len(nodes) + 4
    parts = [
        f'<svg class="chart" role="img" aria-label="overall and aspect trust scores" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, node in enumerate(nodes):
        mid = top + i * row_h + row_h / 2
        weight = ' font-weight="650"' if node.level == "overall" else ""
        parts.append(
            f'<text x="{left - 6}" y="{mid + 4:.1f}" text-anchor="end"{weight}>'
            f"{esc(node.name)}</text>"
            f'<rect x="{left}" y="{mid - 6:.1f}" width="{bar_w}" height="12" rx="2" '
            'fill="#eef1f6"/>'
        )
        if math.isnan(node.score):
            parts.append(f'<text class="axis" x="{left + 4}" y="{mid + 4:.1f}">not run</text>')
            continue
        parts.append(
            f'<rect x="{left}" y="{mid - 6:.1f}" width="{node.score * bar_w:.1f}" height="12" '
            'rx="2" fill="#3b6fd8" opacity="0.85"/>'
        )
        if not (math.isnan(node.ci_low) or math.isnan(node.ci_high)):
            x1, x2 = left + node.ci_low * bar_w, left + node.ci_high * bar_w
            parts.append(
                f'<path d="M{x1:.1f} {mid - 4:.1f}V{mid + 4:.1f}M{x1:.1f} {mid:.1f}H{x2:.1f}'
                f'M{x2:.1f} {mid - 4:.1f}V{mid + 4:.1f}" stroke="#1d2330" stroke-width="1.2" '
                'fill="none"/>'
            )
        parts.append(
            f'<text x="{left + bar_w + 6}" y="{mid + 4:.1f}">{esc(fmt(node.score))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


_CSS = """
:root{--fg:#1d2330;--muted:#5d6677;--line:#d8dde6;--bg:#f6f7fa;--card:#fff;
--ok:#1a7f37;--bad:#cf222e}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--fg);background:var(--bg)}
main{max-width:1400px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
.sub,.muted{color:var(--muted)}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px;
margin:12px 0}
.scroll{overflow-x:auto}
table{border-collapse:collapse}
th,td{text-align:left;padding:4px 7px;border-bottom:1px solid var(--line);vertical-align:top}
thead th{font-size:12px;color:var(--muted);font-weight:600;white-space:nowrap}
table.board tbody th{position:sticky;left:0;background:var(--card);white-space:nowrap;
font-weight:500}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td small{display:block;font-size:11px;color:var(--muted)}
td sup{font-size:10px;color:var(--muted);margin-left:2px}
td.best{font-weight:650}
.charts{display:flex;flex-wrap:wrap;gap:10px}
.charts figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:8px}
.charts figcaption{font-size:12px;font-weight:600;margin-bottom:4px}
.chart text{font:11px system-ui,sans-serif;fill:var(--fg)}.chart .axis{fill:var(--muted)}
.pick{display:flex;gap:16px;flex-wrap:wrap;align-items:center}
select{font:inherit;max-width:420px}
tr.worse td{background:#ffebe9}tr.better td{background:#dafbe1}
.controls{display:flex;flex-wrap:wrap;gap:6px 16px;align-items:center;position:sticky;top:0;
z-index:3}
.controls p{flex-basis:100%;margin:0;font-size:12.5px}
input[type=search]{font:inherit;width:280px}
th button.sort{font:inherit;color:inherit;background:none;border:0;padding:0;cursor:pointer;
text-align:inherit}
th button.sort:hover{text-decoration:underline}
th[aria-sort=ascending] button.sort::after{content:" ▲"}
th[aria-sort=descending] button.sort::after{content:" ▼"}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
"""

_SCRIPT = """
(function(){
  var data=JSON.parse(document.getElementById('board-data').textContent);
  var a=document.getElementById('board-run-a'), b=document.getElementById('board-run-b');
  var body=document.querySelector('#board-paired tbody');
  var status=document.getElementById('board-paired-status');
  var notes=document.getElementById('board-paired-notes');
  function zero(s){return /^[+-]?0\\.0+$/.test(s);}
  function neg(s){
    if(s==='n/a'||s===''){return s;}
    if(zero(s)){return '+'+s.replace(/^[+-]/,'');}
    return (s.charAt(0)==='-'?'+':'-')+s.replace(/^[+-]/,'');}
  function negPlain(s){
    if(zero(s)){return s.replace(/^-/,'');}
    return s.charAt(0)==='-'?s.slice(1):'-'+s;}
  function mirror(ci){
    if(!ci){return ci;}
    var p=ci.slice(1,-1).split(', ');
    return '['+negPlain(p[1])+', '+negPlain(p[0])+']';}
  function cell(tr,text,cls){
    var td=document.createElement('td'); td.textContent=text;
    if(cls){td.className=cls;} tr.appendChild(td);}
  function show(){
    var i=parseInt(a.value,10), j=parseInt(b.value,10);
    while(body.firstChild){body.removeChild(body.firstChild);}
    while(notes.firstChild){notes.removeChild(notes.firstChild);}
    var ra=data.runs[i], rb=data.runs[j];
    if(i===j){status.textContent='Pick two different runs.'; return;}
    var flip=i>j, pair=data.pairs[flip?(j+'-'+i):(i+'-'+j)];
    if(!pair){
      status.textContent='This pair was not compared when the board was written (--pairs '+
        data.mode+'); write it again with --pairs all.';
      return;}
    status.textContent='B \\u2212 A: '+rb.label+' minus '+ra.label+
      ', on the samples both runs scored'+
      (flip?' (the pair computed the other way, negated)':'')+'.';
    pair.rows.forEach(function(row){
      var tr=document.createElement('tr'), target=row[0], flag=row[5];
      if(flip){flag=flag==='worse'?'better':(flag==='better'?'worse':'');}
      tr.setAttribute('data-target',target); if(flag){tr.className=flag;}
      cell(tr,target,'');
      cell(tr,ra.scores[target]||'n/a','num'); cell(tr,rb.scores[target]||'n/a','num');
      cell(tr,flip?neg(row[1]):row[1],'num');
      cell(tr,flip?neg(row[2]):row[2],'num');
      cell(tr,flip?mirror(row[3]):row[3],'num');
      cell(tr,String(row[4]),'num'); cell(tr,flag,'');
      body.appendChild(tr);});
    (flip?pair.back:pair.notes).forEach(function(n){
      var li=document.createElement('li'); li.textContent=n; notes.appendChild(li);});
  }
  var hash=/^#a=(\\d+)&b=(\\d+)$/.exec(location.hash);
  if(hash&&data.runs[+hash[1]]&&data.runs[+hash[2]]){a.value=hash[1]; b.value=hash[2];}
  function pick(){
    history.replaceState(null,'','#a='+a.value+'&b='+b.value); show();}
  a.addEventListener('change',pick); b.addEventListener('change',pick); show();
  var each=function(list,f){Array.prototype.forEach.call(list,f);};
  var sortStatus=document.getElementById('board-sort-status'), hint=sortStatus.textContent;
  function order(table,col,worst,label){
    var body=table.tBodies[0], without=0;
    var keyed=Array.prototype.map.call(body.rows,function(tr){
      var k=null;
      if(label){k=tr.cells[0].textContent;}
      else if(col>=0){
        var r=tr.cells[col].getAttribute('data-rank'); k=r?parseInt(r,10):null;}
      if(col>=0&&k===null){without++;}
      return {tr:tr,run:parseInt(tr.getAttribute('data-run'),10),key:k};});
    keyed.sort(function(x,y){
      if(x.key===null||y.key===null){
        if(x.key!==y.key){return x.key===null?1:-1;}}
      else if(x.key!==y.key){
        var c=label?x.key.localeCompare(y.key):x.key-y.key;
        return worst?-c:c;}
      return x.run-y.run;});
    keyed.forEach(function(k){body.appendChild(k.tr);});
    return without;}
  function unsorted(table){
    each(table.tHead.rows[0].cells,function(th){
      th.removeAttribute('aria-sort'); th.removeAttribute('data-order');});}
  function sortBy(th){
    var table=th.closest('table'), label=th.getAttribute('data-sort')==='label';
    var lower=th.getAttribute('data-direction')==='lower';
    var worst=th.hasAttribute('aria-sort')&&th.getAttribute('data-order')==='first';
    unsorted(table);
    var without=order(table,th.cellIndex,worst,label);
    th.setAttribute('data-order',worst?'second':'first');
    var up=label?!worst:lower!==worst;
    th.setAttribute('aria-sort',up?'ascending':'descending');
    var name=table.getAttribute('aria-label');
    if(label){
      sortStatus.textContent=name+': by run label, '+(worst?'Z to A':'A to Z')+'.';
      return;}
    var target=th.getAttribute('data-target');
    sortStatus.textContent=name+': by '+target+', '+(worst?'worst':'best')+' first ('+
      (up?'lowest':'highest')+' first: '+(lower?'lower':'higher')+' is better)'+
      (without?'; '+without+(without>1?' runs':' run')+' without it last':'')+
      '. Click again to reverse.';}
  each(document.querySelectorAll('table.board thead th'),function(th){
    var button=th.querySelector('button.sort');
    if(button){button.addEventListener('click',function(){sortBy(th);});}});
  document.getElementById('board-order').addEventListener('click',function(){
    each(document.querySelectorAll('table.board'),function(table){
      unsorted(table); order(table,-1,false,false);});
    sortStatus.textContent=hint;});
  var filter=document.getElementById('board-filter');
  var aspect=document.getElementById('board-aspect');
  var filterStatus=document.getElementById('board-filter-status');
  function narrow(){
    var words=filter.value.toLowerCase().split(/\\s+/).filter(function(w){return w;});
    var shown=0, only=aspect.value;
    var keep=data.runs.map(function(r){
      var text=(r.label+' '+r.spec).toLowerCase();
      var ok=words.every(function(w){return text.indexOf(w)>=0;});
      if(ok){shown++;}
      return ok;});
    each(document.querySelectorAll('[data-run]'),function(e){
      e.hidden=!keep[parseInt(e.getAttribute('data-run'),10)];});
    each(document.querySelectorAll('[data-aspect]'),function(e){
      e.hidden=only!==''&&e.getAttribute('data-aspect')!==only;});
    var parts=[];
    if(words.length){
      parts.push(shown+' of '+data.runs.length+' runs match \\u201c'+words.join(' ')+'\\u201d');}
    if(only){parts.push('tasks of '+only+' only');}
    filterStatus.textContent=parts.length?parts.join('; ')+'.':'';}
  filter.addEventListener('input',narrow); aspect.addEventListener('change',narrow); narrow();
})();
"""


def _script_hash() -> str:
    digest = hashlib.sha256(_SCRIPT.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _select(select_id: str, runs: Sequence[BoardRun], chosen: int) -> str:
    options = "".join(
        f'<option value="{i}"{" selected" if i == chosen else ""}>{esc(r.label)}</option>'
        for i, r in enumerate(runs)
    )
    return f'<select id="{select_id}">{options}</select>'


def _controls(runs: Sequence[BoardRun]) -> str:
    """The sort and filter bar: a text filter of the runs, one aspect's tasks, board order."""
    present = set(_task_aspects(runs).values())
    aspects = [a for a in ASPECTS if a in present] + sorted(present - set(ASPECTS))
    options = "".join(f'<option value="{esc(a)}">{esc(a)}</option>' for a in aspects)
    return (
        '<section id="board-controls" class="card controls" aria-label="sort and filter">'
        '<label>Runs <input type="search" id="board-filter" autocomplete="off" '
        'placeholder="words of the model or run name"></label>'
        '<label>Tasks of <select id="board-aspect"><option value="">every aspect</option>'
        f"{options}</select></label>"
        '<button type="button" id="board-order">Board order</button>'
        '<span id="board-filter-status" class="muted" role="status"></span>'
        '<p id="board-sort-status" class="muted" role="status">Click a column heading to '
        "sort the runs by it, best first (by its ranks); again for worst first. Runs "
        "without a value go last either way; equal values keep the board's order.</p>"
        "</section>"
    )


def render_board(
    runs: Sequence[BoardRun], pairs: Sequence[PairRows], mode: str, created: str
) -> str:
    """The board page (see the module docstring for what it holds and its selectors).

    Args:
        runs: the runs, in board order (at least one).
        pairs: the pairs compared (:func:`compare_pairs`).
        mode: the pair mode they were chosen by (:data:`PAIR_MODES`), named on the page.
        created: when the board was written (shown).
    """
    if not runs:
        raise ValueError("a board needs at least one run")
    aspect_cols = [_Column(t, t, "higher", "") for t in _aspect_targets(runs)]
    task_names: dict[str, str] = {}
    for run in runs:
        for task in run.report.scores.tasks:
            task_names.setdefault(task.task_id, task.name)
    task_aspects = _task_aspects(runs)
    task_cols = [_Column(t, t, "higher", task_aspects[t]) for t in _task_ids(runs)]
    charts = "".join(
        f'<figure data-run="{i}"><figcaption>{esc(r.label)}</figcaption>'
        f"{run_chart_svg(r.report)}</figure>"
        for i, r in enumerate(runs)
    )
    sources = "".join(
        f'<tr data-run="{i}"><td>{i + 1}</td><td>{esc(r.label)}</td>'
        f"<td><code>{esc(r.report.provenance.model_spec)}</code></td><td>{esc(r.report.created)}</td><td><code>{esc(r.path)}</code></td></tr>"
        for i, r in enumerate(runs)
    )
    legend = "".join(
        f'<li data-aspect="{esc(c.aspect)}"><code>{esc(c.target)}</code> '
        f"{esc(task_names[c.target])}</li>"
        for c in task_cols
    )
    official_labels = on_official_data(runs)
    official = (
        '<p id="board-official" class="muted">Made on the official data: '
        f"{esc(', '.join(official_labels))}. The paired changes here use the tasks' built-in "
        "samples (with run B's scoring rules, as --mt-compare does); for a task whose score "
        "reads its samples' fields, they may differ from --mt-compare's in such a run.</p>"
        if official_labels
        else ""
    )
    paired = (
        '<section><h2>Paired difference between two runs</h2><div class="card">'
        '<div class="pick"><label>A (baseline) '
        f"{_select('board-run-a', runs, 0)}</label><label>B "
        f"{_select('board-run-b', runs, 1 if len(runs) > 1 else 0)}</label></div>"
        '<p id="board-paired-status" class="muted"></p>'
        '<div class="scroll"><table id="board-paired"><thead><tr><th>target</th>'
        '<th class="num">A</th><th class="num">B</th><th class="num">change</th>'
        '<th class="num">paired change</th><th class="num">95% CI</th>'
        '<th class="num">shared</th><th>by the interval</th></tr></thead><tbody></tbody>'
        '</table></div><ul id="board-paired-notes" class="muted"></ul>'
        f"{official}"
        "<p class=\"muted\">change: B's score minus A's on the full runs; paired change: the "
        "same score recomputed on the samples both runs scored (same task, sample id, prompt "
        "and image), with its paired, variant-stratified bootstrap interval, as "
        "<code>--mt-compare</code> computes it. A row is marked worse or better when its "
        "interval excludes 0.</p></div></section>"
    )
    aspects = (
        '<section><h2>Models × aspects</h2><div class="card">'
        f"{_table('board-aspects', 'models × aspects', runs, aspect_cols, _score, heat=True)}"
        '<p class="muted">Trust scores (0-1, higher is better) with their 95% intervals; '
        "#: rank in the column (equal scores share a rank); *: partial, some of the "
        "aspect's tasks did not run (hover for which), so it may not compare with a full "
        "run's.</p></div></section>"
    )
    tasks = (
        '<section><h2>Models × tasks</h2><div class="card">'
        f"{_table('board-tasks', 'models × tasks', runs, task_cols, _score, heat=True)}"
        f'<details id="board-legend"><summary class="muted">tasks</summary><ul>{legend}</ul>'
        "</details>"
        "</div></section>"
    )
    metric_table = _table(
        "board-metrics",
        "models × task metrics",
        runs,
        _metric_columns(runs),
        _metric_value,
        heat=False,
    )
    metrics = (
        '<section><h2>Models × task metrics</h2><div class="card">'
        f"{metric_table}"
        '<p class="muted">Each metric on its own scale: ↑ higher is better, ↓ lower is '
        "better; ranks follow that direction.</p></div></section>"
    )
    listing = (
        '<section><h2>Runs</h2><div class="card scroll"><table><thead><tr><th>#</th>'
        "<th>label</th><th>model spec</th><th>created</th><th>file</th></tr></thead>"
        f"<tbody>{sources}</tbody></table></div></section>"
    )
    charts_section = (
        f'<section><h2>Charts</h2><div id="board-charts" class="charts">{charts}</div></section>'
    )
    # the page's sections, top to bottom: a new section is one more entry
    sections = [_controls(runs), aspects, paired, tasks, charts_section, metrics, listing]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        f"img-src data:; style-src 'unsafe-inline'; script-src '{_script_hash()}'\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>MultiTrust board: {len(runs)} runs</title><style>{_CSS}</style></head>"
        "<body><main><h1>MultiTrust board</h1>"
        f'<p class="sub">{len(runs)} runs · {len(pairs)} pairs compared ({esc(mode)}) · '
        f"written {esc(created)}</p>"
        f"{''.join(sections)}"
        f'</main><script type="application/json" id="board-data">'
        f"{_json_in_html(board_data(runs, pairs, mode))}</script>"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
