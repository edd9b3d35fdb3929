from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.engine.batching import BatchSizer, generate_batches
from pytest_multitrust.engine.runner import ModelHolder, ModelLoadError
from pytest_multitrust.errors import PrerequisiteError
from pytest_multitrust.models.base import GenerationConfig, Message, ModelInfo, Request, Response
from pytest_multitrust.models.scripted import refuser

if TYPE_CHECKING:
    from collections.abc import Sequence

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


class _Deferred:
    """A model whose weights load later; counts its loads and generations."""

    def __init__(self, fail: bool = False) -> None:
        self.info = ModelInfo(spec="py:m:make", backend="py", name="deferred", fingerprint="d-1")
        self.loads = 0
        self.fail = fail
        self.batches: list[int] = []

    def load_weights(self) -> None:
        if self.fail:
            raise MemoryError("out of memory loading the weights")
        self.loads += 1

    def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
        assert self.loads == 1
        self.batches.append(len(requests))
        return [Response(text="ok") for _ in requests]


class _OneCached:
    """A store that has an answer for the prompt "cached" only."""

    def get_many(
        self, model: MLLM, requests: Sequence[Request], config: GenerationConfig
    ) -> list[Response | None]:
        assert model.info.fingerprint == "d-1"
        return [
            Response(text="hit", cached=True) if r.messages[0].text == "cached" else None
            for r in requests
        ]

    def put_many(
        self,
        model: MLLM,
        requests: Sequence[Request],
        config: GenerationConfig,
        responses: Sequence[Response],
    ) -> None:
        """Keep nothing."""


def _requests(*texts: str) -> list[Request]:
    return [Request(messages=(Message("user", text),)) for text in texts]


def test_open_runs_the_factory_and_get_loads_deferred_weights_once() -> None:
    model = _Deferred()
    holder = ModelHolder(lambda: model)
    assert holder.open() is model
    assert (model.loads, holder.opened, holder.loaded) == (0, True, False)
    stand_in = holder.deferred()
    assert stand_in.info == model.info  # the cache key's facts: still no load
    assert model.loads == 0
    assert holder.get() is holder.get() is model
    assert (model.loads, holder.loaded) == (1, True)


def test_a_fully_cached_batch_loads_nothing_and_a_miss_loads_once() -> None:
    model = _Deferred()
    holder = ModelHolder(lambda: model)
    store = _OneCached()
    config = GenerationConfig()
    out = generate_batches(
        holder.deferred(), _requests("cached"), config, store, BatchSizer(), ready=holder.get
    )
    assert [r.text for r in out] == ["hit"]
    assert model.loads == 0
    out = generate_batches(
        holder.deferred(), _requests("cached", "new"), config, store, BatchSizer(), ready=holder.get
    )
    assert [r.text for r in out] == ["hit", "ok"]
    assert (model.loads, model.batches) == (1, [1])


def test_a_failed_deferred_load_is_a_load_error_not_retried() -> None:
    model = _Deferred(fail=True)
    holder = ModelHolder(lambda: model)
    assert holder.open() is model  # the factory itself worked
    with pytest.raises(ModelLoadError, match=r"not retried\): MemoryError: out of memory") as first:
        holder.get()
    assert "MemoryError" in first.value.details
    with pytest.raises(ModelLoadError, match="failed to load earlier") as later:
        holder.deferred().generate(_requests("x"), GenerationConfig())
    assert later.value.details == ""
    assert not holder.loaded
