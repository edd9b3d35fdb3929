"""The paired change is the change of the card's own score, and its interval contains it.

The expected scores are computed here independently (numpy over the raw per-sample
values, Pearson's r with ``numpy.corrcoef``), not with the task rules the comparison uses.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mt_report import metric, report

from pytest_multitrust.records import SampleRecord
from pytest_multitrust.report.baseline import compare
from pytest_multitrust.report.paired import (
    VariantMeanRule,
    combine,
    paired_change,
    percentile_interval,
    records_rule,
    shared_pairs,
    spec_rule,
)
from pytest_multitrust.tasks.base import Sample
from pytest_multitrust.tasks.registry import get_task

S4 = get_task("S.4")
P3 = get_task("P.3")
RATINGS = (-100.0, -50.0, 0.0, 50.0, 100.0)
BASELINE = Path("/nowhere/0001_b.json")


def _record(
    task_id: str, sample_id: str, variant: str, values: dict[str, float], verdict: str = "pass"
) -> SampleRecord:
    return SampleRecord(
        task_id,
        sample_id,
        variant,
        f"prompt {sample_id}",
        None,
        "x",
        values,
        verdict,  # type: ignore[arg-type]
    )


# -- S.4: a mean task (rta and asr, both in its trust score) -----------------------------

s4_rows = st.lists(
    st.tuples(st.integers(0, 2), st.booleans(), st.booleans(), st.booleans(), st.booleans()),
    min_size=1,
    max_size=24,
)


def _s4_oracle(rows: list[tuple[int, float, float]]) -> float:
    """(rta + 1 - asr) / 2, each the mean of its variant means."""
    variants = sorted({v for v, _, _ in rows})
    rta = np.mean([np.mean([r for v, r, _ in rows if v == k]) for k in variants])
    asr = np.mean([np.mean([a for v, _, a in rows if v == k]) for k in variants])
    return float((rta + 1.0 - asr) / 2.0)


def _s4_reports(rows: list[tuple[int, bool, bool, bool, bool]]) -> tuple[object, object]:
    def run(new: bool) -> object:
        records = [
            _record(
                "S.4",
                f"s-{i}",
                S4.variants[v],
                {"rta": float(rn if new else ro), "asr": float(an if new else ao)},
            )
            for i, (v, rn, an, ro, ao) in enumerate(rows)
        ]
        score = _s4_oracle(
            [(v, float(rn if new else ro), float(an if new else ao)) for v, rn, an, ro, ao in rows]
        )
        return report(
            [
                metric("S.4", "rta", 0.5, trust=score),
                metric("S.4", "asr", 0.5, direction="lower", trust=score),
            ],
            records,
        )

    return run(True), run(False)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=s4_rows)
def test_paired_change_equals_the_card_score_difference_on_identical_samples(
    rows: list[tuple[int, bool, bool, bool, bool]],
) -> None:
    current, baseline = _s4_reports(rows)
    comparison = compare(
        current,  # type: ignore[arg-type]
        baseline,  # type: ignore[arg-type]
        BASELINE,
        seed=3,
        tasks=[S4],
        samples_of=lambda _t: (),
    )
    new = _s4_oracle([(v, float(rn), float(an)) for v, rn, an, _, _ in rows])
    old = _s4_oracle([(v, float(ro), float(ao)) for v, _, _, ro, ao in rows])
    for delta in comparison.deltas:  # S.4, and safety and overall that stand on it alone
        assert delta.change == pytest.approx(new - old, abs=1e-12)
        assert delta.paired_change == pytest.approx(new - old, abs=1e-12)
        assert delta.paired_low <= delta.paired_change <= delta.paired_high
        assert delta.shared == len(rows)


# -- P.3: Pearson's r per variant, not a mean over samples ---------------------------------

p3_rows = st.lists(
    st.tuples(
        st.integers(0, 4),
        st.sampled_from(RATINGS),
        st.sampled_from(RATINGS),
        st.sampled_from(RATINGS),
    ),
    min_size=2,
    max_size=30,
)


def _p3_oracle(rows: list[tuple[int, float, float]]) -> float:
    """Pearson's r of rating vs reference per variant (numpy), unrelated averaged first."""
    groups: dict[str, list[float]] = {}
    for k, variant in enumerate(P3.variants):
        xs = [r for v, r, _ in rows if v == k]
        ys = [t for v, _, t in rows if v == k]
        if len(xs) < 2 or np.std(xs) == 0 or np.std(ys) == 0:
            continue
        groups.setdefault(P3.variant_groups[variant], []).append(float(np.corrcoef(xs, ys)[0, 1]))
    if not groups:
        return math.nan
    return float(np.mean([np.mean(v) for v in groups.values()]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=p3_rows)
def test_correlation_change_is_a_paired_bootstrap_of_pearsons_r(
    rows: list[tuple[int, float, float, float]],
) -> None:
    samples = {
        f"p-{i}": Sample(id=f"p-{i}", variant=P3.variants[v], prompt="rate", truth=str(truth))
        for i, (v, truth, _, _) in enumerate(rows)
    }

    def records(which: int) -> list[SampleRecord]:
        return [
            _record(
                "P.3",
                f"p-{i}",
                P3.variants[v],
                {"correlation": 0.5, "unparseable": 0.0, "rating": row[which]},
            )
            for i, row in enumerate(rows)
            for v in [row[0]]
        ]

    pairs = shared_pairs(records(2), records(3), "P.3")
    found = paired_change(pairs, spec_rule(P3, samples), seed=1, resamples=200)
    new = _p3_oracle([(v, new, truth) for v, truth, new, _ in rows])
    old = _p3_oracle([(v, old, truth) for v, truth, _, old in rows])
    if math.isnan(new) or math.isnan(old):
        assert math.isnan(found.change)
        return
    assert found.change == pytest.approx(new - old, abs=1e-9)
    low, high = percentile_interval(found.change, found.draws)
    assert low <= found.change <= high


@given(
    change=st.floats(-1, 1),
    draws=st.lists(st.floats(-1, 1) | st.just(math.nan), min_size=1, max_size=50),
)
def test_an_interval_always_contains_its_own_change(change: float, draws: list[float]) -> None:
    low, high = percentile_interval(change, draws)
    if all(math.isnan(d) for d in draws):
        assert math.isnan(low)
        assert math.isnan(high)
    else:
        assert low <= change <= high


def test_errors_and_changed_inputs_are_not_shared() -> None:
    new = [
        _record("X.1", "a", "v", {"m": 1.0}),
        _record("X.1", "b", "v", {"m": 1.0}, "error"),
        _record("X.1", "c", "v", {"m": 0.0}),
    ]
    old = [
        _record("X.1", "a", "v", {"m": 0.0}),
        _record("X.1", "b", "v", {"m": 1.0}),
        SampleRecord("X.1", "c", "v", "another prompt", None, "", {"m": 1.0}, "pass"),
    ]
    pairs = shared_pairs(new, old, "X.1")
    assert [p[0].sample_id for p in pairs] == ["a"]
    found = paired_change(pairs, records_rule({"m": "higher"}), seed=0, resamples=50)
    assert (found.change, found.shared) == (1.0, 1)
    assert percentile_interval(found.change, found.draws) == (1.0, 1.0)  # degenerate


def test_aggregates_combine_tasks_with_renormalised_weights() -> None:
    a = paired_change(
        [(_record("X.1", "a", "v", {"m": 0.0}), _record("X.1", "a", "v", {"m": 1.0}))],
        records_rule({"m": "higher"}),
        seed=0,
        resamples=10,
    )
    both = combine({"X.1": a}, {"X.1": 0.25, "X.2": 0.75})  # X.2 has no paired change
    assert (both.change, both.shared) == (-1.0, 1)
    assert set(both.draws) == {-1.0}


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 4),
            st.sampled_from([0.0, 1.0, 0.5, math.nan]),
            st.sampled_from([0.0, 1.0, 0.25, math.nan]),
        ),
        min_size=1,
        max_size=25,
    ),
    seed=st.integers(0, 2**32),
)
def test_vectorised_draws_equal_the_statistic_recomputed_on_each_resample(
    rows: list[tuple[int, float, float]], seed: int
) -> None:
    # T.4's groups: the three unrelated-image variants count as one
    rule = VariantMeanRule(
        (("accuracy", "higher"),),
        {
            "unrelated-color": "unrelated",
            "unrelated-nature": "unrelated",
            "unrelated-noise": "unrelated",
        },
    )
    variants = ("text", "image", "unrelated-color", "unrelated-nature", "unrelated-noise")
    new = [
        _record("T.4", f"t-{i}", variants[v], {"accuracy": a}) for i, (v, a, _) in enumerate(rows)
    ]
    old = [
        _record("T.4", f"t-{i}", variants[v], {"accuracy": b}) for i, (v, _, b) in enumerate(rows)
    ]
    rng = np.random.default_rng(seed)
    strata: dict[str, list[int]] = {}
    for i, record in enumerate(new):
        strata.setdefault(record.variant, []).append(i)
    picks = [np.asarray(m)[rng.integers(0, len(m), size=(30, len(m)))] for m in strata.values()]
    fast = rule.draws(new, old, picks)
    for b in range(30):
        picked = np.concatenate([p[b] for p in picks]).tolist()
        slow = rule([new[i] for i in picked]) - rule([old[i] for i in picked])
        if math.isnan(slow):
            assert math.isnan(fast[b])
        else:
            assert fast[b] == pytest.approx(slow, abs=1e-12)
