"""xdist integration: tasks (or their shards) per worker, one GPU group per worker, facts.

* **Scheduling.** :func:`make_scheduler` gives xdist a scope scheduler whose scope is the
  trust task, so a task's samples and threshold tests run on one worker, in order. The
  threshold tests of custom tasks (``@pytest.mark.trust(task=...)`` tests, which run
  anywhere) are held back until every other test has finished (:func:`held_back`).
* **Shards, longest first.** Under the plugin's scheduler (``-n N``, ``--dist`` left as
  is), long tasks are split into shards (``--mt-shards``, :func:`plan_shards` over the
  pure plan of :mod:`pytest_multitrust.engine.shards`): each shard is its own scope
  (``multitrust/robustness/R.4#2``), generates its own samples in batches on the worker
  that runs it, and the task's threshold tests form a held-back scope
  (``multitrust/robustness/R.4#judge``) judged on the controller from every shard's
  records (:class:`ShardJudge`). A free worker takes the scope of the most modelled
  work left (:func:`scope_ranks`). The controller and each worker compute the same plan
  from the tasks' full sample lists, the settings and the worker count.
* **``-n auto``.** :func:`auto_num_workers` starts one worker per visible GPU, or per
  ``--mt-gpus-per-worker`` GPUs; on a machine without GPUs xdist's own rule applies.
  GPUs are counted from ``CUDA_VISIBLE_DEVICES`` when set, else from ``nvidia-smi -L``:
  torch is never imported for it.
* **Worker → GPU.** The controller splits the GPUs it sees (honouring an outer
  ``CUDA_VISIBLE_DEVICES``) into consecutive groups of ``--mt-gpus-per-worker`` and
  sends worker *i* its group through ``workerinput``; the worker sets
  ``CUDA_VISIBLE_DEVICES`` in ``pytest_configure``, before anything initialises CUDA.
  With more workers than groups, worker *i* shares group ``i mod groups`` (a
  :class:`MultitrustWarning` says so); GPUs left over after the last full group are not
  used. See :func:`plan_worker_devices`.
* **CPU threads.** Each process plans its torch CPU threads once, in
  ``pytest_configure`` (:func:`~pytest_multitrust.engine.threads.plan_threads`, the
  ``--mt-threads`` policy: its share of the cores, fewer when the load average shows them
  busy, the user's own setting untouched), and applies it before the model loads, so
  workers and other processes do not oversubscribe the cores (:func:`thread_plan`).
* **Placement facts.** Each worker's ``CUDA_VISIBLE_DEVICES``, model device, torch
  threads and response-cache counts (:meth:`DistributedPlugin.facts`, a
  :class:`~pytest_multitrust.report.worker.PlacementFacts`) travel to the controller in
  the worker's one :class:`~pytest_multitrust.report.worker.WorkerRecord`, beside its
  model load time and peak memory (:mod:`pytest_multitrust.report.worker`; images reach
  the report folder as files, :mod:`pytest_multitrust.report.images`);
  :func:`placement_facts` lists them on the controller (one entry for the process itself
  without xdist).

The module imports neither xdist nor torch at import time.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from pytest_multitrust.errors import MultitrustWarning
from pytest_multitrust.report.worker import PLACEMENT_KEY, PlacementFacts

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Mapping, Sequence

    from pytest_multitrust.engine.batching import ResponseStore
    from pytest_multitrust.engine.shards import WorkUnit
    from pytest_multitrust.engine.threads import ThreadPlan
    from pytest_multitrust.models.base import MLLM
    from pytest_multitrust.records import SampleRecord
    from pytest_multitrust.settings import Settings
    from pytest_multitrust.tasks.base import Sample, TaskSpec

__all__ = [
    "JUDGE_SCOPE",
    "WORKER_DEVICES_INPUT",
    "DevicePlan",
    "ShardJudge",
    "ShardPlan",
    "activate_shard_judge",
    "auto_num_workers",
    "auto_worker_count",
    "gpus_from_nvidia_smi",
    "held_back",
    "make_scheduler",
    "parse_visible_devices",
    "placement_facts",
    "plan_shards",
    "plan_worker_devices",
    "scope_ranks",
    "task_scope",
    "task_scope_scheduler",
    "thread_plan",
    "visible_gpus",
    "worker_index",
    "worker_shards",
]

ROOT_PREFIX = "multitrust/"

#: ``workerinput`` key of the ``CUDA_VISIBLE_DEVICES`` value the controller gives a worker.
WORKER_DEVICES_INPUT = "multitrust_cuda_visible_devices"
#: ``workerinput`` key: True when the plugin's scheduler places shards (a worker's own
#: ``--dist`` always reads ``no``).
WORKER_SHARDS_INPUT = "multitrust_shards"


# -- scheduling -----------------------------------------------------------------------------


#: Suffix of the scope of a split task's threshold tests (held back, judged on the controller).
JUDGE_SCOPE = "#judge"


def task_scope(nodeid: str, sharded: Mapping[str, Mapping[str, int]] | None = None) -> str:
    """The scheduling scope of a test id.

    A built-in trust test's scope is its task (``multitrust/safety/S.4``), so all of a
    task's samples and its threshold tests run on one worker, in order. A sample of a
    task split into shards (``sharded``: per split task, its sample ids' shards) is in
    its shard's scope, and the task's threshold tests in its held-back judge scope. Any
    other test is its own scope, which spreads it like ``--dist load``.

    >>> task_scope("multitrust/safety/S.4::sample[typographic-0007]")
    'multitrust/safety/S.4'
    >>> task_scope("tests/test_x.py::test_y")
    'tests/test_x.py::test_y'
    >>> shards = {"R.4": {"a-0": 0, "a-1": 1}}
    >>> task_scope("multitrust/robustness/R.4::sample[a-1]", shards)
    'multitrust/robustness/R.4#1'
    >>> task_scope("multitrust/robustness/R.4::threshold[accuracy]", shards)
    'multitrust/robustness/R.4#judge'
    """
    if not nodeid.startswith(ROOT_PREFIX):
        return nodeid
    scope, _, name = nodeid.partition("::")
    placed = (sharded or {}).get(scope.rsplit("/", 1)[-1])
    if not placed:
        return scope
    if name.startswith("sample[") and name.endswith("]"):
        shard = placed.get(name[len("sample[") : -1])
        if shard is not None:
            return f"{scope}#{shard}"
    return scope + JUDGE_SCOPE


def make_scheduler(config: pytest.Config, log: Any) -> Any:
    """A task-scoped scheduler when the run is active and the user gave only ``-n``.

    ``--dist loadgroup`` is not used: with pytest 9.2 and pytest-xdist 3.8 it silently
    stops grouping (pytest-xdist #1386). An explicit ``--dist`` other than the default
    ``load`` is respected.
    """
    from pytest_multitrust.activation import RUN_KEY

    if RUN_KEY not in config.stash or config.getoption("dist", default="no") != "load":
        return None
    from xdist.workermanage import parse_tx_spec_config

    run = config.stash[RUN_KEY]
    task_ids = frozenset(t.id for t in run.tasks)
    workers = len(parse_tx_spec_config(config))
    plan = plan_shards(run.tasks, run.runs.samples_for, run.settings, workers)
    return task_scope_scheduler(config, log, task_ids, plan)


def task_scope_scheduler(
    config: Any, log: Any, task_ids: frozenset[str], plan: ShardPlan | None = None
) -> Any:
    """A scope scheduler for xdist: the trust task (or shard) is the scope, custom tasks last.

    Args:
        config: the pytest config (xdist reads ``--tx``/``-n`` and ``--loadscope-reorder``).
        log: xdist's log producer, or None.
        task_ids: the run's built-in and registered tasks; any other task under
            ``multitrust/`` is a custom one (:func:`held_back`).
        plan: the run's shards and the order of its work (None: tasks whole, in order).
    """
    from xdist.scheduler import LoadScopeScheduling

    sharded = plan.sharded if plan is not None else {}
    ranks = scope_ranks(plan.units, plan.aspects) if plan is not None else {}

    class TaskScopeScheduling(LoadScopeScheduling):  # type: ignore[misc]
        """LoadScope scheduling with the trust task as the scope, custom tasks last.

        A custom task's threshold tests (:func:`held_back`) are judged on the controller
        from the records of its sample tests, which may run on any worker: they are sent
        only once every other test has finished, to one worker (the *last* one, kept
        alive for them while the others are shut down). A worker runs the last test it
        was given only when it gets more work or is shut down, which is why the last
        worker gets them rather than an idle one.
        """

        _last: Any = None  # the worker that will run the held-back scopes

        def _split_scope(self, nodeid: str) -> str:
            return task_scope(nodeid, sharded)

        def _send(self, node: Any, scope: str) -> None:
            work_unit = self.workqueue.pop(scope)
            self.assigned_work.setdefault(node, {})[scope] = work_unit
            collection = self.registered_collections[node]
            node.send_runtest_some(
                [collection.index(nodeid) for nodeid, done in work_unit.items() if not done]
            )

        def _assign_work_unit(self, node: Any) -> None:
            ready = [s for s in self.workqueue if not held_back(s, task_ids)]
            # the most modelled work first; scopes outside the plan after, in queue order
            scope = min(ready, key=lambda s: ranks.get(s, len(ranks))) if ready else None
            if scope is not None:
                self._send(node, scope)
                return
            if self._last is None or self._last not in self.assigned_work:
                self._last = node
            if node is not self._last:
                node.shutdown()  # it finishes what it holds, then leaves
            self._release()

        def _release(self) -> None:
            last = self._last
            if last is None or last not in self.assigned_work or last.shutting_down:
                return
            if not self.workqueue or any(not held_back(s, task_ids) for s in self.workqueue):
                return
            if any(
                self._pending_of(work)
                for node, work in self.assigned_work.items()
                if node is not last
            ):
                return
            while self.workqueue:
                self._send(last, next(iter(self.workqueue)))
            last.shutdown()

        def mark_test_complete(self, node: Any, item_index: int, duration: float = 0) -> None:
            super().mark_test_complete(node, item_index, duration)
            self._release()

        def remove_node(self, node: Any) -> str | None:
            # a crashed task is not sent to the next worker (its model would kill it too)
            from pytest_multitrust.reliability import remove_crashed_node

            crashed: str | None = remove_crashed_node(self, node)
            if node is self._last:
                self._last = None
            self._release()
            return crashed

    return TaskScopeScheduling(config, log)


def held_back(scope: str, task_ids: frozenset[str] | set[str]) -> bool:
    """Whether a scheduling scope waits until every other test has finished.

    True for the scope of a custom task (``multitrust/<aspect>/<task>`` whose task is
    not among the run's built-in and registered ``task_ids``): it holds the task's
    threshold tests, judged from sample tests that may run anywhere; and for the judge
    scope of a task split into shards (``multitrust/<aspect>/<task>#judge``).

    >>> held_back("multitrust/privacy/team.pii-email", {"S.4"})
    True
    >>> held_back("multitrust/safety/S.4", {"S.4"}), held_back("tests/t.py::test_a", {"S.4"})
    (False, False)
    >>> held_back("multitrust/robustness/R.4#judge", {"R.4"})
    True
    >>> held_back("multitrust/robustness/R.4#2", {"R.4"})
    False
    """
    if not scope.startswith(ROOT_PREFIX) or "::" in scope:
        return False
    if scope.endswith(JUDGE_SCOPE):
        return True
    parts = scope.split("/")
    return len(parts) == 3 and parts[2].split("#", 1)[0] not in task_ids


# -- shards --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShardPlan:
    """The run's shards under xdist, and its work units, most modelled work first."""

    sharded: Mapping[str, Mapping[str, int]]  # per split task id: each sample id's shard
    units: tuple[WorkUnit, ...]  # every task's shards (one for a whole task), longest first
    aspects: Mapping[str, str]  # task id -> its aspect (a unit's scope names it)


def plan_shards(
    tasks: Sequence[TaskSpec],
    samples_for: Callable[[TaskSpec], Sequence[Sample]],
    settings: Settings,
    workers: int,
) -> ShardPlan:
    """The shards of ``tasks`` on ``workers`` xdist workers (``--mt-shards``).

    Each task's modelled cost (:data:`~pytest_multitrust.engine.shards.GPU_7B_H100`, its
    samples in the tier and limit, its token limit, PGD steps of attacked images) decides
    its shards (:func:`~pytest_multitrust.engine.shards.shard_counts`); a sample's shard
    is its position in the task's full sample list
    (:func:`~pytest_multitrust.engine.shards.shard_of`), so deselection never moves a
    sample between shards. A task whose data cannot be read stays whole. Without
    workers (``-n 0``) no task is split.
    """
    from pytest_multitrust.engine.shards import (
        GPU_7B_H100,
        shard_counts,
        shard_of,
        task_load,
        work_units,
    )

    loads = []
    lists: dict[str, Sequence[Sample]] = {}
    for task in tasks:
        try:
            samples = samples_for(task)
        except Exception:  # the task's collector reports it; it stays whole
            continue
        lists[task.id] = samples
        loads.append(
            task_load(
                task,
                samples,
                GPU_7B_H100,
                attack_steps=settings.attack_steps,
                max_new_tokens=settings.max_new_tokens,
            )
        )
    counts = shard_counts(loads, workers, settings.shards)
    sharded = {
        task_id: {
            s.id: shard_of(i, len(lists[task_id]), count) for i, s in enumerate(lists[task_id])
        }
        for task_id, count in counts.items()
        if count > 1
    }
    return ShardPlan(
        sharded=sharded,
        units=work_units(loads, counts),
        aspects={t.id: t.aspect for t in tasks},
    )


def scope_ranks(units: Sequence[WorkUnit], aspects: Mapping[str, str]) -> dict[str, int]:
    """Each work unit's scheduling scope and its place in the order (0: taken first).

    >>> from pytest_multitrust.engine.shards import WorkUnit
    >>> units = [WorkUnit("R.4", 1, 2, 112, 450.0), WorkUnit("T.1", 0, 1, 200, 60.0)]
    >>> scope_ranks(units, {"R.4": "robustness", "T.1": "truthfulness"})
    {'multitrust/robustness/R.4#1': 0, 'multitrust/truthfulness/T.1': 1}
    """
    ranks: dict[str, int] = {}
    for rank, unit in enumerate(units):
        scope = f"{ROOT_PREFIX}{aspects.get(unit.task_id, '')}/{unit.task_id}"
        ranks[scope + (f"#{unit.shard}" if unit.shards > 1 else "")] = rank
    return ranks


def worker_shards(config: pytest.Config, settings: Settings) -> Mapping[str, Mapping[str, int]]:
    """This xdist worker's split tasks (each sample id's shard); none outside a worker.

    Only under the plugin's own scheduler (``--dist`` left at ``load``, see
    :func:`make_scheduler`), which places each shard as its own scope: the controller
    says so in ``workerinput`` (:meth:`DistributedPlugin.pytest_configure_node`).
    """
    from pytest_multitrust.activation import RUN_KEY

    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    if workerinput is None or RUN_KEY not in config.stash:
        return {}
    if not workerinput.get(WORKER_SHARDS_INPUT):
        return {}
    run = config.stash[RUN_KEY]
    workers = int(workerinput.get("workercount", 1))
    return plan_shards(run.tasks, run.runs.samples_for, settings, workers).sharded


class ShardJudge:
    """xdist controller: judges the threshold tests of tasks that ran as shards.

    Keeps the sample records of the run's built-in tasks as reports arrive; a split
    task's threshold test (held back until every other test has finished) arrives with
    what to judge (:data:`~pytest_multitrust.collect.SHARD_PENDING_PROPERTY`), and its
    report is completed here before anyone reads it (terminal, JUnit XML, ``--lf``, the
    trust report): the metric from all the task's records, computed as the task's single
    run computes it (:func:`~pytest_multitrust.engine.runner.records_metric_result`).
    """

    def __init__(
        self,
        settings: Settings,
        tasks: Sequence[TaskSpec],
        samples_for: Callable[[TaskSpec], Sequence[Sample]],
    ) -> None:
        """Judge with ``settings`` (gates, thresholds, seed) the split ``tasks``."""
        self.settings = settings
        self.tasks = {t.id: t for t in tasks}
        self.samples_for = samples_for
        self.records: dict[str, dict[str, SampleRecord]] = {}  # task -> sample id -> record
        self._judged: dict[str, list[tuple[str, str]]] = {}  # test id -> judged properties

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> Generator[None, None, None]:
        """Keep records; complete a split task's threshold report before others see it."""
        self._receive(report)
        yield

    def _receive(self, report: pytest.TestReport) -> None:
        import json

        from pytest_multitrust.collect import SHARD_PENDING_PROPERTY
        from pytest_multitrust.custom.judge import complete_report
        from pytest_multitrust.records import SAMPLE_PROPERTY, SampleRecord

        if report.when == "teardown":
            judged = self._judged.get(report.nodeid)
            if judged is not None:
                complete_report(report, SHARD_PENDING_PROPERTY, judged)
            return
        if report.when != "call":
            return
        pending: str | None = None
        for name, value in report.user_properties:
            if name == SAMPLE_PROPERTY and isinstance(value, str):
                record = SampleRecord.from_json(value)
                if record.task_id in self.tasks:
                    self.records.setdefault(record.task_id, {})[record.sample_id] = record
            elif name == SHARD_PENDING_PROPERTY and isinstance(value, str):
                pending = value
        if pending is None:
            return
        raw = json.loads(pending)
        outcome, message, properties = self.judge(
            str(raw["task"]), str(raw["metric"]), [str(s) for s in raw["samples"]]
        )
        complete_report(report, SHARD_PENDING_PROPERTY, properties, outcome, message)
        self._judged[report.nodeid] = properties

    def judge(
        self, task_id: str, metric: str, expected: Sequence[str]
    ) -> tuple[str, str, list[tuple[str, str]]]:
        """``(outcome, message, properties)`` of a split task's threshold test.

        As :meth:`~pytest_multitrust.collect.ThresholdItem.runtest` judges a whole task:
        skipped when nothing counted because every sample was skipped, failed on a
        missed gate (the one-screen message), and failed when a shard's records never
        arrived (its worker went down).
        """
        from pytest_multitrust.collect import ThresholdMiss
        from pytest_multitrust.engine.runner import (
            metric_properties,
            records_metric_result,
            skip_summary,
        )
        from pytest_multitrust.report.gates import judge_metric

        task = self.tasks[task_id]
        wanted = set(expected)
        samples = [s for s in self.samples_for(task) if s.id in wanted]
        received = self.records.get(task_id, {})
        missing = [s.id for s in samples if s.id not in received]
        records = [received[s.id] for s in samples if s.id in received]
        settings = self.settings
        measured = records_metric_result(
            task,
            metric,
            samples,
            records,
            user=settings.threshold_for(task_id, metric),
            seed=settings.seed,
        )
        skipped = skip_summary(records)
        if measured.n == 0 and skipped is not None and not missing:
            return ("skipped", f"{task_id} {metric}: {skipped}", [])
        result = judge_metric(measured, settings.gate_mode, settings.inconclusive)
        properties = metric_properties(result)
        errors = {r.error for r in records if r.verdict == "error"}
        failure = (
            next(iter(errors))
            if records and len(errors) == 1 and all(r.verdict == "error" for r in records)
            else None
        )
        note = (f"\n  every sample errored: {failure}" if failure else "") + (
            f"\n  {len(missing)} of {len(samples)} samples never reported (their worker "
            f"went down): {', '.join(missing[:5])}"
            if missing
            else ""
        )
        if missing or not result.passed:
            return ("failed", str(ThresholdMiss(result, note)), properties)
        return ("passed", "", properties)


# -- GPUs: pure functions ---------------------------------------------------------------------


def parse_visible_devices(value: str | None) -> tuple[str, ...] | None:
    """The devices a ``CUDA_VISIBLE_DEVICES`` value makes visible, as CUDA reads it.

    ``None`` when the variable is unset (every GPU is visible). Entries are indices or
    ``GPU-``/``MIG-`` UUIDs, kept as written; like CUDA, the list ends at the first empty
    or negative entry (``-1`` hides every GPU).

    >>> parse_visible_devices("3, 5")
    ('3', '5')
    >>> parse_visible_devices("0,-1,2"), parse_visible_devices(""), parse_visible_devices(None)
    (('0',), (), None)
    """
    if value is None:
        return None
    devices: list[str] = []
    for part in value.split(","):
        entry = part.strip()
        if not entry or entry.startswith("-"):
            break
        devices.append(entry)
    return tuple(devices)


def gpus_from_nvidia_smi(listing: str) -> tuple[str, ...]:
    r"""GPU indices from the output of ``nvidia-smi -L`` (``GPU 0: NVIDIA H100 (UUID: …)``).

    >>> gpus_from_nvidia_smi("GPU 0: A (UUID: GPU-1)\nGPU 1: B (UUID: GPU-2)\n")
    ('0', '1')
    """
    return tuple(re.findall(r"^GPU (\d+):", listing, flags=re.MULTILINE))


def visible_gpus(
    environ: Mapping[str, str], nvidia_smi: Callable[[], str | None]
) -> tuple[str, ...]:
    """The GPUs this process may use: ``CUDA_VISIBLE_DEVICES`` when set, else ``nvidia-smi``.

    Args:
        environ: the environment (``os.environ``).
        nvidia_smi: returns the output of ``nvidia-smi -L``, or None when there is none.
    """
    listed = parse_visible_devices(environ.get("CUDA_VISIBLE_DEVICES"))
    if listed is not None:
        return listed
    output = nvidia_smi()
    return gpus_from_nvidia_smi(output) if output else ()


def auto_worker_count(gpu_count: int, gpus_per_worker: int) -> int | None:
    """Workers for ``-n auto``: one per ``gpus_per_worker`` visible GPUs.

    Returns:
        None when no GPU is visible (xdist's CPU rule then applies).

    Raises:
        pytest.UsageError: when fewer GPUs are visible than one worker needs.

    >>> auto_worker_count(8, 1), auto_worker_count(8, 3), auto_worker_count(0, 1)
    (8, 2, None)
    """
    if gpu_count == 0:
        return None
    if gpus_per_worker > gpu_count:
        raise pytest.UsageError(
            f"--mt-gpus-per-worker={gpus_per_worker}: only {gpu_count} GPU(s) visible"
        )
    return gpu_count // gpus_per_worker


@dataclass(frozen=True)
class DevicePlan:
    """Which GPUs each xdist worker gets."""

    slices: tuple[tuple[str, ...], ...]  # per worker index: its CUDA_VISIBLE_DEVICES entries
    shared: bool  # some GPU group serves more than one worker
    unused: tuple[str, ...]  # visible GPUs that no worker gets (after the last full group)

    def for_worker(self, index: int) -> tuple[str, ...]:
        """The devices of worker ``index`` (a restarted worker keeps its index)."""
        return self.slices[index % len(self.slices)] if self.slices else ()


def plan_worker_devices(
    worker_count: int, visible: Sequence[str], gpus_per_worker: int = 1
) -> DevicePlan:
    """Split the visible GPUs into consecutive groups, one group per worker.

    Worker *i* gets group ``i mod groups``, where ``groups = len(visible) //
    gpus_per_worker``: with as many workers as groups each has its own GPUs; with more,
    workers *i* and *i + groups* share one group (the plan says ``shared``). GPUs after
    the last full group are unused. No visible GPU gives an empty plan (nothing is set).

    Raises:
        pytest.UsageError: when a worker needs more GPUs than are visible.

    >>> plan_worker_devices(2, ("3", "5")).slices
    (('3',), ('5',))
    >>> plan_worker_devices(2, ("0", "1", "2", "3", "4"), 2).slices
    (('0', '1'), ('2', '3'))
    >>> plan = plan_worker_devices(3, ("0", "1"))
    >>> plan.slices, plan.shared
    ((('0',), ('1',), ('0',)), True)
    """
    if worker_count < 1 or not visible:
        return DevicePlan(slices=(), shared=False, unused=tuple(visible))
    groups = len(visible) // gpus_per_worker
    if groups == 0:
        raise pytest.UsageError(
            f"--mt-gpus-per-worker={gpus_per_worker}: only {len(visible)} GPU(s) visible "
            f"({', '.join(visible)})"
        )
    slices = tuple(
        tuple(visible[(i % groups) * gpus_per_worker : (i % groups + 1) * gpus_per_worker])
        for i in range(worker_count)
    )
    used = min(worker_count, groups) * gpus_per_worker
    return DevicePlan(slices=slices, shared=worker_count > groups, unused=tuple(visible[used:]))


def worker_index(worker_id: str) -> int:
    """The index of an xdist worker id.

    >>> worker_index("gw3")
    3
    """
    match = re.fullmatch(r"[a-z]*(\d+)", worker_id)
    if match is None:
        raise ValueError(f"not an xdist worker id: {worker_id!r}")
    return int(match[1])


def thread_plan(settings: Settings, worker_count: int) -> ThreadPlan:
    """This process's thread plan, measured now: affinity, load average, GPUs, environment.

    A model on the CPU is one under ``--mt-device cpu``, or ``auto`` with no GPU visible
    (counted without torch, as for ``-n auto``).
    """
    from pytest_multitrust.engine.threads import plan_threads

    device = settings.device
    on_cpu = device == "cpu" or (
        device == "auto"
        and settings.threads is None
        and not visible_gpus(os.environ, run_nvidia_smi)
    )
    try:
        load1: float | None = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on this system
        load1 = None
    return plan_threads(
        settings.threads,
        on_cpu=on_cpu,
        cores=_cpu_count(),
        workers=worker_count,
        load1=load1,
        environ=os.environ,
    )


# -- GPUs: the machine ----------------------------------------------------------------------


def run_nvidia_smi() -> str | None:
    """The output of ``nvidia-smi -L``, or None without the tool or on any failure."""
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return None
    try:
        done = subprocess.run([tool, "-L"], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _uses_gpus(device: str) -> bool:
    """Whether ``--mt-device`` lets workers be placed on GPUs (not cpu, mps or cuda:N)."""
    return device in ("auto", "cuda")


def auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` for an active run on GPUs: visible GPUs ÷ ``--mt-gpus-per-worker``.

    Returns:
        None (xdist's own rule) when the run is inactive, its device is not a GPU, or no
        GPU is visible.
    """
    from pytest_multitrust.checks import checked_settings

    settings = checked_settings(config)
    if not settings.active or not _uses_gpus(settings.device):
        return None
    visible = visible_gpus(os.environ, run_nvidia_smi)
    return auto_worker_count(len(visible), settings.gpus_per_worker)


# -- worker facts ---------------------------------------------------------------------------


def placement_facts(config: pytest.Config) -> list[PlacementFacts]:
    """The placement of every worker that reported (controller), sorted by worker id.

    Without xdist the list holds one entry for the process itself, available from
    ``pytest_sessionfinish`` on (after this plugin's own, which runs first).

    Example:
        In a ``conftest.py``::

            from pytest_multitrust.distributed import placement_facts

            def pytest_terminal_summary(terminalreporter, config):
                for facts in placement_facts(config):
                    terminalreporter.line(f"{facts.worker_id}: {facts.device}")
    """
    found = config.stash.get(PLACEMENT_KEY, [])
    return sorted(found, key=lambda f: (len(f.worker_id), f.worker_id))


def _cuda_initialised() -> bool:
    torch = sys.modules.get("torch")
    return bool(torch is not None and torch.cuda.is_initialized())


class DistributedPlugin:
    """Class plugin of an active run: device placement, threads and facts per process."""

    def __init__(self, config: pytest.Config, settings: Settings, store: ResponseStore) -> None:
        """Apply the worker's devices now (in ``pytest_configure``, before CUDA starts)."""
        self.config = config
        self.settings = settings
        self.store = store  # its cache counts are part of the facts
        self.plan: DevicePlan | None = None
        self.device = ""
        self.torch_threads = 0
        self.nodes: dict[str, Any] = {}  # controller: local workers up, by worker id
        workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
        self.worker_id = str(workerinput["workerid"]) if workerinput else "main"
        self.worker_count = int(workerinput["workercount"]) if workerinput else 1
        self.threads = thread_plan(settings, self.worker_count)
        self._preset_threads(config)
        self.cuda_visible_devices: str | None = None
        if workerinput is not None and WORKER_DEVICES_INPUT in workerinput:
            self._apply_devices(str(workerinput[WORKER_DEVICES_INPUT]))

    def _preset_threads(self, config: pytest.Config) -> None:
        """Put the plan in the environment when torch is not imported yet.

        OpenMP reads ``OMP_WAIT_POLICY`` once, when torch starts it; ``OMP_NUM_THREADS``
        gives torch its thread count from its import on, so building a model before the
        factory runs (the embedded model's first build) follows the plan too. An xdist
        controller sets nothing: its workers plan for themselves.
        """
        controller = not hasattr(config, "workerinput") and (
            config.getoption("dist", default="no") != "no"
        )
        if "torch" in sys.modules or controller:
            return
        if self.threads.passive_wait:
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        if self.threads.threads is not None:
            os.environ.setdefault("OMP_NUM_THREADS", str(self.threads.threads))

    def _apply_devices(self, value: str) -> None:
        if _cuda_initialised():
            self.config.issue_config_time_warning(
                MultitrustWarning(
                    f"{self.worker_id}: CUDA was initialised before pytest-multitrust could "
                    f"give this worker its GPUs (CUDA_VISIBLE_DEVICES={value}); something "
                    "imported torch and used CUDA at import time, so workers may share a GPU"
                ),
                stacklevel=2,
            )
        os.environ["CUDA_VISIBLE_DEVICES"] = value
        self.cuda_visible_devices = value

    # controller ---------------------------------------------------------------------------

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """Tell a new worker whether shards are placed; give a local worker its GPUs.

        Both through ``workerinput``.
        """
        node.workerinput[WORKER_SHARDS_INPUT] = (
            self.config.getoption("dist", default="no") == "load"
        )
        if not getattr(node.gateway.spec, "popen", False) or getattr(
            node.gateway.spec, "via", None
        ):
            return  # a remote worker: this machine's GPUs are not its GPUs
        settings = self.settings
        if not _uses_gpus(settings.device):
            return
        if self.plan is None:
            visible = visible_gpus(os.environ, run_nvidia_smi)
            count = int(node.workerinput["workercount"])
            self.plan = plan_worker_devices(count, visible, settings.gpus_per_worker)
            if self.plan.shared:
                groups = len(visible) // settings.gpus_per_worker
                self.config.issue_config_time_warning(
                    MultitrustWarning(
                        f"{count} xdist workers but only {groups} GPU group(s) of "
                        f"{settings.gpus_per_worker} ({', '.join(visible)}): workers share "
                        "GPUs round-robin; use -n auto for one worker per GPU group"
                    ),
                    stacklevel=2,
                )
        devices = self.plan.for_worker(worker_index(str(node.workerinput["workerid"])))
        if devices:
            node.workerinput[WORKER_DEVICES_INPUT] = ",".join(devices)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodeready(self, node: Any) -> None:
        """Remember a local worker, to pass an interrupt on to it."""
        spec = node.gateway.spec
        if getattr(spec, "popen", False) and not getattr(spec, "via", None):
            self.nodes[str(node.gateway.id)] = node

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        """Pass an interrupt of the controller (Ctrl-C, ``SIGTERM``) on to every worker.

        A signal sent to the controller alone (``kill``, ``timeout``, a CI runner) used to
        let each worker finish its whole current task before xdist's teardown killed it,
        so the partial report came late or never. Each worker gets ``SIGTERM``, which it
        takes as an interrupt: it stops within seconds, its completed responses cached.
        """
        import signal

        for worker_id, node in sorted(self.nodes.items()):
            try:
                pid = int(node.gateway._rinfo().pid)  # cached by xdist when it set up
                os.kill(pid, signal.SIGTERM)
            except (OSError, AttributeError, ValueError, TypeError) as error:
                self.config.issue_config_time_warning(
                    MultitrustWarning(f"could not pass the interrupt on to {worker_id}: {error}"),
                    stacklevel=2,
                )
        self.nodes.clear()

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        """Forget a worker that went down (its facts are read by the report's collector)."""
        self.nodes.pop(str(getattr(getattr(node, "gateway", None), "id", "")), None)

    # every process ------------------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_multitrust_make_model(
        self, spec: object, options: object, config: pytest.Config
    ) -> Generator[None, MLLM | None, MLLM | None]:
        """Apply the thread plan before the model builds (or, once torch is in, right after).

        The factory imports torch itself; a model whose weights load on the first cache
        miss (``hf:`` models) loads them after this, with the plan applied.
        """
        self._apply_threads()
        model = yield
        self._apply_threads()
        if model is not None:
            self.device = model.info.device
        return model

    def _apply_threads(self) -> None:
        """Set torch's CPU threads once, when torch has been imported (never import it)."""
        threads = self.threads.threads
        torch = sys.modules.get("torch")
        if self.torch_threads or threads is None or torch is None:
            return
        torch.set_num_threads(threads)
        self.torch_threads = threads

    def facts(self) -> PlacementFacts:
        """This process's facts so far."""
        from pytest_multitrust.engine.cache import stats_of

        stats = stats_of(self.store)
        return PlacementFacts(
            worker_id=self.worker_id,
            cuda_visible_devices=self.cuda_visible_devices,
            device=self.device,
            torch_threads=self.torch_threads,
            cache_hits=stats.hits if stats else 0,
            cache_misses=stats.misses if stats else 0,
            cache_writes=stats.writes if stats else 0,
        )

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Keep the facts here without xdist (a worker sends them in its worker record)."""
        if hasattr(self.config, "workeroutput"):
            return
        if not self.config.pluginmanager.hasplugin("dsession"):
            self.config.stash.setdefault(PLACEMENT_KEY, []).append(self.facts())


def activate(config: pytest.Config, settings: Settings, store: ResponseStore) -> DistributedPlugin:
    """Register the :class:`DistributedPlugin` of an active run (every process)."""
    plugin = DistributedPlugin(config, settings, store)
    config.pluginmanager.register(plugin, "multitrust-distributed")
    return plugin


def activate_shard_judge(
    config: pytest.Config,
    settings: Settings,
    tasks: Sequence[TaskSpec],
    samples_for: Callable[[TaskSpec], Sequence[Sample]],
) -> None:
    """Register the :class:`ShardJudge` on an xdist controller (nothing elsewhere)."""
    if hasattr(config, "workerinput") or config.getoption("dist", default="no") == "no":
        return
    config.pluginmanager.register(
        ShardJudge(settings, tasks, samples_for), "multitrust-shard-judge"
    )
