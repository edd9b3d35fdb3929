"""Summary statistics for task metrics: means and confidence intervals.

Proportions (accuracy, refusal rate, attack success) get a Wilson score interval;
other statistics a percentile bootstrap with a fixed seed, so the same values always
give the same interval. NaN values mean "not counted" throughout the project and are
skipped.

Example:
    >>> wilson_interval(8, 10)
    (0.4901624715..., 0.9433178485...)
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["bootstrap_interval", "mean", "wilson_interval"]


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean of the non-NaN ``values``; NaN when there are none."""
    kept = [value for value in values if not math.isnan(value)]
    return math.fsum(kept) / len(kept) if kept else math.nan


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``successes / n``.

    Args:
        successes: number of successes, ``0 <= successes <= n``.
        n: number of trials; ``n == 0`` gives the uninformative ``(0.0, 1.0)``.
        confidence: two-sided confidence level in (0, 1).

    Raises:
        ValueError: for counts out of range or a confidence outside (0, 1).
    """
    z = _z(confidence)
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


def bootstrap_interval(
    values: Sequence[float],
    statistic: Callable[[Sequence[float]], float] = mean,
    *,
    seed: int,
    resamples: int = 2000,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic`` over ``values``.

    Resampling uses ``numpy.random.default_rng(seed)``, so the interval is a pure
    function of its arguments. NaN values are dropped first.

    Args:
        values: the per-sample values.
        statistic: a function of a sequence of values (default: :func:`mean`).
        seed: the random seed (from ``ScoringContext.seed``).
        resamples: number of bootstrap resamples, at least 1.
        confidence: two-sided confidence level in (0, 1).

    Returns:
        ``(low, high)``; ``(nan, nan)`` when no value is left.

    Raises:
        ValueError: for ``resamples < 1`` or a confidence outside (0, 1).
    """
    import numpy as np

    _z(confidence)
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
    data = np.asarray([v for v in values if not math.isnan(v)], dtype=np.float64)
    if data.size == 0:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, data.size, size=(resamples, data.size))
    samples = data[indices]
    if statistic is mean:
        stats = samples.mean(axis=1)
    else:
        stats = np.asarray([statistic(row.tolist()) for row in samples], dtype=np.float64)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(stats, [alpha, 1.0 - alpha])
    return (float(low), float(high))
