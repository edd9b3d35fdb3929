"""Generation and scoring for one task in one process.

The first sample test of a task asks its :class:`TaskRun` for a record; the run then
renders, generates (in backend-sized batches) and scores every *selected* sample of the
task at once, and each later sample test reads its record. The threshold test asks for
the task's :class:`~pytest_multitrust.records.MetricResult`.

:func:`build_metric_result` is the one place a task metric becomes a ``MetricResult``,
for built-in tasks (:meth:`TaskRun.metric_result`) and custom ones, whose records arrive
from tests (:func:`records_task_values`); :func:`metric_properties` is what a judged
threshold test reports.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from pytest_multitrust.engine.batching import BatchSizer, generate_batches, warn_on_drift
from pytest_multitrust.models.base import (
    DeferredLoad,
    GenerationConfig,
    ImageData,
    Message,
    Request,
    Response,
)
from pytest_multitrust.progress import ProgressStep, ignore_progress
from pytest_multitrust.records import (
    METRIC_PROPERTY,
    VERDICT_PROPERTY,
    MetricResult,
    SampleRecord,
    WorstSample,
)
from pytest_multitrust.reliability import format_failure, is_fatal, terminal_safe
from pytest_multitrust.tasks.base import MetricSpec, Sample, SampleScore, TaskSpec, oriented
from pytest_multitrust.thresholds import holds

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from pytest_multitrust.engine.batching import ResponseStore
    from pytest_multitrust.imaging.transform import TransformContext, TransformResult
    from pytest_multitrust.models.base import MLLM, ModelInfo
    from pytest_multitrust.progress import ProgressSink
    from pytest_multitrust.scoring.context import ScoringContext
    from pytest_multitrust.settings import Threshold

__all__ = [
    "ModelHolder",
    "ModelLoadError",
    "TaskRun",
    "build_metric_result",
    "build_request",
    "counted_records",
    "format_value",
    "metric_interval",
    "metric_properties",
    "records_metric_result",
    "records_task_values",
    "skip_summary",
]


_T = TypeVar("_T")


class NoStore:
    """A store that keeps nothing."""

    def get_many(
        self, model: MLLM, requests: Sequence[Request], config: GenerationConfig
    ) -> list[Response | None]:
        """Nothing is cached."""
        return [None] * len(requests)

    def put_many(
        self,
        model: MLLM,
        requests: Sequence[Request],
        config: GenerationConfig,
        responses: Sequence[Response],
    ) -> None:
        """Discard."""


class ModelLoadError(RuntimeError):
    """The model under test could not be loaded in this process (the load is not retried).

    ``str(error)`` is one line; :attr:`details` holds the load's traceback on the first
    error a :class:`ModelHolder` raises, and is empty on the later ones, so the traceback
    is shown once per process, not once per test.
    """

    def __init__(
        self, message: str, details: str = "", *, cause: str = "", origin: str = ""
    ) -> None:
        """Say why the model is unavailable; ``details``: the traceback, the first time.

        ``cause`` is the load's error (``Type: message``; a prerequisite's or usage error's
        message alone) and ``origin`` where it was raised (`` (raised at file:line, in
        function)``, empty for a prerequisite's or usage error).
        """
        super().__init__(message)
        self.details = details  # the load's traceback (first error only), else ""
        self.cause = cause or message  # the load's own error, without this sentence
        self.origin = origin  # " (raised at FILE:LINE, in NAME)" or ""


@dataclass
class ModelHolder:
    """Loads the model under test once per process, on first use.

    Two steps: :meth:`open` runs the factory (the ``pytest_multitrust_make_model`` hook),
    which gives the model's facts (``info``: what the response cache keys on);
    :meth:`get` also loads the weights of a model that defers them
    (:class:`~pytest_multitrust.models.base.DeferredLoad`: ``hf:`` models and the
    embedded ``tiny-llava``). :meth:`deferred` hands out a stand-in that loads them only
    when something beyond ``info`` is used, so a re-run whose answers are all cached
    never loads them.

    A failed load is not retried: every :meth:`get` raises :class:`ModelLoadError` with
    the first error's text, so a model that cannot load costs one attempt (one download,
    one out-of-memory), not one per test. Any exception of the load counts (a factory's
    ``sys.exit`` too), except Ctrl-C and ``pytest.exit``.
    """

    load: Callable[[], MLLM]  # builds the model (through the make-model hook)
    _model: MLLM | None = field(default=None, init=False)
    _ready: bool = field(default=False, init=False)  # deferred weights loaded (or none)
    _failure: str | None = field(default=None, init=False)  # the first load's error
    _details: str = field(default="", init=False)  # its traceback, until handed out once
    _cause: str = field(default="", init=False)  # the first load's error, for a usage error
    _origin: str = field(default="", init=False)  # where the first load's error was raised
    load_seconds: float = field(default=0.0, init=False)  # time the load took (both steps)

    def open(self) -> MLLM:
        """The model as its factory built it: ``info`` known, deferred weights maybe not.

        Raises:
            ModelLoadError: as :meth:`get`.
        """
        __tracebackhide__ = True  # pytest shows the test's line, not this plumbing
        if self._model is None:
            self._model = self._attempt(self.load)
        return self._model

    def get(self) -> MLLM:
        """The loaded model, weights included (loading it now if needed).

        Raises:
            ModelLoadError: the load failed, now or earlier in this process; the first
                one raised carries the load's traceback in ``details``.
        """
        __tracebackhide__ = True
        model = self.open()
        if not self._ready:
            if isinstance(model, DeferredLoad):
                self._attempt(model.load_weights)
            self._ready = True
        return model

    def deferred(self) -> MLLM:
        """A stand-in for the model: ``info`` from :meth:`open`, anything else from :meth:`get`."""
        return _LoadOnUse(self)

    def _attempt(self, step: Callable[[], _T]) -> _T:
        """Run one load step, timed; a failure now or before raises :class:`ModelLoadError`."""
        __tracebackhide__ = True
        first = self._failure is None
        if first:
            started = time.perf_counter()
            try:
                done = step()
            except BaseException as error:
                if is_fatal(error):
                    raise
                self._failure = f"{type(error).__name__}: {error}"
                self._details = format_failure(error)
                self._cause, self._origin = _describe(error)
            else:
                self.load_seconds += time.perf_counter() - started
                return done
        details, self._details = self._details, ""
        raise ModelLoadError(
            terminal_safe(
                f"the model under test failed to load (not retried): {self._failure}"
                if first
                else f"the model under test failed to load earlier in this process "
                f"(not retried): {self._failure}"
            ),
            details,
            cause=self._cause,
            origin=self._origin,
        )

    @property
    def opened(self) -> bool:
        """Whether the model's factory has run in this process (its ``info`` is known)."""
        return self._model is not None

    @property
    def loaded(self) -> bool:
        """Whether the model has been loaded in this process, weights included."""
        return self._model is not None and self._ready


class _LoadOnUse:
    """The holder's model: ``info`` without loading, the weights on any other use."""

    def __init__(self, holder: ModelHolder) -> None:
        self._holder = holder

    @property
    def info(self) -> ModelInfo:
        """The opened model's facts (the cache keys on them): no weights loaded."""
        return self._holder.open().info

    def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
        """The loaded model's answers."""
        return self._holder.get().generate(requests, config)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._holder.get(), name)


def _describe(error: BaseException) -> tuple[str, str]:
    """A load error as (cause, origin): ``Type: message`` and where it was raised.

    A :class:`PrerequisiteError` or usage error is its message alone, with no origin: it
    names the cause itself. Otherwise the origin is the innermost frame outside installed
    packages (the user's factory rather than torch's allocator).
    """
    import sysconfig
    import traceback

    from pytest_multitrust.errors import PrerequisiteError

    if isinstance(error, PrerequisiteError | pytest.UsageError):
        return terminal_safe(str(error)), ""
    cause = terminal_safe(f"{type(error).__name__}: {error}")
    frames = traceback.extract_tb(error.__traceback__)
    installed = tuple(
        sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")
    )
    own = [frame for frame in frames if not frame.filename.startswith(installed)]
    if not (own or frames):
        return cause, ""
    frame = (own or frames)[-1]
    return cause, terminal_safe(f" (raised at {frame.filename}:{frame.lineno}, in {frame.name})")


def build_request(sample: Sample, task: TaskSpec, image: ImageData | None) -> Request:
    """The chat request for one sample: optional system turn, then the user turn."""
    messages: list[Message] = []
    if sample.system:
        messages.append(Message(role="system", text=sample.system))
    messages.append(
        Message(role="user", text=sample.prompt, images=(image,) if image is not None else ())
    )
    return Request(
        messages=tuple(messages), task_id=task.id, sample_id=sample.id, reference=sample.ideal
    )


def metric_interval(
    metric: MetricSpec, values: Sequence[float], point: float, seed: int
) -> tuple[float, float]:
    """95 % interval for a metric: Wilson for proportions, seeded bootstrap otherwise."""
    from pytest_multitrust.scoring.stats import bootstrap_interval, wilson_interval

    if not values or math.isnan(point):
        return (math.nan, math.nan)
    if metric.kind == "proportion":
        n = len(values)
        successes = round(point * n)
        return wilson_interval(successes, n)
    if metric.kind == "statistic":
        return (math.nan, math.nan)
    return bootstrap_interval(values, seed=seed)


@dataclass
class TaskRun:
    """Generates and scores the selected samples of one task, once."""

    task: TaskSpec  # the task
    samples: Sequence[Sample]  # the selected samples, in collection order
    holder: ModelHolder  # the process's model
    context: ScoringContext  # scoring rules
    config: GenerationConfig  # decoding settings for this task
    batch_size: int | None = None  # None -> the model's default
    render: Callable[[Sample], ImageData | None] = field(default=lambda _s: None)
    store: ResponseStore = field(default_factory=NoStore)
    thresholds: dict[str, Threshold] = field(default_factory=dict)  # metric -> user threshold
    update_record: Callable[[SampleRecord], SampleRecord] = field(default=lambda r: r)
    seed: int = 0
    sizer: BatchSizer | None = None  # the process's batch size (None: from batch_size)
    check_batching: bool = False  # compare batch 1 with batch N first (--mt-check-batching)
    transform_context: TransformContext | None = None  # for TaskSpec.transform_image
    progress: ProgressSink = field(default=ignore_progress)  # attack and generation progress
    _records: dict[str, SampleRecord] | None = field(default=None, init=False)
    _scores: dict[str, SampleScore] = field(default_factory=dict, init=False)
    failure: str | None = field(default=None, init=False)  # why the whole task failed, if it did
    _failure_details: str = field(default="", init=False)  # its traceback, until shown once

    def record(self, sample_id: str) -> SampleRecord:
        """The scored record of one selected sample (runs the whole task on first call)."""
        records = self._ensure()
        try:
            return records[sample_id]
        except KeyError:
            raise KeyError(f"{self.task.id}: sample {sample_id!r} was not selected") from None

    @property
    def done(self) -> bool:
        """Whether the task has run (its records are ready, or its failure is)."""
        return self._records is not None

    def records(self) -> list[SampleRecord]:
        """All records, in sample order."""
        records = self._ensure()
        return [records[s.id] for s in self.samples]

    def _ensure(self) -> dict[str, SampleRecord]:
        """Run the task once; a failure of the whole run is remembered, never repeated.

        Anything the run raises (a model's ``SystemExit``, a cache or scorer bug) makes
        every sample an error record saying why, so each sample test errors at once with
        one line and the task still reaches the report; only Ctrl-C and ``pytest.exit``
        propagate. A ``pytest.skip`` raised by a model skips every sample.
        """
        if self._records is None:
            try:
                self._records = self._run()
            except BaseException as error:
                if is_fatal(error):
                    raise
                self._records = self._failed(error)
        return self._records

    def _failed(self, error: BaseException) -> dict[str, SampleRecord]:
        """The records of every sample after the task's run raised ``error``."""
        if isinstance(error, pytest.skip.Exception):
            reason = terminal_safe(str(error.msg))
            return {s.id: self._record(s, None, None, skip_reason=reason) for s in self.samples}
        nan_values = {m.name: math.nan for m in self.task.metrics}
        if isinstance(error, ModelLoadError):
            self.failure, self._failure_details = str(error), error.details
        else:
            self.failure = terminal_safe(
                f"the task's generation failed, not retried: {type(error).__name__}: {error}"
            )
            self._failure_details = format_failure(error)
        return {
            s.id: SampleRecord(
                task_id=self.task.id,
                sample_id=s.id,
                variant=s.variant,
                prompt=s.prompt,
                image_sha256=None,
                response="",
                values=nan_values,
                verdict="error",
                error=self.failure,
            )
            for s in self.samples
        }

    def take_failure_details(self) -> str:
        """The traceback of the task's failure the first time it is asked for, then ``""``.

        The first test that reports the failure shows it; the others say it in one line.
        """
        details, self._failure_details = self._failure_details, ""
        return details

    def _transform_context(self) -> TransformContext:
        """The context of the task's image transform (default: the model under test only)."""
        if self.transform_context is None:
            from pytest_multitrust.imaging.transform import AttackSettings, TransformContext

            self.transform_context = TransformContext(
                attack=AttackSettings(seed=self.seed), model=self.holder.deferred
            )
        return self.transform_context

    def _image(
        self, sample: Sample, transforms: dict[str, TransformResult]
    ) -> tuple[ImageData | None, str | None]:
        """The image to show with ``sample`` (drawn, then transformed) or a skip reason."""
        image = self.render(sample)
        if image is None or self.task.transform_image is None:
            return image, None
        result = self.task.transform_image(sample, image, self._transform_context())
        if result.image is None:
            return None, result.skip_reason or "skipped by the task's image transform"
        transforms[sample.id] = result
        return result.image, None

    def skip_reason(self) -> str | None:
        """Why samples of this run were skipped (with how many), or None when none was."""
        return skip_summary(self.records())

    def _run(self) -> dict[str, SampleRecord]:
        requests: list[Request | None] = []
        build_errors: dict[str, str] = {}
        skipped: dict[str, str] = {}
        transforms: dict[str, TransformResult] = {}
        attacked = (
            ProgressStep(
                self.progress,
                "attack",
                self.task.id,
                total=sum(s.image is not None for s in self.samples),
                unit="images",
            )
            if self.task.transform_image is not None and any(s.image for s in self.samples)
            else None
        )
        try:
            for sample in self.samples:
                requests.append(self._request(sample, transforms, build_errors, skipped))
                if attacked is not None and sample.image is not None:
                    attacked.advance()
        finally:  # a model that cannot load ends the step too
            if attacked is not None:
                attacked.finish()
        ready = [(s, r) for s, r in zip(self.samples, requests, strict=True) if r is not None]
        responses = self._generate([r for _, r in ready])
        by_id: dict[str, tuple[Request, Response]] = {
            s.id: (req, resp) for (s, req), resp in zip(ready, responses, strict=True)
        }
        scorable = [s for s, _ in ready if by_id[s.id][1].error is None]
        scores: list[SampleScore] = []
        if scorable:
            scores = self.task.scorer(scorable, [by_id[s.id][1] for s in scorable], self.context)
        self._scores = {s.id: score for s, score in zip(scorable, scores, strict=True)}
        records: dict[str, SampleRecord] = {}
        for sample in self.samples:
            records[sample.id] = self.update_record(
                self._record(
                    sample,
                    by_id.get(sample.id),
                    build_errors.get(sample.id),
                    skipped.get(sample.id),
                    transforms.get(sample.id),
                )
            )
        return records

    def _request(
        self,
        sample: Sample,
        transforms: dict[str, TransformResult],
        build_errors: dict[str, str],
        skipped: dict[str, str],
    ) -> Request | None:
        """The request of ``sample``, or None (skipped or errored: said in the dicts)."""
        try:
            image, skip = self._image(sample, transforms)
            if skip is not None:
                skipped[sample.id] = skip
                return None
            return build_request(sample, self.task, image)
        except ModelLoadError:  # an attack needs the model: the whole task fails
            raise
        except Exception as error:  # bad data is a sample-level error, not a crash
            build_errors[sample.id] = f"{type(error).__name__}: {error}"
            return None

    def _generate(self, requests: list[Request]) -> list[Response]:
        if self.sizer is None:
            self.sizer = BatchSizer(self.batch_size)
        if self.check_batching and len(requests) > 1:
            warn_on_drift(self.holder.get(), requests, self.config, self.task.id)
        steps: list[ProgressStep] = []

        def on_batch(done: int, total: int) -> None:
            if not steps:  # the first call: the cache was read, the answers to make known
                steps.append(
                    ProgressStep(
                        self.progress,
                        "generation",
                        self.task.id,
                        total=total,
                        unit="answers",
                        detail=f"{len(requests) - total} cached" if total < len(requests) else "",
                    )
                )
            elif done > steps[0].done:
                steps[0].advance(done - steps[0].done)

        try:
            # the cache is asked with the model's facts; the weights load on the first miss
            return generate_batches(
                self.holder.deferred(),
                requests,
                self.config,
                self.store,
                self.sizer,
                on_batch=on_batch,
                ready=self.holder.get,
            )
        finally:
            if steps:
                steps[0].finish()

    def _record(
        self,
        sample: Sample,
        pair: tuple[Request, Response] | None,
        build_error: str | None,
        skip_reason: str | None = None,
        transform: TransformResult | None = None,
    ) -> SampleRecord:
        nan_values = {m.name: math.nan for m in self.task.metrics}
        if skip_reason is not None:
            return SampleRecord(
                task_id=self.task.id,
                sample_id=sample.id,
                variant=sample.variant,
                prompt=sample.prompt,
                image_sha256=None,
                response="",
                values=nan_values,
                verdict="skip",
                scorer="",
                skip_reason=skip_reason,
            )
        if pair is None:
            return SampleRecord(
                task_id=self.task.id,
                sample_id=sample.id,
                variant=sample.variant,
                prompt=sample.prompt,
                image_sha256=None,
                response="",
                values=nan_values,
                verdict="error",
                error=build_error or "not generated",
            )
        request, response = pair
        images = request.images
        common = {
            "task_id": self.task.id,
            "sample_id": sample.id,
            "variant": sample.variant,
            "prompt": sample.prompt,
            "image_sha256": images[0].sha256 if images else None,
            "response": response.text,
            "latency_s": response.latency_s,
            "prompt_tokens": response.prompt_tokens,
            "completion_tokens": response.completion_tokens,
            "cached": response.cached,
        }
        if transform is not None and transform.description:
            common.update(
                attack=transform.description,
                attack_steps=transform.steps,
                attack_seconds=transform.seconds,
                attack_cached=transform.cached,
            )
        score = self._scores.get(sample.id)
        if response.error is not None or score is None:
            return SampleRecord(
                values=nan_values,
                verdict="error",
                error=response.error or "not scored",
                **common,  # type: ignore[arg-type]
            )
        names = [m.name for m in self.task.metrics]
        return SampleRecord(
            # the task's metrics, then any other value the scorer gave (P.3's rating): the
            # paired comparison recomputes the task's score from these records
            values={
                **{n: float(score.values.get(n, math.nan)) for n in names},
                **{k: float(v) for k, v in sorted(score.values.items()) if k not in names},
            },
            verdict="pass" if score.passed else "miss",
            expected=score.expected,
            detail=score.detail,
            scorer=score.scorer,
            **common,  # type: ignore[arg-type]
        )

    def metric_result(self, metric_name: str) -> MetricResult:
        """Judge one task metric against its threshold (user's, else the task's default)."""
        records = self.records()
        counted = [(s, self._scores[s.id]) for s in self.samples if s.id in self._scores]
        values = (
            self.task.compute([s for s, _ in counted], [sc for _, sc in counted])
            if counted
            else {m.name: math.nan for m in self.task.metrics}
        )
        return build_metric_result(
            self.task,
            metric_name,
            records,
            values,
            user=self.thresholds.get(metric_name),
            seed=self.seed,
        )


def skip_summary(records: Sequence[SampleRecord]) -> str | None:
    """Why samples were skipped (with how many), or None when none was."""
    skipped = [r for r in records if r.verdict == "skip"]
    if not skipped:
        return None
    return f"{len(skipped)} of {len(records)} samples skipped: {skipped[0].skip_reason}"


def records_metric_result(
    task: TaskSpec,
    metric_name: str,
    samples: Sequence[Sample],
    records: Sequence[SampleRecord],
    *,
    user: Threshold | None,
    seed: int,
) -> MetricResult:
    """A built-in task's metric from its samples' records, as :meth:`TaskRun.metric_result`.

    For a task whose shards ran on several xdist workers: each record that counts (met
    or missed) stands for its sample's score (values, verdict, expected, detail, scorer
    are the score's), so that :meth:`TaskSpec.compute` sees the same samples and scores
    in the same order as the task's single run would.

    Args:
        task: the task.
        metric_name: the metric to report.
        samples: the task's selected samples, in sample order.
        records: their records (any order; a sample without one is left out).
        user: the user's threshold on the metric, or None.
        seed: the seed of the bootstrap interval.
    """
    by_id = {r.sample_id: r for r in records}
    ordered = [by_id[s.id] for s in samples if s.id in by_id]
    counted = [
        (s, by_id[s.id])
        for s in samples
        if s.id in by_id and by_id[s.id].verdict in ("pass", "miss")
    ]
    scores = [
        SampleScore(
            values=r.values,
            passed=r.verdict == "pass",
            expected=r.expected,
            detail=r.detail,
            scorer=r.scorer,
        )
        for _, r in counted
    ]
    values = (
        task.compute([s for s, _ in counted], scores)
        if counted
        else {m.name: math.nan for m in task.metrics}
    )
    return build_metric_result(task, metric_name, ordered, values, user=user, seed=seed)


def counted_records(records: Sequence[SampleRecord], metric: str) -> list[SampleRecord]:
    """The records that count for ``metric``: met or missed, with a value for it.

    Errored and skipped samples never count, nor a sample without a value for the metric
    (NaN, or a custom sample of another metric of its task).
    """
    return [
        r
        for r in records
        if r.verdict in ("pass", "miss") and not math.isnan(r.values.get(metric, math.nan))
    ]


def build_metric_result(
    task: TaskSpec,
    metric_name: str,
    records: Sequence[SampleRecord],
    values: Mapping[str, float],
    *,
    user: Threshold | None,
    seed: int,
) -> MetricResult:
    """The :class:`MetricResult` of one task metric (built-in and custom tasks alike).

    Args:
        task: the task: a built-in or data task, or a custom task made a
            :class:`TaskSpec` whose samples arrive from tests, already scored.
        metric_name: the metric to report.
        records: every record of the task's selected samples, in sample order (errors
            and skips included: they are counted as such).
        values: the task's metric values (:meth:`TaskSpec.compute` of its scored samples).
        user: the user's threshold on the metric (``--mt-threshold``, the ini file); None:
            the metric's default.
        seed: the seed of the bootstrap interval.

    The value is ``values[metric_name]``; ``n``, the interval (Wilson for proportions, a
    seeded bootstrap for means) and the worst samples come from the records that count
    (:func:`counted_records`); ``passed`` is the plain comparison with the threshold (the
    gate judgement, :func:`pytest_multitrust.report.gates.judge_metric`, is the caller's).
    """
    metric = task.metric(metric_name)
    value = values[metric.name]
    counted = counted_records(records, metric.name)
    threshold = user.value if user is not None else metric.threshold
    op = user.op if user is not None else metric.op
    passed = holds(value, op, threshold)
    low, high = metric_interval(metric, [r.values[metric.name] for r in counted], value, seed)
    worst = sorted(counted, key=lambda r: oriented(r.values[metric.name], metric.direction))[:5]
    scorers = sorted(
        {
            r.scorer
            for r in records
            if r.verdict in ("pass", "miss") and r.scorer and metric.name in r.values
        }
    )
    return MetricResult(
        task_id=task.id,
        task_name=task.name,
        aspect=task.aspect,
        sub_aspect=task.sub_aspect,
        metric=metric.name,
        direction=metric.direction,
        value=value,
        threshold=threshold,
        op=op,
        passed=passed,
        n=len(counted),
        errors=sum(r.verdict == "error" for r in records),
        ci_low=low,
        ci_high=high,
        scorer=", ".join(scorers) or metric.scorer,
        trust_score=task.trust_score(values),
        worst=tuple(
            WorstSample(r.sample_id, r.values[metric.name], r.response[:160], r.detail)
            for r in worst
            if oriented(r.values[metric.name], metric.direction) < 1.0
        ),
    )


def records_task_values(task: TaskSpec, records: Sequence[SampleRecord]) -> dict[str, float]:
    """The task's metric values from records that arrived already scored (custom tasks).

    Each record that counts (met or missed) stands for its sample and its score, so that
    :meth:`TaskSpec.compute` aggregates them as it does a built-in task's (by default:
    the mean per variant, then the mean over variants).
    """
    scored = [r for r in records if r.verdict in ("pass", "miss")]
    if not scored:
        return {m.name: math.nan for m in task.metrics}
    samples = [Sample(id=r.sample_id, variant=r.variant, prompt=r.prompt) for r in scored]
    scores = [
        SampleScore(values=r.values, passed=r.verdict == "pass", scorer=r.scorer) for r in scored
    ]
    return task.compute(samples, scores)


def format_value(value: float) -> str:
    """A metric value for humans: 3 decimals, 'n/a' for NaN."""
    return "n/a" if value != value else f"{value:.3f}"


def metric_properties(result: MetricResult) -> list[tuple[str, str]]:
    """The ``user_properties`` of a judged threshold test: its record, then plain ones.

    The :class:`MetricResult` as JSON (what the controller's collector reads) and, for
    JUnit XML readers, its verdict, value, threshold, interval and sample count.
    """
    return [
        (METRIC_PROPERTY, result.to_json()),
        (VERDICT_PROPERTY, result.verdict),
        ("multitrust.value", format_value(result.value)),
        ("multitrust.threshold", f"{result.op} {result.threshold:g}"),
        ("multitrust.ci", f"[{format_value(result.ci_low)}, {format_value(result.ci_high)}]"),
        ("multitrust.n", str(result.n)),
    ]


def replace_record(record: SampleRecord, **changes: object) -> SampleRecord:
    """A copy of ``record`` with ``changes`` (for update hooks)."""
    return dataclasses.replace(record, **changes)  # type: ignore[arg-type]
