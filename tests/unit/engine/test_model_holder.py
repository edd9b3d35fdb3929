from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.engine.runner import ModelHolder, ModelLoadError
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
