"""Task metrics that combine variants the way a MultiTrust score script does.

:func:`~pytest_multitrust.tasks.base.mean_of_variant_groups` (the default) averages
variants; some original score scripts weight them instead (T.2: ``0.6·spatial +
0.4·temporal``; T.4: ``0.7·text + 0.3·image``) or take the best of several prompts
(T.3). These factories build the matching ``MetricSpec.aggregate`` functions.

Both skip NaN values (samples that do not count), and both cope with a partial
selection (``-k``, ``--mt-limit``): weights are renormalised over the variants that
have values, and a group with no values at all is left out. Nothing at all gives NaN.

Example:
    >>> t4 = weighted_variants({"task": {"text": 0.7, "image": 0.3}})
    >>> # MetricSpec(name="accuracy", ..., aggregate=t4)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pytest_multitrust.tasks.base import Aggregator, Sample, SampleScore

__all__ = ["best_variant", "variant_means", "weighted_variants"]


def variant_means(
    samples: Sequence[Sample], scores: Sequence[SampleScore], metric: str
) -> dict[str, float]:
    """Mean of ``metric`` per variant over the non-NaN values (variants without any omitted)."""
    sums: dict[str, list[float]] = {}
    for sample, score in zip(samples, scores, strict=True):
        value = score.values.get(metric, math.nan)
        if not math.isnan(value):
            sums.setdefault(sample.variant, []).append(value)
    return {variant: math.fsum(values) / len(values) for variant, values in sums.items()}


def weighted_variants(groups: Mapping[str, Mapping[str, float]]) -> Aggregator:
    """An aggregate: weighted mean of variant means within each group, then mean of groups.

    Args:
        groups: group name -> {variant: weight}. Variants not named anywhere are
            ignored (the original logs them but leaves them out of the score).

    Raises:
        ValueError: for a negative weight or a group whose weights sum to zero.
    """
    for name, weights in groups.items():
        if any(w < 0 for w in weights.values()) or math.fsum(weights.values()) <= 0:
            raise ValueError(f"group {name!r} needs non-negative weights with a positive sum")
    frozen = {name: dict(weights) for name, weights in groups.items()}

    def aggregate(samples: Sequence[Sample], scores: Sequence[SampleScore], metric: str) -> float:
        means = variant_means(samples, scores, metric)
        group_values: list[float] = []
        for weights in frozen.values():
            present = {v: w for v, w in weights.items() if v in means}
            total = math.fsum(present.values())
            if present and total > 0:
                group_values.append(math.fsum(means[v] * w for v, w in present.items()) / total)
        return math.fsum(group_values) / len(group_values) if group_values else math.nan

    return aggregate


def best_variant(groups: Mapping[str, Sequence[str]]) -> Aggregator:
    """An aggregate: the best variant mean within each group, then the mean of groups.

    Args:
        groups: group name -> its variants (e.g. the three prompts of one subset).
    """
    frozen = {name: tuple(variants) for name, variants in groups.items()}

    def aggregate(samples: Sequence[Sample], scores: Sequence[SampleScore], metric: str) -> float:
        means = variant_means(samples, scores, metric)
        group_values = [
            max(means[v] for v in variants if v in means)
            for variants in frozen.values()
            if any(v in means for v in variants)
        ]
        return math.fsum(group_values) / len(group_values) if group_values else math.nan

    return aggregate
