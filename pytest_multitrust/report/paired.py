"""The paired change of a card score between two runs, on the samples both runs scored.

A regression gate (``--mt-compare-fail``) must judge the change of **the score the card
shows**, not of some per-sample stand-in for it. So the score is recomputed from the
sample records with the task's own rules (:meth:`TaskSpec.compute` over the metrics that
enter the trust score, each oriented so that higher is better), once on the current
run's records and once on the baseline's, restricted to the samples both runs scored
(same task, sample id, prompt and image; errors and skips left out). Their difference is
the paired change. A task's score is not always a mean over samples (P.3 is Pearson's r
per variant, F.6 a share of chi-square tests), which is why the statistic itself is
recomputed rather than a mean of per-sample changes.

Its 95 % interval comes from a **paired, variant-stratified bootstrap of that
statistic**: each resample draws the shared samples with replacement within each
variant (so every variant keeps its size), and recomputes both runs' scores on the
*same* draw. Aggregates (aspects, overall) combine the task draws with the card's
weights (:func:`~pytest_multitrust.report.scores.target_weights`); tasks use disjoint
samples, so their draws are independent. The percentile interval is widened to contain
the paired change when the bootstrap distribution lies wholly on one side of it (a
non-mean statistic on a few samples can do that), so an interval always contains its
own point.

On identical sample sets (every sample scored in both runs) the paired change equals
the difference of the two card scores.

Example:
    >>> from pytest_multitrust.records import SampleRecord
    >>> def rec(i, v):
    ...     return SampleRecord("X.1", f"s{i}", "default", "p", None, "", {"m": v}, "pass")
    >>> rule = records_rule({"m": "higher"})
    >>> rule([rec(0, 1.0), rec(1, 0.0)])
    0.5
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_multitrust.records import SampleRecord
from pytest_multitrust.tasks.base import Sample, SampleScore, oriented

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pytest_multitrust.tasks.base import TaskSpec

__all__ = [
    "BOOTSTRAP_RESAMPLES",
    "BootstrapMemo",
    "PairedChange",
    "ScoreRule",
    "VariantMeanRule",
    "combine",
    "paired_change",
    "percentile_interval",
    "records_rule",
    "shared_pairs",
    "spec_rule",
    "unit_seed",
]

#: Bootstrap resamples per task (fixed seed: the same runs give the same interval).
BOOTSTRAP_RESAMPLES = 2000

#: A task's card score (0-1, higher is better) recomputed from its counted sample records.
ScoreRule = Callable[[Sequence[SampleRecord]], float]

_COUNTED = ("pass", "miss")


def spec_rule(
    task: TaskSpec, samples: Mapping[str, Sample], metric: str | None = None
) -> ScoreRule:
    """The card's trust score of ``task`` (or one metric, oriented) from sample records.

    Args:
        task: the task, whose metrics' aggregates compute the score.
        samples: the task's samples by id (their variant, truth and extra fields feed the
            aggregates); a record whose sample is not found stands in with its own id,
            variant and prompt.
        metric: one metric's oriented value instead of the trust score.
    """
    chosen = [task.metric(metric)] if metric else [m for m in task.metrics if m.in_score]
    if all(spec.aggregate is None for spec in chosen):
        return VariantMeanRule(
            tuple((m.name, m.direction) for m in chosen),
            dict(task.variant_groups),
            tuple(m.weight for m in chosen),
        )

    def rule(records: Sequence[SampleRecord]) -> float:
        found = [
            samples.get(r.sample_id) or Sample(id=r.sample_id, variant=r.variant, prompt=r.prompt)
            for r in records
        ]
        scores = [SampleScore(values=r.values, passed=r.verdict == "pass") for r in records]
        parts: list[tuple[float, float]] = []
        for spec in chosen:
            aggregate = spec.aggregate or task.mean_by_variant
            value = aggregate(found, scores, spec.name) if records else math.nan
            if not math.isnan(value):
                parts.append((oriented(value, spec.direction), spec.weight))
        total = math.fsum(w for _, w in parts)
        return math.fsum(v * w for v, w in parts) / total if parts and total > 0 else math.nan

    return rule


def records_rule(directions: Mapping[str, str], metric: str | None = None) -> ScoreRule:
    """The trust score of a custom (``@pytest.mark.trust``) task from its records.

    Each metric is its mean per variant, then the mean over variants; the score is the
    mean of the oriented metrics (every metric counts), as
    :func:`~pytest_multitrust.custom.judge.custom_metric_result` computes it.

    Args:
        directions: metric name -> ``"higher"`` or ``"lower"``.
        metric: one metric's oriented value instead of the trust score.
    """
    names = [metric] if metric else sorted(directions)
    return VariantMeanRule(
        tuple((n, "lower" if directions.get(n) == "lower" else "higher") for n in names), {}
    )


@dataclass(frozen=True)
class VariantMeanRule:
    """A score of per-variant means (:func:`~pytest_multitrust.tasks.base.mean_of_variant_groups`).

    Each metric is its mean per variant (NaN values skipped), variants of one group
    averaged, then the mean over groups; the score is the weighted mean of the oriented
    metrics that have a value (:meth:`TaskSpec.trust_score`'s weights: S.1/S.3 toxicity
    weighs 2). Most tasks score this way; their bootstrap runs vectorised.
    """

    metrics: tuple[tuple[str, str], ...]  # (metric name, "higher" or "lower")
    groups: Mapping[str, str]  # variant -> group (a variant not named is its own group)
    weights: tuple[float, ...] = ()  # per metric, in order (empty: every metric weighs 1)

    def _weight(self, index: int) -> float:
        return self.weights[index] if index < len(self.weights) else 1.0

    def __call__(self, records: Sequence[SampleRecord]) -> float:
        """The score of ``records``."""
        parts: list[tuple[float, float]] = []
        for index, (name, direction) in enumerate(self.metrics):
            per_variant: dict[str, list[float]] = {}
            for record in records:
                value = record.values.get(name, math.nan)
                if not math.isnan(value):
                    per_variant.setdefault(record.variant, []).append(value)
            per_group: dict[str, list[float]] = {}
            for variant, values in per_variant.items():
                per_group.setdefault(self.groups.get(variant, variant), []).append(
                    math.fsum(values) / len(values)
                )
            if per_group:
                means = [math.fsum(v) / len(v) for v in per_group.values()]
                mean = math.fsum(means) / len(means)
                parts.append((1.0 - mean if direction == "lower" else mean, self._weight(index)))
        total = math.fsum(w for _, w in parts)
        return math.fsum(v * w for v, w in parts) / total if parts and total > 0 else math.nan

    def draws(
        self, new: Sequence[SampleRecord], old: Sequence[SampleRecord], picks: Sequence[Any]
    ) -> list[float]:
        """``score(new) - score(old)`` for every resample, with numpy.

        Args:
            new: the current run's shared records.
            old: the baseline's, in the same order.
            picks: per variant stratum, a (resamples x stratum size) array of record indices.
        """
        result: list[float] = (self.resampled(new, picks) - self.resampled(old, picks)).tolist()
        return result

    def resampled(self, records: Sequence[SampleRecord], picks: Sequence[Any]) -> Any:
        """The score of ``records`` on every resample (a numpy array, NaN where undefined).

        Args:
            records: one run's shared records.
            picks: per variant stratum, a (resamples x stratum size) array of record indices.
        """
        import numpy as np

        parts = []
        weights = []
        for index, (name, direction) in enumerate(self.metrics):
            weights.append(self._weight(index))
            raw = np.array([r.values.get(name, math.nan) for r in records], dtype=float)
            known = ~np.isnan(raw)
            filled = np.where(known, raw, 0.0)
            group_sum: dict[str, Any] = {}
            group_count: dict[str, Any] = {}
            for pick in picks:
                count = known[pick].sum(axis=1)
                mean = np.divide(
                    filled[pick].sum(axis=1), count, out=np.zeros(count.shape), where=count > 0
                )
                group = self.groups.get(
                    records[int(pick[0, 0])].variant, records[int(pick[0, 0])].variant
                )
                group_sum[group] = group_sum.get(group, 0.0) + mean
                group_count[group] = group_count.get(group, 0) + (count > 0)
            total = np.zeros(len(picks[0]))
            groups = np.zeros(len(picks[0]))
            for group, summed in group_sum.items():
                n = group_count[group]
                total += np.divide(summed, n, out=np.zeros(n.shape), where=n > 0)
                groups += n > 0
            value = np.divide(total, groups, out=np.full(total.shape, np.nan), where=groups > 0)
            parts.append(1.0 - value if direction == "lower" else value)
        stacked = np.vstack(parts)
        known_parts = ~np.isnan(stacked)
        column = np.asarray(weights, dtype=float)[:, None]
        summed = (np.where(known_parts, stacked, 0.0) * column).sum(axis=0)
        total = (known_parts * column).sum(axis=0)
        return np.divide(summed, total, out=np.full(summed.shape, np.nan), where=total > 0)


class BootstrapMemo:
    """Each run's resampled scores, kept for its next comparison (a board's many pairs).

    On the same shared samples (the same ids and variants in the same order), the same
    seed and the same rule, one run's scores on the bootstrap resamples do not depend on
    the run it is compared with: :func:`paired_change` computes them once per run and
    reuses them, and the draws are the same floats as without the memo. Use one memo for
    comparisons made with the same task specs and samples (the rule's key names the task
    and metric only).
    """

    def __init__(self) -> None:
        self._runs: dict[int, object] = {}  # id -> the run, held so that no id is reused
        self._scores: dict[tuple[object, ...], Any] = {}

    def run_key(self, run: object) -> int:
        """A key for ``run`` (its identity, valid while the memo lives)."""
        self._runs.setdefault(id(run), run)
        return id(run)

    def scores(self, key: tuple[object, ...], compute: Callable[[], Any]) -> Any:
        """The scores stored under ``key``, computed by ``compute`` the first time."""
        if key not in self._scores:
            self._scores[key] = compute()
        return self._scores[key]


def shared_pairs(
    current: Sequence[SampleRecord], baseline: Sequence[SampleRecord], task_id: str
) -> list[tuple[SampleRecord, SampleRecord]]:
    """``(current, baseline)`` records of ``task_id`` that both runs scored on the same input.

    The same sample id, prompt and image; a sample that errored or was skipped in either
    run is left out (it counts in neither card score).
    """
    old = {r.sample_id: r for r in baseline if r.task_id == task_id and r.verdict in _COUNTED}
    pairs: list[tuple[SampleRecord, SampleRecord]] = []
    for record in current:
        if record.task_id != task_id or record.verdict not in _COUNTED:
            continue
        match = old.get(record.sample_id)
        if match is not None and (match.prompt, match.image_sha256) == (
            record.prompt,
            record.image_sha256,
        ):
            pairs.append((record, match))
    return pairs


@dataclass(frozen=True)
class PairedChange:
    """A score's change on shared samples, with its bootstrap draws."""

    change: float  # rule(current) - rule(baseline) on the shared samples (NaN: none)
    draws: tuple[float, ...]  # bootstrap draws of the change (NaN where undefined)
    shared: int  # shared samples


def paired_change(
    pairs: Sequence[tuple[SampleRecord, SampleRecord]],
    rule: ScoreRule,
    seed: int,
    resamples: int = BOOTSTRAP_RESAMPLES,
    memo: BootstrapMemo | None = None,
    sides: tuple[Hashable, Hashable] = (None, None),
) -> PairedChange:
    """The change of ``rule`` on ``pairs`` and its paired, variant-stratified bootstrap.

    Args:
        pairs: ``(current, baseline)`` records of the shared samples.
        rule: the score, recomputed from records.
        seed: the bootstrap seed.
        resamples: how many resamples.
        memo: keeps each side's resampled scores for the next call (:class:`BootstrapMemo`).
        sides: the memo's keys of the current and the baseline side: each names the run
            and the rule (None: that side is not kept).
    """
    if not pairs:
        return PairedChange(math.nan, (), 0)
    new = [p[0] for p in pairs]
    old = [p[1] for p in pairs]
    change = rule(new) - rule(old)
    if math.isnan(change):
        return PairedChange(math.nan, (), len(pairs))
    import numpy as np

    strata: dict[str, list[int]] = {}
    for index, (record, _) in enumerate(pairs):
        strata.setdefault(record.variant, []).append(index)
    rng = np.random.default_rng(seed)
    picks = [
        np.asarray(members)[rng.integers(0, len(members), size=(resamples, len(members)))]
        for members in strata.values()
    ]

    def resampled(records: Sequence[SampleRecord]) -> Any:
        if isinstance(rule, VariantMeanRule):
            return rule.resampled(records, picks)
        return np.array(
            [
                rule([records[i] for i in np.concatenate([pick[b] for pick in picks]).tolist()])
                for b in range(resamples)
            ],
            dtype=float,
        )

    layout = tuple((r.sample_id, r.variant) for r in new)
    unique = len({sample_id for sample_id, _ in layout}) == len(layout)

    def side(records: Sequence[SampleRecord], key: Hashable) -> Any:
        if memo is None or key is None or not unique:
            return resampled(records)
        return memo.scores((key, seed, resamples, layout), lambda: resampled(records))

    draws: list[float] = (side(new, sides[0]) - side(old, sides[1])).tolist()
    return PairedChange(change, tuple(draws), len(pairs))


def combine(parts: Mapping[str, PairedChange], weights: Mapping[str, float]) -> PairedChange:
    """An aggregate's paired change: the weighted sum of its tasks' changes and draws."""
    used = {t: w for t, w in weights.items() if t in parts and not math.isnan(parts[t].change)}
    if not used:
        return PairedChange(math.nan, (), 0)
    total = math.fsum(used.values())
    scaled = {t: w / total for t, w in used.items()}
    change = math.fsum(w * parts[t].change for t, w in scaled.items())
    count = min(len(parts[t].draws) for t in scaled)
    draws = tuple(math.fsum(w * parts[t].draws[b] for t, w in scaled.items()) for b in range(count))
    return PairedChange(change, draws, sum(parts[t].shared for t in scaled))


def percentile_interval(change: float, draws: Sequence[float]) -> tuple[float, float]:
    """The 95 % percentile interval of ``draws``, widened to contain ``change``.

    NaN draws (a resample where the statistic is undefined) are left out; NaN ends when
    no draw is defined or ``change`` is NaN.
    """
    valid = [d for d in draws if not math.isnan(d)]
    if math.isnan(change) or not valid:
        return (math.nan, math.nan)
    import numpy as np

    low, high = np.quantile(np.asarray(valid, dtype=np.float64), [0.025, 0.975])
    return (min(float(low), change), max(float(high), change))


def unit_seed(seed: int, unit: str) -> int:
    """A per-unit bootstrap seed that does not depend on which other units are present."""
    return (seed * 1_000_003 + zlib.crc32(unit.encode("utf-8"))) % 2**63
