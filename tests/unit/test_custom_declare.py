"""Trust marker declarations and the custom tasks they make (pytest_multitrust.custom.declare)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_multitrust.custom.declare import (
    CustomMetric,
    CustomTask,
    MarkerError,
    declare,
    is_builtin_id,
    merge_marks,
    resolve_tasks,
)


def test_closest_mark_wins_per_keyword() -> None:
    merged = merge_marks(
        [((), {"threshold": 0.9}), ((), {"task": "team.x", "aspect": "privacy", "threshold": 0.5})]
    )
    assert merged == {"threshold": 0.9, "task": "team.x", "aspect": "privacy"}


def test_a_farther_mark_of_another_task_gives_nothing() -> None:
    function = ((), {"task": "team.refuse", "aspect": "safety"})
    module = ((), {"task": "team.pii", "metric": "leak_rate", "direction": "lower"})
    assert merge_marks([function, module]) == {"task": "team.refuse", "aspect": "safety"}


def test_a_farther_mark_without_task_still_gives_defaults() -> None:
    merged = merge_marks([((), {"task": "team.x"}), ((), {"aspect": "privacy"})])
    assert merged == {"task": "team.x", "aspect": "privacy"}


@pytest.mark.parametrize(
    ("marks", "message"),
    [
        ([(("privacy",), {})], "takes keyword arguments only"),
        ([((), {"tsk": "team.x"})], "trust(tsk=...): unknown argument; use aspect, task"),
    ],
)
def test_bad_marks_are_marker_errors(marks: list[Any], message: str) -> None:
    with pytest.raises(MarkerError, match=None) as error:
        merge_marks(marks)
    assert message in str(error.value)


def test_declaration_defaults() -> None:
    declaration = declare("t.py::test_a", {"task": "team.x", "aspect": "Privacy"})
    assert declaration.task_id == "team.x"
    assert declaration.aspect == "privacy"
    assert declaration.metric == "pass_rate"
    assert declaration.direction is None
    assert declaration.threshold is None
    assert declaration.nodeid == "t.py::test_a"


def test_a_trust_test_without_task_records_nothing_and_declares_nothing() -> None:
    assert declare("t.py::test_a", {}).task_id is None
    with pytest.raises(MarkerError, match=r"trust\(aspect=\.\.\.\): needs task=\.\.\. too"):
        declare("t.py::test_a", {"aspect": "safety"})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"task": "9lives"}, "a task id is letters, digits, '_' and '-' in dot-separated"),
        ({"task": "team..x"}, "a task id is letters"),
        (
            {"task": "team.x", "aspect": "privcy"},
            "unknown aspect; use one of truthfulness, safety, robustness, fairness, privacy, "
            "custom",
        ),
        (
            {"task": "team.x", "aspect": "privacy", "sub_aspect": "toxicity"},
            "privacy has the sub-aspects 'awareness' or 'leakage'",
        ),
        ({"task": "team.x", "metric": "leak.rate"}, "a metric name is letters, digits and '_'"),
        ({"task": "team.x", "direction": "up"}, "use 'higher' (higher is better) or 'lower'"),
        ({"task": "team.x", "threshold": "0.9"}, "expected a finite number"),
        ({"task": "team.x", "threshold": True}, "expected a finite number"),
        ({"task": "team.x", "threshold": float("nan")}, "expected a finite number"),
        ({"task": "team.x", "threshold": 10**400}, "characters)): expected a finite number"),
        ({"task": "team.x", "threshold": 5}, "(>= 5) can never pass"),
        ({"task": "team.x", "threshold": -0.5}, "(>= -0.5) can never fail"),
        ({"task": "team.x", "threshold": -0.0}, "(>= 0) can never fail"),
        ({"task": "team.x", "threshold": 0}, "(>= 0) can never fail"),
        ({"task": "team.x", "direction": "lower", "threshold": 1}, "(<= 1) can never fail"),
        ({"task": "team.x", "direction": "lower", "threshold": -1}, "(<= -1) can never pass"),
        ({"task": "team.x", "direction": "lower", "threshold": 2}, "(<= 2) can never fail"),
        ({"task": ""}, "expected a non-empty string"),
        ({"task": "team.x", "aspect": 3}, "expected a non-empty string"),
    ],
)
def test_bad_declarations_name_the_argument(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(MarkerError) as error:
        declare("t.py::test_a", kwargs)
    assert message in str(error.value)
    assert str(error.value).startswith("@pytest.mark.trust(")


def test_builtin_and_registered_task_ids_are_taken() -> None:
    taken = {"S.4": "S.4 is a built-in MultiTrust task: ..."}
    with pytest.raises(MarkerError, match=r"trust\(task='S.4'\): S.4 is a built-in"):
        declare("t.py::test_a", {"task": "S.4"}, taken)
    assert is_builtin_id("P.6")
    assert not is_builtin_id("team.P.6")
    assert not is_builtin_id("S4")


def _task(declarations: list[dict[str, Any]]) -> tuple[list[CustomTask], dict[str, str]]:
    return resolve_tasks(
        [declare(f"t.py::test_{i}", kwargs) for i, kwargs in enumerate(declarations)]
    )


def test_a_task_takes_its_aspect_and_threshold_from_any_of_its_tests() -> None:
    tasks, errors = _task(
        [
            {"task": "team.x"},
            {"task": "team.x", "aspect": "privacy", "sub_aspect": "leakage", "name": "X"},
            {"task": "team.x", "metric": "leak", "direction": "lower", "threshold": 0.1},
            {"task": "team.x", "metric": "leak"},
        ]
    )
    assert errors == {}
    assert tasks == [
        CustomTask(
            id="team.x",
            name="X",
            aspect="privacy",
            sub_aspect="leakage",
            metrics=(CustomMetric("pass_rate", "higher", None), CustomMetric("leak", "lower", 0.1)),
        )
    ]


def test_default_sub_aspect_is_the_aspects_first_and_custom_for_custom() -> None:
    tasks, _ = _task([{"task": "a", "aspect": "safety"}, {"task": "b", "aspect": "custom"}])
    assert [(t.sub_aspect, t.name) for t in tasks] == [("toxicity", "a"), ("custom", "b")]


def test_conflicting_declarations_error_every_test_of_the_task() -> None:
    tasks, errors = _task(
        [
            {"task": "team.x", "aspect": "privacy", "threshold": 0.9},
            {"task": "team.x", "threshold": 0.8},
            {"task": "team.y", "aspect": "safety"},
        ]
    )
    assert [t.id for t in tasks] == ["team.y"]
    assert set(errors) == {"t.py::test_0", "t.py::test_1"}
    assert errors["t.py::test_0"] == (
        "custom task 'team.x': the threshold of pass_rate is 0.9 in t.py::test_0 but 0.8 in "
        "t.py::test_1; every test of a task must agree"
    )


def test_a_task_without_aspect_is_an_error() -> None:
    tasks, errors = _task([{"task": "team.x"}])
    assert tasks == []
    assert "no test gives its aspect; add aspect=..." in errors["t.py::test_0"]


def test_custom_task_round_trips_through_json() -> None:
    task = CustomTask(
        "team.x",
        "X",
        "privacy",
        "leakage",
        (CustomMetric("leak", "lower", 0.1), CustomMetric("ok", "higher", None)),
    )
    assert CustomTask.from_json(task.to_json()) == task
    assert task.metric("leak").op == "<="
    assert task.metric("ok").op == ">="
    with pytest.raises(KeyError, match="known: leak, ok"):
        task.metric("nope")


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=2),
)


@given(
    st.dictionaries(
        st.sampled_from(
            ["aspect", "task", "metric", "direction", "threshold", "sub_aspect", "name"]
        ),
        VALUES,
    )
)
def test_declare_raises_nothing_but_marker_errors(kwargs: dict[str, Any]) -> None:
    try:
        declaration = declare("t.py::test_a", kwargs)
    except MarkerError as error:
        message = str(error)
    else:
        assert declaration.task_id is None or isinstance(declaration.task_id, str)
        return
    assert message.startswith("@pytest.mark.trust(")
