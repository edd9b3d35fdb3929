"""The board of saved runs: finding and labelling runs, ranks, the page, and its paired numbers."""

from __future__ import annotations

import base64
import dataclasses
import doctest
import hashlib
import json
import math
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from mt_board import MACHINE, save_runs, synthetic_run
from mt_report import metric, report, sample, scripts_of

from pytest_multitrust.__main__ import main
from pytest_multitrust.records import SampleRecord
from pytest_multitrust.report.baseline import compare, load_baseline
from pytest_multitrust.report.board import (
    BoardRun,
    FoundRun,
    board_runs,
    compare_pairs,
    find_runs,
    on_official_data,
    pair_indices,
    pair_rows,
    rank,
    render_board,
    run_rules,
    run_seed,
)
from pytest_multitrust.report.card import fmt_ci
from pytest_multitrust.report.json_report import dumps
from pytest_multitrust.report.paired import BootstrapMemo, paired_change, shared_pairs
from pytest_multitrust.tasks.original import original_spec
from pytest_multitrust.tasks.registry import get_task

if TYPE_CHECKING:
    from collections.abc import Sequence

TASKS = ["T.5", "S.4"]  # a plain mean task and a two-metric one (asr: lower is better)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four saved runs of two models (``.multitrust`` under the returned folder)."""
    root = tmp_path_factory.mktemp("board")
    save_runs(root / ".multitrust", 4, TASKS, 12, models=2)
    return root


def _page_data(page: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="board-data">(.*?)</script>', page)
    assert found is not None
    data: dict[str, object] = json.loads(found.group(1))
    return data


# -- finding and labelling runs ---------------------------------------------------------------


def test_runs_are_found_in_every_kind_of_path(saved: Path, tmp_path: Path) -> None:
    root = saved / ".multitrust"
    default = find_runs([], root)
    assert [r.name for r in default] == ["v0", "v0", "v1", "v1"]
    assert [r.path.name for r in default][:2] == ["0001_v0.json", "0002_v0.json"]
    machine = root / MACHINE
    assert find_runs([machine], root) == default  # one machine's folder
    assert find_runs([saved], root) == default  # the project folder holding .multitrust
    folder = tmp_path / "trust-report"
    folder.mkdir()
    shutil.copy(machine / "0003_v1.json", folder / "report.json")
    one = machine / "0001_v0.json"
    found = find_runs([folder, one, root], tmp_path / "unused")
    assert [(r.path.name, r.name) for r in found][:2] == [
        ("report.json", "trust-report"),
        ("0001_v0.json", "v0"),
    ]
    assert len(found) == 5  # 0001 given twice counts once
    with pytest.raises(FileNotFoundError, match="nope: no such file or folder"):
        find_runs([tmp_path / "nope"], root)
    (tmp_path / "empty").mkdir()
    with pytest.raises(LookupError, match="empty: no run in this folder"):
        find_runs([tmp_path / "empty"], root)
    with pytest.raises(LookupError, match=r"no saved runs in .*save runs with pytest --mt-save"):
        find_runs([], tmp_path / ".multitrust")


def test_saved_run_names_read_commit_and_date(tmp_path: Path) -> None:
    stems = {
        "0003_1a2b3c4d_20261123_101500.json": "1a2b3c4d 2026-11-23 10:15",
        "0004_nocommit_20261124_080000.json": "nocommit 2026-11-24 08:00",
        "0005_before-upgrade.json": "before-upgrade",
        "mine.json": "mine",
    }
    for name in stems:
        (tmp_path / name).write_text("{}")
    found = find_runs([tmp_path / name for name in stems], tmp_path)
    assert [r.name for r in found] == list(stems.values())


def test_labels_name_model_and_run_and_tell_equal_ones_apart() -> None:
    when = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    later = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    reports = {
        "a": synthetic_run("llava", 0.5, ["T.5"], 3, 0, when),
        "b": synthetic_run("llava", 0.5, ["T.5"], 3, 1, later),
        "c": synthetic_run("llava", 0.5, ["T.5"], 3, 2, later),
        "d": synthetic_run("qwen", 0.5, ["T.5"], 3, 3, when),
    }
    found = [FoundRun(Path(f"/{k}/0001_base.json"), "base") for k in reports]
    runs = board_runs(found, read=lambda p: reports[p.parts[1]])
    assert [r.label for r in runs] == [
        "llava · base · 2026-11-23 10:00:00",
        "llava · base · 2026-11-24 09:30:00 · #2",
        "llava · base · 2026-11-24 09:30:00 · #3",
        "qwen · base",
    ]
    assert [r.model for r in runs] == ["llava", "llava", "llava", "qwen"]


# -- ranks and pairs --------------------------------------------------------------------------


def test_ranks_follow_the_direction_and_share_ties() -> None:
    nan = math.nan
    assert rank([0.2, 0.9, nan, 0.9, 0.5]) == [4, 1, None, 1, 3]
    assert rank([0.2, 0.9, nan, 0.9, 0.5], "lower") == [1, 3, None, 3, 2]
    assert rank([]) == []
    assert rank([nan]) == [None]


def test_the_board_doctests_hold() -> None:
    from pytest_multitrust.report import board

    assert doctest.testmod(board).failed == 0


def test_pair_modes() -> None:
    assert len(pair_indices(30, "all")) == 435
    assert pair_indices(1, "all") == pair_indices(4, "none") == []
    assert pair_indices(4, "consecutive") == [(0, 1), (1, 2), (2, 3)]
    assert pair_indices(4, "first") == [(0, 1), (0, 2), (0, 3)]
    with pytest.raises(ValueError, match="not one of all, consecutive"):
        pair_indices(3, "every")


# -- the paired numbers -----------------------------------------------------------------------


def test_the_memo_gives_the_same_comparison_as_without_it() -> None:
    def run(values: list[float], custom: list[float]) -> object:
        return report(
            [metric("S.4", "rta", 0.5), metric("X.1", "m", 0.5, aspect="custom")],
            [sample("S.4", f"s-{i}", v) for i, v in enumerate(values)]
            + [sample("X.1", f"x-{i}", v, metric_name="m") for i, v in enumerate(custom)],
        )

    runs = [
        run([1, 0, 1, 1, 0, 1], [1, 1, 0]),
        run([0, 0, 1, 1, 1, 1], [0, 1, 0]),
        run([1, 1, 1, 0, 0, 0], [1, 1, 1, 1]),  # one more custom sample: another layout
    ]
    memo = BootstrapMemo()
    for a, b in [(0, 1), (0, 2), (1, 2), (2, 0)]:
        args = (runs[b], runs[a], Path(f"/x/000{a}_r.json"))
        plain = compare(*args, seed=4, tasks=[get_task("S.4")])  # type: ignore[arg-type]
        kept = compare(*args, seed=4, tasks=[get_task("S.4")], memo=memo)  # type: ignore[arg-type]
        assert kept == plain


def test_the_memo_resamples_each_run_once_with_any_rule() -> None:
    calls = [0]

    def spread(records: Sequence[SampleRecord]) -> float:  # not a mean: resampled one by one
        calls[0] += 1
        values = [r.values["m"] for r in records]
        return max(values) - min(values) + sum(values) / len(values)

    def run(values: list[float]) -> list[SampleRecord]:
        return [
            SampleRecord("X.1", f"s-{i}", "ab"[i % 2], "p", None, "", {"m": v}, "pass")
            for i, v in enumerate(values)
        ]

    runs = [run([0.0, 1.0, 0.5, 0.2, 0.9]), run([1.0, 1.0, 0.0, 0.3, 0.1]), run([0.4] * 5)]
    order = [(0, 1), (0, 2), (1, 2)]
    plain = [paired_change(shared_pairs(runs[b], runs[a], "X.1"), spread, 5, 50) for a, b in order]
    alone = calls[0]
    memo = BootstrapMemo()
    kept = [
        paired_change(
            shared_pairs(runs[b], runs[a], "X.1"), spread, 5, 50, memo, (("r", b), ("r", a))
        )
        for a, b in order
    ]
    assert kept == plain
    assert alone == 3 * (2 + 2 * 50)  # per pair: the change, then both sides per resample
    assert calls[0] - alone == 3 * 2 + 3 * 50  # each of the 3 runs resampled once


def test_pairs_use_run_b_s_seed_as_mt_compare_does() -> None:
    runs = [
        BoardRun(f"r{i}", "m", "n", Path(f"/x/000{i}_n.json"), r)
        for i, r in enumerate(
            synthetic_run("m", 0.5, ["S.4"], 40, i, mt_seed=seed) for i, seed in ((0, 1), (1, 7))
        )
    ]
    assert [run_seed(r.report) for r in runs] == [1, 7]
    [found] = compare_pairs(runs, [(0, 1)])
    for seed, same in ((7, True), (1, False)):
        comparison = compare(runs[1].report, runs[0].report, runs[0].path, seed=seed)
        assert (found.rows == pair_rows(0, 1, comparison).rows) is same
    [chosen] = compare_pairs(runs, [(0, 1)], seed=1)
    expected = pair_rows(0, 1, compare(runs[1].report, runs[0].report, runs[0].path, seed=1))
    assert chosen.rows == expected.rows
    assert chosen.notes == expected.notes == ("setting seed differs: 1 vs 7",)
    assert chosen.notes_reversed == ("setting seed differs: 7 vs 1",)


def test_pairs_use_run_b_s_scoring_rules_as_mt_compare_does() -> None:
    def made(skill: float, seed: int, rules: str) -> BoardRun:
        report = synthetic_run("m", skill, ["T.3"], 60, seed)
        settings = tuple((k, rules if k == "rules" else v) for k, v in report.provenance.settings)
        provenance = dataclasses.replace(report.provenance, settings=settings)
        found = dataclasses.replace(report, provenance=provenance)
        return BoardRun(rules, "m", rules, Path(f"/x/000{seed}_{rules}.json"), found)

    runs = [made(0.4, 3, "strict"), made(0.6, 4, "original")]
    assert [run_rules(r.report) for r in runs] == ["strict", "original"]
    [found] = compare_pairs(runs, [(0, 1)])  # B made with --mt-rules=original
    t3 = get_task("T.3")
    original = compare(runs[1].report, runs[0].report, runs[0].path, tasks=[original_spec(t3)])
    assert found.rows == pair_rows(0, 1, original).rows
    strict = compare(runs[1].report, runs[0].report, runs[0].path, tasks=[t3])
    assert found.rows != pair_rows(0, 1, strict).rows  # T.3's original rule differs here
    # (a B made with the strict rules: test_pairs_use_run_b_s_seed_as_mt_compare_does)


def test_page_pairs_equal_compare_computed_independently(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "board.html"
    assert main(["board", str(saved / ".multitrust"), "--out", str(out), "-q"]) == 0
    page = out.read_text(encoding="utf-8")
    data = _page_data(page)
    pairs = data["pairs"]
    assert isinstance(pairs, dict)
    assert sorted(pairs) == ["0-1", "0-2", "0-3", "1-2", "1-3", "2-3"]
    paths = sorted((saved / ".multitrust" / MACHINE).glob("*.json"))
    old, new = load_baseline(paths[0]), load_baseline(paths[2])
    expected = compare(new, old, paths[0])  # the registry's specs and data, seed 0
    rows = pairs["0-2"]["rows"]
    assert [r[0] for r in rows] == [d.target for d in expected.deltas]
    assert {"overall", "truthfulness", "safety", "T.5", "S.4"} <= {r[0] for r in rows}
    for row, delta in zip(rows, expected.deltas, strict=True):
        assert row[1] == f"{delta.change:+.3f}"
        assert row[2] == f"{delta.paired_change:+.3f}"
        assert row[3] == fmt_ci(delta.paired_low, delta.paired_high)
        assert row[4] == delta.shared == (24 if row[0] == "overall" else 12)
        worse, better = delta.paired_high < 0, delta.paired_low > 0
        assert row[5] == ("worse" if worse else "better" if better else "")
    assert pairs["0-2"]["notes"] == list(expected.differences)
    back = compare(old, new, paths[2]).differences  # the pair the other way round
    assert pairs["0-2"]["back"] == list(back)
    assert pairs["0-1"]["back"][0] == (
        "model fingerprint differs: fp-model-1 (baseline) vs fp-model-0 (now)"
    )
    runs = data["runs"]
    assert isinstance(runs, list)
    assert runs[2]["scores"]["S.4"] == f"{new.scores.task('S.4').score:.3f}"  # type: ignore[union-attr]


def test_the_page_is_self_contained_and_has_its_selectors(saved: Path) -> None:
    found = find_runs([], saved / ".multitrust")
    runs = board_runs(found)
    evil = dataclasses.replace(runs[0], label='<img src="http://x/">"</script>')
    page = render_board([evil, *runs[1:]], [], "none", "2026-11-23T10:00:00+00:00")
    for selector in (
        'id="board-aspects"',
        'id="board-tasks"',
        'id="board-metrics"',
        'id="board-charts"',
        'id="board-run-a"',
        'id="board-run-b"',
        'id="board-paired"',
        'id="board-paired-status"',
        'id="board-paired-notes"',
        'id="board-data"',
        'id="board-controls"',
        'id="board-filter"',
        'id="board-aspect"',
        'id="board-order"',
        'id="board-filter-status"',
        'id="board-sort-status"',
    ):
        assert page.count(selector) == 1, selector
    assert '<img src="http://x/">' not in page
    assert "&lt;img src=&quot;http://x/&quot;&gt;" in page
    assert "</script>" not in _page_data(page)["runs"][0]["label"].replace(  # type: ignore[index]
        '"</script>', ""
    )
    assert re.findall(r'(?:src|href)="', page) == []  # nothing to fetch
    scripts = scripts_of(page)
    assert scripts.handlers == []
    [code] = [s for s in scripts.scripts if not s.lstrip().startswith("{")]
    digest = base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode("ascii")
    assert "default-src 'none'; img-src data:; style-src 'unsafe-inline'; " in page
    assert f"script-src 'sha256-{digest}'" in page


def test_ranks_on_the_page_follow_each_metric_direction(saved: Path) -> None:
    runs = board_runs(find_runs([], saved / ".multitrust"))
    page = render_board(runs, [], "none", "now")

    def ranks(table: str, target: str) -> list[tuple[float, int]]:
        body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
        cells = re.findall(
            rf'data-target="{re.escape(target)}"(?: data-aspect="[a-z]+")? data-rank="(\d+)"'
            r"[^>]*>([0-9.]+)",
            body,
        )
        return [(float(v), int(r)) for r, v in cells]

    asr = ranks("board-metrics", "S.4.asr")  # lower is better
    rta = ranks("board-metrics", "S.4.rta")
    trust = ranks("board-tasks", "S.4")
    assert len(asr) == len(rta) == len(trust) == 4
    assert min(asr)[1] == 1  # the lowest attack success rate ranks first
    assert max(asr)[1] == max(r for _, r in asr)
    assert max(rta)[1] == 1
    assert max(trust)[1] == 1
    assert "S.4.asr ↓" in page
    assert "S.4.rta ↑" in page
    # the headings sort by these (the script reads the direction and the aspect filter
    # hides columns by the aspect)
    assert (
        '<th class="num" data-target="S.4.asr" data-direction="lower" data-aspect="safety">' in page
    )
    assert (
        '<th class="num" data-target="T.5" data-direction="higher" data-aspect="truthfulness">'
        in page
    )
    assert '<th class="num" data-target="overall" data-direction="higher"><button' in page
    assert page.count('<button type="button" class="sort"') == (1 + 3) + (1 + 2) + (
        1 + 3
    )  # run + columns
    assert '<option value="safety">safety</option>' in page


# -- the command ------------------------------------------------------------------------------


def test_command_errors_exit_nonzero_with_a_clear_message(
    saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def usage_error(*argv: str) -> str:
        with pytest.raises(SystemExit) as info:
            main(["board", *argv])
        assert info.value.code == 2
        return capsys.readouterr().err

    assert "no such file or folder" in usage_error(str(tmp_path / "missing.json"))
    (tmp_path / "empty").mkdir()
    assert "no run in this folder" in usage_error(str(tmp_path / "empty"))
    monkeypatch.chdir(tmp_path)
    assert "no saved runs in" in usage_error()
    assert "is a folder" in usage_error(str(saved / ".multitrust"), "--out", str(tmp_path))
    assert "invalid choice: 'every'" in usage_error("--pairs", "every")

    def data_error(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert main(["board", str(path), "-q"]) == 1
        assert not (tmp_path / "board.html").exists()
        return capsys.readouterr().err

    assert "cannot read the saved run" in data_error("corrupt.json", '{"schema_version": ')
    assert "not a pytest-multitrust report" in data_error("foreign.json", '{"name": "x"}')
    assert "not a pytest-multitrust report" in data_error("list.json", "[1, 2]")
    good = json.loads((saved / ".multitrust" / MACHINE / "0001_v0.json").read_text())
    assert "report schema version 2.0 cannot be read" in data_error(
        "future.json", json.dumps({**good, "schema_version": "2.0"})
    )
    newer = data_error("newer.json", json.dumps({**good, "schema_version": "1.99", "new": 1}))
    assert "newer than this pytest-multitrust's" in newer
    assert "'created' is a required" in data_error("partial.json", '{"schema_version": "1.0"}')
    (tmp_path / "file").write_text("")
    run = str(saved / ".multitrust" / MACHINE / "0001_v0.json")
    assert main(["board", run, "--out", str(tmp_path / "file" / "b.html"), "-q"]) == 1
    assert "cannot write" in capsys.readouterr().err


def test_command_runs_as_a_module_with_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest_multitrust", "board", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert "--out FILE" in done.stdout
    assert "Exit status" in done.stdout


def test_one_run_makes_a_board_without_pairs(saved: Path, tmp_path: Path) -> None:
    one = saved / ".multitrust" / MACHINE / "0001_v0.json"
    out = tmp_path / "sub" / "one.html"
    assert main(["board", str(one), "--out", str(out), "-q"]) == 0
    data = _page_data(out.read_text(encoding="utf-8"))
    assert data["pairs"] == {}
    assert len(data["runs"]) == 1  # type: ignore[arg-type]


def test_runs_on_the_official_data_are_named_on_the_page(saved: Path) -> None:
    runs = board_runs(find_runs([], saved / ".multitrust"))[:2]
    report = runs[1].report
    settings = tuple(
        (k, "/data/multitrust" if k == "official_data" else v)
        for k, v in report.provenance.settings
    )
    official = dataclasses.replace(
        report, provenance=dataclasses.replace(report.provenance, settings=settings)
    )
    marked = [runs[0], dataclasses.replace(runs[1], report=official)]
    assert on_official_data(marked) == [runs[1].label]
    page = render_board(marked, [], "all", "now")
    assert f"Made on the official data: {runs[1].label}." in page
    assert 'id="board-official"' not in render_board(runs, [], "all", "now")


def test_a_report_written_by_the_plugin_reads_back(tmp_path: Path) -> None:
    written = report([metric("S.4", "rta", 0.9)], [sample("S.4", "s-0", 1.0)])
    path = tmp_path / "r.json"
    path.write_text(dumps(written), encoding="utf-8")
    [run] = board_runs(find_runs([path], tmp_path))
    assert run.label == "refuser · r"
    same = tmp_path / "refuser.json"
    same.write_text(dumps(written), encoding="utf-8")
    [run] = board_runs(find_runs([same], tmp_path))
    assert run.label == "refuser"  # the run named after its model is named once


# -- many runs ------------------------------------------------------------------------------


@pytest.mark.slow
def test_thirty_runs_make_one_page_with_every_pair(tmp_path: Path) -> None:
    paths = save_runs(tmp_path / ".multitrust", 30, ["T.5", "S.4", "R.1", "P.4"], 10, models=10)
    out = tmp_path / "board.html"
    assert main(["board", str(tmp_path / ".multitrust"), "--out", str(out), "-q"]) == 0
    page = out.read_text(encoding="utf-8")
    data = _page_data(page)
    pairs = data["pairs"]
    assert isinstance(pairs, dict)
    assert len(pairs) == 435
    assert len(page.encode("utf-8")) < 1_000_000
    expected = compare(load_baseline(paths[23]), load_baseline(paths[7]), paths[7])
    rows = pairs["7-23"]["rows"]
    assert [(r[0], r[2], r[3]) for r in rows] == [
        (d.target, f"{d.paired_change:+.3f}", fmt_ci(d.paired_low, d.paired_high))
        for d in expected.deltas
    ]
    assert page.count('<tr data-run="') == 4 * 30  # aspects, tasks, metrics, the run list
