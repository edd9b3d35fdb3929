"""TaskRuns: each task's samples read once per process, and its run built once."""

from __future__ import annotations

import pytest

from pytest_multitrust.engine.runner import ModelHolder, TaskRun
from pytest_multitrust.engine.runs import TaskRuns
from pytest_multitrust.models.base import GenerationConfig
from pytest_multitrust.models.scripted import ScriptedModel
from pytest_multitrust.scoring.context import ScoringContext
from pytest_multitrust.tasks.base import MetricSpec, Sample, SampleScore, TaskSpec


def _score(samples: object, responses: list[object], context: object) -> list[SampleScore]:
    return [SampleScore(values={"acc": 1.0}, passed=True) for _ in responses]


def _task(task_id: str, loads: list[str], fail: bool = False) -> TaskSpec:
    def load() -> list[Sample]:
        loads.append(task_id)
        if fail:
            raise ValueError(f"{task_id}: bad line 3")
        return [Sample(id=f"s{i}", variant="v", prompt=f"q{i}", smoke=i < 2) for i in range(4)]

    return TaskSpec(
        id=task_id,
        name=task_id,
        aspect="safety",
        sub_aspect="jailbreaking",
        summary="a test task",
        metrics=(MetricSpec("acc", "higher", 0.5),),
        scorer=_score,  # type: ignore[arg-type]
        loader=load,
    )


def _runs(tasks: list[TaskSpec], made: list[tuple[str, list[str]]]) -> TaskRuns:
    holder = ModelHolder(load=lambda: ScriptedModel.constant("yes", name="yes"))

    def make(task: TaskSpec, samples: list[Sample]) -> TaskRun:
        made.append((task.id, [s.id for s in samples]))
        return TaskRun(
            task=task,
            samples=samples,
            holder=holder,
            context=ScoringContext(refusal_rule="strict", seed=0),
            config=GenerationConfig(max_new_tokens=8),
        )

    return TaskRuns(tasks, "smoke", None, make)


def test_samples_are_read_once_and_a_failed_load_is_raised_again_unread() -> None:
    loads: list[str] = []
    good, bad = _task("X.1", loads), _task("X.2", loads, fail=True)
    runs = _runs([good, bad], [])
    assert [s.id for s in runs.samples_for(good)] == ["s0", "s1"]  # the smoke tier
    assert runs.samples_for(good) is runs.samples_for(good)
    assert runs.load_error(bad) is None
    with pytest.raises(ValueError, match="bad line 3") as first:
        runs.samples_for(bad)
    with pytest.raises(ValueError, match="bad line 3") as again:
        runs.samples_for(bad)
    assert again.value is first.value is runs.load_error(bad)
    assert loads == ["X.1", "X.2"]


def test_prepare_builds_runs_of_the_selected_samples_or_of_all_and_skips_failed_tasks() -> None:
    loads: list[str] = []
    made: list[tuple[str, list[str]]] = []
    one, two, bad = _task("X.1", loads), _task("X.2", loads), _task("X.3", loads, fail=True)
    runs = _runs([one, two, bad], made)
    with pytest.raises(ValueError, match="bad line 3"):
        runs.samples_for(bad)
    runs.prepare({"X.1": ["s1"]})  # X.2: only its threshold tests were selected
    assert made == [("X.1", ["s1"]), ("X.2", ["s0", "s1"])]
    assert runs.run_for("X.1").samples[0].id == "s1"
    assert len(made) == 2  # built once


def test_run_for_builds_a_run_lazily_when_collection_hooks_were_bypassed() -> None:
    made: list[tuple[str, list[str]]] = []
    runs = _runs([_task("X.1", [])], made)
    run = runs.run_for("X.1")
    assert runs.run_for("X.1") is run
    assert made == [("X.1", ["s0", "s1"])]
