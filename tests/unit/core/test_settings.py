from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_multitrust.settings import (
    parse_batch_size,
    parse_device,
    parse_dtype,
    parse_limit,
    parse_task_list,
    parse_threshold,
    parse_tier,
)


@given(st.integers(min_value=1, max_value=10**9), st.sampled_from(["", " ", "  "]))
def test_limit_accepts_positive_integers(value: int, pad: str) -> None:
    assert parse_limit(f"{pad}{value}{pad}") == value


@given(st.text())
def test_limit_rejects_everything_else_with_usage_error(text: str) -> None:
    if text.strip().isascii() and text.strip().isdigit() and int(text.strip()) > 0:
        return
    with pytest.raises(pytest.UsageError, match="--mt-limit: invalid value"):
        parse_limit(text)


@given(
    target=st.sampled_from(["safety", "overall", "S.4.rta", "R.5.asr", "T.1.accuracy"]),
    op=st.sampled_from([">=", "<=", ">", "<"]),
    value=st.floats(min_value=0, max_value=1, allow_nan=False).map(lambda v: round(v, 4)),
    spaces=st.sampled_from(["", " ", "  "]),
)
def test_threshold_round_trips(target: str, op: str, value: float, spaces: str) -> None:
    parsed = parse_threshold(f"{spaces}{target}{spaces}{op}{spaces}{value}{spaces}")
    assert (parsed.target, parsed.op, parsed.value) == (target, op, value)


@given(st.text())
def test_threshold_never_raises_anything_but_usage_error(text: str) -> None:
    try:
        parse_threshold(text)
    except pytest.UsageError as error:
        message = str(error)
    else:
        return
    assert "--mt-threshold" in message


@pytest.mark.parametrize(
    "bad",
    [
        "S.4.rta=>0.9",
        "safety",
        ">=0.9",
        "S.4.rta>=high",
        "a>=1e3",
        "team.k.pass_rate>=" + "1" * 400,
    ],
)  # float() gives inf
def test_threshold_rejects_malformed(bad: str) -> None:
    with pytest.raises(pytest.UsageError, match="expected '<aspect"):
        parse_threshold(bad)


def test_threshold_targets() -> None:
    assert parse_threshold("S.4.rta>=0.9").task_id == "S.4"
    assert parse_threshold("S.4.rta>=0.9").metric == "rta"
    assert parse_threshold("safety>=0.8").task_id is None
    assert parse_threshold("overall>=0.8").metric is None


def test_threshold_holds_in_its_direction() -> None:
    assert parse_threshold("x.a>=0.5").holds(0.5)
    assert not parse_threshold("x.a>0.5").holds(0.5)
    assert parse_threshold("x.a<=0.2").holds(0.1)
    assert not parse_threshold("x.a<=0.2").holds(float("nan"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("T.1,S.4", ("T.1", "S.4")), (" safety , privacy ", ("safety", "privacy")), ("all", ("all",))],
)
def test_task_list(text: str, expected: tuple[str, ...]) -> None:
    assert parse_task_list(text) == expected


@pytest.mark.parametrize("bad", ["", ",", "S.4;rm", "*"])
def test_task_list_rejects(bad: str) -> None:
    with pytest.raises(pytest.UsageError, match="--mt-tasks"):
        parse_task_list(bad)


def test_small_parsers() -> None:
    assert parse_tier("SMOKE") == "smoke"
    assert parse_device("cuda:1") == "cuda:1"
    assert parse_dtype("bf16") == "bfloat16"
    assert parse_batch_size("auto") is None
    assert parse_batch_size("8") == 8
    for parse, bad in [(parse_tier, "big"), (parse_device, "gpu"), (parse_dtype, "int8")]:
        with pytest.raises(pytest.UsageError, match="invalid value"):
            parse(bad)
    with pytest.raises(pytest.UsageError) as info:  # a 100 kB value is not echoed whole
        parse_tier("A" * 100_000)
    assert len(str(info.value)) < 400
    assert "…(100002 characters)" in str(info.value)
