"""The task runs of one process: one lazily created :class:`TaskRun` per task id.

:class:`TaskRuns` reads each task's samples once per process (tier and limit applied),
remembers a task whose data failed to load, and builds each task's run from the samples
still selected after deselection, through a :class:`RunFactory` that holds what every
run shares: the model, the response store, the batch sizer, the scorers' helpers.

A task split into shards (under xdist, :mod:`pytest_multitrust.engine.shards`) gets one
run per shard instead, over the shard's selected samples: each shard generates its own
samples in batches, on whichever worker runs it, and never waits for another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_multitrust.engine.runner import TaskRun
from pytest_multitrust.models.base import GenerationConfig
from pytest_multitrust.scoring.context import ScoringContext
from pytest_multitrust.tasks.data import read_samples, samples_for_tier

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from PIL import Image as PILImage

    from pytest_multitrust.engine.batching import BatchSizer, ResponseStore
    from pytest_multitrust.engine.cache import ImageCache
    from pytest_multitrust.engine.runner import ModelHolder
    from pytest_multitrust.imaging.transform import TransformContext
    from pytest_multitrust.models.base import ImageData
    from pytest_multitrust.progress import ProgressSink
    from pytest_multitrust.records import SampleRecord
    from pytest_multitrust.scoring.judge import Judge
    from pytest_multitrust.scoring.toxicity import DetoxifyScorer
    from pytest_multitrust.settings import Settings
    from pytest_multitrust.tasks.base import ImageRecipe, Sample, TaskSpec

__all__ = ["RunFactory", "TaskRuns", "drawn_sample_image", "sample_image"]


def sample_image(sample: Sample, images: ImageCache | None) -> ImageData | None:
    """A sample's drawn image: from the image cache when there is one, else drawn."""
    if sample.image is None:
        return None
    from pytest_multitrust.imaging import render

    if images is None:
        return render(sample.image)
    return images.image(sample.image, render)


def drawn_sample_image(
    sample: Sample, images: ImageCache | None
) -> tuple[ImageData | None, PILImage.Image | None]:
    """A sample's image as :func:`sample_image` gives it, with its pixels when drawn now.

    An image the image cache stores but does not have yet is drawn here (the same PNG
    bytes as :func:`~pytest_multitrust.imaging.render`), and its RGB pixels come back
    beside it, so the report can encode them without decoding the PNG again. Otherwise
    (an image read from the cache, no cache, a recipe never cached) the pixels are None.
    """
    recipe = sample.image
    if recipe is None or images is None or recipe.cache_version is None:
        return sample_image(sample, images), None
    from pytest_multitrust.imaging import draw
    from pytest_multitrust.models.base import ImageData

    drawn: list[PILImage.Image] = []

    def draw_png(recipe: ImageRecipe) -> ImageData:
        picture = draw(recipe)
        drawn.append(picture)
        return ImageData.from_pil(picture)

    image = images.image(recipe, draw_png)
    return image, drawn[0] if drawn else None


@dataclass(frozen=True)
class RunFactory:
    """Builds a task's :class:`TaskRun` from what every run of the process shares."""

    settings: Settings  # decoding, scoring, threshold and attack settings
    holder: ModelHolder  # the model under test (behind its mitigation), loaded on first use
    base: ModelHolder  # the model under test without its mitigation: attacks use its gradients
    store: ResponseStore  # the response cache (or none)
    sizer: BatchSizer  # the batch size shared by this process's tasks
    judge: Judge | None  # the judge scorers may consult (--mt-judge)
    toxicity: DetoxifyScorer  # detoxify, loaded by its first scorer
    surrogate: ModelHolder | None  # the attack surrogate (--mt-surrogate), loaded lazily
    render: Callable[[Sample], ImageData | None]  # a sample's image
    update_record: Callable[[SampleRecord], SampleRecord]  # the user's record hook
    progress: ProgressSink  # where runs report attack and generation progress

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
            model=self.base.deferred,  # a cached attack loads no weights
            surrogate=self.surrogate.deferred if self.surrogate is not None else None,
            cache_dir=settings.cache_dir / "attacks",
        )

    def make(self, task: TaskSpec, samples: list[Sample]) -> TaskRun:
        """The run of ``task`` over ``samples``."""
        settings = self.settings
        cap = settings.max_new_tokens
        max_tokens = min(task.max_new_tokens, cap) if cap else task.max_new_tokens
        thresholds = {
            m.name: t
            for m in task.metrics
            if (t := settings.threshold_for(task.id, m.name)) is not None
        }
        return TaskRun(
            task=task,
            samples=samples,
            holder=self.holder,
            context=ScoringContext(
                refusal_rule=settings.refusal_rule,  # type: ignore[arg-type]
                seed=settings.seed,
                judge=self.judge,
                toxicity=self.toxicity,
                rules=settings.rules,
            ),
            config=GenerationConfig(max_new_tokens=max_tokens, seed=settings.seed),
            batch_size=settings.batch_size,
            render=self.render,
            store=self.store,
            thresholds=thresholds,
            update_record=self.update_record,
            seed=settings.seed,
            sizer=self.sizer,
            check_batching=settings.check_batching,
            transform_context=self.transform_context() if task.transform_image else None,
            progress=self.progress,
        )


class TaskRuns:
    """The samples and the lazily built run of each task of this process.

    Its state (samples read, load failures, runs built) changes only through its
    methods.
    """

    def __init__(
        self,
        tasks: Sequence[TaskSpec],
        tier: str,
        limit: int | None,
        make_run: Callable[[TaskSpec, list[Sample]], TaskRun],
    ) -> None:
        """Runs of ``tasks``, on the samples of ``tier`` (``limit`` per variant).

        Args:
            tasks: the run's built-in and registered tasks.
            tier: the sample tier (``smoke`` or ``standard``).
            limit: samples per variant (None: all).
            make_run: builds a task's run from its selected samples.
        """
        self._tasks = {task.id: task for task in tasks}
        self._tier = tier
        self._limit = limit
        self._make_run = make_run
        self._samples: dict[str, list[Sample]] = {}
        self._load_errors: dict[str, Exception] = {}  # task id -> why its data did not load
        self._runs: dict[str, TaskRun] = {}
        self._shard_runs: dict[str, dict[str, TaskRun]] = {}  # split task -> sample id -> run

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
            self._samples[task.id] = samples_for_tier(loaded, self._tier, self._limit)
        return self._samples[task.id]

    def load_error(self, task: TaskSpec) -> Exception | None:
        """Why the task's data could not be loaded in this process (None: loaded or untried)."""
        return self._load_errors.get(task.id)

    def prepare(
        self,
        selected: Mapping[str, Sequence[str]],
        shards: Mapping[str, Mapping[str, int]] | None = None,
    ) -> None:
        """Build one run per task from the selected sample ids (after deselection).

        A task whose data failed to load gets no run: its collector reported the error.
        A task in ``shards`` (its sample ids' shards) with selected samples gets one run
        per shard that holds any of them instead (:meth:`sharded`).
        """
        self._shard_runs = {}
        for task in self._tasks.values():
            if task.id in self._load_errors:
                continue
            chosen = set(selected.get(task.id, ()))
            samples = [s for s in self.samples_for(task) if s.id in chosen]
            placed = (shards or {}).get(task.id)
            if samples and placed:
                groups: dict[int, list[Sample]] = {}
                for sample in samples:
                    groups.setdefault(placed.get(sample.id, 0), []).append(sample)
                runs = {shard: self._make_run(task, group) for shard, group in groups.items()}
                self._shard_runs[task.id] = {s.id: runs[placed.get(s.id, 0)] for s in samples}
                self._runs.pop(task.id, None)
                continue
            if not samples:  # only threshold tests selected: judge on every sample
                samples = self.samples_for(task)
            self._runs[task.id] = self._make_run(task, samples)

    def sharded(self, task_id: str) -> list[str] | None:
        """The selected sample ids of a task that runs as shards, in order; else None.

        Its metric is judged where every shard's records arrive (the xdist controller).
        """
        runs = self._shard_runs.get(task_id)
        return list(runs) if runs is not None else None

    def run_for(self, task_id: str, sample_id: str | None = None) -> TaskRun:
        """The run of a task, or of the shard holding ``sample_id`` in a split task.

        Built lazily when collection hooks were bypassed.
        """
        if sample_id is not None:
            shard = self._shard_runs.get(task_id, {}).get(sample_id)
            if shard is not None:
                return shard
        if task_id not in self._runs:
            task = self._tasks[task_id]
            self._runs[task_id] = self._make_run(task, self.samples_for(task))
        return self._runs[task_id]
