"""How a run's tasks split into shards, and in which order xdist workers take them (pure).

Under xdist a task used to run whole on one worker, its generation batched in its first
test's setup; the PGD attacks of R.4 and R.5 then held one worker for most of the run
while the others idled. The plan here splits long tasks into **shards** (consecutive
runs of their samples) that the scheduler places on different workers, each shard
generating its own samples in batches, and orders the work **longest first**:

* :class:`CostModel` gives each sample a modelled cost in seconds: a fixed part, a part
  per new token the task allows, and the PGD steps of an attacked image;
  :func:`task_load` sums it over a task's samples.
* :func:`shard_counts` decides each task's number of shards (``--mt-shards``): ``off``
  (or one worker) keeps every task whole; ``N`` cuts every task into N shards (fewer
  when it has fewer samples); ``auto`` cuts a task whose modelled cost is above half a
  worker's fair share of the run into pieces of about that size, at most one per worker
  and never smaller than :data:`MIN_SHARD_SAMPLES` samples.
* :func:`shard_of` puts the sample at a position of the task's sample list into its
  shard (consecutive blocks of nearly equal size).
* :func:`work_units` lists the shards as :class:`WorkUnit` records, most costly first
  (ties in the order of the tasks); :func:`assign` deals them out the way the scheduler
  does, each to the worker that is free first, and gives the makespan.

The plan depends only on the tasks' full sample lists, the settings and the worker count,
so the xdist controller and every worker compute the same plan without talking.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pytest_multitrust.tasks.base import Sample, TaskSpec

__all__ = [
    "GPU_7B_H100",
    "MIN_SHARD_SAMPLES",
    "Assignment",
    "CostModel",
    "TaskLoad",
    "WorkUnit",
    "assign",
    "shard_counts",
    "shard_of",
    "task_load",
    "work_units",
]

#: ``auto`` never makes a shard of fewer samples than this (a shard batches on its own).
MIN_SHARD_SAMPLES = 16


@dataclass(frozen=True)
class CostModel:
    """Modelled seconds of one sample's work on one worker (batched generation)."""

    sample_s: float  # fixed cost per sample: image, prompt, scoring, its share of a batch
    token_s: float  # per new token the task allows (its max_new_tokens), batch amortised
    attack_step_s: float  # per PGD step of an attacked image (forward + backward)


#: The plan's default for ``--mt-shards auto``: a 7B LLaVA on one H100, batch 8, from the
#: estimate in issue 25 (the standard tier on one GPU takes 30-55 min, of which 19-37 min
#: is the PGD of R.4 and R.5: 336 images x 50 steps), its low end: 1,140 s of PGD is
#: 0.068 s a step; the other 660 s over 8,066 samples allowing 1,212,700 new tokens is
#: 0.05 s a sample and 0.00021 s a token. Only the ratios matter for the plan
#: (``benchmarks/plan_scaleout.py`` prints both ends and a CPU-measured model).
GPU_7B_H100 = CostModel(sample_s=0.05, token_s=0.00021, attack_step_s=0.068)


@dataclass(frozen=True)
class TaskLoad:
    """One task's modelled work."""

    task_id: str  # the task
    samples: int  # its samples in the run (tier and limit applied)
    cost_s: float  # modelled seconds of all its samples on one worker


def task_load(
    task: TaskSpec,
    samples: Sequence[Sample],
    model: CostModel,
    *,
    attack_steps: int,
    max_new_tokens: int | None = None,
) -> TaskLoad:
    """The modelled work of ``task`` over ``samples``.

    Args:
        task: the task (its token limit; whether it attacks its images).
        samples: its samples in the run.
        model: the cost per sample, per token and per PGD step.
        attack_steps: PGD steps per attacked image (``--mt-attack-steps``).
        max_new_tokens: the run's cap on each task's token limit (``--mt-max-new-tokens``).
    """
    tokens = min(task.max_new_tokens, max_new_tokens) if max_new_tokens else task.max_new_tokens
    attacked = sum(s.image is not None for s in samples) if task.transform_image else 0
    cost = len(samples) * (model.sample_s + model.token_s * tokens)
    cost += attacked * attack_steps * model.attack_step_s
    return TaskLoad(task.id, len(samples), cost)


def shard_counts(loads: Sequence[TaskLoad], workers: int, mode: int | None) -> dict[str, int]:
    """The number of shards of each task.

    Args:
        loads: the tasks' modelled work.
        workers: xdist workers (0 or 1: no xdist, every task stays whole).
        mode: ``--mt-shards``: None for ``auto``, 1 for ``off``, N for N shards.

    ``auto`` splits a task whose cost is above ``total / (2 * workers)`` into pieces of
    about that size, at most ``workers`` of them, each of at least
    :data:`MIN_SHARD_SAMPLES` samples; ``N`` splits every task into ``min(N, samples)``.

    >>> loads = [TaskLoad("R.4", 224, 900.0), TaskLoad("T.1", 200, 60.0), TaskLoad("P.1", 10, 40.0)]
    >>> shard_counts(loads, 8, None)
    {'R.4': 8, 'T.1': 1, 'P.1': 1}
    >>> shard_counts(loads, 2, None), shard_counts(loads, 1, None)
    ({'R.4': 2, 'T.1': 1, 'P.1': 1}, {'R.4': 1, 'T.1': 1, 'P.1': 1})
    >>> shard_counts(loads, 8, 4), shard_counts(loads, 8, 1)
    ({'R.4': 4, 'T.1': 4, 'P.1': 4}, {'R.4': 1, 'T.1': 1, 'P.1': 1})
    """
    if workers <= 1:
        return {load.task_id: 1 for load in loads}
    if mode is not None:
        return {load.task_id: max(1, min(mode, load.samples)) for load in loads}
    total = math.fsum(load.cost_s for load in loads)
    piece = total / (2 * workers)
    counts: dict[str, int] = {}
    for load in loads:
        wanted = math.ceil(load.cost_s / piece) if piece > 0 else 1
        counts[load.task_id] = max(1, min(wanted, workers, load.samples // MIN_SHARD_SAMPLES))
    return counts


def shard_of(position: int, samples: int, shards: int) -> int:
    """The shard (0-based) of the sample at ``position`` of a task's ``samples``.

    Consecutive blocks whose sizes differ by at most one sample.

    >>> [shard_of(i, 10, 3) for i in range(10)]
    [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    >>> {shard_of(i, 5, 1) for i in range(5)}
    {0}
    """
    if shards <= 1 or samples <= 0:
        return 0
    return min(position * shards // samples, shards - 1)


@dataclass(frozen=True)
class WorkUnit:
    """One shard of one task: what one worker runs in one go."""

    task_id: str  # the task
    shard: int  # 0-based shard index
    shards: int  # the task's number of shards
    samples: int  # samples in this shard
    cost_s: float  # its modelled seconds


def work_units(loads: Sequence[TaskLoad], counts: Mapping[str, int]) -> tuple[WorkUnit, ...]:
    """The shards of every task, most costly first (ties: task order, then shard order).

    A shard's cost is its task's cost in proportion to its samples.

    >>> loads = [TaskLoad("T.1", 200, 60.0), TaskLoad("R.4", 224, 900.0)]
    >>> [(u.task_id, u.shard, u.samples, u.cost_s) for u in work_units(loads, {"R.4": 2})]
    [('R.4', 0, 112, 450.0), ('R.4', 1, 112, 450.0), ('T.1', 0, 200, 60.0)]
    """
    units: list[WorkUnit] = []
    for load in loads:
        shards = counts.get(load.task_id, 1)
        sizes = [0] * shards
        for position in range(load.samples):
            sizes[shard_of(position, load.samples, shards)] += 1
        for shard, size in enumerate(sizes):
            cost = load.cost_s * size / load.samples if load.samples else load.cost_s
            units.append(WorkUnit(load.task_id, shard, shards, size, cost))
    order = {id(unit): i for i, unit in enumerate(units)}
    return tuple(sorted(units, key=lambda u: (-u.cost_s, order[id(u)])))


@dataclass(frozen=True)
class Assignment:
    """Work units dealt out to workers, and when each worker finishes."""

    workers: tuple[tuple[WorkUnit, ...], ...]  # per worker: its units, in the order taken
    finish_s: tuple[float, ...]  # per worker: modelled seconds until it is done
    makespan_s: float  # the run's modelled wall time: the last worker's finish


def assign(
    units: Sequence[WorkUnit], workers: int, *, start_s: float = 0.0, unit_s: float = 0.0
) -> Assignment:
    """Deal ``units`` out in their order, each to the worker free first (lowest index on ties).

    This is how the scheduler hands out work: a worker asks for the next unit when it
    has finished its last one.

    Args:
        units: the work, in the order it is handed out.
        workers: the number of workers (at least 1).
        start_s: each worker's cost before its first unit (its model load).
        unit_s: each unit's extra cost (a shard's own last, partly filled batch).

    >>> loads = [TaskLoad("A", 4, 4.0), TaskLoad("B", 3, 3.0), TaskLoad("C", 3, 3.0)]
    >>> units = work_units(loads, {})
    >>> plan = assign(units, 2)
    >>> [[u.task_id for u in w] for w in plan.workers], plan.makespan_s
    ([['A'], ['B', 'C']], 6.0)
    >>> assign(units, 1, start_s=1.0).makespan_s
    11.0
    """
    count = max(1, workers)
    taken: list[list[WorkUnit]] = [[] for _ in range(count)]
    finish = [start_s] * count
    for unit in units:
        worker = min(range(count), key=lambda w: (finish[w], w))
        taken[worker].append(unit)
        finish[worker] += unit.cost_s + unit_s
    return Assignment(
        workers=tuple(tuple(t) for t in taken),
        finish_s=tuple(finish),
        makespan_s=max(finish),
    )
