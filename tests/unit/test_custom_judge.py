"""Judging custom tasks from their records (pytest_multitrust.custom.judge)."""

from __future__ import annotations

import math

import pytest

from pytest_multitrust.custom.declare import CustomMetric, CustomTask
from pytest_multitrust.custom.judge import (
    PendingJudgement,
    custom_metric_result,
    judge_custom_threshold,
    task_spec,
)
from pytest_multitrust.engine.runner import records_task_values
from pytest_multitrust.records import METRIC_PROPERTY, MetricResult, SampleRecord
from pytest_multitrust.scoring.stats import bootstrap_interval, wilson_interval
from pytest_multitrust.settings import Settings, parse_threshold

TASK = CustomTask(
    "team.pii",
    "PII",
    "privacy",
    "leakage",
    (CustomMetric("leak", "lower", 0.2), CustomMetric("polite", "higher", None)),
)


def record(
    sample: str,
    value: float,
    *,
    metric: str = "leak",
    verdict: str = "pass",
    variant: str = "default",
    response: str = "ok",
) -> SampleRecord:
    return SampleRecord(
        task_id="team.pii",
        sample_id=sample,
        variant=variant,
        prompt="p",
        image_sha256=None,
        response=response,
        values={metric: value},
        verdict=verdict,  # type: ignore[arg-type]
        scorer="custom",
    )


def metric_value(records: list[SampleRecord], metric: str) -> float:
    """The custom task's value of ``metric``, as the engine computes it from the records."""
    return records_task_values(task_spec(TASK, records), records)[metric]


def test_variants_are_averaged_first_and_uncounted_values_skipped() -> None:
    records = [
        record("a", 1.0, variant="text"),
        record("b", 0.0, variant="text"),
        record("c", 1.0, variant="image"),
        record("d", math.nan),
        record("e", 1.0, verdict="error"),
        record("f", 0.0, verdict="skip"),
    ]
    assert metric_value(records, "leak") == pytest.approx(0.75)
    assert math.isnan(metric_value(records, "polite"))


def test_a_proportion_gets_a_wilson_interval_and_the_worst_samples() -> None:
    records = [record(f"s{i}", float(i < 3), response=f"answer {i}") for i in range(10)]
    records.append(record("broken", math.nan, verdict="error"))
    result = custom_metric_result(TASK, "leak", records, threshold=0.2, op="<=", seed=0)
    assert (result.value, result.n, result.errors) == (0.3, 10, 1)
    assert (result.ci_low, result.ci_high) == pytest.approx(wilson_interval(3, 10))
    assert [w.sample_id for w in result.worst] == ["s0", "s1", "s2"]  # leaked: 1 - 1 < 1
    assert result.trust_score == pytest.approx(0.7)  # only "leak" has values
    assert (result.aspect, result.sub_aspect, result.task_name) == ("privacy", "leakage", "PII")
    assert result.scorer == "custom"
    assert result.op == "<="
    assert result.threshold == 0.2


def test_scores_between_0_and_1_get_a_bootstrap_interval() -> None:
    values = [0.2, 0.5, 0.9, 0.4]
    records = [record(f"s{i}", v, metric="polite") for i, v in enumerate(values)]
    result = custom_metric_result(TASK, "polite", records, threshold=0.5, op=">=", seed=3)
    assert result.value == pytest.approx(0.5)
    assert (result.ci_low, result.ci_high) == pytest.approx(bootstrap_interval(values, seed=3))


def test_trust_score_is_the_mean_of_oriented_metrics() -> None:
    records = [record("a", 0.25), record("b", 0.5, metric="polite")]
    result = custom_metric_result(TASK, "polite", records, threshold=0.5, op=">=")
    assert result.trust_score == pytest.approx(((1 - 0.25) + 0.5) / 2)


def judge(
    records: dict[str, list[SampleRecord]],
    *,
    expected: list[str] | None = None,
    finished: set[str] | None = None,
    settings: Settings | None = None,
    metric: str = "leak",
) -> tuple[str, str, MetricResult | None]:
    wanted = list(records) if expected is None else expected
    done = set(wanted) if finished is None else finished
    judgement = judge_custom_threshold(TASK, metric, records, wanted, done, settings or Settings())
    return judgement.outcome, judgement.message, judgement.result


def test_a_clear_miss_fails_with_the_threshold_message() -> None:
    records = {f"t.py::test[{i}]": [record(f"t.py::test[{i}]", 1.0)] for i in range(20)}
    outcome, message, result = judge(records)
    assert outcome == "failed"
    assert message.startswith("team.pii PII: leak = 1.000, needs <= 0.2\n")
    assert "uncertain" not in message  # the whole interval misses it too
    assert "n = 20 samples" in message
    assert "t.py::test[0]: leak=1.000" in message
    assert result is not None
    assert result.verdict == "fail"
    assert not result.passed


def test_a_clear_pass_passes_with_its_properties() -> None:
    records = {f"t.py::test[{i}]": [record(f"t.py::test[{i}]", 0.0)] for i in range(40)}
    outcome, message, result = judge(records)
    assert (outcome, message) == ("passed", "")
    assert result is not None
    assert result.verdict == "pass"
    assert result.gate == "point"  # the default: the value decides
    judgement = judge_custom_threshold(
        TASK, "leak", records, list(records), set(records), Settings()
    )
    names = [name for name, _ in judgement.properties]
    assert names[0] == METRIC_PROPERTY
    assert "multitrust.threshold" in names
    assert dict(judgement.properties)["multitrust.threshold"] == "<= 0.2"


def test_few_samples_pass_on_the_value_and_interval_mode_counts_them_as_the_policy_says() -> None:
    records = {"t.py::a": [record("t.py::a", 0.0)], "t.py::b": [record("t.py::b", 0.0)]}
    assert judge(records)[0] == "passed"  # point mode: 0.0 <= 0.2
    assert (
        judge(records, settings=Settings(gate_mode="interval", inconclusive="pass"))[0] == "passed"
    )
    outcome, message, result = judge(records, settings=Settings(gate_mode="interval"))
    assert outcome == "failed"
    assert "inconclusive" in message
    assert result is not None
    assert result.verdict == "inconclusive"
    assert judge(records, settings=Settings(gate_mode="point"))[2].verdict == "pass"  # type: ignore[union-attr]


def test_a_threshold_from_the_config_wins_over_the_marker() -> None:
    records = {f"t::{i}": [record(f"t::{i}", float(i < 2))] for i in range(40)}  # 0.05
    strict = Settings(thresholds=(parse_threshold("team.pii.leak<=0.01"),), gate_mode="point")
    assert judge(records, settings=strict)[0] == "failed"
    assert judge(records, settings=Settings(gate_mode="point"))[0] == "passed"  # <= 0.2


def test_a_config_threshold_against_the_direction_is_refused() -> None:
    records = {"t::a": [record("t::a", 0.0)]}
    wrong = Settings(thresholds=(parse_threshold("team.pii.leak>=0.9"),))
    outcome, message, _ = judge(records, settings=wrong)
    assert outcome == "failed"
    assert message == (
        "threshold 'team.pii.leak>=0.9': team.pii.leak is lower-is-better "
        "(direction='lower' in its trust marker), so use <="
    )


def test_a_metric_without_any_threshold_says_where_to_give_one() -> None:
    records = {"t::a": [record("t::a", 1.0, metric="polite")]}
    outcome, message, _ = judge(records, metric="polite")
    assert outcome == "failed"
    assert message == (
        "team.pii.polite has no threshold: add threshold=... to its trust "
        "marker, or 'team.pii.polite >= <value>' to multitrust_thresholds "
        "(or --mt-threshold)"
    )


def test_judging_before_every_sample_finished_is_an_error_naming_them() -> None:
    records = {"t::a": [record("t::a", 0.0)]}
    outcome, message, result = judge(records, expected=["t::a", "t::b", "t::c"], finished={"t::a"})
    assert outcome == "failed"
    assert result is None
    assert message.startswith(
        "team.pii threshold[leak] ran before 2 of its 3 sample tests had finished (t::b, t::c)"
    )


def test_nothing_recorded_skips_and_only_errors_fail() -> None:
    outcome, message, _ = judge({}, expected=["t::a"])
    assert outcome == "skipped"
    assert message == (
        "team.pii leak: none of its 1 sample tests recorded a sample (skipped, "
        "or no trust_sample.record call)"
    )
    assert judge({}, expected=[])[1] == "team.pii leak: no sample test of it was selected"
    errored = {"t::a": [record("t::a", math.nan, verdict="error")]}
    outcome, message, result = judge(errored)
    assert outcome == "failed"
    assert "(1 errored, not counted)" in message
    assert result is not None
    assert result.n == 0
    assert result.errors == 1


def test_records_of_unselected_tests_are_not_counted() -> None:
    records = {"t::a": [record("t::a", 0.0)], "t::old": [record("t::old", 1.0)]}
    result = judge(records, expected=["t::a"])[2]
    assert result is not None
    assert (result.n, result.value) == (1, 0.0)


def test_pending_judgement_round_trips() -> None:
    pending = PendingJudgement(TASK, "leak", ("t::a", "t::b"))
    assert PendingJudgement.from_json(pending.to_json()) == pending
