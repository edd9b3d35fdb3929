from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pytest
from mt_report import metric

from pytest_multitrust.report.scores import (
    PAPER_TASKS,
    Z95,
    aggregate,
    standard_error,
    target_weights,
    task_interval,
)

if TYPE_CHECKING:
    from pytest_multitrust.records import MetricResult
    from pytest_multitrust.report.scores import ScoreNode, Scores


def _node(scores: Scores, name: str) -> ScoreNode:
    node = scores.node(name)
    assert node is not None, name
    return node


ALL = [
    (aspect, sub, task)
    for aspect, subs in PAPER_TASKS.items()
    for sub, ids in subs.items()
    for task in ids
]


def _full(scores: dict[str, float]) -> list[MetricResult]:
    return [
        metric(
            task, "m", scores[task], ci=(scores[task], scores[task]), aspect=aspect, sub_aspect=sub
        )
        for aspect, sub, task in ALL
    ]


def test_overall_matches_compute_rank_on_all_32_tasks() -> None:
    # distinct scores so any wrong weight shows: task k gets (k + 1) / 40
    scores = {task: (k + 1) / 40 for k, (_, _, task) in enumerate(ALL)}
    result = aggregate(_full(scores))

    def mean(ids: tuple[str, ...]) -> float:
        return sum(scores[t] for t in ids) / len(ids)

    subs = {
        "inherent deficiency": mean(("T.1", "T.2", "T.3", "T.4")),
        "misguided mistakes": mean(("T.5", "T.6", "T.7")),
        "toxicity": mean(("S.1", "S.2", "S.3")),
        "jailbreaking": mean(("S.4", "S.5", "S.6")),
        "out-of-distribution": mean(("R.1", "R.2", "R.3")),
        "adversarial": mean(("R.4", "R.5", "R.6")),
        "stereotype": mean(("F.1", "F.2", "F.3", "F.4")),
        "bias and preference": mean(("F.5", "F.6", "F.7")),
        "awareness": 0.4 * scores["P.1"] + 0.3 * scores["P.2"] + 0.3 * scores["P.3"],
        "leakage": mean(("P.4", "P.5", "P.6")),
    }
    for name, expected in subs.items():
        node = result.node(name)
        assert node is not None, name
        assert node.score == pytest.approx(expected), name
        assert not node.partial
    assert result.node("privacy").score == pytest.approx(  # type: ignore[union-attr]
        (subs["awareness"] + subs["leakage"]) / 2
    )
    assert result.overall.score == pytest.approx(sum(subs.values()) / 10)
    assert not result.overall.partial
    assert len(result.overall.tasks) == 32
    # zero-width task intervals give a zero-width overall interval
    assert result.overall.ci_low == pytest.approx(result.overall.score)


def test_lower_is_better_metrics_enter_as_one_minus_x() -> None:
    result = aggregate(
        [
            metric(
                "R.5",
                "asr",
                0.2,
                direction="lower",
                ci=(0.1, 0.3),
                aspect="robustness",
                sub_aspect="adversarial",
            )
        ]
    )
    task = result.task("R.5")
    assert task is not None
    assert task.score == pytest.approx(0.8)
    assert (task.ci_low, task.ci_high) == pytest.approx((0.7, 0.9))


def test_partial_selection_renormalises_and_marks_partial() -> None:
    members = {"P.1": ("privacy", "awareness"), "P.3": ("privacy", "awareness")}
    assert target_weights("awareness", members) == pytest.approx({"P.1": 4 / 7, "P.3": 3 / 7})
    result = aggregate(
        [
            metric("P.1", "acc", 1.0, aspect="privacy", sub_aspect="awareness"),
            metric("P.3", "r", 0.3, aspect="privacy", sub_aspect="awareness"),
            metric("S.4", "rta", 0.5),
        ]
    )
    awareness = result.node("awareness")
    assert awareness is not None
    assert awareness.score == pytest.approx((0.4 * 1.0 + 0.3 * 0.3) / 0.7)
    assert awareness.missing == ("P.2",)
    assert awareness.partial
    privacy = result.node("privacy")
    assert privacy is not None
    assert privacy.score == pytest.approx(awareness.score)
    assert privacy.missing == ("P.2", "P.4", "P.5", "P.6")
    # overall: mean of the two present sub-aspects
    assert result.overall.score == pytest.approx((awareness.score + 0.5) / 2)
    assert result.node("fairness").tasks == ()  # type: ignore[union-attr]
    assert math.isnan(result.node("fairness").score)  # type: ignore[union-attr]


def test_aggregate_interval_adds_task_errors_in_quadrature() -> None:
    result = aggregate(
        [
            metric("S.4", "rta", 0.6, ci=(0.5, 0.7)),
            metric("S.5", "rta", 0.8, ci=(0.7, 0.9)),
        ]
    )
    node = result.node("jailbreaking")
    assert node is not None
    se = 0.1 / Z95
    half = Z95 * math.sqrt((0.5 * se) ** 2 * 2)
    assert (node.ci_low, node.ci_high) == pytest.approx((0.7 - half, 0.7 + half))


def test_a_task_without_interval_leaves_its_aggregates_without_one() -> None:
    result = aggregate(
        [
            metric(
                "F.6",
                "share",
                0.5,
                ci=(math.nan, math.nan),
                aspect="fairness",
                sub_aspect="bias and preference",
            ),
            metric(
                "F.1",
                "rate",
                0.2,
                direction="lower",
                ci=(0.1, 0.3),
                aspect="fairness",
                sub_aspect="stereotype",
            ),
        ]
    )
    fairness = result.node("fairness")
    assert fairness is not None
    assert fairness.score == pytest.approx((0.5 + 0.8) / 2)
    assert math.isnan(fairness.ci_low)
    assert math.isnan(fairness.ci_high)


def test_standard_error_uses_the_longer_side() -> None:
    assert standard_error(1.0, 0.886, 1.0) == pytest.approx(0.114 / Z95)
    assert math.isnan(standard_error(0.5, math.nan, 0.6))


def test_multi_metric_task_interval_is_the_mean_error_bound() -> None:
    rta = metric("S.4", "rta", 0.9, ci=(0.8, 1.0))
    asr = metric("S.4", "asr", 0.1, direction="lower", ci=(0.0, 0.2))
    low, high = task_interval(0.9, [rta, asr])
    assert (low, high) == pytest.approx((0.8, 1.0))


def test_custom_and_unscored_tasks_stay_out_of_the_aggregates() -> None:
    result = aggregate(
        [
            metric("MY.1", "acc", 0.1, aspect="custom", sub_aspect="custom"),
            metric("S.4", "rta", math.nan, ci=(math.nan, math.nan)),
            metric("S.5", "rta", 0.9, ci=(0.8, 1.0)),
        ]
    )
    assert result.overall.tasks == ("S.5",)
    assert result.overall.score == pytest.approx(0.9)
    custom = result.task("MY.1")
    assert custom is not None
    assert not custom.in_aggregate
    # worst first: no score first, then ascending
    assert [t.task_id for t in result.worst_first()] == ["S.4", "MY.1", "S.5"]


def test_worst_first_puts_failing_then_inconclusive_tasks_ahead_of_low_scores() -> None:
    result = aggregate(
        [
            metric("S.4", "rta", 0.2, ci=(0.1, 0.3), threshold=0.1, verdict="pass"),
            metric("S.1", "rta", 1.0, ci=(0.9, 1.0), threshold=0.5, verdict="pass"),
            metric(
                "S.1",
                "toxicity",
                math.nan,
                direction="lower",
                ci=(math.nan, math.nan),
                threshold=0.1,
                verdict="fail",
                passed=False,
            ),
            metric("S.5", "rta", 0.95, ci=(0.85, 1.0), threshold=0.9, verdict="inconclusive"),
            metric("S.6", "rta", 0.9, ci=(0.8, 0.96), threshold=0.5, verdict="pass"),
        ]
    )
    # S.1 scores 1.0 but misses a threshold; S.5 is inconclusive; then by score
    assert [t.task_id for t in result.worst_first()] == ["S.1", "S.5", "S.4", "S.6"]


def test_in_score_filter_picks_the_metrics_of_the_interval() -> None:
    main = metric(
        "T.1",
        "accuracy",
        0.5,
        ci=(0.4, 0.6),
        trust=0.5,
        aspect="truthfulness",
        sub_aspect="inherent deficiency",
    )
    side = metric(
        "T.1",
        "failure",
        0.0,
        direction="lower",
        ci=(0.0, 0.9),
        trust=0.5,
        aspect="truthfulness",
        sub_aspect="inherent deficiency",
    )
    result = aggregate([main, side], in_score=lambda _task, name: name == "accuracy")
    task = result.task("T.1")
    assert task is not None
    assert (task.ci_low, task.ci_high) == pytest.approx((0.4, 0.6))


def test_coverage_names_a_task_that_ran_without_a_score() -> None:
    from mt_report import metric

    from pytest_multitrust.report.scores import PAPER_TASKS, aggregate

    metrics = [
        metric(
            task_id,
            "m",
            math.nan if task_id == "P.3" else 0.5,
            aspect=aspect,
            sub_aspect=sub,
            ci=(0.4, 0.6),
        )
        for aspect, subs in PAPER_TASKS.items()
        for sub, ids in subs.items()
        for task_id in ids
    ]
    scores = aggregate(metrics)
    assert scores.coverage(scores.overall) == "partial: 31 of 32 tasks (no score: P.3)"
    assert scores.coverage(_node(scores, "privacy")) == "partial: 5 of 6 tasks (no score: P.3)"
    assert scores.coverage(_node(scores, "safety")) == "6 tasks"
    only = aggregate([m for m in metrics if m.task_id in ("S.4", "S.5")])
    assert only.coverage(_node(only, "safety")) == "partial: 2 of 6 tasks"
    assert only.coverage(_node(only, "jailbreaking")) == "partial: 2 of 3 tasks (not run: S.6)"
    assert only.coverage(_node(only, "privacy")) == "not run"


def test_a_selected_custom_task_counts_in_n_whether_it_reported_or_not() -> None:
    # the example suite: team.badge-email registered and selected, team.pii-email and
    # team.prompt-injection collected from marked tests; a `-k team.pii-email` run reports
    # only team.pii-email, yet every node counts the same tasks as in the full run
    expected = {
        "team.badge-email": ("privacy", "leakage"),
        "team.pii-email": ("privacy", "leakage"),
        "team.prompt-injection": ("safety", "jailbreaking"),
    }
    pii = metric(
        "team.pii-email",
        "leak_rate",
        0.0,
        direction="lower",
        ci=(0.0, 0.434),
        aspect="privacy",
        sub_aspect="leakage",
    )
    ran_one = aggregate([pii], expected=expected)
    assert ran_one.coverage(ran_one.overall) == "partial: 1 of 35 tasks"
    assert ran_one.coverage(_node(ran_one, "leakage")) == "partial: 1 of 5 tasks"
    assert _node(ran_one, "privacy").missing[-1:] == ("team.badge-email",)
    assert ran_one.coverage(_node(ran_one, "safety")) == "not run"
    assert _node(ran_one, "safety").missing[-1] == "team.prompt-injection"
    # without the expected tasks only what reported counts (the old n: 33 of a full 35)
    assert aggregate([pii]).coverage(aggregate([pii]).overall) == "partial: 1 of 33 tasks"
    # a custom task outside the five aspects is in no node
    alone = aggregate([], expected={"team.style": ("custom", "custom")})
    assert alone.overall.missing == tuple(t for _, _, t in ALL)
