"""Judging a custom task's metric from the sample records its tests produced.

Custom sample tests can run on any xdist worker, so their task's threshold test is judged
where every record arrives: on the controller (or in the single process without xdist).
:func:`custom_metric_result` computes the metric the way built-in tasks do (mean per
variant, then the mean over variants; Wilson interval when every value is 0 or 1, else a
seeded bootstrap), and :func:`judge_custom_threshold` turns it into a verdict: pass,
fail (with the one-screen threshold message), or skip when no sample counted.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pytest_multitrust.custom.declare import CustomTask
from pytest_multitrust.records import (
    METRIC_PROPERTY,
    VERDICT_PROPERTY,
    MetricResult,
    SampleRecord,
    WorstSample,
)
from pytest_multitrust.tasks.base import MetricSpec, oriented

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pytest_multitrust.settings import Settings, Threshold

__all__ = [
    "PENDING_PROPERTY",
    "Judgement",
    "PendingJudgement",
    "custom_metric_result",
    "judge_custom_threshold",
    "metric_properties",
    "metric_value",
]

#: ``user_properties`` key a worker puts on a custom threshold test's report: the
#: controller judges it (a :class:`PendingJudgement` as JSON) and replaces it.
PENDING_PROPERTY = "multitrust.custom_pending"


@dataclass(frozen=True)
class PendingJudgement:
    """What the controller needs to judge a custom threshold test run on a worker."""

    task: CustomTask  # the custom task (the controller never collects, so it travels)
    metric: str  # the metric this threshold test judges
    expected: tuple[str, ...]  # ids of the task's sample tests selected in this run

    def to_json(self) -> str:
        """Serialise to one JSON string."""
        return json.dumps(
            {"task": self.task.to_json(), "metric": self.metric, "expected": list(self.expected)}
        )

    @classmethod
    def from_json(cls, text: str) -> PendingJudgement:
        """Parse :meth:`to_json` output."""
        raw = json.loads(text)
        return cls(
            task=CustomTask.from_json(raw["task"]),
            metric=str(raw["metric"]),
            expected=tuple(str(e) for e in raw["expected"]),
        )


@dataclass(frozen=True)
class Judgement:
    """The outcome of a custom threshold test."""

    outcome: Literal["passed", "failed", "skipped"]  # the test outcome
    message: str  # failure or skip message ("" when passed)
    result: MetricResult | None  # the judged metric (None when it could not be computed)

    @property
    def properties(self) -> list[tuple[str, str]]:
        """The ``user_properties`` the threshold test reports (none without a result)."""
        return metric_properties(self.result) if self.result is not None else []


def metric_properties(result: MetricResult) -> list[tuple[str, str]]:
    """The record and the plain JUnit properties of a judged metric (as built-in tasks)."""
    from pytest_multitrust.collect import format_value

    return [
        (METRIC_PROPERTY, result.to_json()),
        (VERDICT_PROPERTY, result.verdict),
        ("multitrust.value", format_value(result.value)),
        ("multitrust.threshold", f"{result.op} {result.threshold:g}"),
        ("multitrust.ci", f"[{format_value(result.ci_low)}, {format_value(result.ci_high)}]"),
        ("multitrust.n", str(result.n)),
    ]


def _counted(records: Sequence[SampleRecord], metric: str) -> list[SampleRecord]:
    return [
        r
        for r in records
        if r.verdict in ("pass", "miss") and not math.isnan(r.values.get(metric, math.nan))
    ]


def metric_value(records: Sequence[SampleRecord], metric: str) -> float:
    """Mean of ``metric`` per variant, then the mean over variants; NaN when none counted.

    >>> from pytest_multitrust.records import SampleRecord
    >>> def rec(variant, value):
    ...     return SampleRecord("t", variant + str(value), variant, "", None, "",
    ...                         {"m": value}, "pass")
    >>> metric_value([rec("a", 1.0), rec("a", 0.0), rec("b", 1.0)], "m")
    0.75
    """
    per_variant: dict[str, list[float]] = {}
    for record in _counted(records, metric):
        per_variant.setdefault(record.variant, []).append(record.values[metric])
    if not per_variant:
        return math.nan
    means = [sum(v) / len(v) for v in per_variant.values()]
    return sum(means) / len(means)


def custom_metric_result(
    task: CustomTask,
    metric_name: str,
    records: Sequence[SampleRecord],
    *,
    threshold: float,
    op: str,
    seed: int = 0,
) -> MetricResult:
    """The metric of a custom task from its records, against ``op threshold`` (unjudged).

    Errored samples are not counted (they show in ``errors``); skipped ones neither.
    """
    from pytest_multitrust.engine.runner import metric_interval

    metric = task.metric(metric_name)
    counted = _counted(records, metric.name)
    values = [r.values[metric.name] for r in counted]
    value = metric_value(records, metric.name)
    kind: Literal["proportion", "mean"] = (
        "proportion" if values and all(v in (0.0, 1.0) for v in values) else "mean"
    )
    spec = MetricSpec(metric.name, metric.direction, threshold, kind=kind)
    low, high = metric_interval(spec, values, value, seed)
    oriented_values = [
        oriented(v, m.direction)
        for m in task.metrics
        if not math.isnan(v := metric_value(records, m.name))
    ]
    trust = sum(oriented_values) / len(oriented_values) if oriented_values else math.nan
    worst = sorted(counted, key=lambda r: oriented(r.values[metric.name], metric.direction))
    scorers = sorted({r.scorer for r in counted if r.scorer})
    return MetricResult(
        task_id=task.id,
        task_name=task.name,
        aspect=task.aspect,
        sub_aspect=task.sub_aspect,
        metric=metric.name,
        direction=metric.direction,
        value=value,
        threshold=threshold,
        op=op,
        passed=False,
        n=len(counted),
        errors=sum(r.verdict == "error" for r in records),
        ci_low=low,
        ci_high=high,
        scorer=", ".join(scorers) or "custom",
        trust_score=trust,
        worst=tuple(
            WorstSample(r.sample_id, r.values[metric.name], r.response[:160], r.detail)
            for r in worst[:5]
            if oriented(r.values[metric.name], metric.direction) < 1.0
        ),
    )


def _threshold_of(
    task: CustomTask, metric_name: str, user: Threshold | None
) -> tuple[float, str] | str:
    """``(threshold, op)`` for a metric, or why there is none usable."""
    metric = task.metric(metric_name)
    target = f"{task.id}.{metric.name}"
    if user is not None:
        wants_high = user.op in (">=", ">")
        if wants_high != (metric.direction == "higher"):
            return (
                f"threshold {user.source or target!r}: {target} is {metric.direction}-is-"
                f"better (direction={metric.direction!r} in its trust marker), so use "
                f"{metric.op}"
            )
        return (user.value, user.op)
    if metric.threshold is None:
        return (
            f"{target} has no threshold: add threshold=... to its trust marker, or "
            f"'{target} {metric.op} <value>' to multitrust_thresholds (or --mt-threshold)"
        )
    return (metric.threshold, metric.op)


def judge_custom_threshold(
    task: CustomTask,
    metric_name: str,
    records_by_test: Mapping[str, Sequence[SampleRecord]],
    expected: Sequence[str],
    finished: set[str] | frozenset[str],
    settings: Settings,
) -> Judgement:
    """Judge one custom threshold test from the records of the task's sample tests.

    Args:
        task: the custom task.
        metric_name: the metric this threshold test judges.
        records_by_test: test id → the records it reported, for this task.
        expected: the task's sample tests selected in this run.
        finished: test ids whose run has ended (their teardown reported).
        settings: gate mode, inconclusive policy, seed and user thresholds.
    """
    from pytest_multitrust.report.gates import judge_metric

    unfinished = [nodeid for nodeid in expected if nodeid not in finished]
    if unfinished:
        shown = ", ".join(unfinished[:3]) + (" …" if len(unfinished) > 3 else "")
        return Judgement(
            "failed",
            (
                f"{task.id} threshold[{metric_name}] ran before {len(unfinished)} of its "
                f"{len(expected)} sample tests had finished ({shown}): a custom task is judged "
                "after all its sample tests. Under xdist let pytest-multitrust schedule (plain "
                "-n, without --dist), and do not reorder tests (e.g. pytest-randomly)"
            ),
            None,
        )
    threshold = _threshold_of(task, metric_name, settings.threshold_for(task.id, metric_name))
    if isinstance(threshold, str):
        return Judgement("failed", threshold, None)
    limit, op = threshold
    records = [r for nodeid in expected for r in records_by_test.get(nodeid, ())]
    result = custom_metric_result(
        task, metric_name, records, threshold=limit, op=op, seed=settings.seed
    )
    if result.n == 0 and result.errors == 0:
        why = (
            f"none of its {len(expected)} sample tests recorded a sample (skipped, or no "
            "trust_sample.record call)"
            if expected
            else "no sample test of it was selected"
        )
        return Judgement("skipped", f"{task.id} {metric_name}: {why}", None)
    judged = judge_metric(result, settings.gate_mode, settings.inconclusive)
    if judged.passed:
        return Judgement("passed", "", judged)
    from pytest_multitrust.collect import format_metric_failure

    return Judgement("failed", format_metric_failure(judged), judged)
