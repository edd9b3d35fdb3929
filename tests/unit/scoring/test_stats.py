from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_multitrust.scoring.stats import bootstrap_interval, mean, wilson_interval


def test_mean_skips_nan() -> None:
    assert mean([1.0, math.nan, 0.0]) == 0.5
    assert math.isnan(mean([]))
    assert math.isnan(mean([math.nan]))


def test_wilson_known_values() -> None:
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_wilson_rejects_bad_counts() -> None:
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(11, 10)
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(1, 10, confidence=1.5)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 10_000), data=st.data())
def test_wilson_contains_the_estimate(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, n))
    low, high = wilson_interval(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0


def test_bootstrap_is_deterministic() -> None:
    values = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.5]
    first = bootstrap_interval(values, seed=3)
    assert first == bootstrap_interval(values, seed=3)
    assert first[0] <= mean(values) <= first[1]
    custom = bootstrap_interval(values, lambda v: max(v), seed=3, resamples=50)
    assert custom[1] == 1.0


def test_bootstrap_edge_cases() -> None:
    assert all(math.isnan(v) for v in bootstrap_interval([], seed=0))
    assert bootstrap_interval([2.0, math.nan], seed=0) == (2.0, 2.0)
    with pytest.raises(ValueError, match="resamples"):
        bootstrap_interval([1.0], seed=0, resamples=0)
