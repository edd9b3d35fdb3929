"""Gate judgement: a value and its 95 % interval against a threshold.

One pure function, :func:`judge`, decides every verdict in the project: the threshold
tests of task metrics, the aspect and overall gates, and the regression gates of
``--mt-compare-fail``.

* ``point`` mode (the default): the **value decides** — pass when it meets the
  threshold, fail when it misses it. The interval only qualifies the verdict: when it
  reaches across the threshold the verdict is *uncertain* (:func:`uncertain`; the gate
  notes it), i.e. more samples could turn it. A value below the threshold never passes.
* ``interval`` mode (``--mt-gate=interval``, strict): **pass** only when the value and
  the whole interval clear the threshold, **fail** when the value misses it, and
  **inconclusive** when the value clears it but the interval does not; an inconclusive
  verdict counts as failed unless ``--mt-inconclusive=pass``.

A value without an interval (a statistic such as a p-value share) is judged on the value
in both modes, and the gate notes it. NaN (nothing counted) always fails.

Example:
    >>> judge(0.95, 0.72, 1.0, ">=", 0.9, "point")
    'pass'
    >>> uncertain(0.95, 0.72, 1.0, ">=", 0.9)
    True
    >>> judge(0.95, 0.72, 1.0, ">=", 0.9, "interval")
    'inconclusive'
    >>> judge(0.6, 0.306, 0.894, ">=", 0.8, "point"), judge(0.6, 0.306, 0.894, ">=", 0.8,
    ...                                                    "interval")
    ('fail', 'fail')
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pytest_multitrust.thresholds import holds

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from pytest_multitrust.records import MetricResult
    from pytest_multitrust.report.scores import Scores
    from pytest_multitrust.settings import Threshold

__all__ = [
    "GateKind",
    "GateResult",
    "GateVerdict",
    "counts_as_passed",
    "judge",
    "judge_metric",
    "metric_gate",
    "never_decided",
    "qualifier",
    "score_gates",
    "uncertain",
    "unjudged_thresholds",
    "unselected_thresholds",
]

GateVerdict = Literal["pass", "fail", "inconclusive"]
GateKind = Literal["aspect", "overall", "metric", "regression", "crossmodal"]


def never_decided(op: str, limit: float, low: float, high: float) -> Literal["", "pass", "fail"]:
    """What a threshold ``op limit`` on a value within ``[low, high]`` can never do.

    ``"pass"`` when no value in the range meets it, ``"fail"`` when every value does (a
    gate that decides nothing), ``""`` when some values meet it and some miss. The
    comparison is monotone, so the ends of the range and the limit decide.

    >>> [never_decided(">=", limit, 0, 1) for limit in (2, -0.5, 0.9, 0, 1)]
    ['pass', 'fail', '', 'fail', '']
    >>> never_decided(">", 0, 0, 1), never_decided("<=", 1, 0, 1), never_decided("<", 0, 0, 1)
    ('', 'fail', 'pass')
    """
    meets = [holds(v, op, limit) for v in (low, high, limit) if low <= v <= high]
    if not any(meets):
        return "pass"
    return "fail" if all(meets) else ""


def has_interval(low: float, high: float) -> bool:
    """Whether ``(low, high)`` is a usable interval (both ends known, ordered)."""
    return not (math.isnan(low) or math.isnan(high)) and low <= high


def judge(value: float, low: float, high: float, op: str, limit: float, mode: str) -> GateVerdict:
    """Judge ``value`` (with its 95 % interval ``[low, high]``) against ``op limit``.

    Args:
        value: the point value; NaN (nothing counted) always fails.
        low: low end of the interval (NaN when unknown).
        high: high end of the interval (NaN when unknown).
        op: ``>=``, ``<=``, ``>`` or ``<``.
        limit: the threshold.
        mode: ``"point"`` (the value decides) or ``"interval"`` (the value and the whole
            interval must clear the threshold); without an interval, ``"point"`` is used.

    Returns:
        ``"pass"``, ``"fail"`` or ``"inconclusive"`` (only in ``interval`` mode: the value
        clears the threshold, the interval does not).
    """
    if mode not in ("point", "interval"):
        raise ValueError(f"unknown gate mode {mode!r}; expected 'point' or 'interval'")
    if math.isnan(value) or not holds(value, op, limit):
        return "fail"
    if mode == "point" or not has_interval(low, high):
        return "pass"
    if holds(low, op, limit) and holds(high, op, limit):
        return "pass"
    return "inconclusive"


def uncertain(value: float, low: float, high: float, op: str, limit: float) -> bool:
    """Whether the interval reaches across the threshold, so more samples could turn it.

    False without an interval or without a value.

    >>> uncertain(0.6, 0.306, 0.894, ">=", 0.8), uncertain(0.6, 0.5, 0.7, ">=", 0.8)
    (True, False)
    """
    if math.isnan(value) or not has_interval(low, high):
        return False
    point = holds(value, op, limit)
    return holds(low, op, limit) != point or holds(high, op, limit) != point


def qualifier(value: float, low: float, high: float, op: str, limit: float) -> str:
    """The note an uncertain verdict carries ("" when the interval agrees with the value)."""
    if not uncertain(value, low, high, op, limit):
        return ""
    side = "below" if holds(value, op, limit) == (op in (">=", ">")) else "above"
    end = low if side == "below" else high
    return f"uncertain: the 95% interval reaches {end:.3f}, {side} {limit:g}"


def counts_as_passed(verdict: str, inconclusive: str) -> bool:
    """Whether a verdict lets the run pass, given ``--mt-inconclusive`` (pass or fail)."""
    if verdict == "inconclusive":
        return inconclusive == "pass"
    return verdict == "pass"


def judged_on(mode: str, low: float, high: float) -> str:
    """What a verdict was judged on: ``"interval"`` or ``"point"``."""
    return "interval" if mode == "interval" and has_interval(low, high) else "point"


@dataclass(frozen=True)
class GateResult:
    """One gate judged: an aspect, the overall score, a task metric or a regression."""

    target: str  # "safety", "overall", "S.4.rta", or a regression target such as "safety"
    kind: GateKind  # aspect, overall, metric (threshold test), regression (--mt-compare-fail)
    # or crossmodal (the harm an image does, crossmodal.<task>)
    op: str  # ">=", "<=", ">" or "<"
    limit: float  # the threshold (for regressions: the smallest allowed change)
    value: float  # the judged value (NaN when nothing counted)
    ci_low: float  # 95 % interval, low end (NaN when unknown)
    ci_high: float  # 95 % interval, high end (NaN when unknown)
    mode: str  # what it was judged on: "interval" or "point"
    verdict: GateVerdict  # pass, fail or inconclusive
    passed: bool  # counts as passed (inconclusive as --mt-inconclusive says)
    n: int = 0  # samples behind the value (shared samples for regressions)
    note: str = ""  # why the verdict is what it is, when that is not obvious
    source: str = ""  # the expression as the user wrote it

    @property
    def label(self) -> str:
        """The gate as written: ``safety >= 0.8`` or ``safety: change >= -0.02``."""
        if self.kind == "regression":
            return f"{self.target}: change {self.op} {self.limit:+g}"
        return f"{self.target} {self.op} {self.limit:g}"


def judge_metric(result: MetricResult, mode: str, inconclusive: str) -> MetricResult:
    """A task metric judged by :func:`judge` (what the threshold test asserts).

    Returns a copy of ``result`` with ``verdict``, ``gate`` and ``passed`` set.
    """
    verdict = judge(result.value, result.ci_low, result.ci_high, result.op, result.threshold, mode)
    return dataclasses.replace(
        result,
        verdict=verdict,
        gate=judged_on(mode, result.ci_low, result.ci_high),
        passed=counts_as_passed(verdict, inconclusive),
    )


def metric_gate(result: MetricResult) -> GateResult:
    """The gate record of a judged task metric (for the report)."""
    verdict: GateVerdict = (
        result.verdict
        if result.verdict in ("pass", "fail", "inconclusive")  # type: ignore[assignment]
        else ("pass" if result.passed else "fail")
    )
    note = "nothing counted" if math.isnan(result.value) else ""
    if not note and result.gate == "point" and not has_interval(result.ci_low, result.ci_high):
        note = "no interval for this metric: judged on the value"
    note = note or qualifier(
        result.value, result.ci_low, result.ci_high, result.op, result.threshold
    )
    return GateResult(
        target=f"{result.task_id}.{result.metric}",
        kind="metric",
        op=result.op,
        limit=result.threshold,
        value=result.value,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
        mode=result.gate or "point",
        verdict=verdict,
        passed=result.passed,
        n=result.n,
        note=note,
    )


def score_gates(
    scores: Scores,
    thresholds: Sequence[Threshold],
    mode: str,
    inconclusive: str,
    selected: Collection[str] | None = None,
    served: Collection[str] = (),
) -> list[GateResult]:
    """Judge the aspect and overall thresholds against the aggregated scores.

    Args:
        scores: the run's scores.
        thresholds: the user's thresholds (task-metric ones are left to threshold tests).
        mode: ``"point"`` or ``"interval"``.
        inconclusive: what an inconclusive verdict counts as.
        selected: the task ids this run selected; a threshold on an aspect none of them
            belongs to, and that no custom task scored either, is not judged here (see
            :func:`unjudged_thresholds`). ``None``: judge every threshold.
        served: the aspects of the selected tasks (a registered custom task serves its
            own): a threshold on one of them is judged, with no score a failure.

    A selected target with no score (its tasks reported nothing, e.g. a cut-short run)
    fails: nothing counted.
    """
    skipped = set(unjudged_thresholds(scores, thresholds, selected, served))
    gates: list[GateResult] = []
    for threshold in thresholds:
        if threshold.is_task_metric or threshold.is_crossmodal or threshold in skipped:
            continue
        node = scores.node(threshold.target)
        kind: GateKind = "overall" if threshold.target == "overall" else "aspect"
        if node is None or math.isnan(node.score):
            gates.append(
                GateResult(
                    target=threshold.target,
                    kind=kind,
                    op=threshold.op,
                    limit=threshold.value,
                    value=math.nan,
                    ci_low=math.nan,
                    ci_high=math.nan,
                    mode=mode,
                    verdict="fail",
                    passed=False,
                    note=f"no score: no task of {threshold.target} reported one",
                    source=threshold.source,
                )
            )
            continue
        verdict = judge(node.score, node.ci_low, node.ci_high, threshold.op, threshold.value, mode)
        notes = []
        if node.partial:
            notes.append(scores.coverage(node))
        used = judged_on(mode, node.ci_low, node.ci_high)
        if mode == "interval" and used == "point":
            notes.append("no interval (a task has none): judged on the value")
        extra = qualifier(node.score, node.ci_low, node.ci_high, threshold.op, threshold.value)
        if extra:
            notes.append(extra)
        gates.append(
            GateResult(
                target=threshold.target,
                kind=kind,
                op=threshold.op,
                limit=threshold.value,
                value=node.score,
                ci_low=node.ci_low,
                ci_high=node.ci_high,
                mode=used,
                verdict=verdict,
                passed=counts_as_passed(verdict, inconclusive),
                n=node.n,
                note="; ".join(notes),
                source=threshold.source,
            )
        )
    return gates


def unjudged_thresholds(
    scores: Scores,
    thresholds: Sequence[Threshold],
    selected: Collection[str] | None,
    served: Collection[str] = (),
) -> list[Threshold]:
    """The thresholds this run leaves out: unselected, and not scored by a custom task.

    An aspect that no selected built-in task belongs to still has a score when a custom
    task of that aspect reported (a ``@pytest.mark.trust`` task runs whatever
    ``--mt-tasks`` says): its threshold is judged on that score, not left out.

    Args:
        scores: the run's scores.
        thresholds: the user's thresholds.
        selected: the task ids this run selected (``None``: every threshold is judged).
        served: the aspects of the selected tasks (see :func:`unselected_thresholds`).
    """
    found: list[Threshold] = []
    for threshold in unselected_thresholds(thresholds, selected, served):
        node = None
        if not threshold.is_task_metric and not threshold.is_crossmodal:
            node = scores.node(threshold.target)
        if node is None or math.isnan(node.score):
            found.append(threshold)
    return found


def unselected_thresholds(
    thresholds: Sequence[Threshold],
    selected: Collection[str] | None,
    served: Collection[str] = (),
) -> list[Threshold]:
    """The thresholds whose target no selected task can score.

    An aspect threshold is unselected when no selected task belongs to that aspect (no
    paper task among ``selected``, and the aspect not in ``served``: the aspects of the
    selected tasks, where a selected registered custom task serves its own), a built-in
    task-metric or cross-modal threshold when its task is not selected; ``overall``
    always has a score when any task runs. Custom task ids are checked after collection
    instead, and so are the aspects of ``@pytest.mark.trust`` tasks (see
    :func:`unjudged_thresholds`).

    >>> from pytest_multitrust.settings import parse_threshold
    >>> [t.source for t in unselected_thresholds(
    ...     [parse_threshold("privacy>=0.7"), parse_threshold("S.4.rta>=0.9"),
    ...      parse_threshold("T.1.accuracy>=0.5")], ["T.1"])]
    ['privacy>=0.7', 'S.4.rta>=0.9']
    >>> unselected_thresholds([parse_threshold("privacy>=0.7")], ["T.1", "team.x"], ["privacy"])
    []
    """
    import re

    from pytest_multitrust.report.scores import PAPER_TASKS

    if selected is None:
        return []
    chosen = set(selected)
    found: list[Threshold] = []
    for threshold in thresholds:
        crossmodal = threshold.crossmodal_target
        task_id = crossmodal[0] if crossmodal else threshold.task_id
        if task_id is not None:
            if re.fullmatch(r"[TSRFP]\.[0-9]+", task_id) and task_id not in chosen:
                found.append(threshold)
            continue
        if threshold.target == "overall":
            continue
        members = {t for ids in PAPER_TASKS.get(threshold.target, {}).values() for t in ids}
        if members and not members & chosen and threshold.target not in served:
            found.append(threshold)
    return found
