"""Per-process state of an active run, kept in ``config.stash``.

:class:`PluginState` knows the selected tasks, their samples, the model holder and one
:class:`~pytest_multitrust.engine.runner.TaskRun` per task, built after collection from
the items that survived deselection (``-k``, ``--lf``, ``--deselect``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.engine.batching import BatchSizer, ResponseStore
from pytest_multitrust.engine.runner import (
    ModelHolder,
    ModelLoadError,
    NoStore,
    TaskRun,
)
from pytest_multitrust.models.base import GenerationConfig
from pytest_multitrust.reliability import terminal_safe
from pytest_multitrust.scoring.context import ScoringContext
from pytest_multitrust.scoring.toxicity import DetoxifyScorer
from pytest_multitrust.tasks.data import read_samples, samples_for_tier

if TYPE_CHECKING:
    from collections.abc import Generator, Sequence

    from pytest_multitrust.engine.cache import ImageCache
    from pytest_multitrust.imaging.transform import TransformContext
    from pytest_multitrust.models.base import MLLM, ImageData
    from pytest_multitrust.models.registry import ModelSpec
    from pytest_multitrust.records import SampleRecord
    from pytest_multitrust.report.model import DataVersion
    from pytest_multitrust.scoring.judge import Judge
    from pytest_multitrust.settings import Settings
    from pytest_multitrust.tasks.base import Sample, TaskSpec

__all__ = ["STATE_KEY", "PluginState"]


@dataclass
class PluginState:
    """Everything an active run needs in one process."""

    config: pytest.Config  # the pytest config
    settings: Settings  # validated settings
    spec: ModelSpec  # the parsed --mllm
    tasks: list[TaskSpec]  # selected tasks, paper order
    holder: ModelHolder = field(init=False)  # lazy model
    store: ResponseStore = field(default_factory=NoStore)  # response cache
    runs: dict[str, TaskRun] = field(default_factory=dict)  # task id -> run
    sizer: BatchSizer = field(init=False)  # batch size shared by this process's tasks
    images: ImageCache | None = None  # drawn images by recipe (None: --mt-cache=off)
    judge_spec: ModelSpec | None = None  # the parsed --mt-judge, if any
    judge: Judge | None = None  # the judge scorers may consult (--mt-judge), lazy
    surrogate_spec: ModelSpec | None = None  # the parsed --mt-surrogate, if any
    surrogate: ModelHolder | None = None  # loads the attack surrogate on first use
    toxicity: DetoxifyScorer = field(init=False)  # detoxify, loaded by its first scorer
    data_versions: tuple[DataVersion, ...] | None = None  # provenance of --mt-data=official
    report_notes: tuple[tuple[str, str], ...] = ()  # (key, text) notes for the report
    _samples: dict[str, list[Sample]] = field(default_factory=dict)
    _load_errors: dict[str, Exception] = field(default_factory=dict)  # task id -> why

    def __post_init__(self) -> None:
        self.holder = ModelHolder(load=self._load_model)
        self.sizer = BatchSizer(self.settings.batch_size)
        self.toxicity = DetoxifyScorer(
            checkpoint=self.settings.toxicity_checkpoint,
            device=self.settings.device,
            allow_pickle=self.settings.allow_pickle,
        )

    def _load_model(self) -> MLLM:
        model: MLLM | None = self.config.hook.pytest_multitrust_make_model(
            spec=self.spec, options=self.settings.model_options(), config=self.config
        )
        if model is None:  # pragma: no cover - the built-in implementation always answers
            raise pytest.UsageError(f"no plugin could build --mllm={self.spec.display}")
        return model

    def _load_surrogate(self) -> MLLM:
        spec = self.surrogate_spec
        if spec is None:  # pragma: no cover - only installed with a surrogate spec
            raise RuntimeError("no --mt-surrogate given")
        model: MLLM | None = self.config.hook.pytest_multitrust_make_model(
            spec=spec, options=self.settings.model_options(), config=self.config
        )
        if model is None:  # pragma: no cover - the built-in implementation always answers
            raise pytest.UsageError(f"no plugin could build --mt-surrogate={spec.display}")
        return model

    def transform_context(self) -> TransformContext:
        """What image transforms (the attacks of R.4/R.5) may use: settings, models, cache."""
        from pytest_multitrust.imaging.transform import AttackSettings, TransformContext

        settings = self.settings
        return TransformContext(
            attack=AttackSettings(
                eps=settings.attack_eps,
                steps=settings.attack_steps,
                step_size=settings.attack_step_size,
                seed=settings.seed,
                surrogate=settings.surrogate,
            ),
            model=self.holder.get,
            surrogate=self.surrogate.get if self.surrogate is not None else None,
            cache_dir=settings.cache_dir / "attacks",
        )

    def samples_for(self, task: TaskSpec) -> list[Sample]:
        """The task's samples in the selected tier, limited per variant.

        The data is read once per process: a load that failed (a bad line of a custom
        task's JSONL, a user loader that raised) is remembered and raised again as it was,
        never re-read, so only that task is dropped (see :meth:`load_error`).
        """
        failed = self._load_errors.get(task.id)
        if failed is not None:
            raise failed
        if task.id not in self._samples:
            try:
                loaded: Sequence[Sample] = task.loader() if task.loader else read_samples(task.data)
            except Exception as error:
                self._load_errors[task.id] = error
                raise
            self._samples[task.id] = samples_for_tier(
                loaded, self.settings.tier, self.settings.limit
            )
        return self._samples[task.id]

    def load_error(self, task: TaskSpec) -> Exception | None:
        """Why the task's data could not be loaded in this process (None: loaded or untried)."""
        return self._load_errors.get(task.id)

    def prepare_runs(self, selected: dict[str, list[str]]) -> None:
        """Build one run per task from the selected sample ids (after deselection).

        A task whose data failed to load gets no run: its collector reported the error.
        """
        for task in self.tasks:
            if task.id in self._load_errors:
                continue
            chosen = set(selected.get(task.id, ()))
            samples = [s for s in self.samples_for(task) if s.id in chosen]
            if not samples:  # only threshold tests selected: judge on every sample
                samples = self.samples_for(task)
            self.runs[task.id] = self._make_run(task, samples)

    def _make_run(self, task: TaskSpec, samples: list[Sample]) -> TaskRun:
        cap = self.settings.max_new_tokens
        max_tokens = min(task.max_new_tokens, cap) if cap else task.max_new_tokens
        thresholds = {
            m.name: t
            for m in task.metrics
            if (t := self.settings.threshold_for(task.id, m.name)) is not None
        }
        return TaskRun(
            task=task,
            samples=samples,
            holder=self.holder,
            context=ScoringContext(
                refusal_rule=self.settings.refusal_rule,  # type: ignore[arg-type]
                seed=self.settings.seed,
                judge=self.judge,
                toxicity=self.toxicity,
                rules=self.settings.rules,
            ),
            config=GenerationConfig(max_new_tokens=max_tokens, seed=self.settings.seed),
            batch_size=self.settings.batch_size,
            render=self._render_keeping_thumbnail if self.settings.report_dir else self.render,
            store=self.store,
            thresholds=thresholds,
            update_record=self._update_record,
            seed=self.settings.seed,
            sizer=self.sizer,
            check_batching=self.settings.check_batching,
            transform_context=self.transform_context() if task.transform_image else None,
        )

    def _render_keeping_thumbnail(self, sample: Sample) -> ImageData | None:
        """Render a sample's image and keep a thumbnail of it for the HTML report."""
        image = self.render(sample)
        if image is not None:
            from pytest_multitrust.report.thumbs import keep_thumbnail

            keep_thumbnail(self.config, image)
        return image

    def render(self, sample: Sample) -> ImageData | None:
        """A sample's drawn image: from the image cache when it has it, else drawn."""
        if sample.image is None or self.images is None:
            return _render(sample)
        from pytest_multitrust.imaging import render

        return self.images.image(sample.image, render)

    def _update_record(self, record: SampleRecord) -> SampleRecord:
        results = self.config.hook.pytest_multitrust_update_sample_record(
            record=record, config=self.config
        )
        # pluggy lists results newest plugin first: the nearest conftest wins.
        return next((r for r in results if r is not None), record)

    def run_for(self, task_id: str) -> TaskRun:
        """The run of a task (built lazily when collection hooks were bypassed)."""
        if task_id not in self.runs:
            task = next(t for t in self.tasks if t.id == task_id)
            self.runs[task_id] = self._make_run(task, self.samples_for(task))
        return self.runs[task_id]


def _render(sample: Sample) -> ImageData | None:
    if sample.image is None:
        return None
    from pytest_multitrust.imaging import render

    return render(sample.image)


def _release_memory() -> None:
    """Free what a dropped model held: Python objects, and torch's cached GPU blocks."""
    import gc
    import sys

    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_initialized():
        torch.cuda.empty_cache()


STATE_KEY = pytest.StashKey[PluginState]()


class MultitrustSession:
    """The class plugin of an active run (every process that runs tests)."""

    def __init__(self, state: PluginState) -> None:
        self.state = state

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """Build or fetch the model's files once, before any worker starts."""
        config = session.config
        if hasattr(config, "workerinput") or config.option.collectonly:
            return
        from pytest_multitrust.errors import PrerequisiteError
        from pytest_multitrust.models.registry import prepare_model

        try:
            prepare_model(self.state.spec, self.state.settings.model_options())
        except PrerequisiteError as error:
            raise pytest.UsageError(
                terminal_safe(f"--mllm={self.state.spec.display}: {error}")
            ) from None
        if self.state.spec.scheme in ("name", "py", "entrypoint"):
            self._build_first(config)
        judge = self.state.judge_spec
        if judge is not None and judge.raw.strip() != self.state.spec.raw.strip():
            try:  # the judge is asked text only: its probe sends no image
                prepare_model(
                    judge,
                    self.state.settings.model_options(),
                    option="--mt-judge",
                    images=False,
                )
            except PrerequisiteError as error:
                raise pytest.UsageError(
                    terminal_safe(f"--mt-judge={judge.display}: {error}")
                ) from None
        surrogate = self.state.surrogate_spec
        if surrogate is not None and surrogate.raw.strip() != self.state.spec.raw.strip():
            try:
                prepare_model(
                    surrogate, self.state.settings.model_options(), option="--mt-surrogate"
                )
            except PrerequisiteError as error:
                raise pytest.UsageError(
                    terminal_safe(f"--mt-surrogate={surrogate.display}: {error}")
                ) from None

    def _build_first(self, config: pytest.Config) -> None:
        """Build a factory's model before any test; one that cannot be built stops the run.

        ``hf:`` models are checked without their weights by ``prepare_model``; a named,
        ``py:`` or entry-point model is whatever its factory returns, so the factory runs
        here. Without xdist this process runs the tests and keeps the model; under ``-n``
        the workers build their own, and this copy is dropped.

        Raises:
            pytest.UsageError: naming the error and where the factory raised it.
        """
        holder = self.state.holder
        local = config.getoption("dist", default="no") == "no"
        checking = holder if local else ModelHolder(load=self.state._load_model)
        try:
            checking.get()
        except ModelLoadError as error:
            cause = error.cause  # a usage error of the registry names --mllm itself
            raise pytest.UsageError(
                cause
                if cause.startswith("--mllm=")
                else f"--mllm={self.state.spec.display}: the model failed to load before any test "
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
            root.state = self.state
            report.result.append(root)
        return report

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Decide, per task, which samples to generate: those still selected."""
        from pytest_multitrust.collect import SampleItem

        selected: dict[str, list[str]] = {}
        for item in session.items:
            if isinstance(item, SampleItem):
                selected.setdefault(item.task.id, []).append(item.sample.id)
        self.state.prepare_runs(selected)


def activate(config: pytest.Config, settings: Settings) -> None:
    """Start an active run: parse the model spec, build state, register class plugins.

    Raises:
        pytest.UsageError: for an unknown model or bad settings.
    """
    from pytest_multitrust.models.registry import parse_model_spec
    from pytest_multitrust.tasks.registry import data_version, get_task

    if settings.mllm is None:
        raise ValueError("activate() needs settings with a model (--mllm)")
    extra = config.hook.pytest_multitrust_model_names(config=config) or []
    spec = parse_model_spec(settings.mllm, extra_names=tuple(extra))
    state = PluginState(
        config=config,
        settings=settings,
        spec=spec,
        tasks=[get_task(task_id) for task_id in settings.task_ids],
    )
    if settings.rules == "original":
        from pytest_multitrust.tasks.original import original_spec

        state.tasks = [original_spec(task) for task in state.tasks]
    if settings.official_data is not None:
        from pytest_multitrust.official import apply_official

        apply_official(config, state)
    config.stash[STATE_KEY] = state
    from pytest_multitrust import distributed
    from pytest_multitrust.engine.cache import database_of, open_caches

    store, state.images = open_caches(config, settings, version_of=data_version)
    state.store = store or state.store
    if settings.judge is not None:
        from pytest_multitrust.models.judge import make_judge

        state.judge_spec, state.judge = make_judge(
            config,
            settings,
            model_spec=spec,
            model=state.holder.get,
            extra_names=tuple(extra),
            cache=database_of(store),
        )
    if settings.surrogate is not None:
        state.surrogate_spec = parse_model_spec(
            settings.surrogate, extra_names=tuple(extra), option="--mt-surrogate"
        )
        same = state.surrogate_spec.raw.strip() == spec.raw.strip()
        state.surrogate = state.holder if same else ModelHolder(load=state._load_surrogate)
    distributed.activate(config, state)
    from pytest_multitrust.reliability import register_guards

    register_guards(config, settings.max_errors)
    config.pluginmanager.register(MultitrustSession(state), "multitrust-session")
    if hasattr(config, "workerinput"):
        from pytest_multitrust.report.worker import WorkerReporter

        config.pluginmanager.register(WorkerReporter(config, state), "multitrust-worker-report")
    else:
        from pytest_multitrust.report.collector import ResultCollector

        config.pluginmanager.register(ResultCollector(config, state), "multitrust-results")
