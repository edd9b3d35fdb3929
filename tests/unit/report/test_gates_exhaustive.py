"""``judge()`` over every combination: mode, policy, direction, NaNs, equality, intervals.

The oracle is written here from the documented rule, not from the code: a value that
does not meet ``op limit`` (NaN included) never counts as passed in any mode or policy;
``point`` mode passes every value that meets it; ``interval`` mode passes it only when
both ends of a usable interval meet it too (inconclusive otherwise, counted as the
policy says), and judges on the value when there is no usable interval.
"""

from __future__ import annotations

import itertools
import math
import operator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_multitrust.report.gates import counts_as_passed, judge

OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
LIMIT = 0.8
NAN = math.nan
POINTS = (NAN, 0.79, LIMIT, 0.81, -math.inf, math.inf)
ENDS = (NAN, 0.7, LIMIT, 0.9)


def _meets(value: float, op: str, limit: float) -> bool:
    return not (math.isnan(value) or math.isnan(limit)) and OPS[op](value, limit)


def _expected(value: float, low: float, high: float, op: str, limit: float, mode: str) -> str:
    if not _meets(value, op, limit):
        return "fail"
    usable = not (math.isnan(low) or math.isnan(high)) and low <= high
    if mode == "point" or not usable:
        return "pass"
    return "pass" if _meets(low, op, limit) and _meets(high, op, limit) else "inconclusive"


@pytest.mark.parametrize(
    ("mode", "policy", "op"), list(itertools.product(("point", "interval"), ("pass", "fail"), OPS))
)
def test_every_grid_combination(mode: str, policy: str, op: str) -> None:
    for value, low, high in itertools.product(POINTS, ENDS, ENDS):
        verdict = judge(value, low, high, op, LIMIT, mode)
        assert verdict == _expected(value, low, high, op, LIMIT, mode), (value, low, high)
        if counts_as_passed(verdict, policy):
            assert _meets(value, op, LIMIT)  # a value that misses never passes
        if value == LIMIT:  # equality: >= and <= hold, > and < do not
            assert (verdict != "fail") == (op in (">=", "<="))


@given(
    value=st.floats(allow_nan=True),
    low=st.floats(allow_nan=True),
    high=st.floats(allow_nan=True),
    limit=st.floats(allow_nan=True),
    op=st.sampled_from(sorted(OPS)),
    mode=st.sampled_from(["point", "interval"]),
    policy=st.sampled_from(["pass", "fail"]),
)
def test_any_floats(
    value: float, low: float, high: float, limit: float, op: str, mode: str, policy: str
) -> None:
    verdict = judge(value, low, high, op, limit, mode)
    assert verdict == _expected(value, low, high, op, limit, mode)
    if counts_as_passed(verdict, policy):
        assert _meets(value, op, limit)
    if mode == "interval" and policy == "fail" and counts_as_passed(verdict, policy):
        usable = not (math.isnan(low) or math.isnan(high)) and low <= high
        assert not usable or (_meets(low, op, limit) and _meets(high, op, limit))


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="gate mode"):
        judge(0.9, 0.8, 1.0, ">=", 0.8, "strict")
