from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mt_report import metric, report

from pytest_multitrust.report.gates import (
    counts_as_passed,
    judge,
    judge_metric,
    qualifier,
    uncertain,
)
from pytest_multitrust.thresholds import holds

unit = st.floats(min_value=0, max_value=1, allow_nan=False)


@pytest.mark.parametrize(
    ("value", "low", "high", "op", "limit", "mode", "expected"),
    [
        (0.95, 0.91, 0.99, ">=", 0.9, "interval", "pass"),
        (0.95, 0.72, 1.00, ">=", 0.9, "interval", "inconclusive"),
        (0.95, 0.72, 1.00, ">=", 0.9, "point", "pass"),
        (0.50, 0.40, 0.60, ">=", 0.9, "interval", "fail"),
        (0.50, 0.40, 0.60, ">=", 0.9, "point", "fail"),
        (0.05, 0.00, 0.08, "<=", 0.1, "interval", "pass"),
        (0.05, 0.00, 0.28, "<=", 0.1, "interval", "inconclusive"),
        (0.80, 0.60, 0.95, "<=", 0.1, "interval", "fail"),
        (0.90, 0.90, 0.95, ">", 0.9, "interval", "fail"),  # the value itself does not clear
        (0.91, 0.90, 0.95, ">", 0.9, "interval", "inconclusive"),  # the low end does not
        # a random model: the value misses, the interval reaches past: fails in both modes
        (0.60, 0.306, 0.894, ">=", 0.8, "point", "fail"),
        (0.60, 0.306, 0.894, ">=", 0.8, "interval", "fail"),
        (0.15, 0.02, 0.30, "<=", 0.1, "interval", "fail"),
        # a value outside its own interval (clipped aggregates): the value still decides
        (0.85, 0.70, 0.79, ">=", 0.8, "point", "pass"),
        (0.85, 0.70, 0.79, ">=", 0.8, "interval", "inconclusive"),
        (0.95, 0.90, 0.99, "<", 0.9, "interval", "fail"),  # the whole interval misses "< 0.9"
        (0.90, math.nan, math.nan, ">=", 0.9, "interval", "pass"),  # no interval: point
        (math.nan, 0.0, 1.0, ">=", 0.0, "interval", "fail"),  # nothing counted
        (math.nan, math.nan, math.nan, "<=", 1.0, "point", "fail"),
    ],
)
def test_judge(
    value: float, low: float, high: float, op: str, limit: float, mode: str, expected: str
) -> None:
    assert judge(value, low, high, op, limit, mode) == expected


@given(value=unit, a=unit, b=unit, limit=unit, op=st.sampled_from([">=", "<=", ">", "<"]))
def test_interval_verdict_never_contradicts_the_point_inside_it(
    value: float, a: float, b: float, limit: float, op: str
) -> None:
    low, high = min(a, b, value), max(a, b, value)
    verdict = judge(value, low, high, op, limit, "interval")
    point = judge(value, low, high, op, limit, "point")
    if verdict != "inconclusive":
        assert verdict == point
    # a degenerate interval is the point itself
    assert judge(value, value, value, op, limit, "interval") == point


def test_holds_rejects_unknown_operators() -> None:
    with pytest.raises(ValueError, match="unknown comparison '=='"):
        holds(0.5, "==", 0.5)


def test_unknown_mode_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown gate mode"):
        judge(0.5, 0.4, 0.6, ">=", 0.5, "bayes")


@pytest.mark.parametrize(
    ("verdict", "policy", "passed"),
    [
        ("pass", "fail", True),
        ("fail", "pass", False),
        ("inconclusive", "pass", True),
        ("inconclusive", "fail", False),
    ],
)
def test_counts_as_passed(verdict: str, policy: str, passed: bool) -> None:
    assert counts_as_passed(verdict, policy) is passed


def test_judge_metric_sets_verdict_gate_and_passed() -> None:
    m = metric(value=1.0, ci=(0.72, 1.0), threshold=0.9)
    strict = judge_metric(m, "interval", "fail")
    assert (strict.verdict, strict.gate, strict.passed) == ("inconclusive", "interval", False)
    lenient = judge_metric(m, "interval", "pass")
    assert (lenient.verdict, lenient.passed) == ("inconclusive", True)
    point = judge_metric(m, "point", "fail")
    assert (point.verdict, point.gate, point.passed) == ("pass", "point", True)
    no_ci = judge_metric(
        metric(value=0.5, ci=(math.nan, math.nan), threshold=0.9), "interval", "pass"
    )
    assert (no_ci.verdict, no_ci.gate) == ("fail", "point")


def test_aspect_gates_on_aggregated_scores() -> None:
    r = report(
        [metric("S.4", "rta", 1.0, ci=(0.886, 1.0))],
        thresholds=("safety>=0.8", "safety>=0.95", "safety<=0.5", "privacy>=0.5", "S.4.rta>=0.9"),
    )
    gates = {g.source: g for g in r.gates if g.kind != "metric"}
    assert set(gates) == {"safety>=0.8", "safety>=0.95", "safety<=0.5", "privacy>=0.5"}
    assert gates["safety>=0.8"].verdict == "pass"
    assert gates["safety>=0.95"].verdict == "inconclusive"
    assert gates["safety>=0.95"].passed
    assert gates["safety<=0.5"].verdict == "fail"
    assert not gates["safety<=0.5"].passed
    assert gates["privacy>=0.5"].verdict == "fail"  # nothing counted never passes
    assert gates["privacy>=0.5"].note == "no score: no task of privacy reported one"
    assert "partial: 1 of 6 tasks" in gates["safety>=0.8"].note
    assert [g.label for g in r.failed_gates] == ["safety <= 0.5", "privacy >= 0.5"]


def test_inconclusive_fail_policy_fails_the_run() -> None:
    r = report(
        [metric("S.4", "rta", 1.0, ci=(0.886, 1.0))],
        thresholds=("safety>=0.95",),
        inconclusive="fail",
    )
    assert [g.verdict for g in r.failed_gates] == ["inconclusive"]


def test_point_mode_judges_the_value() -> None:
    r = report(
        [metric("S.4", "rta", 1.0, ci=(0.886, 1.0))],
        thresholds=("safety>=0.95",),
        gate_mode="point",
    )
    [gate] = [g for g in r.gates if g.kind == "aspect"]
    assert (gate.verdict, gate.mode) == ("pass", "point")


@given(
    value=unit,
    a=unit,
    b=unit,
    limit=unit,
    op=st.sampled_from([">=", "<=", ">", "<"]),
    mode=st.sampled_from(["point", "interval"]),
    policy=st.sampled_from(["pass", "fail"]),
)
def test_a_value_that_misses_its_threshold_never_passes(
    value: float, a: float, b: float, limit: float, op: str, mode: str, policy: str
) -> None:
    low, high = min(a, b), max(a, b)  # any interval, even one that leaves out the value
    verdict = judge(value, low, high, op, limit, mode)
    if not holds(value, op, limit):
        assert verdict == "fail"
        assert not counts_as_passed(verdict, policy)
    elif mode == "point":
        assert verdict == "pass"
    # the strict mode never passes what the default fails
    if judge(value, low, high, op, limit, "interval") == "pass":
        assert judge(value, low, high, op, limit, "point") == "pass"
    assert uncertain(value, low, high, op, limit) == bool(qualifier(value, low, high, op, limit))


def test_unselected_thresholds_are_not_judged_and_selected_ones_without_score_fail() -> None:
    from pytest_multitrust.report.gates import score_gates
    from pytest_multitrust.report.scores import aggregate
    from pytest_multitrust.settings import parse_threshold

    thresholds = [
        parse_threshold(t) for t in ("privacy>=0.5", "safety>=0.5", "overall>=0.5", "S.4.rta>=0.9")
    ]
    scores = aggregate([metric("S.4", "rta", 1.0, ci=(0.886, 1.0))])
    gates = score_gates(scores, thresholds, "point", "fail", ["S.4"])
    assert [(g.label, g.verdict) for g in gates] == [
        ("safety >= 0.5", "pass"),
        ("overall >= 0.5", "pass"),
    ]
    nothing = score_gates(aggregate([]), thresholds, "point", "pass", ["S.4", "P.4"])
    assert [(g.label, g.verdict, g.passed) for g in nothing] == [
        ("privacy >= 0.5", "fail", False),
        ("safety >= 0.5", "fail", False),
        ("overall >= 0.5", "fail", False),
    ]


def test_an_unselected_aspect_that_a_custom_task_scored_is_judged() -> None:
    """``--mt-tasks=P.4`` selects no safety task, but a custom safety task still ran."""
    from pytest_multitrust.report.gates import score_gates, unjudged_thresholds
    from pytest_multitrust.report.scores import aggregate
    from pytest_multitrust.settings import parse_threshold

    thresholds = [parse_threshold(t) for t in ("safety>=0.8", "fairness>=0.5", "S.4.rta>=0.9")]
    scores = aggregate(
        [
            metric("P.4", "rta", 1.0, ci=(0.91, 1.0)),
            metric("team.inject", "resisted", 0.5, aspect="safety", sub_aspect="jailbreaking"),
        ]
    )
    gates = score_gates(scores, thresholds, "point", "fail", ["P.4"])
    assert [(g.label, g.verdict) for g in gates] == [("safety >= 0.8", "fail")]
    left_out = unjudged_thresholds(scores, thresholds, ["P.4"])
    assert [t.source for t in left_out] == ["fairness>=0.5", "S.4.rta>=0.9"]


def test_a_selected_registered_custom_task_serves_its_aspect() -> None:
    """``--mt-tasks=S.4,team.badge-email``: privacy is selected through the custom task."""
    from pytest_multitrust.report.gates import score_gates, unselected_thresholds
    from pytest_multitrust.report.scores import aggregate
    from pytest_multitrust.settings import parse_threshold

    thresholds = [parse_threshold(t) for t in ("privacy>=0.8", "fairness>=0.5")]
    selected = ["S.4", "team.badge-email"]
    assert unselected_thresholds(thresholds, selected) == thresholds
    left = unselected_thresholds(thresholds, selected, {"safety", "privacy"})
    assert [t.source for t in left] == ["fairness>=0.5"]
    # selected, and it reported nothing (deselected with -k): the gate fails, not left out
    gates = score_gates(aggregate([]), thresholds, "point", "fail", selected, {"privacy"})
    assert [(g.label, g.verdict, g.note) for g in gates] == [
        ("privacy >= 0.8", "fail", "no score: no task of privacy reported one")
    ]
