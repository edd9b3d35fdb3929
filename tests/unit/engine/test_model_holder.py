from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.engine.runner import ModelHolder, ModelLoadError
from pytest_multitrust.errors import PrerequisiteError
from pytest_multitrust.models.scripted import refuser

if TYPE_CHECKING:
    from pytest_multitrust.models.base import MLLM


def test_a_failed_load_is_not_retried() -> None:
    calls: list[int] = []

    def load() -> MLLM:
        calls.append(1)
        raise OSError("weights for hf:acme/model not found")

    holder = ModelHolder(load)
    with pytest.raises(ModelLoadError, match=r"load \(not retried\): OSError: .*not found"):
        holder.get()
    for _ in range(3):
        with pytest.raises(ModelLoadError, match=r"failed to load earlier .*OSError: weights"):
            holder.get()
    assert len(calls) == 1
    assert not holder.loaded


def test_a_model_loads_once() -> None:
    calls: list[int] = []

    def load() -> MLLM:
        calls.append(1)
        return refuser()

    holder = ModelHolder(load)
    assert holder.get() is holder.get()
    assert len(calls) == 1
    assert holder.loaded


def _user_factory() -> MLLM:
    import json

    json.loads("{not json \x1b[2J")  # raises inside the standard library
    raise AssertionError("unreachable")


def test_a_load_error_names_its_cause_and_the_innermost_frame_outside_installed_code() -> None:
    holder = ModelHolder(_user_factory)
    with pytest.raises(ModelLoadError) as caught:
        holder.get()
    assert caught.value.cause.startswith("JSONDecodeError: Expecting property name")
    # the frame that raised is json's; the one named is this file's, which called it
    assert caught.value.origin.startswith(f" (raised at {__file__}:")
    assert caught.value.origin.endswith(", in _user_factory)")
    with pytest.raises(ModelLoadError) as later:  # the same cause, without the traceback
        holder.get()
    assert (later.value.cause, later.value.origin, later.value.details) == (
        caught.value.cause,
        caught.value.origin,
        "",
    )


@pytest.mark.parametrize(
    "error",
    [
        PrerequisiteError("hf:x: it needs num2words, not installed here"),
        pytest.UsageError("--mllm=py:m:f: the factory returned int"),
    ],
)
def test_a_prerequisite_or_usage_error_is_its_own_message_with_no_origin(
    error: Exception,
) -> None:
    def load() -> MLLM:
        raise error

    with pytest.raises(ModelLoadError) as caught:
        ModelHolder(load).get()
    assert (caught.value.cause, caught.value.origin) == (str(error), "")


def test_a_cause_with_control_characters_is_escaped() -> None:
    def load() -> MLLM:
        raise RuntimeError("bad \x1b[2J\u202e")

    with pytest.raises(ModelLoadError) as caught:
        ModelHolder(load).get()
    assert caught.value.cause == "RuntimeError: bad \\x1b[2J\\u202e"
