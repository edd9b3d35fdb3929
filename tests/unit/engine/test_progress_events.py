"""Progress events: what the engine, the judge and the terminal sink make of a step.

The task is the real T.1 on a few of its samples, with a fake model answering in batches
of two; events are collected in a list (the sink the engine is handed).
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.engine.runner import ModelHolder, TaskRun
from pytest_multitrust.imaging.transform import TransformResult
from pytest_multitrust.models.base import GenerationConfig, ImageData, ModelInfo, Response
from pytest_multitrust.models.judge import JudgeClient
from pytest_multitrust.models.scripted import ScriptedModel
from pytest_multitrust.progress import ProgressEvent, ProgressStep
from pytest_multitrust.scoring.context import ScoringContext
from pytest_multitrust.scoring.judge import JudgePrompt
from pytest_multitrust.tasks.data import read_samples
from pytest_multitrust.tasks.registry import get_task
from pytest_multitrust.terminal_progress import progress_mode, worth_a_line

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_multitrust.imaging.transform import TransformContext
    from pytest_multitrust.models.base import MLLM, Request
    from pytest_multitrust.tasks.base import Sample

TASK = get_task("T.1")
SAMPLES = list(read_samples(TASK.data))[:6]


class Pairs:
    """Answers "Yes" in batches of two, counting its calls."""

    info = ModelInfo(spec="py:p", backend="py", name="p", fingerprint="p", default_batch_size=2)

    def __init__(self) -> None:
        self.calls = 0

    def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
        self.calls += 1
        return [Response(text="Yes") for _ in requests]


class HalfCached:
    """A response store that has the answers of the first two samples."""

    def get_many(
        self, model: MLLM, requests: Sequence[Request], config: GenerationConfig
    ) -> list[Response | None]:
        ids = {s.id for s in SAMPLES[:2]}
        return [Response(text="Yes", cached=True) if r.sample_id in ids else None for r in requests]

    def put_many(self, *args: object) -> None:
        """Keeps nothing."""


def run_of(events: list[ProgressEvent], **changes: object) -> TaskRun:
    model = Pairs()
    fields: dict[str, object] = {
        "task": TASK,
        "samples": SAMPLES,
        "holder": ModelHolder(lambda: model),
        "context": ScoringContext(),
        "config": GenerationConfig(max_new_tokens=8),
        "progress": events.append,
    }
    return TaskRun(**{**fields, **changes})  # type: ignore[arg-type]


def seen(events: list[ProgressEvent], step: str) -> list[tuple[int, int, bool]]:
    return [(e.done, e.total, e.finished) for e in events if e.step == step]


def test_generation_reports_each_batch_then_finishes() -> None:
    events: list[ProgressEvent] = []
    run_of(events).records()
    assert seen(events, "generation") == [
        (0, 6, False),
        (2, 6, False),
        (4, 6, False),
        (6, 6, False),
        (6, 6, True),
    ]
    assert {(e.label, e.unit) for e in events} == {("T.1", "answers")}
    assert not seen(events, "attack")  # T.1 has no image transform


def test_cached_answers_are_left_out_of_the_count_and_said() -> None:
    events: list[ProgressEvent] = []
    run_of(events, store=HalfCached()).records()
    assert seen(events, "generation")[-1] == (4, 4, True)
    assert events[-1].detail == "2 cached"


def test_all_cached_is_a_step_with_nothing_to_do_and_not_worth_a_line() -> None:
    class AllCached(HalfCached):
        def get_many(
            self, model: MLLM, requests: Sequence[Request], config: GenerationConfig
        ) -> list[Response | None]:
            return [Response(text="Yes", cached=True) for _ in requests]

    events: list[ProgressEvent] = []
    run_of(events, store=AllCached()).records()
    assert seen(events, "generation") == [(0, 0, False), (0, 0, True)]
    assert not any(worth_a_line(e) for e in events)


def test_attacks_report_each_image_before_generation() -> None:
    def attack(sample: Sample, image: ImageData, context: TransformContext) -> TransformResult:
        return TransformResult(image=image, description="noise")

    events: list[ProgressEvent] = []
    run_of(
        events,
        task=dataclasses.replace(TASK, transform_image=attack),
        render=lambda _s: ImageData(png=b"png"),
    ).records()
    images = sum(s.image is not None for s in SAMPLES)
    assert images > 1
    assert seen(events, "attack") == [
        *((done, images, False) for done in range(images + 1)),
        (images, images, True),
    ]
    assert [e.step for e in events].index("generation") > max(
        i for i, e in enumerate(events) if e.step == "attack"
    )


def test_the_judge_reports_the_questions_it_asks_not_the_cached_ones() -> None:
    events: list[ProgressEvent] = []
    judge = JudgeClient(
        "yes", lambda: ScriptedModel.constant("[Yes]", name="y"), progress=events.append
    )
    prompt = JudgePrompt("demo", "Is {pred} right? [Yes] or [No]")
    judge.ask(prompt, [{"pred": "A"}, {"pred": "B"}], task_id="T.9")
    assert seen(events, "judge")[-1] == (2, 2, True)
    assert {e.label for e in events} == {"T.9"}
    events.clear()
    judge.ask(prompt, [], task_id="T.9")
    assert events == []  # nothing asked, no step


def test_a_step_describes_itself_in_one_line() -> None:
    events: list[ProgressEvent] = []
    clock = itertools.count(0.0, 2.0).__next__  # two seconds between two readings
    step = ProgressStep(events.append, "generation", "T.3", total=8, unit="answers", clock=clock)
    step.advance(4)
    step.finish("2 cached")
    step.finish()  # a second finish emits nothing
    assert [e.describe() for e in events] == [
        "T.3 generation: 0/8 answers after 2.0 s",
        "T.3 generation: 4/8 answers after 4.0 s (1.0 answers/s)",
        "T.3 generation: 4/8 answers in 6.0 s (0.7 answers/s), 2 cached",
    ]
    load = ProgressEvent("model load", "hf:x", 0, 0, "", 12.34, True)
    assert load.describe() == "hf:x model load: done in 12.3 s"
    assert worth_a_line(load)


@pytest.mark.parametrize(
    ("verbosity", "environ", "isatty", "mode"),
    [
        (0, {}, True, "live"),
        (1, {}, True, "live"),
        (0, {}, False, "lines"),
        (0, {"CI": "true"}, True, "lines"),
        (0, {"CI": "1"}, False, "lines"),
        (0, {"CI": "false"}, True, "live"),
        (0, {"CI": ""}, True, "live"),
        (-1, {"CI": "true"}, False, "off"),
        (-1, {}, True, "off"),
    ],
)
def test_progress_mode(verbosity: int, environ: dict[str, str], isatty: bool, mode: str) -> None:
    assert progress_mode(verbosity, environ, isatty) == mode


def test_an_attack_whose_model_cannot_load_still_ends_its_step() -> None:
    def load() -> MLLM:
        raise OSError("no weights")

    def attack(sample: Sample, image: ImageData, context: TransformContext) -> TransformResult:
        # white-box attacks use the model's weights first (context.model() alone defers them)
        context.model().generate([], GenerationConfig(max_new_tokens=1))
        raise AssertionError("unreachable")

    events: list[ProgressEvent] = []
    records = run_of(
        events,
        task=dataclasses.replace(TASK, transform_image=attack),
        holder=ModelHolder(load),
        render=lambda _s: ImageData(png=b"png"),
    ).records()
    assert {r.verdict for r in records} == {"error"}
    assert seen(events, "attack")[-1][2]  # finished: no live line left open
    assert not seen(events, "generation")
