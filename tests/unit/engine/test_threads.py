"""The ``--mt-threads`` policy: a CPU model's threads on a shared machine (pure)."""

from __future__ import annotations

import pytest

from pytest_multitrust.engine.threads import ThreadPlan, plan_threads
from pytest_multitrust.settings import parse_threads


def _plan(
    choice: int | None = None,
    *,
    on_cpu: bool = True,
    cores: int = 2,
    workers: int = 1,
    load1: float | None = 0.0,
    environ: dict[str, str] | None = None,
) -> ThreadPlan:
    return plan_threads(
        choice,
        on_cpu=on_cpu,
        cores=cores,
        workers=workers,
        load1=load1,
        environ=environ or {},
    )


@pytest.mark.parametrize(
    ("cores", "workers", "load1", "threads", "passive"),
    [
        (2, 1, 0.0, 2, False),  # idle: every core, as torch would
        (2, 1, 0.6, 2, False),  # a little load (a finished run's tail) changes nothing
        (2, 1, 1.0, 1, True),  # one core busy: one thread, sleeping waits
        (2, 1, 2.1, 1, True),  # two busy processes on two cores
        (2, 1, 7.0, 1, True),  # never below one thread
        (16, 4, 0.0, 4, False),  # xdist: the cores shared out
        (16, 4, 10.0, 4, False),  # six cores left: each worker keeps its share of four
        (16, 1, 10.0, 6, True),  # one process: the cores the load leaves free
        (2, 8, 0.0, 1, False),  # more workers than cores: one each
        (2, 1, None, 2, False),  # no load average on this system: the share
    ],
)
def test_cpu_threads_follow_share_and_load(
    cores: int, workers: int, load1: float | None, threads: int, passive: bool
) -> None:
    plan = _plan(cores=cores, workers=workers, load1=load1)
    assert (plan.threads, plan.passive_wait) == (threads, passive)
    assert plan.reason


@pytest.mark.parametrize("name", ["OMP_NUM_THREADS", "MKL_NUM_THREADS"])
def test_the_users_environment_wins(name: str) -> None:
    plan = _plan(load1=5.0, environ={name: "2"})
    assert (plan.threads, plan.passive_wait) == (None, False)
    assert name in plan.reason


def test_a_blank_environment_value_is_no_choice() -> None:
    assert _plan(load1=5.0, environ={"OMP_NUM_THREADS": " "}).threads == 1


def test_the_users_wait_policy_is_kept() -> None:
    plan = _plan(load1=5.0, environ={"OMP_WAIT_POLICY": "ACTIVE"})
    assert (plan.threads, plan.passive_wait) == (1, False)


def test_an_explicit_count_wins_over_everything() -> None:
    plan = _plan(3, on_cpu=False, load1=9.0, environ={"OMP_NUM_THREADS": "1"})
    assert (plan.threads, plan.passive_wait) == (3, False)


def test_torch_choice_and_gpu_models_leave_torch_alone() -> None:
    assert _plan(0, load1=9.0).threads is None
    assert _plan(on_cpu=False, load1=9.0).threads is None
    assert not _plan(on_cpu=False, load1=9.0).passive_wait


@pytest.mark.parametrize(
    ("text", "value"), [("auto", None), (" AUTO ", None), ("torch", 0), ("4", 4)]
)
def test_parse_threads(text: str, value: int | None) -> None:
    assert parse_threads(text) == value


@pytest.mark.parametrize("text", ["0", "-1", "two", ""])
def test_parse_threads_rejects(text: str) -> None:
    with pytest.raises(pytest.UsageError, match="--mt-threads"):
        parse_threads(text)
