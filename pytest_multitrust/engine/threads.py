"""How many CPU threads a model on the CPU gets: the ``--mt-threads`` policy (pure).

Torch starts one OpenMP thread per core, and its threads spin while they wait for work.
On a machine whose cores are busy with other processes (a CI runner, a laptop running a
build, xdist workers), those threads oversubscribe the cores: on 2 cores shared with
other CPU-bound processes a run cost 7x the CPU of the same run with one thread. The
``auto`` policy (:func:`plan_threads`) keeps a CPU run near its idle cost:

* **Its share of the cores.** The cores this process may run on
  (``os.sched_getaffinity``) divided among the local xdist workers, at least one.
* **Fewer when the cores are busy.** The 1-minute load average (``os.getloadavg``) counts
  the processes that want a core; the threads are cut to the cores that load leaves
  free (a core counts while a quarter of it is idle; at least one thread), and waiting
  threads sleep instead of spinning (``OMP_WAIT_POLICY=PASSIVE``, set only before torch
  starts OpenMP).
* **The user's choice wins.** ``--mt-threads N`` sets exactly N; ``--mt-threads torch``
  leaves torch's default; ``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS`` in the environment
  leave the thread count alone, and ``OMP_WAIT_POLICY`` in the environment leaves the
  wait policy alone.
* **Models off the CPU are left alone.** A model on a GPU (``--mt-device`` cuda, mps, or
  ``auto`` with a GPU visible) keeps torch's defaults: its CPU threads only prepare
  inputs, and a GPU host is not slowed.

This module decides only; :mod:`pytest_multitrust.distributed` measures the machine and
applies the plan once per process, before the model loads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["THREAD_ENV", "ThreadPlan", "plan_threads"]

#: Environment variables through which a user sets the thread count themselves.
THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class ThreadPlan:
    """What to do with torch's CPU threads in one process."""

    threads: int | None  # torch intra-op threads to set; None = leave torch's own
    passive_wait: bool  # set OMP_WAIT_POLICY=PASSIVE (sleeping, not spinning, waits)
    reason: str  # one line saying why, for the docs and the terminal


def plan_threads(
    choice: int | None,
    *,
    on_cpu: bool,
    cores: int,
    workers: int,
    load1: float | None,
    environ: Mapping[str, str],
) -> ThreadPlan:
    """The thread plan of one process.

    Args:
        choice: ``--mt-threads``: None for ``auto``, 0 for ``torch`` (torch's default),
            N for exactly N threads.
        on_cpu: whether the model runs on the CPU (``--mt-device cpu``, or ``auto``
            with no GPU visible).
        cores: the cores this process may run on (its CPU affinity).
        workers: local processes sharing those cores (xdist workers; 1 without xdist).
        load1: the 1-minute load average, or None where the system has none.
        environ: the environment (``os.environ``).

    >>> plan_threads(None, on_cpu=True, cores=2, workers=1, load1=0.2, environ={}).threads
    2
    >>> busy = plan_threads(None, on_cpu=True, cores=2, workers=1, load1=2.5, environ={})
    >>> busy.threads, busy.passive_wait
    (1, True)
    >>> plan_threads(None, on_cpu=True, cores=16, workers=4, load1=0.0, environ={}).threads
    4
    >>> plan_threads(None, on_cpu=True, cores=2, workers=1, load1=3.0,
    ...              environ={"OMP_NUM_THREADS": "2"}).threads is None
    True
    """
    user_wait = bool(environ.get("OMP_WAIT_POLICY", "").strip())
    if choice is not None and choice > 0:
        return ThreadPlan(choice, passive_wait=False, reason=f"--mt-threads {choice}")
    if choice == 0:
        return ThreadPlan(None, passive_wait=False, reason="--mt-threads torch: torch's default")
    named = [name for name in THREAD_ENV if environ.get(name, "").strip()]
    if named:
        return ThreadPlan(None, passive_wait=False, reason=f"{named[0]} set in the environment")
    if not on_cpu:
        return ThreadPlan(None, passive_wait=False, reason="the model is not on the CPU")
    cores = max(1, cores)
    share = max(1, cores // max(1, workers))
    if load1 is None:
        return ThreadPlan(share, passive_wait=False, reason=f"{cores} cores / {workers} workers")
    # a core counts as free while the load leaves at least a quarter of it idle
    free = max(1, math.ceil(cores - load1 - 0.25))
    threads = min(share, free)
    if threads == share:
        return ThreadPlan(
            share,
            passive_wait=False,
            reason=f"{cores} cores / {workers} workers, load {load1:.1f}",
        )
    return ThreadPlan(
        threads,
        passive_wait=not user_wait,
        reason=f"{cores} cores / {workers} workers, busy (load {load1:.1f}): {threads} thread(s)",
    )
