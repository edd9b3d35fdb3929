"""The controller's collector: records in, trust report, gates and exit status out.

Registered only on the controller (or the single process without xdist). Per-test
records arrive on ``report.user_properties`` — the same channel under xdist and without
it — so whatever arrived is reported even when a worker dies or the run is interrupted.
Each worker's facts (model info, device, memory, placement) arrive as one
:class:`~pytest_multitrust.report.worker.WorkerRecord` on ``workeroutput`` in
``pytest_testnodedown``; without xdist they are read from this process.

At ``pytest_sessionfinish`` the collector aggregates the scores, judges the aspect,
overall and regression gates, sets a failing exit status the way ``--cov-fail-under``
does, writes the report files and saves the baseline; ``pytest_terminal_summary`` then
prints the trust card and the gates.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from pytest_multitrust.errors import DataError, MultitrustWarning
from pytest_multitrust.records import (
    METRIC_PROPERTY,
    SAMPLE_PROPERTY,
    VERDICT_PROPERTY,
    MetricResult,
    SampleRecord,
)
from pytest_multitrust.report.card import card_lines, comparison_lines, gate_lines, metric_line
from pytest_multitrust.report.model import TIMING_PROPERTY, TaskTiming, WorkerFacts
from pytest_multitrust.report.worker import (
    PLACEMENT_KEY,
    WORKER_OUTPUT_KEY,
    WorkerRecord,
    worker_facts,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path

    from pytest_multitrust.engine.runner import ModelHolder
    from pytest_multitrust.report.model import TrustReport
    from pytest_multitrust.settings import Settings
    from pytest_multitrust.tasks.base import Sample, TaskSpec
    from pytest_multitrust.tasks.manifest import DataVersion

__all__ = ["ReportInputs", "ResultCollector", "summary_lines"]


@dataclass(frozen=True)
class ReportInputs:
    """What the collector needs of the run, besides the records that arrive."""

    settings: Settings  # validated settings
    tasks: tuple[TaskSpec, ...]  # selected built-in and registered tasks, paper order
    model: str  # the model under test as the summary's title shows it
    holder: ModelHolder  # this process's model (its facts, without xdist)
    samples_of: Callable[[TaskSpec], Sequence[Sample]]  # a task's samples (for comparisons)
    data: tuple[DataVersion, ...] | None  # provenance of --mt-data=official (None: built-in)
    notes: tuple[tuple[str, str], ...]  # (key, text) notes for the report
    # the custom trust-test tasks collected in this process: id -> (aspect, sub-aspect)
    # (none on an xdist controller, which collects nothing: its workers send theirs)
    custom_tasks: Callable[[], Mapping[str, tuple[str, str]]] = dict


class ResultCollector:
    """Collects records as reports arrive; at the end, judges gates and writes the report."""

    def __init__(self, config: pytest.Config, inputs: ReportInputs) -> None:
        """Set up; resolve ``--mt-compare``'s baseline now, so a bad one stops the run early.

        Raises:
            pytest.UsageError: for a bad ``--mt-save`` name or an unusable baseline.
        """
        from pytest_multitrust.report.baseline import (
            STORAGE_DIR,
            find_baseline,
            load_baseline,
            machine_id,
            validate_name,
        )

        self.config = config
        self.inputs = inputs
        self.samples: list[SampleRecord] = []  # every sample record received
        self.metrics: list[MetricResult] = []  # every metric result received
        self.timings: list[TaskTiming] = []  # each task's timing, from its first test's setup
        self.workers: dict[str, WorkerFacts] = {}  # xdist worker id -> its facts
        self.crashed: set[str] = set()  # xdist workers that went down with an error
        self.custom: dict[str, tuple[str, str]] = {}  # custom tasks the workers collected
        self.started = datetime.now(UTC)
        self.report: TrustReport | None = None  # set at session finish
        self.written: list[Path] = []  # report files written
        self.saved: Path | None = None  # where --mt-save stored the run
        self.machine = machine_id()
        self.storage = config.rootpath / STORAGE_DIR
        settings = inputs.settings
        if settings.save:
            validate_name(settings.save)
        self.baseline: TrustReport | None = None
        self.baseline_path: Path | None = None
        if settings.compare is not None:
            self.baseline_path = find_baseline(
                self.storage, settings.compare, self.machine, config.invocation_params.dir
            )
            try:
                self.baseline = load_baseline(self.baseline_path)
            except DataError as error:
                raise pytest.UsageError(f"--mt-compare: {error}") from None

    # -- records in -------------------------------------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Read our records off the call phase of each trust test report (timings: setup)."""
        if report.when == "setup":
            self.timings += [
                TaskTiming.from_json(value)
                for name, value in report.user_properties
                if name == TIMING_PROPERTY and isinstance(value, str)
            ]
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
        """A missed sample shows as ``MISS`` (``m``); an inconclusive gate as ``INCONCLUSIVE``.

        A missed sample's report is a skip by now (:mod:`~pytest_multitrust.report.miss`:
        JUnit readers see it skipped); an inconclusive threshold test reaches here as
        passed only under ``--mt-inconclusive=pass``, otherwise it is an ordinary failure.
        """
        if report.when != "call" or not (report.passed or report.skipped):
            return None
        properties = [tuple(p) for p in report.user_properties]
        if (VERDICT_PROPERTY, "miss") in properties:
            return ("miss", "m", "MISS")
        if report.skipped:
            return None
        if (VERDICT_PROPERTY, "inconclusive") in properties:
            return ("inconclusive", "i", "INCONCLUSIVE")
        return None

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object | None) -> None:
        """Read a worker's record off its ``workeroutput`` (xdist only).

        Its facts join the report, its placement
        :func:`~pytest_multitrust.distributed.placement_facts`.
        """
        output: dict[str, Any] = getattr(node, "workeroutput", None) or {}
        worker = str(getattr(getattr(node, "gateway", None), "id", "worker"))
        raw = output.get(WORKER_OUTPUT_KEY)
        if isinstance(raw, str):
            try:
                record = WorkerRecord.from_json(raw)
            except (ValueError, TypeError, KeyError) as error:  # a fact must not break the run
                self.config.issue_config_time_warning(
                    MultitrustWarning(f"unreadable facts from worker {worker}: {error}"),
                    stacklevel=2,
                )
            else:
                worker = record.facts.worker
                self.workers[worker] = record.facts
                self.custom.update((i, (a, s)) for i, a, s in record.custom_tasks)
                self.config.stash.setdefault(PLACEMENT_KEY, []).append(record.placement)
        if error is not None:
            self.crashed.add(worker)

    # -- report out -------------------------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Judge gates, set the exit status, write the report files and save the run."""
        if session.config.option.collectonly:
            return
        self._finish(session, int(exitstatus))

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """Last resort: write what arrived when the session never finished normally."""
        if self.report is None and (self.samples or self.metrics):
            self._finish(None, int(pytest.ExitCode.INTERRUPTED))

    def _finish(self, session: pytest.Session | None, exitstatus: int) -> None:
        from pytest_multitrust.report.assemble import build_report
        from pytest_multitrust.report.gates import unjudged_thresholds

        settings = self.inputs.settings
        interrupted, reason = _interruption(session, exitstatus, sorted(self.crashed))
        workers = self._worker_facts()
        report = build_report(
            settings=settings,
            tasks=self.inputs.tasks,
            metrics=self.metrics,
            samples=self.samples,
            workers=workers,
            started=self.started,
            finished=datetime.now(UTC),
            root=self.config.rootpath,
            machine=self.machine,
            exit_status=exitstatus,
            interrupted=interrupted,
            reason=reason,
            data=self.inputs.data,
            notes=self.inputs.notes,
            timings=self.timings,
            custom={**self.custom, **self.inputs.custom_tasks()},
        )
        # ini thresholds may serve several selections: the ones this run cannot judge are
        # noted once (on the command line they are usage errors, see settings); an aspect
        # that a custom task scored is judged whatever the selection
        for threshold in unjudged_thresholds(
            report.scores,
            settings.thresholds,
            settings.task_ids or None,
            {t.aspect for t in self.inputs.tasks},
        ):
            warnings.warn(
                MultitrustWarning(
                    f"threshold {threshold.source or threshold.target!r} (multitrust_thresholds) "
                    f"is not judged in this run: no selected task is scored by it (selected: "
                    f"{', '.join(settings.task_ids) or 'none'})"
                ),
                stacklevel=1,
            )
        report = self._with_comparison(report)
        failed = report.failed_gates
        if failed and session is not None and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        final = int(session.exitstatus) if session is not None else exitstatus
        report = _replace_status(report, final)
        results = self.config.hook.pytest_multitrust_update_report(
            report=report, config=self.config
        )
        report = next((r for r in results if r is not None), report)
        self.report = report
        self._write(report)

    def _worker_facts(self) -> list[WorkerFacts]:
        import dataclasses

        facts = dict(self.workers)
        for worker in self.crashed:
            facts[worker] = dataclasses.replace(
                facts.get(worker, WorkerFacts(worker, None, 0.0, None)), crashed=True
            )
        if not facts and not hasattr(self.config, "workerinput"):
            local = worker_facts(self.inputs.holder, "main")
            if local.model is not None:
                facts["main"] = local
        return list(facts.values())

    def _with_comparison(self, report: TrustReport) -> TrustReport:
        import dataclasses

        from pytest_multitrust.report.baseline import compare, regression_gates

        if self.baseline is None or self.baseline_path is None:
            return report
        settings = self.inputs.settings
        comparison = compare(
            report,
            self.baseline,
            self.baseline_path,
            settings.compare_fail,
            seed=settings.seed,
            tasks=self.inputs.tasks,
            samples_of=self.inputs.samples_of,
        )
        for difference in comparison.differences:
            warnings.warn(
                MultitrustWarning(f"--mt-compare {comparison.baseline_id}: {difference}"),
                stacklevel=1,
            )
        gates = regression_gates(
            comparison, settings.compare_fail, settings.gate_mode, settings.inconclusive
        )
        return dataclasses.replace(report, comparison=comparison, gates=(*report.gates, *gates))

    def _write(self, report: TrustReport) -> None:
        from pytest_multitrust.report.html import render_html
        from pytest_multitrust.report.images import IMAGES_DIR, image_urls, prune_images
        from pytest_multitrust.report.json_report import (
            REPORT_FILE,
            SAMPLES_FILE,
            dumps,
            samples_jsonl,
            write_atomic,
        )
        from pytest_multitrust.report.markdown import append_step_summary, render_markdown

        settings = self.inputs.settings
        markdown = render_markdown(report)
        try:
            if settings.report_dir is not None:
                out = settings.report_dir
                folder = out / IMAGES_DIR
                # every process wrote the images it showed into images/ (report.images)
                urls, as_files = image_urls(
                    folder,
                    (s.image_sha256 for s in report.samples if s.image_sha256),
                    settings.report_images,
                )
                files = {
                    REPORT_FILE: dumps(report),
                    SAMPLES_FILE: samples_jsonl(report),
                    "report.html": render_html(report, urls),
                    "summary.md": markdown,
                }
                for name, text in files.items():
                    write_atomic(out / name, text)
                    self.written.append(out / name)
                # images of earlier runs go; a single-file page needs none of them
                prune_images(folder, urls if as_files else ())
            append_step_summary(markdown, os.environ)
            if settings.save is not None:
                self._save(report)
        except OSError as error:
            warnings.warn(MultitrustWarning(f"trust report not written: {error}"), stacklevel=1)

    def _save(self, report: TrustReport) -> None:
        from pytest_multitrust.report.baseline import save_path
        from pytest_multitrust.report.json_report import dumps, write_atomic

        if report.status.interrupted:
            warnings.warn(
                MultitrustWarning(
                    f"--mt-save: run not saved as a baseline, it was cut short "
                    f"({report.status.reason})"
                ),
                stacklevel=1,
            )
            return
        commit = report.provenance.git_commit
        path = save_path(
            self.storage, self.machine, self.inputs.settings.save or "", commit, datetime.now(UTC)
        )
        write_atomic(path, dumps(report))
        self.saved = path

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        """The trust card, the gates, the comparison and where the report went."""
        report = self.report
        if report is None or not (report.scores.tasks or report.gates or self.samples):
            return
        write = terminalreporter
        write.section(f"multitrust: {self.inputs.model}")
        for text, colour in card_lines(report):
            _line(write, text, colour)
        gates = gate_lines(report)
        if any(g.kind != "metric" for g in report.gates):
            write.section(
                "multitrust gates", red=bool(report.failed_gates), green=not report.failed_gates
            )
            for text, colour in gates:
                _line(write, text, colour)
        if report.comparison is not None:
            write.section("multitrust comparison")
            for text, colour in comparison_lines(report.comparison):
                _line(write, text, colour)
        for path in self.written:
            if path.name == "report.html":
                _line(
                    write,
                    f"multitrust report: {path.parent} (report.json, samples.jsonl, "
                    "report.html, summary.md)",
                    "",
                )
        if self.saved is not None:
            _line(write, f"multitrust: run saved as {self.saved}", "")


def _line(write: pytest.TerminalReporter, text: str, colour: str) -> None:
    from pytest_multitrust.reliability import terminal_safe

    flags = {colour: True} if colour else {}
    write.line(terminal_safe(text), **flags)  # task names and reasons can be user-made


def _interruption(
    session: pytest.Session | None, exitstatus: int, crashed: list[str]
) -> tuple[bool, str]:
    if session is not None and (session.shouldfail or session.shouldstop):
        # a stated reason (-x, --maxfail, --mt-max-errors) wins, also when xdist turned
        # the stop into an interrupt
        return (True, str(session.shouldfail or session.shouldstop))
    if exitstatus == pytest.ExitCode.INTERRUPTED or session is None:
        return (True, "interrupted")
    if crashed:
        return (True, f"worker(s) crashed: {', '.join(crashed)}")
    return (False, "")


def _replace_status(report: TrustReport, exit_status: int) -> TrustReport:
    import dataclasses

    return dataclasses.replace(
        report, status=dataclasses.replace(report.status, exit_status=exit_status)
    )


def summary_lines(metrics: list[MetricResult]) -> list[tuple[str, bool]]:
    """One line per task metric in the card's fixed layout, with whether it passed."""
    width = max(len(m.metric) for m in metrics)
    return [(metric_line(m, width)[0], m.passed) for m in metrics]
