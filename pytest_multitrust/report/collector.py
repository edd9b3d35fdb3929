"""The controller's collector: gathers records from test reports and prints the summary.

Registered only on the controller (or the single process without xdist). Records arrive
on ``report.user_properties`` — the same channel under xdist and without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.collect import format_value
from pytest_multitrust.records import (
    METRIC_PROPERTY,
    SAMPLE_PROPERTY,
    VERDICT_PROPERTY,
    MetricResult,
    SampleRecord,
)

if TYPE_CHECKING:
    from pytest_multitrust.session import PluginState

__all__ = ["ResultCollector", "summary_lines"]


class ResultCollector:
    """Collects sample records and metric results as reports arrive."""

    def __init__(self, config: pytest.Config, state: PluginState) -> None:
        self.config = config
        self.state = state
        self.samples: list[SampleRecord] = []  # every sample record received
        self.metrics: list[MetricResult] = []  # every metric result received

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Read our records off the call phase of each trust test report."""
        if report.when != "call":
            return
        for name, value in report.user_properties:
            if name == SAMPLE_PROPERTY and isinstance(value, str):
                self.samples.append(SampleRecord.from_json(value))
            elif name == METRIC_PROPERTY and isinstance(value, str):
                result = MetricResult.from_json(value)
                self.metrics.append(result)
                self.config.hook.pytest_multitrust_metric_result(result=result, config=self.config)

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(
        self, report: pytest.TestReport, config: pytest.Config
    ) -> tuple[str, str, str] | None:
        """A sample that missed its criterion passes as ``MISS`` (letter ``m``)."""
        if report.when == "call" and report.passed and (VERDICT_PROPERTY, "miss") in [
            tuple(p) for p in report.user_properties
        ]:
            return ("miss", "m", "MISS")
        return None

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        """One line per task metric: value, threshold, verdict, n."""
        if not self.metrics:
            return
        terminalreporter.section(f"multitrust: {self.state.spec.display}")
        for line, ok in summary_lines(self.metrics):
            terminalreporter.line(line, green=ok, red=not ok)


def summary_lines(metrics: list[MetricResult]) -> list[tuple[str, bool]]:
    """The terminal summary lines, paper order, with their verdict."""
    width = max(len(m.metric) for m in metrics)
    lines = []
    for m in metrics:
        verdict = "PASS" if m.passed else "FAIL"
        ci = (
            f"  95% CI [{format_value(m.ci_low)}, {format_value(m.ci_high)}]"
            if m.ci_low == m.ci_low
            else ""
        )
        errors = f"  errors={m.errors}" if m.errors else ""
        lines.append(
            (
                f"{m.task_id:<5} {m.metric:<{width}}  {format_value(m.value):>5}  "
                f"{m.op} {m.threshold:<5g}  {verdict}  n={m.n}{errors}{ci}  ({m.task_name})",
                m.passed,
            )
        )
    return lines
