"""The class plugin behind custom trust tests (registered for every run but ``--help``).

In every process that collects (the single process, or each xdist worker):

* each collected test function with a ``trust`` mark gets a :class:`TrustDeclaration`
  (invalid ones error at setup with the reason) and the marker of its aspect, so that
  ``-m "trust and privacy"`` selects it; without ``--mllm`` it is skipped with a reason;
* declarations resolve into :class:`CustomTask` records, collected as threshold tests
  beside the built-in tasks (:mod:`pytest_multitrust.custom.nodes`);
* after deselection, a custom threshold test selected without any of its sample tests
  (``-k threshold``) brings them all back, the way a built-in threshold test generates
  every sample, and one that failed last brings back the samples it was judged from
  under ``--lf`` (:mod:`pytest_multitrust.custom.lastfailed`); custom threshold tests
  move to the end of the run;
* the call report of each sample test carries its records (``multitrust.sample``).

Where records arrive (the single process, or the xdist controller) it keeps them per
task and test, notes which tests have finished, and judges custom threshold tests: on
the controller, a worker's threshold test carries what to judge (its task and expected
samples) and the controller completes that test's own report with the verdict; no other
test's report is changed.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.custom.declare import (
    CUSTOM_ASPECT,
    CustomTask,
    MarkerError,
    TrustDeclaration,
    declare,
    is_builtin_id,
    merge_marks,
    resolve_tasks,
)
from pytest_multitrust.custom.judge import (
    PENDING_PROPERTY,
    Judgement,
    PendingJudgement,
    complete_report,
    judge_custom_threshold,
)
from pytest_multitrust.custom.lastfailed import FailedSamples
from pytest_multitrust.errors import MultitrustWarning
from pytest_multitrust.records import SAMPLE_PROPERTY, VERDICT_PROPERTY, SampleRecord
from pytest_multitrust.report.gates import never_decided

if TYPE_CHECKING:
    from collections.abc import Generator, Iterator, Sequence

    from pytest_multitrust.activation import ActiveRun
    from pytest_multitrust.custom.nodes import CustomTaskCollector
    from pytest_multitrust.custom.record import SessionModel, TrustSample

__all__ = [
    "CUSTOM_KEY",
    "NO_MODEL",
    "CustomTrust",
    "custom_task_collectors",
    "custom_tasks",
    "make_trust_sample",
    "session_model",
]

#: The :class:`CustomTrust` plugin of a run.
CUSTOM_KEY = pytest.StashKey["CustomTrust"]()
#: The :class:`TrustSample` of a test that requested the ``trust_sample`` fixture.
RECORDER_KEY = pytest.StashKey["TrustSample"]()
#: The :class:`SessionModel` of this process.
MODEL_KEY = pytest.StashKey["SessionModel"]()

#: The ``workeroutput`` key of a usage error an xdist worker found at collection.
USAGE_ERROR_OUTPUT_KEY = "multitrust_usage_error"

#: Why trust tests skip in a run without a model under test.
NO_MODEL = "no model under test: pass --mllm=<model> (e.g. --mllm=tiny-llava)"


def _state(config: pytest.Config) -> ActiveRun | None:
    from pytest_multitrust.activation import RUN_KEY

    return config.stash.get(RUN_KEY, None)


def session_model(config: pytest.Config) -> SessionModel:
    """This process's :class:`SessionModel` (what the ``mllm`` fixture returns).

    Raises:
        pytest.skip.Exception: without a model under test.
    """
    state = _state(config)
    if state is None:
        pytest.skip(NO_MODEL)
    if MODEL_KEY not in config.stash:
        from pytest_multitrust.custom.record import DEFAULT_MAX_NEW_TOKENS, SessionModel
        from pytest_multitrust.models.base import GenerationConfig

        settings = state.settings
        config.stash[MODEL_KEY] = SessionModel(
            state.holder,
            state.store,
            state.sizer,
            GenerationConfig(
                max_new_tokens=settings.max_new_tokens or DEFAULT_MAX_NEW_TOKENS, seed=settings.seed
            ),
        )
    return config.stash[MODEL_KEY]


def make_trust_sample(item: pytest.Item) -> TrustSample:
    """The ``trust_sample`` recorder of a test (what the fixture returns).

    Raises:
        pytest.skip.Exception: without a model under test.
    """
    from pytest_multitrust.custom.record import TrustSample

    config = item.config
    state = _state(config)
    if state is None:
        pytest.skip(NO_MODEL)
    custom = config.stash.get(CUSTOM_KEY, None)
    declaration = custom.declarations.get(item.nodeid) if custom is not None else None

    store = state.report_images

    recorder = TrustSample(
        item.nodeid,
        declaration,
        session_model(config),
        max_new_tokens=state.settings.max_new_tokens,
        seed=state.settings.seed,
        on_image=store.keep if store is not None else None,
    )
    item.stash[RECORDER_KEY] = recorder
    return recorder


def custom_tasks(config: pytest.Config) -> list[CustomTask]:
    """The custom tasks of this run's collection, in the order their first test came."""
    custom = config.stash.get(CUSTOM_KEY, None)
    return custom.tasks() if custom is not None else []


def custom_task_collectors(parent: pytest.Collector, aspect: str) -> Iterator[CustomTaskCollector]:
    """The collectors of the custom tasks of ``aspect``, under its aspect collector."""
    from pytest_multitrust.custom.nodes import CustomTaskCollector

    custom = parent.config.stash.get(CUSTOM_KEY, None)
    if custom is None:
        return
    for task in custom.tasks():
        if task.aspect == aspect:
            node = CustomTaskCollector.from_parent(
                parent, name=task.id, nodeid=f"{parent.nodeid}/{task.id}", path=parent.path
            )
            node.task = task
            node.custom = custom
            node.add_marker(pytest.mark.trust)
            yield node


def _summary_verdict(report: pytest.TestReport, records: Sequence[SampleRecord]) -> str:
    if report.failed:
        return "error"
    if report.skipped:
        return "skip"
    return "miss" if any(r.verdict == "miss" for r in records) else "pass"


def _short_failure(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    message = getattr(crash, "message", None) or str(report.longrepr or "failed")
    flat = " ".join(message.split())
    return "the test failed: " + (flat if len(flat) <= 200 else flat[:199] + "…")


class CustomTrust:
    """Custom trust tests: declarations, their tasks, records and threshold judgements."""

    def __init__(self, config: pytest.Config, aspect_markers: Sequence[str]) -> None:
        """Set up for ``config``; ``aspect_markers`` are the registered aspect markers."""
        self.config = config
        self.aspect_markers = tuple(aspect_markers)  # marker names an aspect may add
        self.declarations: dict[str, TrustDeclaration] = {}  # test id -> its declaration
        self.errors: dict[str, str] = {}  # test id -> why it cannot run
        self._items: dict[str, pytest.Item] = {}  # test id -> trust-marked test function
        self._tasks: list[CustomTask] | None = None  # resolved on first use
        self._taken: dict[str, str] | None = None  # registered task id -> why it is taken
        self.selected: dict[str, list[str]] = {}  # custom task id -> selected sample tests
        # where records arrive (single process or xdist controller):
        self.records: dict[str, dict[str, list[SampleRecord]]] = {}  # task -> test -> records
        self.finished: set[str] = set()  # test ids whose teardown has reported
        self._judged: dict[str, list[tuple[str, str]]] = {}  # test id -> properties judged
        self._failed_samples: FailedSamples | None = None  # for --lf, on first use
        self._rerun: dict[str, list[str]] = {}  # --lf: failed threshold id -> its samples

    # -- collection (single process and workers) ---------------------------------------------

    def _taken_ids(self) -> dict[str, str]:
        if self._taken is None:
            from pytest_multitrust.tasks.registry import all_tasks

            self._taken = {}
            for task in all_tasks():
                if is_builtin_id(task.id):
                    self._taken[task.id] = (
                        f"{task.id} is a built-in MultiTrust task: its samples are the "
                        "benchmark's own. Give the test a task id of its own (e.g. "
                        f"task='team.my-check', aspect={task.aspect!r}) to count it in the "
                        f"{task.aspect} score beside {task.id}"
                    )
                else:
                    self._taken[task.id] = (
                        f"{task.id} is a registered task with its own data: add the case to "
                        "its data, or give the test a task id of its own"
                    )
        return self._taken

    def pytest_itemcollected(self, item: pytest.Item) -> None:
        """Read a test function's trust marks into its declaration."""
        if not isinstance(item, pytest.Function):
            return
        marks = list(item.iter_markers("trust"))
        if not marks:
            return
        self._tasks = None
        self._items[item.nodeid] = item
        try:
            kwargs = merge_marks((mark.args, mark.kwargs) for mark in marks)
            self.declarations[item.nodeid] = declare(item.nodeid, kwargs, self._taken_ids())
        except MarkerError as error:
            self.errors[item.nodeid] = str(error)
        if _state(self.config) is None:
            item.add_marker(pytest.mark.skip(reason=NO_MODEL))

    def tasks(self) -> list[CustomTask]:
        """The custom tasks of the tests collected so far (resolved once, then cached).

        Resolving also gives each test the marker of its task's aspect and its task id as
        a ``-k`` keyword, and records the tests whose task's declarations conflict as
        errors.
        """
        if self._tasks is None:
            tasks, errors = resolve_tasks(list(self.declarations.values()))
            self.errors.update(errors)
            aspects = {t.id: t.aspect for t in tasks}
            for nodeid, declaration in self.declarations.items():
                if declaration.task_id is not None:  # -k team.pii-email selects them
                    self._items[nodeid].extra_keyword_matches.add(declaration.task_id)
                aspect = aspects.get(declaration.task_id or "", declaration.aspect)
                if aspect in self.aspect_markers and aspect != CUSTOM_ASPECT:
                    self._items[nodeid].add_marker(getattr(pytest.mark, aspect))
            self._tasks = tasks
        return self._tasks

    def failed_samples(self) -> FailedSamples:
        """The sample tests of the custom threshold tests that failed (kept for ``--lf``)."""
        if self._failed_samples is None:
            self._failed_samples = FailedSamples(self.config)
        return self._failed_samples

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """Under ``--lf``: make sure the samples of failed threshold tests are collected."""
        from pytest_multitrust.custom.lastfailed import CollectSkipped, KeepSamples, by_file

        if _state(self.config) is None:
            return
        self._rerun = self.failed_samples().to_rerun()
        if not self._rerun:
            return
        wanted = by_file(self.config, [n for samples in self._rerun.values() for n in samples])
        inner = CollectSkipped(wanted)
        self.config.pluginmanager.register(inner, "multitrust-custom-lf-collect")
        self.config.pluginmanager.register(KeepSamples(inner), "multitrust-custom-lf-keep")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Keep the samples of failed custom threshold tests where they were judged."""
        if self._failed_samples is not None and not hasattr(self.config, "workerinput"):
            self._failed_samples.save()

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> Generator[None, None, None]:
        """Resolve tasks before ``-m`` reads markers, and fix the selection after it.

        After every deselection (``-m``, ``-k``, ``--lf``), a custom threshold test selected
        without any of its sample tests brings them back, one that failed last brings back
        under ``--lf`` the samples it was judged from, and custom threshold tests move to
        the end of the run.
        """
        from pytest_multitrust.custom.nodes import CustomThresholdItem

        self.tasks()
        yield
        thresholds = [item for item in items if isinstance(item, CustomThresholdItem)]
        if not thresholds:
            return
        kept = [item for item in items if not isinstance(item, CustomThresholdItem)]
        present = {item.nodeid for item in kept}
        rerun = {nodeid for t in thresholds for nodeid in self._rerun.get(t.nodeid, ())}
        for task_id in dict.fromkeys(t.task.id for t in thresholds):
            own = [
                nodeid
                for nodeid, d in self.declarations.items()
                if d.task_id == task_id and nodeid not in self.errors
            ]
            if own and not any(nodeid in present for nodeid in own):
                kept.extend(self._items[nodeid] for nodeid in own)
            else:
                kept.extend(self._items[nodeid] for nodeid in own if nodeid in rerun - present)
        items[:] = [*kept, *thresholds]

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Note each custom task's selected sample tests; warn on thresholds of no task."""
        self.selected = {}
        for item in session.items:
            declaration = self.declarations.get(item.nodeid)
            if declaration is not None and declaration.task_id and item.nodeid not in self.errors:
                self.selected.setdefault(declaration.task_id, []).append(item.nodeid)
        self._warn_on_orphan_thresholds()

    def _warn_on_orphan_thresholds(self) -> None:
        """Refuse a command-line threshold on no custom task; warn on an ini one.

        A typo on the command line is a usage error (exit 4) before any test runs. An
        xdist worker cannot raise it (the controller would wait for that worker's
        collection): every worker stops its session instead and sends the message back
        in ``workeroutput``, where the controller raises it (:meth:`pytest_testnodedown`).
        """
        state = _state(self.config)
        if state is None:
            return
        workerinput = getattr(self.config, "workerinput", None)
        unused = self._orphan_thresholds(state)
        if unused and not state.settings.thresholds_from_ini:
            message = "; ".join(f"--mt-threshold {source!r}: {why}" for source, why in unused)
            if workerinput is None:
                raise pytest.UsageError(message)
            self.config.workeroutput[USAGE_ERROR_OUTPUT_KEY] = message  # type: ignore[attr-defined]
            pytest.exit(message, returncode=pytest.ExitCode.USAGE_ERROR)
        if workerinput is not None and workerinput.get("workerid") != "gw0":
            return  # one warning per run, not one per worker
        for source, why in unused:
            warnings.warn(
                MultitrustWarning(f"threshold {source!r} is not used: {why}"), stacklevel=1
            )

    def _orphan_thresholds(self, state: ActiveRun) -> list[tuple[str, str]]:
        """The thresholds on a custom task or metric that no collected test declares."""
        custom = {t.id: t for t in self.tasks()}
        unused: list[tuple[str, str]] = []
        for threshold in state.settings.thresholds:
            task_id, metric = threshold.task_id, threshold.metric
            if task_id is None or metric is None or task_id in self._taken_ids():
                continue
            task = custom.get(task_id)
            if task is None:
                why = (
                    f"no task {task_id!r} in this run (no collected test is marked "
                    f"@pytest.mark.trust(task={task_id!r}))"
                )
            elif metric not in {m.name for m in task.metrics}:
                why = (
                    f"custom task {task_id} has no metric {metric!r} (known: "
                    f"{', '.join(m.name for m in task.metrics)})"
                )
            elif never := never_decided(threshold.op, threshold.value, 0.0, 1.0):
                # record() takes values from 0 to 1: a limit they all meet (or none) decides
                # nothing, as for the built-in metrics' ranges
                why = (
                    f"{task_id}.{metric} lies between 0 and 1 (what record() takes), so "
                    f"this gate can never {never}; use a limit inside that range"
                )
            else:
                continue
            unused.append((threshold.source or threshold.target, why))
        return unused

    @pytest.hookimpl(optionalhook=True, tryfirst=True)
    def pytest_testnodedown(self, node: object, error: object) -> None:
        """On the xdist controller: raise the usage error a worker found at collection.

        Raises:
            pytest.UsageError: with the worker's message; the session ends with exit 4,
                its other workers shut down by xdist's session finish.
        """
        output = getattr(node, "workeroutput", None) or {}
        message = output.get(USAGE_ERROR_OUTPUT_KEY)
        if isinstance(message, str):
            raise pytest.UsageError(message)

    def selected_samples(self, task_id: str) -> list[str]:
        """The ids of a custom task's sample tests selected in this run."""
        return list(self.selected.get(task_id, ()))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """A test whose trust marker cannot be used errors here, with the reason."""
        if item.nodeid in self.errors:
            pytest.fail(f"{item.nodeid}: {self.errors[item.nodeid]}", pytrace=False)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Put the records of a custom sample test on its call report."""
        report = yield
        declaration = self.declarations.get(item.nodeid)
        if report.when != "call" or declaration is None or declaration.task_id is None:
            return report
        recorder = item.stash.get(RECORDER_KEY, None)
        records = self._final_records(item, report, declaration, recorder)
        properties = [(SAMPLE_PROPERTY, r.to_json()) for r in records]
        if records:
            properties.append((VERDICT_PROPERTY, _summary_verdict(report, records)))
        report.user_properties.extend(properties)
        item.user_properties.extend(properties)
        return report

    def _final_records(
        self,
        item: pytest.Item,
        report: pytest.TestReport,
        declaration: TrustDeclaration,
        recorder: TrustSample | None,
    ) -> list[SampleRecord]:
        """The test's records as its outcome makes them (hook updates applied)."""
        import dataclasses
        import math

        records = list(recorder.records) if recorder is not None else []
        if report.failed:
            error = _short_failure(report)
            if not records:
                last = recorder.last_response if recorder is not None else None
                request = recorder.last_request if recorder is not None else None
                records = [
                    SampleRecord(
                        task_id=str(declaration.task_id),
                        sample_id=item.nodeid,
                        variant="default",
                        prompt=request.prompt if request is not None else "",
                        image_sha256=None,
                        response=last.text if last is not None else "",
                        values={declaration.metric: math.nan},
                        verdict="error",
                        error=error,
                        scorer="custom",
                    )
                ]
            records = [
                r
                if r.verdict == "error"
                else dataclasses.replace(
                    r, verdict="error", error=error, values={k: math.nan for k in r.values}
                )
                for r in records
            ]
        elif report.skipped:
            reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else "skipped"
            records = [
                dataclasses.replace(
                    r, verdict="skip", skip_reason=reason, values={k: math.nan for k in r.values}
                )
                for r in records
            ]
        elif not records:
            item.warn(
                MultitrustWarning(
                    f"{item.nodeid} is a trust test of {declaration.task_id} but recorded no "
                    "sample: call trust_sample.record(...) (or drop task= from its trust marker)"
                )
            )
        return [self._updated(record) for record in records]

    def _updated(self, record: SampleRecord) -> SampleRecord:
        results = self.config.hook.pytest_multitrust_update_sample_record(
            record=record, config=self.config
        )
        return next((r for r in results if r is not None), record)

    # -- where records arrive (single process, xdist controller) ------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> Generator[None, None, None]:
        """Keep custom records; judge a worker's custom threshold test before anyone reads it.

        A wrapper, so that the report is complete before every other implementation
        (pytest's failure count, the terminal, JUnit XML, the ``--lf`` cache, the trust
        report collector) sees it.
        """
        if not hasattr(self.config, "workerinput") and _state(self.config) is not None:
            self._receive(report)
        yield

    def _receive(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":
            self.finished.add(report.nodeid)
            judged = self._judged.get(report.nodeid)
            if judged is not None:
                complete_report(report, PENDING_PROPERTY, judged)
            return
        if report.when != "call":
            return
        builtin = self._builtin_ids()
        pending: str | None = None
        for name, value in report.user_properties:
            if name == SAMPLE_PROPERTY and isinstance(value, str):
                record = SampleRecord.from_json(value)
                if record.task_id not in builtin:
                    self.records.setdefault(record.task_id, {}).setdefault(
                        report.nodeid, []
                    ).append(record)
            elif name == PENDING_PROPERTY and isinstance(value, str):
                pending = value
        if pending is not None:
            self._judge_report(report, PendingJudgement.from_json(pending))

    def _builtin_ids(self) -> set[str]:
        state = _state(self.config)
        return {t.id for t in state.tasks} if state is not None else set()

    def _judge_report(self, report: pytest.TestReport, pending: PendingJudgement) -> None:
        """Judge on the controller and complete the worker's report of this threshold test."""
        judgement = self.judge(report.nodeid, pending.task, pending.metric, pending.expected)
        properties = judgement.properties
        complete_report(report, PENDING_PROPERTY, properties, judgement.outcome, judgement.message)
        self._judged[report.nodeid] = properties

    def judge(
        self, nodeid: str, task: CustomTask, metric: str, expected: Sequence[str]
    ) -> Judgement:
        """Judge custom threshold test ``nodeid`` from the records that arrived here.

        When it fails, its sample tests are kept for ``--lf`` (in this plugin's own
        ``config.cache`` key): the next ``pytest --lf`` then collects and runs them with
        the threshold test, as a failed built-in threshold test generates its task's
        samples again.
        """
        state = _state(self.config)
        if state is None:  # pragma: no cover - threshold tests exist only in active runs
            return Judgement("skipped", NO_MODEL, None)
        judgement = judge_custom_threshold(
            task,
            metric,
            self.records.get(task.id, {}),
            list(expected),
            self.finished,
            state.settings,
        )
        self.failed_samples().note(nodeid, judgement.outcome == "failed", expected)
        return judgement
