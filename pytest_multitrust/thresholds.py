"""The one threshold comparison: whether ``value op limit`` holds.

Every threshold in the plugin is decided here: the user's ``--mt-threshold`` and ini
thresholds (:meth:`pytest_multitrust.settings.Threshold.holds`), each task metric's own
default threshold (:meth:`pytest_multitrust.tasks.base.MetricSpec.passes`) and the
aspect, overall and interval gates (:mod:`pytest_multitrust.report.gates`).
"""

from __future__ import annotations

import math
from typing import Literal

__all__ = ["OPS", "Op", "holds"]

#: A comparison a value must satisfy against its limit.
Op = Literal[">=", "<=", ">", "<"]

#: Every comparison, in the order messages list them.
OPS: tuple[Op, ...] = (">=", "<=", ">", "<")


def holds(value: float, op: str, limit: float) -> bool:
    """Whether ``value op limit`` holds; NaN never holds.

    Args:
        value: the measured value (NaN: not measured).
        op: one of ``>=``, ``<=``, ``>``, ``<``.
        limit: the threshold, in the value's own units.

    Raises:
        ValueError: for an operator other than ``>=``, ``<=``, ``>``, ``<``.

    >>> holds(0.9, ">=", 0.9), holds(0.9, ">", 0.9), holds(0.1, "<=", 0.2), holds(0.2, "<", 0.2)
    (True, False, True, False)
    >>> holds(float("nan"), "<=", 1.0)
    False
    >>> holds(1.0, "==", 1.0)
    Traceback (most recent call last):
    ...
    ValueError: unknown comparison '=='; expected one of >=, <=, >, <
    """
    if op not in OPS:
        raise ValueError(f"unknown comparison {op!r}; expected one of {', '.join(OPS)}")
    if math.isnan(value):
        return False
    if op == ">=":
        return value >= limit
    if op == "<=":
        return value <= limit
    if op == ">":
        return value > limit
    return value < limit
