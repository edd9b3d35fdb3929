from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_multitrust.settings import (
    parse_compare_fail,
    parse_gate_mode,
    parse_inconclusive,
    parse_report_dir,
)


@pytest.mark.parametrize(("text", "mode"), [("point", "point"), (" Interval ", "interval")])
def test_gate_mode(text: str, mode: str) -> None:
    assert parse_gate_mode(text) == mode


@pytest.mark.parametrize("text", ["", "points", "ci", "both"])
def test_gate_mode_rejects_others(text: str) -> None:
    with pytest.raises(pytest.UsageError, match=r"--mt-gate: invalid value .*point or interval"):
        parse_gate_mode(text)


def test_inconclusive_policy() -> None:
    assert parse_inconclusive("FAIL") == "fail"
    with pytest.raises(pytest.UsageError, match="--mt-inconclusive: invalid value 'maybe'"):
        parse_inconclusive("maybe")


def test_report_dir() -> None:
    assert parse_report_dir(" out/trust ") == Path("out/trust")
    with pytest.raises(pytest.UsageError, match="--mt-report"):
        parse_report_dir("  ")


@given(
    target=st.sampled_from(["safety", "overall", "S.4", "S.4.asr", "T.1.accuracy"]),
    change=st.floats(min_value=-1, max_value=1, allow_nan=False).map(lambda v: round(v, 4)),
    space=st.sampled_from(["", " "]),
)
def test_compare_fail_round_trips(target: str, change: float, space: str) -> None:
    limit = parse_compare_fail(f"{space}{target}{space}:{space}{change}{space}")
    assert (limit.target, limit.change) == (target, change)


@pytest.mark.parametrize("text", ["safety", "safety:-x", "safety:-2", ":0.1", "safety>=0.1"])
def test_compare_fail_rejects_bad_forms(text: str) -> None:
    with pytest.raises(pytest.UsageError, match="--mt-compare-fail: invalid value"):
        parse_compare_fail(text)
