"""Gate judgement: a value and its 95 % interval against a threshold.

One pure function, :func:`judge`, decides every verdict in the project: the threshold
tests of task metrics, the aspect and overall gates, and the regression gates of
``--mt-compare-fail``.

* ``interval`` mode (the default): **pass** when the whole interval clears the threshold,
  **fail** when the whole interval misses it, **inconclusive** when it straddles it.
* ``point`` mode: pass or fail on the value alone.

An inconclusive verdict counts as passed or failed as ``--mt-inconclusive`` says (default
``pass``: a gate fails only on evidence that the model misses it; see the README).
A value without an interval (a statistic such as a p-value share) is judged on the value
in both modes, and the gate notes it.

Example:
    >>> judge(0.95, 0.72, 1.0, ">=", 0.9, "interval")
    'inconclusive'
    >>> judge(0.95, 0.72, 1.0, ">=", 0.9, "point")
    'pass'
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_multitrust.records import MetricResult
    from pytest_multitrust.report.scores import Scores
    from pytest_multitrust.settings import Threshold

__all__ = [
    "GateKind",
    "GateResult",
    "GateVerdict",
    "counts_as_passed",
    "holds",
    "judge",
    "judge_metric",
    "metric_gate",
    "score_gates",
]

GateVerdict = Literal["pass", "fail", "inconclusive"]
GateKind = Literal["aspect", "overall", "metric", "regression"]

_OPS = (">=", "<=", ">", "<")


def holds(value: float, op: str, limit: float) -> bool:
    """Whether ``value op limit`` holds; NaN never holds.

    Raises:
        ValueError: for an operator other than ``>=``, ``<=``, ``>``, ``<``.
    """
    if op not in _OPS:
        raise ValueError(f"unknown comparison {op!r}; expected one of {', '.join(_OPS)}")
    if math.isnan(value):
        return False
    if op == ">=":
        return value >= limit
    if op == "<=":
        return value <= limit
    if op == ">":
        return value > limit
    return value < limit


def has_interval(low: float, high: float) -> bool:
    """Whether ``(low, high)`` is a usable interval (both ends known, ordered)."""
    return not (math.isnan(low) or math.isnan(high)) and low <= high


def judge(
    value: float, low: float, high: float, op: str, limit: float, mode: str
) -> GateVerdict:
    """Judge ``value`` (with its 95 % interval ``[low, high]``) against ``op limit``.

    Args:
        value: the point value; NaN (nothing counted) always fails.
        low: low end of the interval (NaN when unknown).
        high: high end of the interval (NaN when unknown).
        op: ``>=``, ``<=``, ``>`` or ``<``.
        limit: the threshold.
        mode: ``"interval"`` or ``"point"``; without an interval, ``"point"`` is used.

    Returns:
        ``"pass"``, ``"fail"`` or ``"inconclusive"``.
    """
    if math.isnan(value):
        return "fail"
    if mode == "point" or not has_interval(low, high):
        return "pass" if holds(value, op, limit) else "fail"
    if mode != "interval":
        raise ValueError(f"unknown gate mode {mode!r}; expected 'point' or 'interval'")
    if holds(low, op, limit) and holds(high, op, limit):
        return "pass"
    if not holds(low, op, limit) and not holds(high, op, limit):
        return "fail"
    return "inconclusive"


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
    kind: GateKind  # aspect, overall, metric (threshold test) or regression (--mt-compare-fail)
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
    verdict = judge(result.value, result.ci_low, result.ci_high, result.op, result.threshold,
                    mode)
    return dataclasses.replace(
        result,
        verdict=verdict,
        gate=judged_on(mode, result.ci_low, result.ci_high),
        passed=counts_as_passed(verdict, inconclusive),
    )


def metric_gate(result: MetricResult) -> GateResult:
    """The gate record of a judged task metric (for the report)."""
    verdict: GateVerdict = (
        result.verdict if result.verdict in ("pass", "fail", "inconclusive")  # type: ignore[assignment]
        else ("pass" if result.passed else "fail")
    )
    note = "nothing counted" if math.isnan(result.value) else ""
    if not note and result.gate == "point" and not has_interval(result.ci_low, result.ci_high):
        note = "no interval for this metric: judged on the value"
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
    scores: Scores, thresholds: Sequence[Threshold], mode: str, inconclusive: str
) -> list[GateResult]:
    """Judge the aspect and overall thresholds against the aggregated scores.

    A target with no score (no task of that aspect ran) is inconclusive: the run cannot
    say anything about it, and the note says so.
    """
    gates: list[GateResult] = []
    for threshold in thresholds:
        if threshold.is_task_metric:
            continue
        node = scores.node(threshold.target)
        kind: GateKind = "overall" if threshold.target == "overall" else "aspect"
        if node is None or math.isnan(node.score):
            gates.append(GateResult(
                target=threshold.target, kind=kind, op=threshold.op, limit=threshold.value,
                value=math.nan, ci_low=math.nan, ci_high=math.nan, mode=mode,
                verdict="inconclusive", passed=counts_as_passed("inconclusive", inconclusive),
                note=f"no task of {threshold.target} ran", source=threshold.source,
            ))
            continue
        verdict = judge(node.score, node.ci_low, node.ci_high, threshold.op, threshold.value,
                        mode)
        notes = []
        if node.partial:
            notes.append(f"partial: {len(node.tasks)} of {len(node.tasks) + len(node.missing)} "
                         "tasks")
        used = judged_on(mode, node.ci_low, node.ci_high)
        if mode == "interval" and used == "point":
            notes.append("no interval (a task has none): judged on the value")
        gates.append(GateResult(
            target=threshold.target, kind=kind, op=threshold.op, limit=threshold.value,
            value=node.score, ci_low=node.ci_low, ci_high=node.ci_high, mode=used,
            verdict=verdict, passed=counts_as_passed(verdict, inconclusive), n=node.n,
            note="; ".join(notes), source=threshold.source,
        ))
    return gates
