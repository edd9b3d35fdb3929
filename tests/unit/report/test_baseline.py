from __future__ import annotations

import dataclasses
import itertools
import math
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from mt_report import metric, report, sample

from pytest_multitrust.report.baseline import (
    compare,
    differences,
    find_baseline,
    load_baseline,
    machine_id,
    regression_gates,
    save_path,
    saved_runs,
    validate_name,
)
from pytest_multitrust.report.json_report import dumps
from pytest_multitrust.settings import RegressionLimit, parse_compare_fail

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_multitrust.records import SampleRecord
    from pytest_multitrust.report.model import TrustReport

WHEN = datetime(2026, 11, 23, 10, 15, 0, tzinfo=UTC)
MACHINE = "Linux-CPython-3.11-64bit"


def test_machine_id_names_system_python_and_bits() -> None:
    assert re.fullmatch(r"\w+-\w+-3\.\d+-(32|64)bit", machine_id())


def test_save_paths_number_runs_per_machine(tmp_path: Path) -> None:
    first = save_path(tmp_path, MACHINE, "", "1a2b3c4d5e6f", WHEN)
    assert first == tmp_path / MACHINE / "0001_1a2b3c4d_20261123_101500.json"
    first.parent.mkdir(parents=True)
    first.write_text("{}")
    assert save_path(tmp_path, MACHINE, "before", None, WHEN).name == "0002_before.json"
    assert (
        save_path(tmp_path, "Other-1", "", None, WHEN).name == "0001_nocommit_20261123_101500.json"
    )
    assert [r.number for r in saved_runs(tmp_path)] == [1]


@pytest.mark.parametrize("name", ["../x", "", "a b", "x" * 65, "-lead"])
def test_bad_save_names_are_usage_errors(name: str) -> None:
    with pytest.raises(pytest.UsageError, match="--mt-save: invalid name"):
        validate_name(name)


def test_find_baseline_by_latest_number_name_and_path(tmp_path: Path) -> None:
    runs = ["0001_aaaa_20260101_000000", "0002_before-upgrade", "0003_bbbb_20260102_000000"]
    for stem in runs:
        (tmp_path / MACHINE).mkdir(exist_ok=True)
        (tmp_path / MACHINE / f"{stem}.json").write_text("{}")
    (tmp_path / "Other").mkdir()
    (tmp_path / "Other" / "0009_elsewhere.json").write_text("{}")

    def find(ident: str) -> str:
        return find_baseline(tmp_path, ident, MACHINE, tmp_path).stem

    assert find("") == runs[2]
    assert find("2") == find("0002") == find("before-upgrade") == runs[1]
    assert find("9") == "0009_elsewhere"
    assert find(str(tmp_path / MACHINE / f"{runs[0]}.json")) == runs[0]
    with pytest.raises(pytest.UsageError, match="no saved run matches") as info:
        find("nope")
    assert "0002_before-upgrade" in str(info.value)
    with pytest.raises(pytest.UsageError) as info:  # pytest prints a usage error raw
        find("\x1b]0;x\x07\u202e")
    assert str(info.value).startswith(r"--mt-compare=\x1b]0;x\x07\u202e: no saved run")
    with pytest.raises(pytest.UsageError, match="save one first with --mt-save"):
        find_baseline(tmp_path / "empty", "", MACHINE, tmp_path)


def _pair(new_values: list[float], old_values: list[float]) -> tuple[TrustReport, TrustReport]:
    def run(values: list[float], fingerprint: str) -> TrustReport:
        mean = sum(values) / len(values)
        return report(
            [metric("S.4", "rta", mean, ci=(max(0, mean - 0.1), min(1, mean + 0.1)))],
            [sample("S.4", f"s-{i}", v) for i, v in enumerate(values)],
            fingerprint=fingerprint,
        )

    return run(new_values, "fp-new"), run(old_values, "fp-old")


def test_paired_change_on_shared_samples(tmp_path: Path) -> None:
    current, baseline = _pair([1.0] * 15 + [0.0] * 15, [1.0] * 30)
    comparison = compare(
        current,
        baseline,
        tmp_path / "0001_x.json",
        [RegressionLimit("safety", -0.02, "safety:-0.02")],
        seed=0,
    )
    deltas = {d.target: d for d in comparison.deltas}
    assert set(deltas) == {"overall", "safety", "S.4"}
    safety = deltas["safety"]
    assert safety.shared == 30
    assert safety.paired_change == pytest.approx(-0.5)
    assert safety.change == pytest.approx(-0.5)
    assert safety.paired_high < -0.02
    [gate] = regression_gates(comparison, [parse_compare_fail("safety:-0.02")], "interval", "pass")
    assert (gate.verdict, gate.passed, gate.n) == ("fail", False, 30)
    assert gate.label == "safety: change >= -0.02"
    assert any("model fingerprint differs" in d for d in comparison.differences)


def test_small_paired_change_on_few_samples_is_decided_by_its_value(tmp_path: Path) -> None:
    # one of 30 samples fell: -0.033, interval [-0.1, 0]
    current, baseline = _pair([1.0] * 29 + [0.0], [1.0] * 30)
    comparison = compare(current, baseline, tmp_path / "0001_x.json", seed=0)
    strict = [parse_compare_fail("S.4:-0.02")]
    [point] = regression_gates(comparison, strict, "point", "fail")
    assert (point.verdict, point.passed) == ("fail", False)  # -0.033 < -0.02
    assert "uncertain: the 95% interval reaches 0.000, above -0.02" in point.note
    [interval] = regression_gates(comparison, strict, "interval", "fail")
    assert interval.verdict == "fail"  # the value misses: no interval can save it
    loose = [parse_compare_fail("S.4:-0.05")]
    [point] = regression_gates(comparison, loose, "point", "fail")
    assert (point.verdict, point.passed) == ("pass", True)
    assert "uncertain: the 95% interval reaches -0.100, below -0.05" in point.note
    [interval] = regression_gates(comparison, loose, "interval", "fail")
    assert (interval.verdict, interval.passed) == ("inconclusive", False)
    [lenient] = regression_gates(comparison, loose, "interval", "pass")
    assert (lenient.verdict, lenient.passed) == ("inconclusive", True)


def test_collapse_fails_and_no_change_passes_every_regression_target(tmp_path: Path) -> None:
    same = _pair([1.0] * 10, [1.0] * 10)
    collapse = _pair([0.0] * 10, [1.0] * 10)
    limits = [
        parse_compare_fail(t) for t in ("S.4:-0.6", "safety:-0.6", "overall:-0.6", "S.4.rta:-0.6")
    ]
    for (current, baseline), verdict in ((same, "pass"), (collapse, "fail")):
        comparison = compare(current, baseline, tmp_path / "b.json", limits, seed=0)
        gates = regression_gates(comparison, limits, "point", "fail")
        assert {g.target: g.verdict for g in gates} == dict.fromkeys(
            ("S.4", "safety", "overall", "S.4.rta"), verdict
        )
        expected = 0.0 if verdict == "pass" else -1.0
        assert all(g.value == expected and g.ci_low <= g.value <= g.ci_high for g in gates)


def _p4(sample_id: str, rta: float, leakage: float) -> SampleRecord:
    return dataclasses.replace(
        sample("P.4", sample_id, rta), values={"rta": rta, "leakage": leakage}
    )


def test_paired_change_is_the_card_score_change_not_a_mean_of_all_metrics(
    tmp_path: Path,
) -> None:
    # P.4's trust score is its rta alone (leakage does not enter it): refuser -> echo is
    # 1.0 -> 0.0 with leakage 0 in both runs. Averaging rta and 1 - leakage per sample
    # read -0.5 and let a -0.6 gate pass.
    def run(rta: float) -> TrustReport:
        return report(
            [
                metric("P.4", "rta", rta, ci=(rta, rta)),
                metric("P.4", "leakage", 0.0, direction="lower", trust=rta, ci=(0.0, 0.1)),
            ],
            [_p4(f"s-{i}", rta, 0.0) for i in range(40)],
        )

    limits = [parse_compare_fail("P.4:-0.6"), parse_compare_fail("privacy:-0.6")]
    comparison = compare(run(0.0), run(1.0), tmp_path / "r.json", limits, seed=0)
    deltas = {d.target: d for d in comparison.deltas}
    assert deltas["P.4"].change == pytest.approx(-1.0)
    assert deltas["P.4"].paired_change == pytest.approx(-1.0)
    assert deltas["privacy"].paired_change == pytest.approx(-1.0)
    assert [g.verdict for g in regression_gates(comparison, limits, "point", "fail")] == [
        "fail",
        "fail",
    ]


def test_changed_prompts_are_not_shared(tmp_path: Path) -> None:
    current, baseline = _pair([1.0] * 3, [1.0] * 3)
    changed = dataclasses.replace(
        baseline,
        samples=tuple(dataclasses.replace(s, prompt="other") for s in baseline.samples),
    )
    comparison = compare(current, changed, tmp_path / "0001_x.json", seed=0)
    assert all(d.shared == 0 and math.isnan(d.paired_change) for d in comparison.deltas)
    assert any("S.4: no shared samples" in d for d in comparison.differences)
    for mode, policy in itertools.product(("point", "interval"), ("pass", "fail")):
        # nothing measured: NaN never passes, whatever --mt-inconclusive says
        [gate] = regression_gates(comparison, [parse_compare_fail("overall:0")], mode, policy)
        assert (gate.verdict, gate.passed) == ("fail", False)
        assert "no shared samples" in gate.note


def test_metric_target_is_measured_on_the_trust_scale(tmp_path: Path) -> None:
    def run(asr: list[float]) -> TrustReport:
        return report(
            [metric("S.4", "asr", sum(asr) / len(asr), direction="lower")],
            [sample("S.4", f"s-{i}", v, metric_name="asr") for i, v in enumerate(asr)],
        )

    comparison = compare(
        run([1.0] * 10 + [0.0] * 10),
        run([0.0] * 20),
        tmp_path / "b.json",
        [parse_compare_fail("S.4.asr:-0.02")],
        seed=1,
    )
    delta = next(d for d in comparison.deltas if d.target == "S.4.asr")
    assert delta.paired_change == pytest.approx(-0.5)  # ASR rose by 0.5: trust fell by 0.5


def test_differences_list_data_environment_and_settings() -> None:
    current, baseline = _pair([1.0], [1.0])
    from pytest_multitrust.tasks.manifest import DataVersion

    old = dataclasses.replace(
        baseline,
        provenance=dataclasses.replace(
            baseline.provenance,
            data=(DataVersion("S.4", "safety/S.4.jsonl", "1", "a" * 64, 10),),
            settings=(("tier", "smoke"),),
        ),
    )
    new = dataclasses.replace(
        current,
        provenance=dataclasses.replace(
            current.provenance,
            data=(DataVersion("S.4", "safety/S.4.jsonl", "2", "b" * 64, 10),),
            settings=(("tier", "standard"),),
            versions=dataclasses.replace(current.provenance.versions, torch="9.9"),
        ),
    )
    found = differences(new, old)
    assert any(d.startswith("data of S.4 differs: version 1") for d in found)
    assert any(d.startswith("torch version differs") for d in found)
    assert "setting tier differs: smoke vs standard" in found


def test_saved_run_loads_back_and_bad_files_are_data_errors(tmp_path: Path) -> None:
    current, _ = _pair([1.0, 0.0], [1.0, 1.0])
    path = tmp_path / "0001_x.json"
    path.write_text(dumps(current))
    loaded = load_baseline(path)
    assert [s.sample_id for s in loaded.samples] == ["s-0", "s-1"]
    (tmp_path / "bad.json").write_text('{"schema_version": "1.0"}')
    from pytest_multitrust.errors import DataError

    with pytest.raises(DataError, match=r"bad\.json: \(root\): 'created' is a required"):
        load_baseline(tmp_path / "bad.json")
    (tmp_path / "junk.json").write_text("{")
    with pytest.raises(DataError, match="cannot read the saved run"):
        load_baseline(tmp_path / "junk.json")


def test_a_baseline_with_text_settings_compares_equal_to_typed_ones() -> None:
    current, baseline = _pair([1.0], [1.0])
    typed = dict(current.provenance.settings)
    assert (typed["seed"], typed["limit"], typed["tier"]) == (0, None, "standard")
    as_text = dataclasses.replace(
        baseline,
        provenance=dataclasses.replace(
            baseline.provenance,
            settings=tuple(
                (k, "" if v is None else str(v))
                for k, v in current.provenance.settings
                if not isinstance(v, tuple)
            ),
        ),
    )
    assert not [d for d in differences(current, as_text) if d.startswith("setting")]
