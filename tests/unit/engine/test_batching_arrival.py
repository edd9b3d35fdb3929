"""Answers of a remote model are stored as they arrive (#19 item 10).

A model offering ``generate_each`` (the ``openai:`` backend) hands each answer over as the
server sends it; :func:`generate_batches` stores each at once, so an interrupt in the
middle of a batch of 64 paid requests loses only those still in flight.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.engine.batching import BatchSizer, generate_batches
from pytest_multitrust.models.base import GenerationConfig, Message, ModelInfo, Request, Response

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from pytest_multitrust.models.base import MLLM


@dataclass
class Arriving:
    """Answers arrive last request first; an interrupt comes after ``cut`` of them."""

    cut: int | None = None
    failing: str = ""  # a prompt whose write fails
    yielded: int = 0

    @property
    def info(self) -> ModelInfo:
        return ModelInfo(
            spec="remote", backend="openai", name="remote", fingerprint="r-1", default_batch_size=64
        )

    def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
        raise AssertionError("a model with generate_each is asked through it")

    def generate_each(
        self, requests: Sequence[Request], config: GenerationConfig
    ) -> Iterator[tuple[int, Response]]:
        for count, index in enumerate(reversed(range(len(requests)))):
            if count == self.cut:
                raise KeyboardInterrupt("received signal SIGTERM")
            self.yielded += 1
            yield index, Response(text=f"answer {requests[index].sample_id}")


@dataclass
class Recording:
    """A store that records every write (one call per ``put_many``)."""

    writes: list[list[str]] = field(default_factory=list)
    failing: str = ""  # a sample whose write raises

    def get_many(
        self, model: MLLM, requests: Sequence[Request], config: GenerationConfig
    ) -> list[Response | None]:
        return [None] * len(requests)

    def put_many(
        self,
        model: MLLM,
        requests: Sequence[Request],
        config: GenerationConfig,
        responses: Sequence[Response],
    ) -> None:
        ids = [r.sample_id for r in requests]
        if self.failing and self.failing in ids:
            raise OSError("disk full")
        self.writes.append(ids)


def _requests(count: int) -> list[Request]:
    return [
        Request(messages=(Message("user", "q" * (count - i)),), task_id="X.1", sample_id=f"s{i}")
        for i in range(count)
    ]


def test_each_answer_is_stored_as_it_arrives() -> None:
    store = Recording()
    responses = generate_batches(Arriving(), _requests(4), GenerationConfig(), store, BatchSizer())
    assert [r.text for r in responses] == [f"answer s{i}" for i in range(4)]
    assert store.writes[:4] == [["s3"], ["s2"], ["s1"], ["s0"]]  # in arrival order
    assert [ids for ids in store.writes[4:] if ids] == []  # nothing written twice


def test_an_interrupt_mid_batch_keeps_what_arrived() -> None:
    store = Recording()
    with pytest.raises(KeyboardInterrupt):
        generate_batches(Arriving(cut=3), _requests(8), GenerationConfig(), store, BatchSizer())
    assert store.writes == [["s7"], ["s6"], ["s5"]]


def test_a_failed_write_does_not_stop_the_answers_still_coming() -> None:
    store = Recording(failing="s2")
    model = Arriving()
    with contextlib.suppress(OSError):  # the batch's own write of s2 may fail again
        generate_batches(model, _requests(4), GenerationConfig(), store, BatchSizer())
    assert model.yielded == 4  # every answer arrived; none was cancelled by the failure
    assert store.writes == [["s3"], ["s1"], ["s0"]]
