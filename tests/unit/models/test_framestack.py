"""Calls with frame-stack headroom: the same results, and no chunk thrashing at any depth."""

from __future__ import annotations

import doctest
import resource
import sys
from functools import partial
from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.models import framestack
from pytest_multitrust.models.framestack import call_with_headroom

if TYPE_CHECKING:
    from collections.abc import Callable

#: Calls down and back up per measurement, and how deep each goes (about 10 KiB of frames).
DIVES = 100
LEVELS = 100


def dive(levels: int) -> int:
    """Call down ``levels`` frames and come back."""
    return 0 if levels == 0 else dive(levels - 1) + 1


def dives() -> None:
    for _ in range(DIVES):
        dive(LEVELS)


def at_depth(depth: int, function: Callable[[], None]) -> None:
    """Call ``function`` from ``depth`` frames further down."""
    if depth == 0:
        function()
    else:
        at_depth(depth - 1, function)


def page_faults(function: Callable[[], None]) -> int:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    function()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def faults_by_depth(function: Callable[[], None]) -> list[int]:
    """Page faults of ``function`` started at depths that cover two 16 KiB chunks."""
    return [page_faults(partial(at_depth, depth, function)) for depth in range(0, 320, 4)]


def test_returns_and_raises_what_the_function_does() -> None:
    assert call_with_headroom(dict, [("a", 1)], b=2) == {"a": 1, "b": 2}
    with pytest.raises(ZeroDivisionError):
        call_with_headroom(divmod, 1, 0)
    assert doctest.testmod(framestack).failed == 0


@pytest.mark.skipif(sys.implementation.name != "cpython", reason="CPython's frame stack")
def test_deep_calls_do_not_thrash_the_frame_stack_at_any_depth() -> None:
    # Without headroom, some starting depth puts a chunk boundary inside every dive: a
    # chunk is mapped and unmapped at each one, a fresh page faulted in each time.
    assert max(faults_by_depth(dives)) >= DIVES
    # With it, the dives stay in the one chunk the call starts, from every depth.
    assert max(faults_by_depth(lambda: call_with_headroom(dives))) < DIVES // 2
