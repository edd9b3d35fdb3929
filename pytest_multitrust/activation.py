"""What an active run builds once, in ``pytest_configure``, kept in ``config.stash``.

:func:`build_run` parses the model spec and builds, once per process, everything the
run's parts share: the settings, the model holder, the response store and image cache,
the batch sizer, the toxicity scorer, the judge, the surrogate holder and the
:class:`~pytest_multitrust.engine.runs.TaskRuns` of the selected tasks. The result is a
frozen :class:`ActiveRun` at ``config.stash[RUN_KEY]``; each part of the plugin is handed
only what it needs (:func:`pytest_multitrust.session.activate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.engine.batching import BatchSizer
from pytest_multitrust.engine.runner import ModelHolder, NoStore
from pytest_multitrust.engine.runs import RunFactory, TaskRuns, drawn_sample_image, sample_image
from pytest_multitrust.progress import ProgressStep, ignore_progress
from pytest_multitrust.report.images import IMAGES_DIR, ImageStore
from pytest_multitrust.scoring.toxicity import DetoxifyScorer
from pytest_multitrust.terminal_progress import TerminalProgress
from pytest_multitrust.worker_progress import worker_channel

if TYPE_CHECKING:
    from collections.abc import Callable

    from pytest_multitrust.engine.batching import ResponseStore
    from pytest_multitrust.engine.cache import ImageCache
    from pytest_multitrust.models.base import MLLM, ImageData
    from pytest_multitrust.models.registry import ModelOptions, ModelSpec
    from pytest_multitrust.official import OfficialData
    from pytest_multitrust.progress import ProgressSink
    from pytest_multitrust.records import SampleRecord
    from pytest_multitrust.scoring.judge import Judge
    from pytest_multitrust.settings import Settings
    from pytest_multitrust.tasks.base import Sample, TaskSpec

__all__ = ["RUN_KEY", "ActiveRun", "build_run", "model_loader"]


@dataclass(frozen=True)
class ActiveRun:
    """Everything an active run built once in this process (none of it replaced later).

    The holders, the store, the sizer and the task runs change only through their own
    methods (a model loads on first use, a run generates on first use).
    """

    settings: Settings  # validated settings
    spec: ModelSpec  # the parsed --mllm
    tasks: tuple[TaskSpec, ...]  # selected built-in and registered tasks, paper order
    holder: ModelHolder  # the model under test (behind --mt-mitigation), loaded on first use
    base: ModelHolder  # the model under test without its mitigation (holder when none)
    store: ResponseStore  # the response cache (NoStore under --mt-cache=off)
    images: ImageCache | None  # drawn images by recipe (None: --mt-cache=off)
    sizer: BatchSizer  # batch size shared by this process's tasks
    toxicity: DetoxifyScorer  # detoxify, loaded by its first scorer
    judge_spec: ModelSpec | None  # the parsed --mt-judge, if any
    judge: Judge | None  # the judge scorers may consult (--mt-judge), lazy
    surrogate_spec: ModelSpec | None  # the parsed --mt-surrogate, if any
    surrogate: ModelHolder | None  # loads the attack surrogate on first use
    guard_spec: ModelSpec | None  # the parsed --mt-guard, if any
    runs: TaskRuns  # each task's samples and run
    official: OfficialData | None  # --mt-data=official: data versions and report notes
    report_images: ImageStore | None  # writes shown images into the report's images/
    progress: TerminalProgress  # shows the long steps' progress (model load, generation)


#: The :class:`ActiveRun` of an active run (absent when no model is under test).
RUN_KEY = pytest.StashKey[ActiveRun]()


def model_loader(
    config: pytest.Config,
    spec: ModelSpec,
    options: ModelOptions,
    option: str = "--mllm",
    progress: ProgressSink = ignore_progress,
) -> Callable[[], MLLM]:
    """Builds ``spec``'s model through the ``pytest_multitrust_make_model`` hook.

    Args:
        config: the pytest config (its hook).
        spec: the model to build.
        options: the settings' model options.
        option: the option that named the model, for the error message.
        progress: told when the load starts and ends (a ``model load`` step).
    """

    def load() -> MLLM:
        step = ProgressStep(progress, "model load", spec.display)
        try:
            model: MLLM | None = config.hook.pytest_multitrust_make_model(
                spec=spec, options=options, config=config
            )
        except BaseException:
            step.finish("failed")
            raise
        step.finish()
        if model is None:  # pragma: no cover - the built-in implementation always answers
            raise pytest.UsageError(f"no plugin could build {option}={spec.display}")
        return model

    return load


def build_run(config: pytest.Config, settings: Settings) -> ActiveRun:
    """Parse the model spec and build the run's shared parts, once.

    Raises:
        pytest.UsageError: for an unknown model, bad settings or missing official data.
    """
    from pytest_multitrust.engine.cache import database_of, open_caches
    from pytest_multitrust.models.registry import parse_model_spec
    from pytest_multitrust.tasks.registry import data_version, get_task

    if settings.mllm is None:
        raise ValueError("build_run() needs settings with a model (--mllm)")
    extra = tuple(config.hook.pytest_multitrust_model_names(config=config) or [])
    spec = parse_model_spec(settings.mllm, extra_names=extra)
    # an xdist worker forwards its progress to the controller (worker_progress)
    progress = TerminalProgress(config, forward=worker_channel(config))
    base = ModelHolder(load=model_loader(config, spec, settings.model_options(), progress=progress))
    guard_spec = (
        parse_model_spec(settings.guard, extra_names=extra, option="--mt-guard")
        if settings.guard is not None
        else None
    )
    holder = (
        base
        if settings.mitigation is None
        else ModelHolder(load=_mitigated_loader(config, settings, spec, base, guard_spec))
    )
    sizer = BatchSizer(settings.batch_size)
    toxicity = DetoxifyScorer(
        checkpoint=settings.toxicity_checkpoint,
        device=settings.device,
        allow_pickle=settings.allow_pickle,
    )
    tasks = tuple(get_task(task_id) for task_id in settings.task_ids)
    if settings.rules == "original":
        from pytest_multitrust.tasks.original import original_spec

        tasks = tuple(original_spec(task) for task in tasks)
    official: OfficialData | None = None
    if settings.official_data is not None:
        from pytest_multitrust.official import apply_official

        official = apply_official(config, settings, tasks)
        if official is not None:
            tasks = official.tasks
    store, images = open_caches(config, settings, version_of=data_version)
    judge_spec: ModelSpec | None = None
    judge: Judge | None = None
    if settings.judge is not None:
        from pytest_multitrust.models.judge import make_judge

        judge_spec, judge = make_judge(
            config,
            settings,
            model_spec=spec,
            model=base.get,
            extra_names=extra,
            cache=database_of(store),
            progress=progress,
        )
    surrogate_spec: ModelSpec | None = None
    surrogate: ModelHolder | None = None
    if settings.surrogate is not None:
        surrogate_spec = parse_model_spec(
            settings.surrogate, extra_names=extra, option="--mt-surrogate"
        )
        same = surrogate_spec.raw.strip() == spec.raw.strip()
        surrogate = (
            base
            if same
            else ModelHolder(
                load=model_loader(
                    config,
                    surrogate_spec,
                    settings.model_options(),
                    option="--mt-surrogate",
                    progress=progress,
                )
            )
        )
    response_store: ResponseStore = store or NoStore()
    report_images = (
        None
        if settings.report_dir is None
        else ImageStore(
            settings.report_dir / IMAGES_DIR,
            # encoded report images are kept beside the drawn ones, reused by later runs
            images.db if images is not None else None,
            write=images is not None and images.write,
        )
    )
    factory = RunFactory(
        settings=settings,
        holder=holder,
        base=base,
        store=response_store,
        sizer=sizer,
        judge=judge,
        toxicity=toxicity,
        surrogate=surrogate,
        render=_renderer(images, report_images),
        update_record=_record_updater(config),
        progress=progress,
    )
    return ActiveRun(
        settings=settings,
        spec=spec,
        tasks=tasks,
        holder=holder,
        base=base,
        store=response_store,
        images=images,
        sizer=sizer,
        toxicity=toxicity,
        judge_spec=judge_spec,
        judge=judge,
        surrogate_spec=surrogate_spec,
        surrogate=surrogate,
        guard_spec=guard_spec,
        runs=TaskRuns(tasks, settings.tier, settings.limit, factory.make),
        official=official,
        report_images=report_images,
        progress=progress,
    )


def _mitigated_loader(
    config: pytest.Config,
    settings: Settings,
    spec: ModelSpec,
    base: ModelHolder,
    guard_spec: ModelSpec | None,
) -> Callable[[], MLLM]:
    """Builds the model under test behind ``--mt-mitigation`` (and its ``--mt-guard``).

    The guard is the model under test itself unless ``--mt-guard`` names another model,
    built through the ``pytest_multitrust_make_model`` hook on first use.

    Raises:
        pytest.UsageError: for a mitigation that cannot be built (now, not at load).
    """
    from pytest_multitrust.models.mitigations import (
        MitigatedModel,
        MitigationContext,
        make_mitigation,
    )

    if settings.mitigation is None:
        raise ValueError("_mitigated_loader() needs settings with --mt-mitigation")
    name = settings.mitigation
    guard: Callable[[], MLLM] = base.get
    if guard_spec is not None and guard_spec.raw.strip() != spec.raw.strip():
        guard = ModelHolder(
            load=model_loader(config, guard_spec, settings.model_options(), option="--mt-guard")
        ).get
    # built now: an unknown entry point or a py: factory that fails is a usage error
    # before any test; a guard model loads on first use
    mitigation = make_mitigation(MitigationContext(name=name, guard=guard, seed=settings.seed))

    def load() -> MLLM:
        return MitigatedModel(base.get(), mitigation)

    return load


def _renderer(
    images: ImageCache | None, report_images: ImageStore | None
) -> Callable[[Sample], ImageData | None]:
    """A sample's image; with a report asked for, also written to the report's images/."""

    def render(sample: Sample) -> ImageData | None:
        return sample_image(sample, images)

    def render_keeping_image(sample: Sample) -> ImageData | None:
        # an image drawn now comes with its pixels: the report encodes them undecoded
        image, picture = drawn_sample_image(sample, images)
        if image is not None and report_images is not None:
            report_images.keep(image, picture)
        return image

    return render if report_images is None else render_keeping_image


def _record_updater(config: pytest.Config) -> Callable[[SampleRecord], SampleRecord]:
    """The ``pytest_multitrust_update_sample_record`` hook: the nearest conftest wins."""

    def update(record: SampleRecord) -> SampleRecord:
        results = config.hook.pytest_multitrust_update_sample_record(record=record, config=config)
        # pluggy lists results newest plugin first: the nearest conftest wins.
        return next((r for r in results if r is not None), record)

    return update
