"""The task registry: built-in tasks register on import of their aspect module."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.tasks.base import ASPECTS, TaskSpec

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["all_tasks", "data_version", "get_task", "register_task", "select_tasks"]

#: Modules that hold the built-in tasks, imported in this order on first use of the
#: registry; each registers its own tasks (an aspect's second module reuses the first's
#: scorers, so it comes after it).
BUILTIN_MODULES = (
    "pytest_multitrust.tasks.truthfulness",  # T.1
    "pytest_multitrust.tasks.truthfulness_inherent",  # T.2, T.3, T.4
    "pytest_multitrust.tasks.truthfulness_misguided",  # T.5, T.6, T.7
    "pytest_multitrust.tasks.safety",  # S.4
    "pytest_multitrust.tasks.safety_jailbreak",  # S.5, S.6
    "pytest_multitrust.tasks.safety_toxicity",  # S.1, S.2, S.3
    "pytest_multitrust.tasks.robustness",
    "pytest_multitrust.tasks.fairness",  # F.1-F.4
    "pytest_multitrust.tasks.fairness_bias",  # F.5, F.6, F.7
    "pytest_multitrust.tasks.privacy",
)

_TASKS: dict[str, TaskSpec] = {}
_LOADED: list[bool] = []


def register_task(spec: TaskSpec, *, replace: bool = False) -> TaskSpec:
    """Register a task under its id and return it.

    Args:
        spec: the task.
        replace: allow replacing a task already registered under the same id.

    Raises:
        ValueError: when the id is taken and ``replace`` is false.
    """
    if spec.id in _TASKS and not replace and _TASKS[spec.id] is not spec:
        raise ValueError(f"task id {spec.id!r} is already registered")
    _TASKS[spec.id] = spec
    return spec


def _load_builtins() -> None:
    if _LOADED:
        return
    _LOADED.append(True)
    for module in BUILTIN_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:  # a real import error inside the module
                raise


def _task_order(task_id: str) -> tuple[int, int, str]:
    letter, _, number = task_id.partition(".")
    aspect_order = "TSRFP"
    rank = aspect_order.index(letter) if letter in aspect_order and number.isdigit() else 99
    return (rank, int(number) if number.isdigit() else 0, task_id)


def all_tasks() -> list[TaskSpec]:
    """Every registered task, in paper order (T, S, R, F, P, then custom ids)."""
    _load_builtins()
    return [_TASKS[key] for key in sorted(_TASKS, key=_task_order)]


def get_task(task_id: str) -> TaskSpec:
    """The task registered as ``task_id``.

    Raises:
        pytest.UsageError: for an unknown id, listing the known ones.
    """
    _load_builtins()
    try:
        return _TASKS[task_id]
    except KeyError:
        known = ", ".join(t.id for t in all_tasks())
        raise pytest.UsageError(f"unknown task {task_id!r}; known tasks: {known}") from None


def select_tasks(selectors: Iterable[str]) -> list[TaskSpec]:
    """Resolve task ids, aspect names and ``all`` to tasks, in paper order, no duplicates.

    Raises:
        pytest.UsageError: naming the first selector that matches nothing.
    """
    tasks = all_tasks()
    chosen: set[str] = set()
    for selector in selectors:
        key = selector.strip()
        if key == "all":
            chosen.update(t.id for t in tasks)
        elif key.lower() in ASPECTS or key.lower() == "custom":
            chosen.update(t.id for t in tasks if t.aspect == key.lower())
        elif any(t.id == key for t in tasks):
            chosen.add(key)
        else:
            known = ", ".join(t.id for t in tasks)
            aspects = ", ".join(ASPECTS)
            raise pytest.UsageError(
                f"--mt-tasks: unknown task or aspect {key!r}; use 'all', an aspect "
                f"({aspects}) or a task id ({known})"
            )
    return [t for t in tasks if t.id in chosen]


def data_version(task_id: str) -> str:
    """The data version of the task registered as ``task_id`` (:attr:`TaskSpec.data_version`).

    ``""`` for ad-hoc requests (no task); ``"loader"`` for an id that no task is
    registered under. This is what the response cache keys a request's task on.
    """
    if not task_id:
        return ""
    _load_builtins()
    task = _TASKS.get(task_id)
    return "loader" if task is None else task.data_version
