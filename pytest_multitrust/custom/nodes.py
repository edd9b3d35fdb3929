"""The threshold tests of custom tasks: ``multitrust/<aspect>/<task>::threshold[<metric>]``.

A custom task (made of ``@pytest.mark.trust(task=...)`` tests) is collected beside the
built-in tasks of its aspect; its collector yields one :class:`CustomThresholdItem` per
metric. Its sample tests are the user's own test functions, anywhere in the suite, so
the item is judged where their records are:

* without xdist, in this process, as an ordinary assertion, after every sample test
  (custom threshold tests are moved to the end of the run);
* on an xdist worker the item only says, on its ``user_properties``, which task and
  samples it judges; the controller, which receives every worker's records the same
  way, judges it there and completes this item's own report (outcome, message, metric
  properties) before anyone reads it (terminal, JUnit XML, pytest's ``--lf`` record,
  trust report); no other test's report is changed. The plugin's scheduler runs these
  items only once every other test has finished.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import pytest

from pytest_multitrust.custom.judge import PENDING_PROPERTY, PendingJudgement

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from pytest_multitrust.custom.declare import CustomTask
    from pytest_multitrust.custom.judge import Judgement

__all__ = ["CustomTaskCollector", "CustomThresholdError", "CustomThresholdItem"]


class ThresholdJudge(Protocol):
    """What the threshold nodes ask of the custom-test plugin (``custom.plugin.CustomTrust``).

    A protocol, so that the nodes do not import the plugin that creates them.
    """

    aspect_markers: tuple[str, ...]  # marker names an aspect may add

    def selected_samples(self, task_id: str) -> list[str]:
        """The sample test ids of ``task_id`` selected in this session."""
        ...

    def judge(
        self, nodeid: str, task: CustomTask, metric: str, expected: Sequence[str]
    ) -> Judgement:
        """Judge threshold test ``nodeid`` from the records that arrived here."""
        ...


class CustomThresholdError(Exception):
    """A custom task's metric missed its threshold, or could not be judged."""


class CustomTaskCollector(pytest.Collector):
    """Collects the threshold tests of one custom task."""

    task: CustomTask
    custom: ThresholdJudge

    def collect(self) -> Iterator[pytest.Item]:
        """One threshold test per metric the task's tests declare."""
        for metric in self.task.metrics:
            item = CustomThresholdItem.from_parent(
                self,
                name=f"threshold[{metric.name}]",
                nodeid=f"{self.nodeid}::threshold[{metric.name}]",
            )
            item.task = self.task
            item.metric = metric.name
            item.custom = self.custom
            item.add_marker(pytest.mark.trust)
            if self.task.aspect in self.custom.aspect_markers:
                item.add_marker(getattr(pytest.mark, self.task.aspect))
            yield item


class CustomThresholdItem(pytest.Item):
    """A custom task metric against its threshold, judged from its sample tests' records."""

    task: CustomTask
    metric: str
    custom: ThresholdJudge

    def runtest(self) -> None:
        """Judge here without xdist; on a worker, leave the judgement to the controller."""
        expected = self.custom.selected_samples(self.task.id)
        if hasattr(self.config, "workerinput"):
            pending = PendingJudgement(self.task, self.metric, tuple(expected))
            self.user_properties.append((PENDING_PROPERTY, pending.to_json()))
            return
        judgement = self.custom.judge(self.nodeid, self.task, self.metric, expected)
        self.user_properties.extend(judgement.properties)
        if judgement.outcome == "skipped":
            pytest.skip(judgement.message)
        if judgement.outcome == "failed":
            raise CustomThresholdError(judgement.message)

    def reportinfo(self) -> tuple[str, int | None, str]:
        """Where the test is: the task's place in the trust tree."""
        return (str(self.path), None, self.name)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: str | None = None,
    ) -> str:
        """The domain message, without a traceback.

        Anything else is shown as Python prints it, without pytest's and pluggy's frames.
        """
        if isinstance(excinfo.value, CustomThresholdError):
            return str(excinfo.value)
        from pytest_multitrust.reliability import format_failure

        return format_failure(excinfo.value)
