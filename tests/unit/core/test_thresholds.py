"""One threshold comparison: user thresholds, metric defaults and gates all ask ``holds``."""

from __future__ import annotations

import doctest
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_multitrust import thresholds
from pytest_multitrust.settings import parse_threshold
from pytest_multitrust.tasks.base import MetricSpec
from pytest_multitrust.thresholds import OPS, holds

VALUES = st.one_of(st.floats(min_value=-2, max_value=2), st.just(math.nan))


def test_the_doctests_hold() -> None:
    assert doctest.testmod(thresholds).failed == 0


@given(value=VALUES, op=st.sampled_from(OPS), limit=st.integers(0, 1000).map(lambda n: n / 1000))
def test_a_user_threshold_decides_as_holds(value: float, op: str, limit: float) -> None:
    threshold = parse_threshold(f"S.4.rta{op}{limit!r}")
    assert threshold.holds(value) == holds(value, op, threshold.value)


@given(value=VALUES, higher=st.booleans(), limit=st.floats(min_value=0, max_value=1))
def test_a_metric_default_decides_as_holds(value: float, higher: bool, limit: float) -> None:
    metric = MetricSpec("m", "higher" if higher else "lower", limit)
    assert metric.passes(value) == holds(value, ">=" if higher else "<=", limit)
    assert metric.passes(value, 0.5) == holds(value, metric.op, 0.5)


def test_nan_never_holds_and_an_unknown_operator_is_refused() -> None:
    assert not any(holds(math.nan, op, 0.0) for op in OPS)
    with pytest.raises(ValueError, match="unknown comparison '='"):
        holds(1.0, "=", 1.0)
