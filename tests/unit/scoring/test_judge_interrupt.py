"""A remote judge's verdicts are cached as they arrive (#19 item 10): an interrupt in the
middle of a judge batch loses only the questions still in flight."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.engine.cache import SQLiteCache
from pytest_multitrust.models.base import GenerationConfig, ModelInfo, Request, Response
from pytest_multitrust.models.judge import JUDGE_NAMESPACE, JudgeClient
from pytest_multitrust.scoring.judge import JudgePrompt

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

PROMPT = JudgePrompt("X.1/judge", "Is {pred} right? Please directly answer [Yes] or [No].")
ITEMS = [{"pred": f"answer {i}"} for i in range(6)]


@dataclass
class ArrivingJudge:
    """Answers arrive one by one, in reverse order; an interrupt comes after ``cut``."""

    cut: int | None = None
    asked: list[str] = field(default_factory=list)

    @property
    def info(self) -> ModelInfo:
        return ModelInfo(
            spec="remote-judge",
            backend="openai",
            name="remote-judge",
            fingerprint="judge-1",
            default_batch_size=64,
        )

    def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
        return [response for _, response in sorted(self.generate_each(requests, config))]

    def generate_each(
        self, requests: Sequence[Request], config: GenerationConfig
    ) -> Iterator[tuple[int, Response]]:
        for count, index in enumerate(reversed(range(len(requests)))):
            if self.cut is not None and count == self.cut:
                raise KeyboardInterrupt("received signal SIGTERM")
            self.asked.append(requests[index].prompt)
            yield index, Response(text="[Yes]")


def test_an_interrupt_keeps_the_verdicts_that_arrived(tmp_path: Path) -> None:
    db = SQLiteCache(tmp_path / "cache.sqlite3")
    interrupted = ArrivingJudge(cut=4)
    with pytest.raises(KeyboardInterrupt):
        JudgeClient("remote-judge", lambda: interrupted, cache=db).ask(PROMPT, ITEMS)
    assert db.count(JUDGE_NAMESPACE) == 4  # each stored as it arrived

    again = ArrivingJudge()
    judge = JudgeClient("remote-judge", lambda: again, cache=db)
    verdicts = judge.ask(PROMPT, ITEMS)
    assert len(again.asked) == 2  # only the two that never arrived
    assert [v.cached for v in verdicts] == [False, False, True, True, True, True]
    assert all(v.label is True for v in verdicts)
    assert db.count(JUDGE_NAMESPACE) == 6
    db.close()


def test_a_read_only_cache_still_stores_nothing(tmp_path: Path) -> None:
    db = SQLiteCache(tmp_path / "cache.sqlite3")
    JudgeClient("remote-judge", ArrivingJudge, cache=db, write=False).ask(PROMPT, ITEMS)
    assert db.count(JUDGE_NAMESPACE) == 0
    db.close()
