"""The board of saved runs in a real browser: picking two runs shows compare()'s numbers.

Three synthetic saved runs of two models (``tests/mt_board.py``) make one board with the
command a user types (``python -m pytest_multitrust board``, here through ``main``). The
page is opened in headless Chromium; the two ``<select>``s pick a pair, the one way and
the other way round, and the paired table must show what ``compare()`` (the function
``--mt-compare`` prints) gives for that pair, computed here, not read from the page. Every
test ends by checking that no request left the page and that its console has no error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from mt_board import MACHINE, save_runs

from pytest_multitrust.__main__ import main
from pytest_multitrust.report.baseline import compare, load_baseline
from pytest_multitrust.report.card import fmt_ci

if TYPE_CHECKING:
    from pathlib import Path

    from mt_browser import Browser

pytestmark = pytest.mark.browser

ROWS = "#board-paired tbody tr[data-target]"


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """The board page of three saved runs, and the runs' files in the page's order."""
    root = tmp_path_factory.mktemp("board")
    paths = save_runs(root / ".multitrust", 3, ["T.5", "S.4"], 10, models=2)
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
