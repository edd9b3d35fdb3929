"""The class plugin of an active run, and the wiring that starts one.

:func:`activate` builds the run's shared parts once
(:func:`~pytest_multitrust.activation.build_run`, kept at ``config.stash[RUN_KEY]``) and
registers the class plugins of the run, handing each only what it needs:
:class:`MultitrustSession` (model checks before the first test, the trust suite's
collection), :mod:`~pytest_multitrust.distributed` (placement), and the report's worker
reporter or collector.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.activation import model_loader
from pytest_multitrust.engine.runner import ModelHolder, ModelLoadError
from pytest_multitrust.errors import MultitrustWarning
from pytest_multitrust.reliability import terminal_safe

if TYPE_CHECKING:
    from collections.abc import Generator

    from pytest_multitrust.collect import Suite
    from pytest_multitrust.models.registry import ModelOptions, ModelSpec
    from pytest_multitrust.progress import ProgressSink
    from pytest_multitrust.report.images import ImageStore
    from pytest_multitrust.settings import Settings

__all__ = ["MultitrustSession", "activate"]


def _release_memory() -> None:
    """Free what a dropped model held: Python objects, and torch's cached GPU blocks."""
    import gc
    import sys

    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_initialized():
        torch.cuda.empty_cache()


class MultitrustSession:
    """The class plugin of an active run (every process that runs tests)."""

    def __init__(
        self,
        *,
        spec: ModelSpec,
        options: ModelOptions,
        holder: ModelHolder,
        judge_spec: ModelSpec | None,
        surrogate_spec: ModelSpec | None,
        suite: Suite,
        progress: ProgressSink,
        guard_spec: ModelSpec | None = None,
        report_images: ImageStore | None = None,
    ) -> None:
        """The session plugin of the model ``spec`` and the trust ``suite``.

        Args:
            spec: the parsed ``--mllm``.
            options: the settings' model options.
            holder: this process's model under test.
            judge_spec: the parsed ``--mt-judge``, if any.
            surrogate_spec: the parsed ``--mt-surrogate``, if any.
            suite: what the trust suite's nodes need.
            progress: told of the model files' preparation and the model's load.
            guard_spec: the parsed ``--mt-guard``, if any.
            report_images: writes the images this process shows into the report's
                ``images/`` (``--mt-report``), on a thread of its own; finished here.
        """
        self.spec = spec
        self.options = options
        self.holder = holder
        self.judge_spec = judge_spec
        self.surrogate_spec = surrogate_spec
        self.suite = suite
        self.progress = progress
        self.guard_spec = guard_spec
        self.report_images = report_images

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """Build or fetch the model's files once, before any worker starts."""
        config = session.config
        if hasattr(config, "workerinput") or config.option.collectonly:
            return
        from pytest_multitrust.errors import PrerequisiteError
        from pytest_multitrust.models.registry import prepare_model
        from pytest_multitrust.progress import ProgressStep

        step = ProgressStep(self.progress, "model files", self.spec.display)
        try:
            prepare_model(self.spec, self.options)
        except PrerequisiteError as error:
            raise pytest.UsageError(terminal_safe(f"--mllm={self.spec.display}: {error}")) from None
        finally:
            step.finish()
        if self.spec.scheme in ("name", "py", "entrypoint"):
            self._build_first(config)
        judge = self.judge_spec
        if judge is not None and judge.raw.strip() != self.spec.raw.strip():
            try:  # the judge is asked text only: its probe sends no image
                prepare_model(judge, self.options, option="--mt-judge", images=False)
            except PrerequisiteError as error:
                raise pytest.UsageError(
                    terminal_safe(f"--mt-judge={judge.display}: {error}")
                ) from None
        guard = self.guard_spec
        if guard is not None and guard.raw.strip() != self.spec.raw.strip():
            try:  # the guard reads text only: its probe sends no image
                prepare_model(guard, self.options, option="--mt-guard", images=False)
            except PrerequisiteError as error:
                raise pytest.UsageError(
                    terminal_safe(f"--mt-guard={guard.display}: {error}")
                ) from None
        surrogate = self.surrogate_spec
        if surrogate is not None and surrogate.raw.strip() != self.spec.raw.strip():
            try:
                prepare_model(surrogate, self.options, option="--mt-surrogate")
            except PrerequisiteError as error:
                raise pytest.UsageError(
                    terminal_safe(f"--mt-surrogate={surrogate.display}: {error}")
                ) from None

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self) -> None:
        """Finish writing this process's report images before anyone reads the folder.

        First of the session's finish hooks: the single process's report collector
        (``trylast``) then finds every file, and so does an xdist controller, which
        writes the page after its workers are down (a worker sends ``workerfinished``
        after all of its own finish hooks). An interrupted session comes here too.
        """
        store = self.report_images
        if store is None:
            return
        store.finish()
        if store.failures:
            warnings.warn(
                MultitrustWarning(
                    terminal_safe(
                        f"--mt-report: {store.failures} image write(s) to {store.folder} "
                        f"failed (first: {store.failed}); the page shows a placeholder for "
                        "each image without a file"
                    )
                ),
                stacklevel=1,
            )

    @pytest.hookimpl(tryfirst=True)
    def pytest_unconfigure(self) -> None:
        """The same when the session never finished (the collector's last resort)."""
        if self.report_images is not None:
            self.report_images.finish()

    def _build_first(self, config: pytest.Config) -> None:
        """Build a factory's model before any test; one that cannot be built stops the run.

        ``hf:`` models are checked without their weights by ``prepare_model``; a named,
        ``py:`` or entry-point model is whatever its factory returns, so the factory runs
        here. A model that defers its weights (``tiny-llava``, a factory's
        :class:`~pytest_multitrust.models.base.DeferredLoad` model) loads them on the
        first cache miss, not here, so a fully cached re-run never loads them. Without
        xdist this process runs the tests and keeps the model; under ``-n`` the workers
        build their own, and this copy is dropped.

        Raises:
            pytest.UsageError: naming the error and where the factory raised it.
        """
        holder = self.holder
        local = config.getoption("dist", default="no") == "no"
        checking = (
            holder
            if local
            else ModelHolder(
                load=model_loader(config, self.spec, self.options, progress=self.progress)
            )
        )
        try:
            checking.open()
        except ModelLoadError as error:
            cause = error.cause  # a usage error of the registry names --mllm itself
            raise pytest.UsageError(
                cause
                if cause.startswith("--mllm=")
                else f"--mllm={self.spec.display}: the model failed to load before any test "
                f"ran: {cause}{error.origin}"
            ) from None
        finally:
            if not local:
                del checking
                _release_memory()

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(
        self, collector: pytest.Collector
    ) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        """Add the trust suite to the session, after the user's own tests.

        Always, even with no built-in task selected: the threshold tests of custom tasks
        (``@pytest.mark.trust(task=...)`` tests, collected first) live there too.
        """
        report = yield
        if isinstance(collector, pytest.Session):
            from pytest_multitrust.collect import ROOT, MultitrustRoot

            root = MultitrustRoot.from_parent(
                collector, name=ROOT, nodeid=ROOT, path=collector.config.rootpath / ROOT
            )
            root.suite = self.suite
            report.result.append(root)
        return report

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Decide, per task, which samples to generate: those still selected.

        On an xdist worker, a task split into shards gets one run per shard
        (:func:`~pytest_multitrust.distributed.worker_shards`).
        """
        from pytest_multitrust.collect import SampleItem
        from pytest_multitrust.distributed import worker_shards

        selected: dict[str, list[str]] = {}
        for item in session.items:
            if isinstance(item, SampleItem):
                selected.setdefault(item.task.id, []).append(item.sample.id)
        self.suite.runs.prepare(selected, worker_shards(session.config, self.suite.settings))


def activate(config: pytest.Config, settings: Settings) -> None:
    """Start an active run: build its parts once, register its class plugins.

    Raises:
        pytest.UsageError: for an unknown model or bad settings.
    """
    from pytest_multitrust import distributed
    from pytest_multitrust.activation import RUN_KEY, build_run
    from pytest_multitrust.collect import Suite
    from pytest_multitrust.custom.plugin import custom_task_collectors, custom_tasks

    run = build_run(config, settings)
    config.stash[RUN_KEY] = run
    placement = distributed.activate(config, settings, run.store)
    from pytest_multitrust.reliability import register_guards

    register_guards(config, settings.max_errors)
    suite = Suite(
        tasks=run.tasks,
        runs=run.runs,
        settings=settings,
        custom_aspects=lambda: [t.aspect for t in custom_tasks(config)],
        custom_collectors=custom_task_collectors,
        finished_steps=run.progress.take_finished,
        step_line=run.progress.line,
        worker=placement.worker_id,
    )
    session = MultitrustSession(
        spec=run.spec,
        options=settings.model_options(),
        holder=run.holder,
        judge_spec=run.judge_spec,
        surrogate_spec=run.surrogate_spec,
        suite=suite,
        progress=run.progress,
        guard_spec=run.guard_spec,
        report_images=run.report_images,
    )
    config.pluginmanager.register(session, "multitrust-session")
    config.pluginmanager.register(run.progress, "multitrust-progress")
    from pytest_multitrust import worker_progress

    worker_progress.activate(config)  # an xdist controller shows what its workers are doing

    def collected_custom() -> dict[str, tuple[str, str]]:
        """The custom trust-test tasks collected here: id -> (aspect, sub-aspect)."""
        return {t.id: (t.aspect, t.sub_aspect) for t in custom_tasks(config)}

    if hasattr(config, "workerinput"):
        from pytest_multitrust.report.worker import WorkerReporter

        reporter = WorkerReporter(config, run.holder, placement.facts, collected_custom)
        config.pluginmanager.register(reporter, "multitrust-worker-report")
    else:
        from pytest_multitrust.report.collector import ReportInputs, ResultCollector

        inputs = ReportInputs(
            settings=settings,
            tasks=run.tasks,
            model=str(run.spec),
            holder=run.holder,
            samples_of=run.runs.samples_for,
            data=run.official.data_versions if run.official is not None else None,
            notes=run.official.notes if run.official is not None else (),
            custom_tasks=collected_custom,
        )
        config.pluginmanager.register(ResultCollector(config, inputs), "multitrust-results")
        distributed.activate_shard_judge(config, settings, run.tasks, run.runs.samples_for)
