"""Progress of the run's long steps in pytest's terminal.

:class:`TerminalProgress` is the run's :data:`~pytest_multitrust.progress.ProgressSink`:
the engine, the judge and the model loader hand it :class:`ProgressEvent` records, and it
shows them through pytest's public terminal reporter
(``config.pluginmanager.get_plugin("terminalreporter")``), in the mode
:func:`progress_mode` picks:

- ``off`` under ``-q``: nothing;
- ``lines`` in CI (``CI`` set) or without a terminal: one line per finished step;
- ``live`` in a terminal: one line per step, rewritten as the step advances.

Every process also keeps its finished steps; the test whose setup ran them (a task's
first test) carries their lines in its ``user_properties`` (:data:`PROGRESS_PROPERTY`, so
JUnit XML says where its setup time went) and their times in its task's
:class:`~pytest_multitrust.report.model.TaskTiming`. A ``pytest-xdist`` worker has no
terminal: its sink forwards every event to the controller
(:mod:`pytest_multitrust.worker_progress`), which shows one line per worker.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Literal, Protocol

from pytest_multitrust.reliability import terminal_safe

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from contextlib import AbstractContextManager

    import pytest

    from pytest_multitrust.progress import ProgressEvent, ProgressSink

__all__ = [
    "PROGRESS_PROPERTY",
    "ProgressMode",
    "TerminalProgress",
    "progress_mode",
    "worth_a_line",
]

#: The ``user_properties`` key of the finished steps a task's first test carries.
PROGRESS_PROPERTY = "multitrust.progress"

#: How progress is shown: nothing, one line per finished step, or a live line per step.
ProgressMode = Literal["off", "lines", "live"]

#: Shortest time between two rewrites of a live line, seconds.
LIVE_INTERVAL_S = 0.2


def progress_mode(verbosity: int, environ: Mapping[str, str], isatty: bool) -> ProgressMode:
    """How to show progress: ``off`` under ``-q``, ``lines`` in CI or a pipe, else ``live``.

    Args:
        verbosity: pytest's verbosity (``-q`` makes it negative).
        environ: the environment (``CI`` set to anything but ``""``, ``0`` or ``false``
            means a CI runner).
        isatty: whether pytest writes to a terminal.

    Example:
        >>> progress_mode(0, {"CI": "true"}, isatty=True)
        'lines'
        >>> progress_mode(-1, {}, isatty=True)
        'off'
    """
    if verbosity < 0:
        return "off"
    ci = environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    if ci or not isatty:
        return "lines"
    return "live"


class _Capturing(Protocol):
    """What is used of pytest's ``capturemanager`` plugin."""

    def global_and_fixture_disabled(self) -> AbstractContextManager[None]:
        """Write to the real terminal while a test's output is being captured."""
        ...


def worth_a_line(event: ProgressEvent) -> bool:
    """Whether a finished step did something: a countable step with nothing to do did not."""
    return event.finished and not (event.unit and event.total == 0)


class TerminalProgress:
    """Shows the run's progress events in pytest's terminal (a plugin and a sink).

    Args:
        config: the pytest config (its terminal reporter, verbosity, worker id).
        environ: the environment, read for ``CI`` (default: ``os.environ``).
        clock: seconds, to space the rewrites of a live line.
        forward: also handed every event (an xdist worker's channel to the controller).
    """

    def __init__(
        self,
        config: pytest.Config,
        *,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        forward: ProgressSink | None = None,
    ) -> None:
        """A sink of ``config``'s run; it keeps the finished steps for the setup's test."""
        import os

        self._config = config
        self._environ = os.environ if environ is None else environ
        self._clock = clock
        self._forward = forward
        workerinput = getattr(config, "workerinput", None)
        self._worker: str | None = workerinput["workerid"] if workerinput else None
        self._pending: list[ProgressEvent] = []  # finished steps, not yet taken
        self._live: tuple[str, str] | None = None  # (step, label) of the open live line
        self._last_write = 0.0
        self._open = False  # the cursor is at the end of our last line
        self._nodeid: str | None = None  # the test running now (its logstart seen)
        self._distributed = config.getoption("dist", default="no") != "no"

    def __call__(self, event: ProgressEvent) -> None:
        """Show ``event`` (a worker forwards it); keep it when its step finished."""
        if event.finished:
            self._pending.append(event)
        if self._forward is not None:
            self._forward(event)
        if self._worker is not None:
            return
        terminal = self._terminal()
        if terminal is None:
            return
        mode = self._mode(terminal)
        if mode == "off" or (event.unit and event.total == 0):
            return  # nothing shown for a countable step with nothing to do
        if mode == "lines" and not event.finished:
            return
        # events arrive while a test's output is captured: write past the capture, as
        # pytest's live logging does
        with self._uncaptured():
            self._show(terminal, event, live=mode == "live")

    def take_finished(self) -> list[ProgressEvent]:
        """The last events of the steps finished since the last call."""
        pending, self._pending = self._pending, []
        return pending

    def line(self, event: ProgressEvent) -> str:
        """A finished step's line as a test's ``user_properties`` keep it (a worker's prefixed).

        Example:
            >>> from pytest_multitrust.progress import ProgressEvent
            >>> event = ProgressEvent("judge", "H.1", 2, 2, "verdicts", 1.0, True)
            >>> TerminalProgress.line_of(event, "gw0")
            '[gw0] H.1 judge: 2/2 verdicts in 1.0 s (2.0 verdicts/s)'
        """
        return self.line_of(event, self._worker)

    @staticmethod
    def line_of(event: ProgressEvent, worker: str | None) -> str:
        """``event``'s line, prefixed with ``worker`` when there is one."""
        prefix = f"[{worker}] " if worker is not None else ""
        return terminal_safe(prefix + event.describe())

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        """Remember the test running now: its line is written again after ours."""
        self._nodeid = nodeid

    def _uncaptured(self) -> AbstractContextManager[None]:
        capturing: _Capturing | None = self._config.pluginmanager.get_plugin("capturemanager")
        if capturing is None:
            return contextlib.nullcontext()
        return capturing.global_and_fixture_disabled()

    def _terminal(self) -> pytest.TerminalReporter | None:
        terminal: pytest.TerminalReporter | None = self._config.pluginmanager.get_plugin(
            "terminalreporter"
        )
        return terminal

    def _mode(self, terminal: pytest.TerminalReporter) -> ProgressMode:
        return progress_mode(terminal.verbosity, self._environ, bool(terminal.isatty()))

    def _show(self, terminal: pytest.TerminalReporter, event: ProgressEvent, live: bool) -> None:
        """Write the event's line: a new one, or the step's live line rewritten."""
        key = (event.step, event.label)
        now = self._clock()
        if live and self._live == key:
            if not event.finished and now - self._last_write < LIVE_INTERVAL_S:
                return  # rewrite a live line a few times a second at most
        else:
            self._new_line(terminal)
        text = terminal_safe(f"multitrust: {event.describe()}")
        if live:
            terminal.rewrite(text, erase=True)
        else:
            terminal.write(text)
        self._last_write = now
        self._open = True
        self._live = None if event.finished else key
        if event.finished:
            self._end_line(terminal)
        terminal.flush()

    def _new_line(self, terminal: pytest.TerminalReporter) -> None:
        """Start a line: after our own last line (the cursor still on it), or pytest's."""
        if self._open and terminal.currentfspath is None:
            terminal.write("\n")
        else:
            terminal.ensure_newline()
        self._open = False
        self._live = None

    def _end_line(self, terminal: pytest.TerminalReporter) -> None:
        """After a finished step's line: pytest's own line goes on below it.

        At the default verbosity the running test's file line is written again (its
        result letters follow it, not our line); in verbose mode pytest writes the test's
        line again itself; before any test and under xdist the line just ends.
        """
        if terminal.verbosity > 0 and self._nodeid is not None:
            return  # pytest starts a new line for the test's result
        if self._nodeid is not None and not self._distributed:
            terminal.write_fspath_result(self._nodeid, "")
        else:
            terminal.write("\n")
        self._open = False
