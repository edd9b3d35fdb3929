"""Judging a custom task's metric from the sample records its tests produced.

Custom sample tests can run on any xdist worker, so their task's threshold test is judged
where every record arrives: on the controller (or in the single process without xdist).
A custom task is a :class:`~pytest_multitrust.tasks.base.TaskSpec` whose samples arrive
from tests, already scored (:func:`task_spec`): :func:`custom_metric_result` has the
engine compute its metric from their records as it does a built-in task's (mean per
variant, then the mean over variants; Wilson interval when every value is 0 or 1, else a
seeded bootstrap), and :func:`judge_custom_threshold` turns it into a verdict: pass,
fail (with the one-screen threshold message), or skip when no sample counted.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

from pytest_multitrust.custom.declare import CustomTask
from pytest_multitrust.engine.runner import (
    build_metric_result,
    counted_records,
    metric_properties,
    records_task_values,
)
from pytest_multitrust.tasks.base import MetricSpec, TaskSpec

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import pytest

    from pytest_multitrust.models.base import Response
    from pytest_multitrust.records import MetricResult, SampleRecord
    from pytest_multitrust.scoring.context import ScoringContext
    from pytest_multitrust.settings import Settings, Threshold
    from pytest_multitrust.tasks.base import Aspect, Sample, SampleScore

__all__ = [
    "PENDING_PROPERTY",
    "Judgement",
    "PendingJudgement",
    "complete_report",
    "custom_metric_result",
    "judge_custom_threshold",
    "task_spec",
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


def complete_report(
    report: pytest.TestReport,
    pending_property: str,
    properties: Sequence[tuple[str, str]],
    outcome: str = "passed",
    message: str = "",
) -> None:
    """Put the controller's judgement of a threshold test on its report, before anyone reads it.

    Serves every threshold test a worker leaves to the controller (custom tasks here, the
    shards of a split built-in task in ``distributed.ShardJudge``): the worker's
    ``pending_property`` (what to judge) gives way to the judged ``properties``; a
    ``"failed"`` or ``"skipped"`` outcome also replaces the worker's passing outcome, with
    ``message``. The test's teardown report gets the same properties (outcome left as is).
    """
    report.user_properties = [
        *(p for p in report.user_properties if p[0] != pending_property),
        *properties,
    ]
    if outcome == "failed":
        report.outcome = "failed"
        report.longrepr = message
    elif outcome == "skipped":
        report.outcome = "skipped"
        report.longrepr = (report.location[0], report.location[1] or 0, f"Skipped: {message}")


def _scored_by_tests(
    samples: Sequence[Sample], responses: Sequence[Response], context: ScoringContext
) -> list[SampleScore]:
    """A custom task's scorer: there is none, its tests score their samples themselves."""
    raise TypeError("a custom task's samples are scored by its trust tests, not by a scorer")


def task_spec(task: CustomTask, records: Sequence[SampleRecord]) -> TaskSpec:
    """The custom task as a :class:`TaskSpec` whose samples arrive from its tests, scored.

    Each metric is a proportion (Wilson interval) when every value counted for it is 0 or
    1, else a mean (seeded bootstrap interval); its threshold is the markers' (NaN when
    only the configuration gives one). Its values are the mean per variant, then the
    mean over variants, as for a built-in task.
    """
    metrics: list[MetricSpec] = []
    for metric in task.metrics:
        values = [r.values[metric.name] for r in counted_records(records, metric.name)]
        kind: Literal["proportion", "mean"] = (
            "proportion" if values and all(v in (0.0, 1.0) for v in values) else "mean"
        )
        metrics.append(
            MetricSpec(
                metric.name,
                metric.direction,
                math.nan if metric.threshold is None else metric.threshold,
                kind=kind,
                scorer="custom",
            )
        )
    return TaskSpec(
        id=task.id,
        name=task.name,
        aspect=cast("Aspect", task.aspect),
        sub_aspect=task.sub_aspect,
        summary=f"custom task {task.id}: @pytest.mark.trust(task={task.id!r}) tests",
        metrics=tuple(metrics),
        scorer=_scored_by_tests,
    )


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

    Computed by the engine as a built-in task's metric is
    (:func:`~pytest_multitrust.engine.runner.build_metric_result`), from the custom task
    as a :class:`TaskSpec` (:func:`task_spec`). Errored samples are not counted (they
    show in ``errors``); skipped ones neither.
    """
    from pytest_multitrust.settings import Threshold

    spec = task_spec(task, records)
    metric = spec.metric(metric_name)
    limit = Threshold(
        target=f"{task.id}.{metric.name}",
        op=cast("Literal['>=', '<=', '>', '<']", op),
        value=threshold,
    )
    values = records_task_values(spec, records)
    return build_metric_result(spec, metric.name, records, values, user=limit, seed=seed)


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
