"""xdist integration: one task per worker through scope scheduling.

Only imported when pytest-xdist calls the plugin's ``pytest_xdist_make_scheduler``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

__all__ = ["make_scheduler", "task_scope"]

ROOT_PREFIX = "multitrust/"


def task_scope(nodeid: str) -> str:
    """The scheduling scope of a test id.

    A built-in trust test's scope is its task (``multitrust/safety/S.4``), so all of a
    task's samples and its threshold tests run on one worker, in order. Any other test is
    its own scope, which spreads it like ``--dist load``.

    >>> task_scope("multitrust/safety/S.4::sample[typographic-0007]")
    'multitrust/safety/S.4'
    >>> task_scope("tests/test_x.py::test_y")
    'tests/test_x.py::test_y'
    """
    if nodeid.startswith(ROOT_PREFIX):
        return nodeid.split("::", 1)[0]
    return nodeid


def make_scheduler(config: pytest.Config, log: Any) -> Any:
    """A task-scoped scheduler when the run is active and the user gave only ``-n``.

    ``--dist loadgroup`` is not used: with pytest 9.2 and pytest-xdist 3.8 it silently
    stops grouping (pytest-xdist #1386). An explicit ``--dist`` other than the default
    ``load`` is respected.
    """
    from pytest_multitrust.session import STATE_KEY

    if STATE_KEY not in config.stash or config.getoption("dist", default="no") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class TaskScopeScheduling(LoadScopeScheduling):  # type: ignore[misc]
        """LoadScope scheduling with the trust task as the scope."""

        def _split_scope(self, nodeid: str) -> str:
            return task_scope(nodeid)

    return TaskScopeScheduling(config, log)
