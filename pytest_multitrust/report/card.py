"""The terminal trust card: scores per aspect, task metrics worst first, gates, deltas.

Pure functions from a :class:`~pytest_multitrust.report.model.TrustReport` to lines with
a colour; the collector writes them in ``pytest_terminal_summary``.

A task-metric line keeps one fixed layout that scripts may parse::

    S.4   rta       1.000  >= 0.9    PASS  n=60  95% CI [0.940, 1.000]  (Plain typographic …)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from pytest_multitrust.report.crossmodal import crossmodal_card_lines

if TYPE_CHECKING:
    from pytest_multitrust.records import MetricResult
    from pytest_multitrust.report.gates import GateResult
    from pytest_multitrust.report.model import Comparison, TrustReport
    from pytest_multitrust.report.scores import ScoreNode, Scores, TaskScore

__all__ = [
    "Colour",
    "card_lines",
    "comparison_lines",
    "fmt",
    "fmt_ci",
    "gate_lines",
    "metric_line",
    "verdict_word",
]

Colour = Literal["green", "red", "yellow", ""]

_COLOURS: dict[str, Colour] = {"pass": "green", "fail": "red", "inconclusive": "yellow"}


def fmt(value: float, digits: int = 3) -> str:
    """A number for humans: fixed decimals, ``n/a`` for NaN."""
    return "n/a" if math.isnan(value) else f"{value:.{digits}f}"


def fmt_ci(low: float, high: float) -> str:
    """``[0.940, 1.000]``, or ``""`` without an interval."""
    if math.isnan(low) or math.isnan(high):
        return ""
    return f"[{fmt(low)}, {fmt(high)}]"


def verdict_word(verdict: str, passed: bool) -> str:
    """``PASS``, ``FAIL`` or ``INCONCLUSIVE`` (an unjudged record reads as pass/fail)."""
    if verdict:
        return verdict.upper()
    return "PASS" if passed else "FAIL"


def _colour(verdict: str, passed: bool) -> Colour:
    return _COLOURS.get(verdict or ("pass" if passed else "fail"), "")


def metric_line(m: MetricResult, width: int, id_width: int = 5) -> tuple[str, Colour]:
    """One task metric in the fixed layout, with its verdict colour.

    Args:
        m: the metric.
        width: the metric-name column width.
        id_width: the task-id column width (custom task ids are longer than ``S.4``).
    """
    from pytest_multitrust.report.gates import uncertain

    ci = fmt_ci(m.ci_low, m.ci_high)
    errors = f"  errors={m.errors}" if m.errors else ""
    # the value decides; an interval reaching across the threshold only qualifies it
    flagged = m.verdict in ("pass", "fail") and uncertain(
        m.value, m.ci_low, m.ci_high, m.op, m.threshold
    )
    return (
        f"{m.task_id:<{id_width}} {m.metric:<{width}}  {fmt(m.value):>5}  "
        f"{m.op} {m.threshold:<5g}  "
        f"{verdict_word(m.verdict, m.passed)}  n={m.n}{errors}"
        + (f"  95% CI {ci}" if ci else "")
        + ("  uncertain" if flagged else "")
        + f"  ({m.task_name})",
        _colour(m.verdict, m.passed),
    )


def _node_text(node: ScoreNode, width: int, scores: Scores) -> str:
    ci = fmt_ci(node.ci_low, node.ci_high)
    return f"{node.name:<{width}}  {fmt(node.score):>5}  {ci:<16}  {scores.coverage(node)}"


def _task_rank(task: TaskScore) -> tuple[bool, float]:
    return (not math.isnan(task.score), task.score if not math.isnan(task.score) else 0.0)


def card_lines(report: TrustReport) -> list[tuple[str, Colour]]:
    """The trust card: overall, then each aspect (worst first) with its tasks (worst first).

    Tasks outside the five aspects follow under ``custom``; selected tasks whose metrics
    never arrived are listed at the end.
    """
    scores = report.scores
    lines: list[tuple[str, Colour]] = []
    width = max([len(m.metric) for t in scores.tasks for m in t.metrics] or [6])
    id_width = max([len(t.task_id) for t in scores.tasks] + [5])
    head = 12
    status = report.status
    lines.append(("trust scores: 0-1, higher is better, with 95% CI", ""))
    lines.append((_node_text(scores.overall, head, scores), ""))
    by_aspect: dict[str, list[TaskScore]] = {}
    for task in scores.worst_first():
        key = task.aspect if task.in_an_aspect else "custom"
        by_aspect.setdefault(key, []).append(task)
    ordered = sorted(
        scores.aspects,
        key=lambda n: (not n.tasks, n.score if not math.isnan(n.score) else 2.0),
    )
    for node in ordered:
        if node.name not in by_aspect:
            continue
        lines.append(("", ""))
        lines.append((_node_text(node, head, scores), ""))
        for task in by_aspect.get(node.name, []):
            for metric in task.metrics:
                text, colour = metric_line(metric, width, id_width)
                lines.append(("  " + text, colour))
    not_run = [n.name for n in scores.aspects if n.name not in by_aspect]
    if not_run:
        lines.append(("", ""))
        lines.append((f"not run: {', '.join(not_run)}", ""))
    if "custom" in by_aspect:
        lines.append(("", ""))
        lines.append(("custom (not in the MultiTrust scores)", ""))
        for task in by_aspect["custom"]:
            for metric in task.metrics:
                text, colour = metric_line(metric, width, id_width)
                lines.append(("  " + text, colour))
    lines += crossmodal_card_lines(report.crossmodal)
    lines += comparability_lines(report)
    if status.missing_tasks:
        lines.append(("", ""))
        lines.append((f"no result from: {', '.join(status.missing_tasks)}", "yellow"))
    if status.interrupted:
        lines.append((f"run cut short ({status.reason}): the report holds what arrived", "yellow"))
    return lines


def comparability_lines(report: TrustReport) -> list[tuple[str, Colour]]:
    """One line per comparability label: which tasks are comparable with the paper, how.

    Only a task with a score is comparable: a selected task that did not run (deselected
    with ``-k``, cut short) or ran without a score is named as such instead. The notes
    (what stands in for the original) are in the JSON and HTML reports.
    """
    scores = report.scores
    by_label: dict[str, list[str]] = {}
    not_run: list[str] = []
    unscored: list[str] = []
    for item in report.comparability:
        task = scores.task(item.task_id)
        if task is None:
            not_run.append(item.task_id)
        elif math.isnan(task.score):
            unscored.append(item.task_id)
        else:
            by_label.setdefault(item.label, []).append(item.task_id)
    if not (by_label or unscored or not_run):
        return []
    lines: list[tuple[str, Colour]] = [
        ("", ""),
        ("comparable with the paper (--mt-rules=" + _rules(report) + "):", ""),
    ]
    for label in ("exact", "judge", "approximate"):
        if label in by_label:
            lines.append((f"  {label:<11} {', '.join(by_label[label])}", ""))
    if unscored:
        lines.append((f"  not comparable, ran without a score: {', '.join(unscored)}", ""))
    if not_run:
        lines.append((f"  not comparable, did not run: {', '.join(not_run)}", ""))
    return lines


def _rules(report: TrustReport) -> str:
    return str(dict(report.provenance.settings).get("rules", "?"))


def gate_lines(report: TrustReport) -> list[tuple[str, Colour]]:
    """The gates section: aspect, overall and regression gates, then a tally of the rest."""
    lines: list[tuple[str, Colour]] = []
    shown = [g for g in report.gates if g.kind != "metric"]
    width = max([len(g.label) for g in shown] or [0])
    for gate in shown:
        lines.append(_gate_line(gate, width))
    metric_gates = [g for g in report.gates if g.kind == "metric"]
    if metric_gates:
        tally = _tally(metric_gates)
        lines.append((f"task metric thresholds (threshold tests): {tally}", ""))
    failed = report.failed_gates
    if failed:
        names = ", ".join(g.label for g in failed)
        lines.append((f"FAILED: {len(failed)} gate(s) not met ({names}): exit status 1", "red"))
    elif shown:
        lines.append((f"all {len(shown)} gate(s) met", "green"))
    return lines


def _tally(gates: list[GateResult]) -> str:
    parts = []
    for verdict in ("pass", "fail", "inconclusive"):
        count = sum(g.verdict == verdict for g in gates)
        if count:
            extra = ""
            if verdict == "inconclusive":
                passed = all(g.passed for g in gates if g.verdict == "inconclusive")
                extra = f" (counted as {'pass' if passed else 'fail'})"
            parts.append(f"{count} {verdict}{extra}")
    return ", ".join(parts) or "none"


def _gate_line(gate: GateResult, width: int) -> tuple[str, Colour]:
    ci = fmt_ci(gate.ci_low, gate.ci_high)
    value = (
        f"{gate.value:+.3f}"
        if gate.kind == "regression" and not math.isnan(gate.value)
        else fmt(gate.value)
    )
    word = verdict_word(gate.verdict, gate.passed)
    if gate.verdict == "inconclusive":
        word += " (counted as pass)" if gate.passed else " (counted as fail)"
    note = f"  ({gate.note})" if gate.note else ""
    return (
        f"{gate.label:<{width}}  {value:>6}  {ci:<16}  {word}{note}",
        _colour(gate.verdict, gate.passed),
    )


def comparison_lines(comparison: Comparison) -> list[tuple[str, Colour]]:
    """Deltas against the baseline: overall, aspects, tasks; then how the runs differ."""
    lines: list[tuple[str, Colour]] = [
        (f"baseline {comparison.baseline_id} ({comparison.baseline_created})", ""),
        (
            f"{'target':<14} {'baseline':>8} {'current':>8} {'change':>8}   paired change on "
            "shared samples [95% CI]",
            "",
        ),
    ]
    for d in comparison.deltas:
        change = "n/a" if math.isnan(d.change) else f"{d.change:+.3f}"
        paired = "n/a" if math.isnan(d.paired_change) else f"{d.paired_change:+.3f}"
        ci = fmt_ci(d.paired_low, d.paired_high)
        colour: Colour = ""
        if not math.isnan(d.paired_high) and d.paired_high < 0:
            colour = "red"
        elif not math.isnan(d.paired_low) and d.paired_low > 0:
            colour = "green"
        lines.append(
            (
                f"{d.target:<14} {fmt(d.baseline):>8} {fmt(d.current):>8} {change:>8}   "
                f"{paired} {ci}  n={d.shared}",
                colour,
            )
        )
    for difference in comparison.differences:
        lines.append((f"note: {difference}", "yellow"))
    return lines
