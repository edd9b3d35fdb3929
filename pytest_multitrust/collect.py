"""The pytest nodes of the built-in trust suite.

Tree and ids::

    multitrust                                  MultitrustRoot
    multitrust/safety                           AspectCollector
    multitrust/safety/S.4                       TaskCollector   (xdist scope: one worker)
    multitrust/safety/S.4::sample[typographic-0007]    SampleItem
    multitrust/safety/S.4::threshold[rta]              ThresholdItem

Sample items come first, then one threshold item per metric, so that under
``--dist loadscope`` a task's threshold test runs after its samples, on the same worker.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.records import (
    SAMPLE_PROPERTY,
    VERDICT_PROPERTY,
    MetricResult,
    SampleRecord,
)
from pytest_multitrust.report.model import TIMING_PROPERTY, TaskTiming
from pytest_multitrust.terminal_progress import PROGRESS_PROPERTY, worth_a_line

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import pluggy

    from pytest_multitrust.engine.runner import TaskRun
    from pytest_multitrust.engine.runs import TaskRuns
    from pytest_multitrust.progress import ProgressEvent
    from pytest_multitrust.settings import Settings
    from pytest_multitrust.tasks.base import Sample, TaskSpec

__all__ = [
    "SHARD_PENDING_PROPERTY",
    "AspectCollector",
    "DataErrorItem",
    "MultitrustRoot",
    "SampleError",
    "SampleItem",
    "Suite",
    "TaskCollector",
    "TaskDataError",
    "ThresholdItem",
    "ThresholdMiss",
    "format_metric_failure",
]

ROOT = "multitrust"

#: ``user_properties`` key of the threshold test of a task that ran as shards on several
#: xdist workers: its task, metric and selected sample ids as JSON; the controller judges
#: the metric from every shard's records and completes the test's report.
SHARD_PENDING_PROPERTY = "multitrust.shard_pending"


@dataclass(frozen=True)
class Suite:
    """What the nodes of the trust suite need, handed to its root by the session."""

    tasks: tuple[TaskSpec, ...]  # selected built-in and registered tasks, paper order
    runs: TaskRuns  # each task's samples and run
    settings: Settings  # gate mode and --mt-inconclusive, for the threshold tests
    custom_aspects: Callable[[], list[str]]  # aspects of the custom tasks collected so far
    custom_collectors: Callable[[pytest.Collector, str], Iterator[pytest.Collector]]  # an
    # aspect collector's custom task collectors
    finished_steps: Callable[[], list[ProgressEvent]]  # the last events of the progress
    # steps finished since the last call
    step_line: Callable[[ProgressEvent], str]  # a finished step's line (a worker's prefixed)
    worker: str  # this process: its xdist worker id, or "main"


class MultitrustRoot(pytest.Directory):
    """Collects the selected built-in tasks, grouped by aspect.

    A :class:`pytest.Directory` at ``<rootdir>/multitrust`` (a directory that need not
    exist), and every node below shares that path: pytest then loads the conftest files
    from the rootdir down to it, and their hooks (``pytest_runtest_setup``,
    ``pytest_runtest_makereport``, ...) reach the trust tests as they reach the user's own.
    """

    suite: Suite

    def collect(self) -> Iterator[AspectCollector]:
        """One collector per aspect that has selected or custom tasks, in paper order."""
        aspects: list[str] = []
        for aspect in [t.aspect for t in self.suite.tasks] + self.suite.custom_aspects():
            if aspect not in aspects:
                aspects.append(aspect)
        for aspect in aspects:
            node = AspectCollector.from_parent(
                self, name=aspect, nodeid=f"{ROOT}/{aspect}", path=self.path
            )
            node.suite = self.suite
            node.add_marker(pytest.mark.trust)
            yield node


class AspectCollector(pytest.Collector):
    """Collects the tasks of one aspect."""

    suite: Suite

    def collect(self) -> Iterator[pytest.Collector]:
        """One collector per selected task of this aspect, then its custom tasks."""
        for task in self.suite.tasks:
            if task.aspect == self.name:
                node = TaskCollector.from_parent(
                    self, name=task.id, nodeid=f"{self.nodeid}/{task.id}", path=self.path
                )
                node.suite = self.suite
                node.task = task
                yield node
        yield from self.suite.custom_collectors(self, self.name)


class TaskCollector(pytest.Collector):
    """Collects one task: its sample tests, then its threshold tests."""

    suite: Suite
    task: TaskSpec

    def collect(self) -> Iterator[pytest.Item]:
        """Sample items (tier and limit applied), then one threshold item per metric.

        When the task's data cannot be loaded (a bad line in a custom task's JSONL, a
        user loader that raises), the task is dropped: one :class:`DataErrorItem` stands
        for it and errors with the reason; every other task runs.
        """
        try:
            samples = self.suite.runs.samples_for(self.task)
        except Exception as error:
            dropped = DataErrorItem.from_parent(self, name="data", nodeid=f"{self.nodeid}::data")
            dropped.task = self.task
            dropped.error = error
            dropped.add_marker(pytest.mark.trust)
            dropped.add_marker(getattr(pytest.mark, self.task.aspect))
            yield dropped
            return
        for sample in samples:
            item = SampleItem.from_parent(
                self, name=f"sample[{sample.id}]", nodeid=f"{self.nodeid}::sample[{sample.id}]"
            )
            item.task = self.task
            item.sample = sample
            item.suite = self.suite
            item.add_marker(pytest.mark.trust)
            item.add_marker(getattr(pytest.mark, self.task.aspect))
            yield item
        for metric in self.task.metrics:
            threshold = ThresholdItem.from_parent(
                self,
                name=f"threshold[{metric.name}]",
                nodeid=f"{self.nodeid}::threshold[{metric.name}]",
            )
            threshold.task = self.task
            threshold.metric = metric.name
            threshold.suite = self.suite
            threshold.add_marker(pytest.mark.trust)
            threshold.add_marker(getattr(pytest.mark, self.task.aspect))
            yield threshold


class SampleError(Exception):
    """A sample could not be generated or scored (model crash, bad data)."""


class TaskDataError(Exception):
    """A task's data could not be loaded; the task is dropped."""


class DataErrorItem(pytest.Item):
    """Stands for a task whose data could not be loaded: fails once with the reason.

    A collection error would stop the whole session before any test runs (pytest's
    rule), built-in tasks included; this item drops only its task.
    """

    task: TaskSpec
    error: Exception

    def runtest(self) -> None:
        """Fail with the load failure (the reason alone, see :meth:`repr_failure`)."""
        from pytest_multitrust.errors import DataError
        from pytest_multitrust.reliability import terminal_safe

        reason = (
            str(self.error)
            if isinstance(self.error, DataError)
            else (f"{type(self.error).__name__}: {self.error}")
        )
        raise TaskDataError(
            terminal_safe(
                f"{self.task.id}: the task's data could not be loaded, so the task is dropped "
                f"(the other tasks run):\n{reason}"
            )
        )

    def reportinfo(self) -> tuple[str, int | None, str]:
        """Where the test is shown: the trust suite's path and ``data``."""
        return (str(self.path), None, self.name)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: str | None = None,
    ) -> str:
        """The reason alone, without a traceback of the plugin."""
        if isinstance(excinfo.value, TaskDataError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))  # type: ignore[arg-type]


class ThresholdMiss(Exception):
    """A task metric missed its threshold."""

    def __init__(self, result: MetricResult, note: str = "") -> None:
        """The failure of ``result``; ``note`` (why the task failed, say) is appended."""
        from pytest_multitrust.reliability import terminal_safe

        # format_metric_failure is inert in a terminal already; the note may hold
        # model-made text (an error) too
        super().__init__(format_metric_failure(result) + terminal_safe(note))
        self.result = result


class _TrustItem(pytest.Item):
    suite: Suite
    task: TaskSpec

    @property
    def run(self) -> TaskRun:
        sample: Sample | None = getattr(self, "sample", None)
        return self.suite.runs.run_for(self.task.id, sample.id if sample is not None else None)

    @property
    def ihook(self) -> pluggy.HookRelay:
        """The usual hooks, with a cheaper capture of the same log records.

        The logging plugin's phase wrappers are replaced (:mod:`pytest_multitrust.item_logging`).
        """
        from pytest_multitrust.item_logging import item_hooks

        hooks: pluggy.HookRelay = item_hooks(self)
        return hooks

    def setup(self) -> None:
        """Generate the task, once, in the setup of its first test: its own phase.

        ``--durations`` and JUnit's setup time then charge the task's model load,
        attacks, generation and scoring to the setup of the task's first test (its
        first sample, or its threshold test when no sample was selected), and its
        call to the test itself. The steps that finished meanwhile are kept in the test's
        ``user_properties``: one line per step (``multitrust.progress``: JUnit XML shows
        them) and the task's :class:`~pytest_multitrust.report.model.TaskTiming`
        (``multitrust.timing``), which the report's collector reads, from an xdist worker
        as from this process.
        """
        if self.config.getoption("setupplan", default=False):
            return
        if not isinstance(self, SampleItem) and self.suite.runs.sharded(self.task.id):
            return  # judged on the controller from the shards' records
        if self.run.done:
            return  # the setup of the task's first test did the work
        self.suite.finished_steps()  # steps before this setup (the model's files) are not its
        started = time.perf_counter()
        try:
            self.run.records()  # a failure is remembered per sample and raised by runtest
        finally:
            setup_s = time.perf_counter() - started
            steps = self.suite.finished_steps()
            lines = [self.suite.step_line(e) for e in steps if worth_a_line(e)]
            if lines:
                self.user_properties.append((PROGRESS_PROPERTY, "\n".join(lines)))
            timing = TaskTiming.from_steps(self.task.id, self.suite.worker, setup_s, steps)
            self.user_properties.append((TIMING_PROPERTY, timing.to_json()))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return (str(self.path), None, self.name)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: str | None = None,
    ) -> str:
        """Domain message without traceback for our own failures.

        Anything else (a hook of the suite's conftest that raised, say) is shown as
        Python prints it, without the frames of pytest and pluggy that led to it.
        """
        if isinstance(excinfo.value, SampleError | ThresholdMiss):
            return str(excinfo.value)
        from pytest_multitrust.reliability import format_failure

        return format_failure(excinfo.value)


class SampleItem(_TrustItem):
    """One sample of a task: passes, is a MISS, errors, or is skipped (cannot run here)."""

    sample: Sample

    def runtest(self) -> None:
        """Get this sample's scored record (the task generates on first use)."""
        record: SampleRecord = self.run.record(self.sample.id)
        self.user_properties.append((SAMPLE_PROPERTY, record.to_json()))
        self.user_properties.append((VERDICT_PROPERTY, record.verdict))
        if record.verdict == "skip":
            pytest.skip(f"{self.task.id} sample {self.sample.id}: {record.skip_reason}")
        if record.verdict == "error":
            from pytest_multitrust.reliability import terminal_safe

            details = self.run.take_failure_details()  # a task failure's traceback, once
            raise SampleError(
                terminal_safe(  # a server's or model's text must not drive the tty
                    f"{self.task.id} sample {self.sample.id}: {record.error}\n"
                    f"prompt: {_short(record.prompt)}" + (f"\n\n{details}" if details else "")
                )
            )


class ThresholdItem(_TrustItem):
    """The task metric against its threshold, in the metric's direction."""

    metric: str

    def runtest(self) -> None:
        """Compute the metric from all selected samples and assert the threshold.

        The verdict comes from the same gate judgement as the aspect gates
        (:func:`pytest_multitrust.report.gates.judge_metric`: ``--mt-gate`` point, the
        default, or interval, where an inconclusive verdict counts as
        ``--mt-inconclusive`` says). The
        value, threshold and verdict are also plain properties, for JUnit XML readers.
        A task that ran as shards on several xdist workers is judged on the controller
        instead, from every shard's records
        (:class:`~pytest_multitrust.distributed.ShardJudge`): this test only says what.
        """
        from pytest_multitrust.engine.runner import metric_properties
        from pytest_multitrust.report.gates import judge_metric

        shard_samples = self.suite.runs.sharded(self.task.id)
        if shard_samples is not None:  # its shards ran on several workers
            import json

            pending = {"task": self.task.id, "metric": self.metric, "samples": shard_samples}
            self.user_properties.append((SHARD_PENDING_PROPERTY, json.dumps(pending)))
            return
        settings = self.suite.settings
        measured = self.run.metric_result(self.metric)
        skipped = self.run.skip_reason()
        if measured.n == 0 and skipped is not None:  # nothing counted because nothing ran
            pytest.skip(f"{self.task.id} {self.metric}: {skipped}")
        result = judge_metric(measured, settings.gate_mode, settings.inconclusive)
        self.user_properties.extend(metric_properties(result))
        if not result.passed:
            failure = self.run.failure
            details = self.run.take_failure_details() if failure else ""
            raise ThresholdMiss(
                result,
                (f"\n  every sample errored: {failure}" if failure else "")
                + (f"\n\n{details}" if details else ""),
            )


def _short(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def format_metric_failure(result: MetricResult) -> str:
    """The one-screen message of a failed threshold test.

    Inert in a terminal (:func:`~pytest_multitrust.reliability.terminal_safe`): the worst
    samples' answers and scorer details, and custom task names, can be model- or user-made.
    """
    from pytest_multitrust.engine.runner import format_value
    from pytest_multitrust.reliability import terminal_safe
    from pytest_multitrust.report.gates import uncertain

    lines = [
        f"{result.task_id} {result.task_name}: {result.metric} = {format_value(result.value)}, "
        f"needs {result.op} {result.threshold:g}"
        + (
            " (inconclusive: the value meets it but the 95% CI reaches past it, under "
            "--mt-gate=interval with --mt-inconclusive=fail)"
            if result.verdict == "inconclusive"
            else ""
        )
        + (
            " (uncertain: the 95% CI reaches past the threshold)"
            if result.verdict == "fail"
            and uncertain(result.value, result.ci_low, result.ci_high, result.op, result.threshold)
            else ""
        ),
        f"  n = {result.n} samples"
        + (f" ({result.errors} errored, not counted)" if result.errors else "")
        + f", 95% CI [{format_value(result.ci_low)}, {format_value(result.ci_high)}]"
        + f", scorer: {result.scorer}",
    ]
    if result.value != result.value:  # NaN: say why an n/a fails
        lines.append(
            "  n/a: no value could be computed from these samples, so the threshold cannot "
            "be met (a failed scorer says why on the scorer line; a statistic needs enough "
            "samples in each group, which a small --mt-limit may not leave)"
        )
    if result.worst:
        lines.append("  worst samples:")
        for worst in result.worst:
            lines.append(
                f"    {worst.sample_id}: {result.metric}={format_value(worst.value)}  "
                f"response: {_short(worst.response, 70)!r}"
                + (f"  ({_short(worst.detail, 50)})" if worst.detail else "")
            )
    return terminal_safe("\n".join(lines))
