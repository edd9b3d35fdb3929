"""A task's run happens once: odd answers, crashes and failures are remembered, not repeated.

The task is the real T.1 (its rule scorer, its samples without images, for speed); the
model is a small fake whose answers each test chooses, counting every request it gets.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.engine.runner import ModelHolder, ModelLoadError, NoStore, TaskRun
from pytest_multitrust.models.base import (
    GenerationConfig,
    ImageData,
    ModelInfo,
    Request,
    Response,
)
from pytest_multitrust.models.batching import checked_response
from pytest_multitrust.scoring.context import ScoringContext
from pytest_multitrust.tasks.data import read_samples
from pytest_multitrust.tasks.registry import get_task

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_multitrust.imaging.transform import TransformContext
    from pytest_multitrust.models.base import MLLM

TASK = get_task("T.1")
YES = Response(text="Yes")
SAMPLES = list(read_samples(TASK.data))[:6]


@dataclass
class Scripted:
    """Answers sample i of SAMPLES with ``answers[i % len(answers)]``; may raise instead."""

    answers: list[object]
    raises: BaseException | None = None
    info: ModelInfo = field(
        default_factory=lambda: ModelInfo(
            spec="py:fake", backend="py", name="fake", fingerprint="fake", default_batch_size=2
        )
    )
    requests: list[str] = field(default_factory=list)

    def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[object]:
        self.requests.extend(r.sample_id for r in requests)
        if self.raises is not None:
            raise self.raises
        order = [s.id for s in SAMPLES]
        return [self.answers[order.index(r.sample_id) % len(self.answers)] for r in requests]


def make_run(model: object, store: object = None) -> TaskRun:
    return TaskRun(
        task=TASK,
        samples=SAMPLES,
        holder=ModelHolder(lambda: model),  # type: ignore[arg-type,return-value]
        context=ScoringContext(),
        config=GenerationConfig(max_new_tokens=8),
        store=store or NoStore(),  # type: ignore[arg-type]
    )


def test_bad_answers_error_their_own_samples_and_good_ones_in_the_batch_are_kept() -> None:
    model = Scripted(
        [
            YES,
            "yes",
            Response(text=None),  # type: ignore[arg-type]
            None,
            Response(text="No", error=3),  # type: ignore[arg-type]
            Response(text="No \ud83d\x1b[2J\x00"),
        ]
    )
    run = make_run(model)
    records = [run.record(s.id) for s in SAMPLES]
    assert len(model.requests) == len(SAMPLES)  # one generation per request
    verdicts = [r.verdict for r in records]
    assert verdicts[0] in ("pass", "miss")
    assert verdicts[5] in ("pass", "miss")
    assert records[5].response == "No \ud83d\x1b[2J\x00"  # kept exactly, and scored
    assert [r.error for r in records[1:5]] == [
        "the model returned a str instead of a Response: 'yes'",
        "the model returned a Response whose text is None, not a string",
        "the model returned a NoneType instead of a Response: None",
        "the model returned a Response whose error is 3, not a string or None",
    ]
    assert run.failure is None
    assert run.metric_result("accuracy").n == 2


@pytest.mark.parametrize("raised", [SystemExit(3), RuntimeError("CUDA error")])
def test_a_model_exception_errors_its_batch_and_is_asked_once(raised: BaseException) -> None:
    model = Scripted([YES], raises=raised)
    run = make_run(model)
    records = [run.record(s.id) for s in SAMPLES]
    assert sorted(model.requests) == sorted(s.id for s in SAMPLES)
    assert {r.verdict for r in records} == {"error"}
    assert records[0].error == f"{type(raised).__name__}: {raised}"


class ExplodingStore(NoStore):
    """A store whose writes raise what a strict encoder raised on a lone surrogate."""

    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.writes = 0

    def put_many(
        self,
        model: MLLM,
        requests: Sequence[Request],
        config: GenerationConfig,
        responses: Sequence[Response],
    ) -> None:
        self.writes += 1
        raise self.error


@pytest.mark.parametrize(
    "error",
    [
        UnicodeEncodeError("utf-8", "\ud83d", 0, 1, "surrogates not allowed"),
        SystemExit(2),
        GeneratorExit(),
    ],
)
def test_a_failure_of_the_whole_run_is_remembered_and_every_sample_errors_briefly(
    error: BaseException,
) -> None:
    model = Scripted([YES])
    store = ExplodingStore(error)
    run = make_run(model, store)
    records = [run.record(s.id) for s in SAMPLES] + run.records()
    result = run.metric_result("accuracy")
    assert (len(model.requests), store.writes) == (2, 1)  # the first batch, once: never again
    assert {r.verdict for r in records} == {"error"}
    assert run.failure is not None
    assert run.failure.startswith(
        f"the task's generation failed, not retried: {type(error).__name__}"
    )
    assert {r.error for r in records} == {run.failure}
    details = run.take_failure_details()
    assert details.startswith("Traceback (most recent call last):")
    assert "put_many" in details
    assert "_pytest" not in details
    assert "pluggy" not in details
    assert run.take_failure_details() == ""  # shown once
    assert (result.n, result.errors, math.isnan(result.value)) == (0, len(SAMPLES), True)


def test_ctrl_c_is_not_remembered() -> None:
    model = Scripted([YES], raises=KeyboardInterrupt())
    run = make_run(model)
    with pytest.raises(KeyboardInterrupt):
        run.record(SAMPLES[0].id)
    model.raises = None
    assert run.record(SAMPLES[0].id).verdict in ("pass", "miss")  # the run was not poisoned


def test_a_skip_raised_by_the_model_skips_every_sample_once() -> None:
    model = Scripted([YES], raises=pytest.skip.Exception("needs a GPU"))
    run = make_run(model)
    records = [run.record(s.id) for s in SAMPLES]
    assert len(model.requests) == 2
    assert {(r.verdict, r.skip_reason) for r in records} == {("skip", "needs a GPU")}


def test_a_model_that_fails_to_load_is_tried_once_and_its_traceback_shown_once() -> None:
    calls: list[int] = []

    def load() -> MLLM:
        calls.append(1)
        raise SystemExit("no weights at /models/x \x1b[2J")

    holder = ModelHolder(load)
    runs = [
        TaskRun(
            task=TASK,
            samples=SAMPLES,
            holder=holder,
            context=ScoringContext(),
            config=GenerationConfig(),
        )
        for _ in range(2)
    ]
    first, second = ([run.record(s.id) for s in SAMPLES] for run in runs)
    assert calls == [1]
    assert first[0].error == (
        "the model under test failed to load (not retried): "
        "SystemExit: no weights at /models/x \\x1b[2J"
    )
    assert "failed to load earlier in this process" in str(second[0].error)
    assert "Traceback" in runs[0].take_failure_details()
    assert runs[1].take_failure_details() == ""  # one traceback per process, not per task


def test_model_holder_raises_one_error_type_with_the_traceback_once() -> None:
    holder = ModelHolder(lambda: (_ for _ in ()).throw(OSError("disk")))
    with pytest.raises(ModelLoadError) as first:
        holder.get()
    with pytest.raises(ModelLoadError) as later:
        holder.get()
    assert "OSError: disk" in first.value.details
    assert later.value.details == ""


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ("text", "the model returned a str instead of a Response: 'text'"),
        (b"bytes", "the model returned a bytes instead of a Response: b'bytes'"),
        (
            Response(text=["a"]),  # type: ignore[arg-type]
            "the model returned a Response whose text is ['a'], not a string",
        ),
        (Response(text="", error=""), "the model reported an error without a message ('')"),
        (Response(text="", error=" \n"), "the model reported an error without a message (' \\n')"),
        (Response(text="ok"), None),
        (Response(text="x" * 5000), None),
    ],
)
def test_checked_response(answer: object, error: str | None) -> None:
    assert checked_response(answer).error == error


def test_checked_response_keeps_the_answer_and_zeroes_bad_bookkeeping() -> None:
    odd = Response(
        text="ok",
        prompt_tokens=-1,
        completion_tokens=True,
        latency_s=math.inf,
        finish_reason=None,  # type: ignore[arg-type]
        cached=True,
    )
    fixed = checked_response(odd)
    assert (
        fixed.text,
        fixed.error,
        fixed.prompt_tokens,
        fixed.completion_tokens,
        fixed.latency_s,
        fixed.finish_reason,
        fixed.cached,
    ) == ("ok", None, 0, 0, 0.0, "stop", True)
    model = Scripted([odd])  # a model cannot claim its fresh answers came from the cache
    assert {r.cached for r in make_run(model).records()} == {False}


def test_an_attack_that_needs_a_model_that_cannot_load_fails_the_task_with_its_traceback() -> None:
    def load() -> MLLM:
        raise OSError("no weights")

    def attack(sample: object, image: ImageData, context: TransformContext) -> object:
        context.model()  # white-box attacks load the model under test first
        raise AssertionError("unreachable")

    task = dataclasses.replace(TASK, transform_image=attack)  # type: ignore[arg-type]
    run = TaskRun(
        task=task,
        samples=SAMPLES,
        holder=ModelHolder(load),
        context=ScoringContext(),
        config=GenerationConfig(),
        render=lambda _s: ImageData(png=b"png"),
    )
    records = run.records()
    assert {r.error for r in records} == {
        "the model under test failed to load (not retried): OSError: no weights"
    }
    assert "OSError: no weights" in run.take_failure_details()
