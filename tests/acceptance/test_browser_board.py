"""The board of saved runs in a real browser: pairs, sorting and filtering.

Four synthetic saved runs (``tests/mt_board.py``: three of two models on two tasks, and
a fourth of another model without S.4) make one board with the command a user types
(``python -m pytest_multitrust board``, here through ``main``). The page is opened in
headless Chromium:

* the two ``<select>``s pick a pair, the one way and the other way round, and the paired
  table must show what ``compare()`` (the function ``--mt-compare`` prints) gives for that
  pair, computed here, not read from the page; a pair shown the other way round is
  negated, a zero keeping a plus sign;
* clicking a column heading sorts the runs in the order computed here from the runs'
  saved JSON (best first, then worst first; a lower-is-better metric included; the run
  without the task last either way; equal values in board order);
* the text filter leaves exactly the runs whose model and run names hold every word, and
  the aspect filter leaves that aspect's task columns.

Every test ends by checking that no request left the page and that its console has no
error.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import pytest
from mt_board import MACHINE, save_runs, synthetic_run

from pytest_multitrust.__main__ import main
from pytest_multitrust.report.baseline import compare, load_baseline
from pytest_multitrust.report.board import PairRows, board_runs, find_runs, render_board
from pytest_multitrust.report.card import fmt_ci
from pytest_multitrust.report.json_report import dumps

if TYPE_CHECKING:
    from pathlib import Path

    from mt_browser import Browser

pytestmark = pytest.mark.browser

ROWS = "#board-paired tbody tr[data-target]"


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """The board page of four saved runs, and the runs' files in the page's order."""
    root = tmp_path_factory.mktemp("board")
    paths = save_runs(root / ".multitrust", 3, ["T.5", "S.4"], 10, models=2)
    partial = root / ".multitrust" / MACHINE / "0004_partial.json"  # no S.4; its T.5
    # score (0.4) ties with the second run's
    partial.write_text(dumps(synthetic_run("other", 0.5, ["T.5"], 10, 10)), encoding="utf-8")
    paths.append(partial)
    out = root / "board.html"
    assert main(["board", str(root / ".multitrust"), "--out", str(out), "-q"]) == 0
    assert sorted((root / ".multitrust" / MACHINE).glob("*.json")) == paths
    return out, paths


def _shown_rows(browser: Browser) -> dict[str, list[str]]:
    cells = browser.shown(
        ROWS,
        "[e.dataset.target, Array.from(e.querySelectorAll('td')).map((c) => c.textContent)]",
    )
    return {target: texts for target, texts in cells}


@pytest.mark.parametrize(("a", "b"), [(0, 2), (2, 0), (1, 2)])
def test_picking_two_runs_shows_the_paired_numbers_of_compare(
    browser: Browser, board: tuple[Path, list[Path]], a: int, b: int
) -> None:
    page, paths = board
    browser.open(page)
    browser.choose("#board-run-a", str(a))
    browser.choose("#board-run-b", str(b))
    expected = compare(load_baseline(paths[b]), load_baseline(paths[a]), paths[a])
    want = {
        d.target: [
            f"{d.paired_change:+.3f}",
            fmt_ci(d.paired_low, d.paired_high),
            str(d.shared),
        ]
        for d in expected.deltas
    }
    browser.wait_for(f"(n) => document.querySelectorAll('{ROWS}').length === n", len(want))
    rows = _shown_rows(browser)
    assert list(rows) == list(want)
    for target, cells in rows.items():
        assert cells[4:7] == want[target], target
    changes = {d.target: d.change for d in expected.deltas}  # on the full runs
    assert {t: c[3] for t, c in rows.items()} == {
        t: "n/a" if math.isnan(c) else f"{c:+.3f}" for t, c in changes.items()
    }
    status = browser.text("#board-paired-status")
    assert ("negated" in status) == (a > b)
    assert browser.js("location.hash") == f"#a={a}&b={b}"  # the pair is in the address
    assert browser.outside_requests() == []
    assert browser.console_errors() == []


def test_the_tables_and_charts_name_every_run(
    browser: Browser, board: tuple[Path, list[Path]]
) -> None:
    page, paths = board
    browser.open(page)
    for table in ("#board-aspects", "#board-tasks", "#board-metrics"):
        assert len(browser.shown(f"{table} tbody tr[data-run]")) == len(paths), table
    assert len(browser.shown("#board-charts svg")) == len(paths)
    options = browser.js(
        "Array.from(document.querySelectorAll('#board-run-a option')).map((e) => e.value)"
    )
    assert options == [str(i) for i in range(len(paths))]
    assert browser.outside_requests() == []
    assert browser.console_errors() == []


def test_a_pair_picked_the_other_way_round_is_negated_and_zero_keeps_its_sign(
    browser: Browser, board: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    _, paths = board
    runs = board_runs(find_runs(paths[:2], tmp_path))
    rows = (
        ("T.5", "+0.000", "+0.000", "[0.000, 0.000]", 3, ""),
        ("S.4", "-0.125", "+0.250", "[0.100, 0.400]", 4, "better"),
        ("safety", "n/a", "-0.000", "[-0.500, -0.000]", 4, "worse"),
    )
    page = tmp_path / "b.html"
    page.write_text(
        render_board(runs, [PairRows(0, 1, rows, ("differs",))], "all", "now"), encoding="utf-8"
    )
    browser.open(page)
    stored = _shown_rows(browser)
    assert [r[3:] for r in stored.values()] == [[*r[1:4], str(r[4]), r[5]] for r in rows]
    assert "negated" not in browser.text("#board-paired-status")
    browser.choose("#board-run-a", "1")
    browser.choose("#board-run-b", "0")
    flipped = _shown_rows(browser)
    assert flipped["T.5"][3:] == ["+0.000", "+0.000", "[0.000, 0.000]", "3", ""]
    assert flipped["S.4"][3:] == ["+0.125", "-0.250", "[-0.400, -0.100]", "4", "worse"]
    assert flipped["safety"][3:] == ["n/a", "+0.000", "[0.000, 0.500]", "4", "better"]
    assert "negated" in browser.text("#board-paired-status")
    assert browser.outside_requests() == []
    assert browser.console_errors() == []


# -- sorting and filtering --------------------------------------------------------------------


def _saved(paths: list[Path]) -> list[dict[str, object]]:
    """Each run's saved JSON, read here as plain JSON (not through the board's code)."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in paths]


def _value(run: dict[str, object], task_id: str, metric: str | None) -> float:
    """A task's trust score, or one of its metrics' values, in a saved run (NaN: none)."""
    tasks = run["scores"]["tasks"]  # type: ignore[index]
    for task in tasks:
        if task["task_id"] == task_id:
            if metric is None:
                value = task["score"]
            else:
                [value] = [m["value"] for m in task["metrics"] if m["metric"] == metric]
            return math.nan if value is None else float(value)
    return math.nan


def _order(values: list[float], higher: bool, *, worst: bool) -> list[str]:
    """Board indices, best (or worst) first; runs without a value last; ties in board order."""
    sign = (1.0 if higher else -1.0) * (1.0 if worst else -1.0)
    return [
        str(i)
        for i in sorted(
            range(len(values)),
            key=lambda i: (
                math.isnan(values[i]),
                0.0 if math.isnan(values[i]) else sign * values[i],
                i,
            ),
        )
    ]


def _rows(browser: Browser, table: str) -> list[str]:
    return browser.shown(f"{table} tbody tr", "e.dataset.run")


@pytest.mark.parametrize(
    ("table", "target", "higher"),
    [
        ("#board-tasks", "S.4", True),  # a trust score; one run has none
        ("#board-metrics", "S.4.asr", False),  # an attack success rate: lower is better
        ("#board-tasks", "T.5", True),  # two runs tie
    ],
)
def test_clicking_a_heading_sorts_the_runs_best_first_then_worst_first(
    browser: Browser, board: tuple[Path, list[Path]], table: str, target: str, higher: bool
) -> None:
    page, paths = board
    task_id, metric = (target, None) if table == "#board-tasks" else target.rsplit(".", 1)
    values = [_value(run, task_id, metric) for run in _saved(paths)]
    board_order = [str(i) for i in range(len(paths))]
    heading = f'{table} thead th[data-target="{target}"]'
    aria = f"document.querySelector('{heading}').getAttribute('aria-sort')"
    sorted_headings = f"document.querySelectorAll('{table} thead th[aria-sort]').length"
    browser.open(page)
    for worst in (False, True):  # the first click: best first; the second: worst first
        browser.click(f"{heading} button")
        assert _rows(browser, table) == _order(values, higher, worst=worst), worst
        ascending = higher == worst  # the values' order, as aria-sort says it
        assert browser.js(aria) == ("ascending" if ascending else "descending")
        assert browser.js(sorted_headings) == 1
    missing = [str(i) for i, v in enumerate(values) if math.isnan(v)]
    assert _rows(browser, table)[len(paths) - len(missing) :] == missing
    assert _rows(browser, "#board-aspects") == board_order  # each table sorts on its own
    status = browser.text("#board-sort-status")
    assert f"by {target}, worst first" in status
    assert ("1 run without it last" in status) == bool(missing)
    browser.click("#board-order")
    assert _rows(browser, table) == board_order
    assert browser.js(aria) is None
    assert browser.outside_requests() == []
    assert browser.console_errors() == []


def test_the_filters_leave_the_matching_runs_and_one_aspect_s_tasks(
    browser: Browser, board: tuple[Path, list[Path]]
) -> None:
    page, paths = board
    names = [  # each run's model name and saved name, from its JSON and its file name
        f"{run['provenance']['model']['name']} {path.stem.split('_', 1)[1]}".lower()  # type: ignore[index]
        for run, path in zip(_saved(paths), paths, strict=True)
    ]
    browser.open(page)
    for text in ("MODEL-0", "model-0 v1", "v0", "zzz", ""):
        if text == "MODEL-0":
            browser.type("#board-filter", text)  # key by key, as a reader types
        else:
            browser.fill("#board-filter", text)  # at once, as a paste
        words = text.lower().split()
        want = [str(i) for i, name in enumerate(names) if all(w in name for w in words)]
        for where in ("#board-aspects tbody tr", "#board-tasks tbody tr", "#board-charts figure"):
            assert browser.shown(where, "e.dataset.run") == want, (text, where)
        status = browser.text("#board-filter-status")
        assert status == (
            f"{len(want)} of {len(paths)} runs match “{' '.join(words)}”." if words else ""
        )
    assert len(browser.shown("#board-tasks tbody tr")) == len(paths)
    safety = [  # each saved run's safety tasks and metrics, in board order of first appearance
        (task["task_id"], [f"{task['task_id']}.{m['metric']}" for m in task["metrics"]])
        for run in _saved(paths)
        for task in run["scores"]["tasks"]  # type: ignore[index]
        if task["aspect"] == "safety"
    ]
    browser.choose("#board-aspect", "safety")
    headings = "e.dataset.target"
    assert browser.shown("#board-tasks thead th[data-target]", headings) == [safety[0][0]]
    assert browser.shown("#board-metrics thead th[data-target]", headings) == safety[0][1]
    assert browser.shown("#board-tasks tbody td", "e.dataset.target") == [safety[0][0]] * len(paths)
    assert len(browser.shown("#board-aspects thead th[data-target]")) > 2  # aspects stay
    browser.click("#board-legend summary")  # the task legend lists those tasks
    assert browser.shown("#board-legend li code") == [safety[0][0]]
    browser.choose("#board-run-a", "3")  # the pair selects still work
    browser.choose("#board-run-b", "1")
    assert "negated" in browser.text("#board-paired-status")
    assert len(browser.shown(ROWS)) > 0
    browser.choose("#board-aspect", "")
    assert browser.shown("#board-tasks thead th[data-target]", headings) == ["T.5", "S.4"]
    assert browser.outside_requests() == []
    assert browser.console_errors() == []
