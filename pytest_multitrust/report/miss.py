"""A missed sample is a skip with a ``MISS`` reason in every report format.

A sample test whose model misses the sample's criterion must neither fail the run (the
threshold tests and gates decide that) nor count as a pass: a CI dashboard reading the
JUnit XML would otherwise show a random-weights model passing most of its tests. So the
call report of a missed sample is turned into a **skip** whose reason starts with
``MISS:`` — JUnit XML writes ``<skipped type="pytest.skip" message="MISS: …"/>``, which
GitHub, GitLab, Jenkins and Azure DevOps render as skipped (neither passed nor failed),
and the exit status stays the gates' — while the terminal still shows ``m``/``MISS``
(the collector's ``pytest_report_teststatus``).

Why not ``<failure>``: MISS is a per-sample observation, not a broken test; a model that
meets every threshold still misses some samples, and a dashboard of hundreds of
failures for a run that exits 0 would contradict the verdict instead of showing it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.records import SAMPLE_PROPERTY, VERDICT_PROPERTY, SampleRecord
from pytest_multitrust.reliability import terminal_safe

if TYPE_CHECKING:
    from collections.abc import Generator

__all__ = ["MissAsSkip", "miss_reason"]

#: The prefix of a missed sample's skip reason.
MISS_PREFIX = "MISS: "


def miss_reason(report: pytest.TestReport) -> str:
    """``MISS: <task> <sample>: expected …; <what the scorer saw>`` from the report's records."""
    for name, value in report.user_properties:
        if name == SAMPLE_PROPERTY and isinstance(value, str):
            record = SampleRecord.from_json(value)
            if record.verdict == "miss":
                parts = [f"{record.task_id} {record.sample_id}"]
                if record.expected:
                    parts.append(f"expected {record.expected}")
                if record.detail:
                    parts.append(record.detail)
                # the detail quotes the answer: any string a model returns, lone surrogates
                # and control characters included, which xdist cannot send and a terminal
                # or JUnit file must not get raw
                return MISS_PREFIX + terminal_safe("; ".join(parts))
    return MISS_PREFIX + "the sample's criterion was not met"


class MissAsSkip:
    """Turns the passed call report of a missed sample into a ``MISS`` skip."""

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Outermost wrapper: sees the verdict every other wrapper put on the report."""
        report = yield
        if (
            report.when == "call"
            and report.passed
            and (VERDICT_PROPERTY, "miss") in [tuple(p) for p in report.user_properties]
        ):
            path, line, _ = item.location
            report.outcome = "skipped"
            report.longrepr = (path, (line or 0) + 1, miss_reason(report))
        return report
