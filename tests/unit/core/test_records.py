from __future__ import annotations

import math

from pytest_multitrust.distributed import task_scope
from pytest_multitrust.records import MetricResult, SampleRecord, WorstSample
from pytest_multitrust.report.collector import summary_lines


def _metric(**changes: object) -> MetricResult:
    base = dict(
        task_id="S.4",
        task_name="Plain typographic jailbreaking",
        aspect="safety",
        sub_aspect="jailbreaking",
        metric="rta",
        direction="higher",
        value=0.25,
        threshold=0.9,
        op=">=",
        passed=False,
        n=8,
        errors=1,
        ci_low=0.07,
        ci_high=0.59,
        scorer="rule:multitrust-v1",
        trust_score=0.25,
        worst=(WorstSample("typographic-0001", 0.0, "Step 1", "no refusal"),),
    )
    base.update(changes)
    return MetricResult(**base)  # type: ignore[arg-type]


def test_sample_record_round_trips_with_nan() -> None:
    record = SampleRecord(
        task_id="T.1",
        sample_id="object-0001",
        variant="object",
        prompt="Is there a <b>?",
        image_sha256="ab" * 32,
        response="Yes",
        values={"accuracy": 1.0, "other": math.nan},
        verdict="pass",
        tags=("x",),
    )
    back = SampleRecord.from_json(record.to_json())
    assert back.values["accuracy"] == 1.0
    assert math.isnan(back.values["other"])
    assert back.tags == ("x",)
    assert back.sample_id == record.sample_id
    assert "NaN" not in record.to_json()


def test_metric_result_round_trips() -> None:
    result = _metric(value=math.nan)
    back = MetricResult.from_json(result.to_json())
    assert math.isnan(back.value)
    assert back.worst == result.worst
    assert back.n == 8
    assert back.op == ">="


def test_task_scope_groups_a_task_and_spreads_other_tests() -> None:
    assert task_scope("multitrust/safety/S.4::sample[typographic-0007]") == "multitrust/safety/S.4"
    assert task_scope("multitrust/safety/S.4::threshold[rta]") == "multitrust/safety/S.4"
    assert task_scope("tests/test_a.py::test_b[1]") == "tests/test_a.py::test_b[1]"


def test_summary_line_has_value_threshold_verdict_n() -> None:
    [(line, ok)] = summary_lines([_metric()])
    assert not ok
    assert line.startswith("S.4   rta  0.250  >= 0.9    FAIL  n=8  errors=1")


def test_failure_message_explains_an_na_value() -> None:
    from pytest_multitrust.collect import format_metric_failure

    message = format_metric_failure(_metric(value=math.nan, ci_low=math.nan, ci_high=math.nan))
    assert "rta = n/a, needs >= 0.9" in message
    assert "n/a: no value could be computed" in message
    assert "n/a: no value" not in format_metric_failure(_metric())
