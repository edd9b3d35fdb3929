"""Task records: what a MultiTrust task is, what one sample is, and how a sample scores.

A task is a :class:`TaskSpec` registered with :func:`register_task`. Its samples are
:class:`Sample` records (loaded from ``data/`` by default); its scorer turns each sample's
response into a :class:`SampleScore`; its :class:`MetricSpec` list says how per-sample
values become the task metrics that the threshold tests assert.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from pytest_multitrust.thresholds import holds

if TYPE_CHECKING:
    from pytest_multitrust.imaging.transform import TransformContext, TransformResult
    from pytest_multitrust.models.base import ImageData, Response
    from pytest_multitrust.scoring.context import ScoringContext

__all__ = [
    "ASPECTS",
    "Aspect",
    "Direction",
    "ImageRecipe",
    "ImageTransform",
    "MetricSpec",
    "Sample",
    "SampleScore",
    "Scorer",
    "TaskSpec",
    "mean_of_variant_groups",
    "oriented",
]

Aspect = Literal["truthfulness", "safety", "robustness", "fairness", "privacy", "custom"]
Direction = Literal["higher", "lower"]
MetricKind = Literal["proportion", "mean", "statistic"]

#: The five MultiTrust aspects, in the paper's order, with their two sub-aspects each.
ASPECTS: Mapping[str, tuple[str, str]] = {
    "truthfulness": ("inherent deficiency", "misguided mistakes"),
    "safety": ("toxicity", "jailbreaking"),
    "robustness": ("out-of-distribution", "adversarial"),
    "fairness": ("stereotype", "bias and preference"),
    "privacy": ("awareness", "leakage"),
}


@dataclass(frozen=True)
class ImageRecipe:
    """How to obtain a sample's image: a registered drawer and its JSON parameters.

    ``kind`` names a drawer in :mod:`pytest_multitrust.imaging` (``"shapes"``,
    ``"typography"``, ...) or ``"file"`` for an image on disk (``{"path": ...}``).
    """

    kind: str  # drawer name, or "file"
    params_json: str = "{}"  # canonical JSON object (sorted keys) of drawer parameters

    @classmethod
    def make(cls, kind: str, /, **params: Any) -> ImageRecipe:
        """Build a recipe with canonical (sorted, compact) JSON parameters."""
        return cls(kind=kind, params_json=canonical_json(params))

    @cached_property
    def params(self) -> dict[str, Any]:
        """The decoded parameters."""
        value = json.loads(self.params_json)
        if not isinstance(value, dict):
            raise ValueError(f"image params must be a JSON object, got {self.params_json!r}")
        return value

    @property
    def cache_version(self) -> str | None:
        """The version of the code that draws this recipe, for the image cache; None: never cached.

        A hash of the imaging code, Pillow and FreeType for a built-in drawer
        (:func:`pytest_multitrust.imaging.registry.drawing_version`); None for ``file``
        images and drawers registered elsewhere, whose code is not hashed.
        """
        from pytest_multitrust.imaging.registry import drawing_version

        return drawing_version(self.kind)


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: one spelling per value, for hashing."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Sample:
    """One test case of a task: a prompt, an optional image, and its ground truth."""

    id: str  # unique within the task, e.g. "typographic-0007"; used in the test id
    variant: str  # the task variant it belongs to, e.g. "text", "unrelated-noise"
    prompt: str  # the user turn sent to the model
    truth: str = ""  # ground truth the scorer compares with (label, answer, behaviour)
    ideal: str = ""  # an ideal response; the scripted oracle model answers with it
    image: ImageRecipe | None = None  # the image shown with the prompt, if any
    system: str | None = None  # optional system turn
    smoke: bool = False  # part of the smoke tier
    extra: Mapping[str, Any] = field(default_factory=dict)  # task-specific fields


@dataclass(frozen=True)
class SampleScore:
    """A scorer's verdict on one response."""

    values: Mapping[str, float]  # metric name -> this sample's value (NaN = not counted)
    passed: bool  # the sample met its criterion (False -> reported as MISS)
    expected: str = ""  # what a passing response looks like, in words
    detail: str = ""  # what the scorer extracted or matched, in words
    scorer: str = "rule"  # which scorer produced the values: rule:..., classifier:..., judge:...


#: A scorer judges a batch of responses (one per sample, same order).
Scorer = Callable[[Sequence[Sample], Sequence["Response"], "ScoringContext"], list[SampleScore]]

#: Changes a sample's drawn image before generation, with access to the models (see
#: :mod:`pytest_multitrust.imaging.transform`); may also skip the sample.
ImageTransform = Callable[[Sample, "ImageData", "TransformContext"], "TransformResult"]

#: An aggregator turns the scored samples of a task into one metric value.
Aggregator = Callable[[Sequence[Sample], Sequence[SampleScore], str], float]


@dataclass(frozen=True)
class MetricSpec:
    """One task metric with its direction and default threshold."""

    name: str  # short id used in threshold expressions, e.g. "rta", "asr", "accuracy"
    direction: Direction  # "higher" or "lower" is better
    threshold: float  # default threshold, in the metric's own units
    description: str = ""  # one line for the report
    kind: MetricKind = "proportion"  # proportion -> Wilson interval; else bootstrap
    scorer: str = "rule"  # "rule", "classifier" or "judge": what produced it by default
    in_score: bool = True  # enters the task's 0-1 trust score
    weight: float = 1.0  # its weight in the trust score (S.1/S.3 toxicity: 2, standing for
    # the original's two toxicity scores, Perspective and moderation, beside RtA)
    aggregate: Aggregator | None = None  # None -> mean_of_variant_groups
    bounds: tuple[float, float] = (0.0, 1.0)  # the values it can take (Pearson's r: -1, 1)

    def passes(self, value: float, threshold: float | None = None) -> bool:
        """Whether ``value`` meets ``threshold`` (default: the metric's) in its direction."""
        return holds(value, self.op, self.threshold if threshold is None else threshold)

    @property
    def op(self) -> str:
        """The comparison operator for messages: ``>=`` or ``<=``."""
        return ">=" if self.direction == "higher" else "<="


@dataclass(frozen=True)
class TaskSpec:
    """A MultiTrust task: data, prompts, generation limits, scoring and metrics."""

    id: str  # "T.1" ... "P.6", or a custom id
    name: str  # human name, e.g. "Basic world understanding"
    aspect: Aspect  # one of ASPECTS, or "custom"
    sub_aspect: str  # one of the aspect's two sub-aspects (aggregation unit)
    summary: str  # what the task tests, one sentence
    metrics: tuple[MetricSpec, ...]  # first metric is the primary one
    scorer: Scorer  # scores a batch of responses
    data: str = ""  # data file relative to data/, e.g. "safety/S.4.jsonl"
    max_new_tokens: int = 64  # generation limit for this task
    variants: tuple[str, ...] = ("default",)  # variant names, in report order
    variant_groups: Mapping[str, str] = field(default_factory=dict)  # variant -> group
    judge_prompt: str | None = None  # the original judge prompt, used with --mt-judge
    original: str = ""  # where it comes from in MMTrustEval (dataset ids, metric)
    loader: Callable[[], Sequence[Sample]] | None = None  # None -> load the data file
    transform_image: ImageTransform | None = None  # alters each drawn image seeing the model
    # (adversarial attacks of R.4/R.5); None -> images as drawn

    def metric(self, name: str) -> MetricSpec:
        """The metric called ``name``; ``KeyError`` lists the known ones."""
        for metric in self.metrics:
            if metric.name == name:
                return metric
        known = ", ".join(m.name for m in self.metrics)
        raise KeyError(f"task {self.id} has no metric {name!r} (known: {known})")

    @property
    def primary(self) -> MetricSpec:
        """The task's primary metric."""
        return self.metrics[0]

    @property
    def data_version(self) -> str:
        """The version of the task's built-in data, part of every response cache key.

        ``"<manifest version>:<file sha256>"`` for a task that reads a built-in data file;
        ``"loader"`` for a task whose samples come from its own loader (custom and
        official-data tasks: the request itself then carries the content);
        ``"unversioned"`` when the manifest has no entry for the file.
        """
        if self.loader is not None or not self.data:
            return "loader"
        from pytest_multitrust.tasks.manifest import load_manifest

        entry = load_manifest().get(self.data)
        if entry is None:
            return "unversioned"
        return f"{entry.version}:{entry.sha256}"

    def compute(self, samples: Sequence[Sample], scores: Sequence[SampleScore]) -> dict[str, float]:
        """All metric values of the task from its scored samples."""
        values: dict[str, float] = {}
        for metric in self.metrics:
            aggregate = metric.aggregate or self.mean_by_variant
            values[metric.name] = aggregate(samples, scores, metric.name)
        return values

    def mean_by_variant(
        self, samples: Sequence[Sample], scores: Sequence[SampleScore], metric: str
    ) -> float:
        """Mean of ``metric`` the MultiTrust way: variants of a group averaged first."""
        return mean_of_variant_groups(samples, scores, metric, self.variant_groups)

    def trust_score(self, values: Mapping[str, float]) -> float:
        """The task's 0-1 trust score, higher is better: weighted mean of its oriented metrics."""
        parts = [
            (oriented(values[m.name], m.direction), m.weight)
            for m in self.metrics
            if m.in_score and not math.isnan(values.get(m.name, math.nan))
        ]
        total = math.fsum(w for _, w in parts)
        return math.fsum(v * w for v, w in parts) / total if parts and total > 0 else math.nan


def oriented(value: float, direction: Direction) -> float:
    """Map a metric value to 'higher is better' (``1 - x`` for lower-is-better)."""
    return value if direction == "higher" else 1.0 - value


def mean_of_variant_groups(
    samples: Sequence[Sample],
    scores: Sequence[SampleScore],
    metric: str,
    groups: Mapping[str, str],
) -> float:
    """Mean per variant, variants of one group averaged, then the mean over groups.

    This is MultiTrust's rule for tasks with text / image / unrelated-image variants:
    the unrelated-image variants are averaged into one value first. NaN values (samples
    that do not count for ``metric``) are skipped; no value at all gives NaN.
    """
    per_variant: dict[str, list[float]] = {}
    for sample, score in zip(samples, scores, strict=True):
        value = score.values.get(metric, math.nan)
        if not math.isnan(value):
            per_variant.setdefault(sample.variant, []).append(value)
    per_group: dict[str, list[float]] = {}
    for variant, values in per_variant.items():
        per_group.setdefault(groups.get(variant, variant), []).append(sum(values) / len(values))
    if not per_group:
        return math.nan
    group_means = [sum(v) / len(v) for v in per_group.values()]
    return sum(group_means) / len(group_means)
