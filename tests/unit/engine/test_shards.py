"""Shards and the longest-first order: the pure plan, the scheduler, the runs per shard."""

from __future__ import annotations

import doctest
import math
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_multitrust import distributed
from pytest_multitrust.distributed import (
    ShardJudge,
    ShardPlan,
    plan_shards,
    scope_ranks,
    task_scope,
    task_scope_scheduler,
)
from pytest_multitrust.engine import shards
from pytest_multitrust.engine.runner import ModelHolder, TaskRun
from pytest_multitrust.engine.runs import TaskRuns
from pytest_multitrust.engine.shards import (
    TaskLoad,
    assign,
    shard_counts,
    shard_of,
    work_units,
)
from pytest_multitrust.models.base import GenerationConfig
from pytest_multitrust.models.scripted import ScriptedModel
from pytest_multitrust.report.gates import judge_metric
from pytest_multitrust.scoring.context import ScoringContext
from pytest_multitrust.settings import Settings, parse_shards
from pytest_multitrust.tasks.base import MetricSpec, Sample, SampleScore, TaskSpec
from pytest_multitrust.tasks.data import read_samples, samples_for_tier
from pytest_multitrust.tasks.registry import all_tasks


def test_the_doctests_hold() -> None:
    assert doctest.testmod(shards).failed == 0
    assert doctest.testmod(distributed).failed == 0


@given(samples=st.integers(0, 400), count=st.integers(1, 12))
def test_every_sample_is_in_one_shard_of_consecutive_nearly_equal_blocks(
    samples: int, count: int
) -> None:
    placed = [shard_of(i, samples, count) for i in range(samples)]
    assert placed == sorted(placed)  # consecutive blocks
    sizes = [placed.count(k) for k in range(count)]
    assert sum(sizes) == samples
    if samples >= count:
        assert max(sizes) - min(sizes) <= 1
        assert min(sizes) >= 1


def _standard_plan(workers: int, mode: int | None = None) -> ShardPlan:
    tasks = all_tasks()
    settings = Settings(shards=mode)

    def samples_for(task: TaskSpec) -> list[Sample]:
        loaded = task.loader() if task.loader else read_samples(task.data)
        return samples_for_tier(loaded, "standard", None)

    return plan_shards(tasks, samples_for, settings, workers)


@pytest.fixture(scope="module")
def standard_8() -> ShardPlan:
    return _standard_plan(8)


def test_the_attacked_tasks_are_split_and_handed_out_first_on_8_workers(
    standard_8: ShardPlan,
) -> None:
    units = standard_8.units
    counts = {u.task_id: u.shards for u in units}
    assert counts["R.4"] > 4
    assert counts["R.5"] > 1
    # the attacked shards are the costliest units, so free workers take them first
    first = {u.task_id for u in units[: counts["R.4"] + counts["R.5"]]}
    assert first == {"R.4", "R.5"}
    assert [u.cost_s for u in units] == sorted((u.cost_s for u in units), reverse=True)
    # no unit is above a quarter of a worker's fair share of the run
    total = math.fsum(u.cost_s for u in units)
    assert max(u.cost_s for u in units) <= total / 8 / 2 * 1.01
    # each split task's samples are all placed, consecutively
    for task_id, placed in standard_8.sharded.items():
        shards_seen = list(placed.values())
        assert shards_seen == sorted(shards_seen)
        assert set(shards_seen) == set(range(counts[task_id]))


def test_the_modelled_8_gpu_speed_up_is_at_least_6(standard_8: ShardPlan) -> None:
    whole = _standard_plan(1).units
    load_s = 60.0  # a 7B's load per worker (issue 25: 15-60 s)
    one = assign(whole, 1, start_s=load_s).makespan_s
    eight = assign(standard_8.units, 8, start_s=load_s).makespan_s
    assert one / eight >= 6.0
    # without shards the largest task caps it
    unsplit = assign(_standard_plan(8, mode=1).units, 8, start_s=load_s).makespan_s
    assert one / unsplit < 4.0


def test_no_shards_without_workers_or_when_off() -> None:
    loads = [TaskLoad("R.4", 224, 900.0), TaskLoad("T.1", 200, 60.0)]
    assert shard_counts(loads, 0, None) == shard_counts(loads, 1, 3) == {"R.4": 1, "T.1": 1}
    assert shard_counts(loads, 8, 1) == {"R.4": 1, "T.1": 1}
    assert shard_counts([TaskLoad("P.1", 20, 900.0)], 8, None) == {"P.1": 1}  # too small


def test_the_shards_option_reads_auto_off_or_a_count() -> None:
    assert parse_shards("auto") is None
    assert parse_shards(" OFF ") == 1
    assert parse_shards("3") == 3
    for bad in ("0", "-2", "many"):
        with pytest.raises(pytest.UsageError, match="auto, off or a positive integer"):
            parse_shards(bad)


def test_greedy_assignment_gives_each_unit_to_the_worker_free_first() -> None:
    units = work_units([TaskLoad("A", 8, 8.0), TaskLoad("B", 6, 6.0)], {"A": 2, "B": 2})
    plan = assign(units, 2)
    assert [[(u.task_id, u.shard) for u in w] for w in plan.workers] == [
        [("A", 0), ("B", 0)],
        [("A", 1), ("B", 1)],
    ]
    assert plan.finish_s == (7.0, 7.0)
    assert plan.makespan_s == 7.0


# -- the scheduler: shards as scopes, most work first, the judge scope last ------------------

SHARDED = {"R.4": {f"a{i}": shard_of(i, 4, 2) for i in range(4)}}
COLLECTION = [
    "multitrust/truthfulness/T.1::sample[t0]",
    "multitrust/truthfulness/T.1::threshold[acc]",
    *(f"multitrust/robustness/R.4::sample[a{i}]" for i in range(4)),
    "multitrust/robustness/R.4::threshold[accuracy]",
    "tests/test_own.py::test_one",
]


class FakeNode:
    """What the scheduler uses of an xdist WorkerController."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[int] = []
        self.shutting_down = False
        self.gateway = SimpleNamespace(id=name)

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent.extend(indices)

    def shutdown(self) -> None:
        self.shutting_down = True


def _scheduler(workers: int) -> tuple[Any, list[FakeNode]]:
    loads = [TaskLoad("T.1", 1, 1.0), TaskLoad("R.4", 4, 40.0)]
    plan = ShardPlan(
        sharded=SHARDED,
        units=work_units(loads, {"R.4": 2}),
        aspects={"T.1": "truthfulness", "R.4": "robustness"},
    )
    config = SimpleNamespace(
        getvalue=lambda name: [f"{workers}*popen"], option=SimpleNamespace(loadscopereorder=True)
    )
    scheduler = task_scope_scheduler(config, None, frozenset({"T.1", "R.4"}), plan)
    nodes = [FakeNode(f"gw{i}") for i in range(workers)]
    for node in nodes:
        scheduler.add_node(node)
    for node in nodes:
        scheduler.add_node_collection(node, COLLECTION)
    scheduler.schedule()
    return scheduler, nodes


def _ids(indices: list[int]) -> list[str]:
    return [COLLECTION[i].split("/")[-1] for i in indices]


def test_each_worker_starts_on_a_shard_of_the_longest_task() -> None:
    _, (gw0, gw1) = _scheduler(2)
    assert _ids(gw0.sent)[:2] == ["R.4::sample[a0]", "R.4::sample[a1]"]
    assert _ids(gw1.sent)[:2] == ["R.4::sample[a2]", "R.4::sample[a3]"]


def test_the_judge_scope_goes_last_once_every_shard_is_done() -> None:
    scheduler, nodes = _scheduler(2)
    judge = COLLECTION.index("multitrust/robustness/R.4::threshold[accuracy]")
    done: list[int] = []
    while True:
        pending = [(n, i) for n in nodes for i in n.sent if i not in done]
        if not pending:
            break
        node, index = pending[0]
        if index == judge:
            assert sorted(done) == [i for i in range(len(COLLECTION)) if i != judge]
        done.append(index)
        scheduler.mark_test_complete(node, index)
    assert done[-1] == judge
    assert sorted(done) == list(range(len(COLLECTION)))
    assert all(node.shutting_down for node in nodes)


def test_scope_ranks_name_the_scopes_the_scheduler_splits() -> None:
    plan_units = work_units([TaskLoad("R.4", 4, 40.0)], {"R.4": 2})
    ranks = scope_ranks(plan_units, {"R.4": "robustness"})
    scopes = {task_scope(n, SHARDED) for n in COLLECTION if "sample[a" in n}
    assert scopes == set(ranks)


# -- a worker: one run per shard -------------------------------------------------------------


def _score(samples: object, responses: list[object], context: object) -> list[SampleScore]:
    return [SampleScore(values={"acc": 1.0}, passed=True) for _ in responses]


def test_a_split_task_gets_one_run_per_shard_of_its_selected_samples() -> None:
    task = TaskSpec(
        id="X.1",
        name="X.1",
        aspect="safety",
        sub_aspect="jailbreaking",
        summary="a test task",
        metrics=(MetricSpec("acc", "higher", 0.5),),
        scorer=_score,  # type: ignore[arg-type]
        loader=lambda: [Sample(id=f"s{i}", variant="v", prompt=f"q{i}") for i in range(6)],
    )
    holder = ModelHolder(load=lambda: ScriptedModel.constant("yes", name="yes"))
    made: list[list[str]] = []

    def make(spec: TaskSpec, samples: list[Sample]) -> TaskRun:
        made.append([s.id for s in samples])
        return TaskRun(
            task=spec,
            samples=samples,
            holder=holder,
            context=ScoringContext(refusal_rule="strict", seed=0),
            config=GenerationConfig(max_new_tokens=8),
        )

    runs = TaskRuns([task], "standard", None, make)
    placed = {f"s{i}": shard_of(i, 6, 3) for i in range(6)}
    runs.prepare({"X.1": ["s0", "s1", "s3", "s5"]}, {"X.1": placed})  # s2, s4 deselected
    assert made == [["s0", "s1"], ["s3"], ["s5"]]
    assert runs.sharded("X.1") == ["s0", "s1", "s3", "s5"]
    assert runs.run_for("X.1", "s1") is runs.run_for("X.1", "s0")
    assert runs.run_for("X.1", "s3") is not runs.run_for("X.1", "s5")
    assert runs.run_for("X.1", "s3").records()[0].sample_id == "s3"
    made.clear()
    runs.prepare({"X.1": ["s0", "s1"]})  # no shards: one run, as before
    assert made == [["s0", "s1"]]
    assert runs.sharded("X.1") is None


def test_the_controller_judges_a_split_task_as_its_single_run_would() -> None:
    task = TaskSpec(
        id="X.1",
        name="X.1",
        aspect="safety",
        sub_aspect="jailbreaking",
        summary="a test task",
        metrics=(MetricSpec("acc", "higher", 0.9),),
        scorer=lambda samples, responses, context: [
            SampleScore(values={"acc": float(i % 3 != 0)}, passed=i % 3 != 0)
            for i, _ in enumerate(responses)
        ],
        loader=lambda: [
            Sample(id=f"s{i}", variant=("a", "b")[i % 2], prompt=f"q{i}") for i in range(9)
        ],
    )
    samples = list(task.loader() if task.loader else [])
    whole = TaskRun(
        task=task,
        samples=samples,
        holder=ModelHolder(load=lambda: ScriptedModel.constant("yes", name="yes")),
        context=ScoringContext(refusal_rule="strict", seed=0),
        config=GenerationConfig(max_new_tokens=8),
    )
    expected = judge_metric(whole.metric_result("acc"), "point", "fail")
    judge = ShardJudge(Settings(), [task], lambda _t: samples)
    for record in reversed(whole.records()):  # any arrival order
        judge.records.setdefault("X.1", {})[record.sample_id] = record
    outcome, message, properties = judge.judge("X.1", "acc", [s.id for s in samples])
    assert outcome == "failed"
    assert "acc = 0.675, needs >= 0.9" in message
    assert properties[0] == ("multitrust.metric", expected.to_json())
    del judge.records["X.1"]["s4"]  # a shard's worker went down
    outcome, message, _ = judge.judge("X.1", "acc", [s.id for s in samples])
    assert outcome == "failed"
    assert "1 of 9 samples never reported" in message
