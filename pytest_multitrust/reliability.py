r"""Fault handling that spans the run: error budget, SIGTERM, worker crashes, terminal text.

* :class:`ErrorBudget` (``--mt-max-errors N``, controller only): counts the sample error
  records as they arrive and stops the run cleanly once ``N`` have piled up; the report
  still gets written, marked interrupted with the reason.
* :func:`install_sigterm_handler`: ``SIGTERM`` (what CI runners and ``timeout`` send)
  becomes a :class:`KeyboardInterrupt`, so a terminated run ends like Ctrl-C: what
  arrived is reported (``status.interrupted``) and every completed response is already
  in the response cache.
* :func:`remove_crashed_node`: the xdist scheduler's answer to a worker that died. The
  task it was running is *not* sent to another worker (the model that killed one worker
  would kill the next, up to xdist's restart limit): its remaining tests are reported as
  errors naming the crash, the worker's other, unstarted tasks are queued again.
* :func:`terminal_safe`: model and server text made inert for a terminal (ANSI escape
  sequences and other control characters shown as ``\x1b``, lone surrogates as ``\ud83d``).
* :func:`format_failure`: an exception's traceback as plain text, without the frames of
  pytest and pluggy, for the one place a failure is shown in full.
* :func:`is_fatal`: the exceptions that stop a run (Ctrl-C, ``pytest.exit``) rather than
  fail what was running.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy
import pytest

from pytest_multitrust.records import SAMPLE_PROPERTY, VERDICT_PROPERTY, SampleRecord

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "ErrorBudget",
    "format_failure",
    "install_sigterm_handler",
    "is_fatal",
    "register_guards",
    "remove_crashed_node",
    "terminal_safe",
]

# C0 controls but tab and newline, DEL, the C1 range (which holds the 8-bit CSI), the
# bidirectional embeddings, overrides and isolates (they reorder what the reader sees),
# and lone surrogates (half an emoji cut by a token limit: no encoding can write them).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    r"""``text`` with every control character but tab and newline shown as an escape.

    An ANSI sequence in a model's answer or a server's error (``\x1b[2J`` clears the
    screen, ``\x1b]8;;`` makes links) then prints as text instead of acting. Bidirectional
    overrides (``\u202e``) and lone surrogates (``\ud83d``) are shown the same way, so the
    result is plain text that any UTF-8 terminal, file or XML document can hold.

    >>> terminal_safe("ok \x1b[31mred\x1b[0m\r")
    'ok \\x1b[31mred\\x1b[0m\\x0d'
    >>> terminal_safe("cut \ud83d")
    'cut \\ud83d'
    """
    return _CONTROL.sub(_escape, text)


def is_fatal(error: BaseException) -> bool:
    """Whether ``error`` stops the whole run: Ctrl-C or ``pytest.exit``.

    SIGTERM counts as Ctrl-C once :func:`install_sigterm_handler` turned it into one.
    Everything else a model, a scorer or a hook raises (``SystemExit`` included) fails
    only what was running, and is remembered where a retry would repeat it.
    """
    return isinstance(error, KeyboardInterrupt | pytest.exit.Exception)


# Frames of these packages say how pytest reached our code, not what went wrong: pytest,
# its implementation package "_pytest" (installed beside it, by the same distribution; found
# by its folder, never imported) and pluggy. The separator ends each folder: ".../pytest/"
# must not match ".../pytest_multitrust/".
_PLUMBING = tuple(
    str(folder) + os.sep
    for folder in (
        Path(pytest.__file__).parent,
        Path(pytest.__file__).parent.parent / "_pytest",
        Path(pluggy.__file__).parent,
    )
)


def _prune(summary: traceback.TracebackException) -> None:
    summary.stack = traceback.StackSummary.from_list(
        [frame for frame in summary.stack if not frame.filename.startswith(_PLUMBING)]
    )
    for linked in (summary.__cause__, summary.__context__):
        if linked is not None:
            _prune(linked)


def format_failure(error: BaseException) -> str:
    """The traceback of ``error`` (with its causes) as text, pytest and pluggy frames left out.

    The result is :func:`terminal_safe`: it can carry a model's text.
    """
    summary = traceback.TracebackException.from_exception(error)
    _prune(summary)
    return terminal_safe("".join(summary.format()).rstrip("\n"))


# -- --mt-max-errors -------------------------------------------------------------------------


class ErrorBudget:
    """Stops the run once ``limit`` sample error records have arrived (controller only)."""

    def __init__(self, config: pytest.Config, limit: int) -> None:
        """Watch the records of ``config``'s run; stop after ``limit`` errors."""
        self.config = config
        self.limit = limit  # errors allowed before the run stops
        self.errors = 0  # sample error records seen so far
        self.reason: str | None = None  # why the run was stopped, once it was

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Count error records; at the limit, ask pytest (or xdist) to stop."""
        if report.when != "call" or self.reason is not None:
            return
        properties = [tuple(p) for p in report.user_properties]
        if (VERDICT_PROPERTY, "error") not in properties:
            return
        self.errors += 1
        if self.errors < self.limit:
            return
        last = next(
            (
                SampleRecord.from_json(v)
                for n, v in properties
                if n == SAMPLE_PROPERTY and isinstance(v, str)
            ),
            None,
        )
        where = f" (last: {last.task_id} {last.sample_id}: {last.error})" if last else ""
        self.reason = terminal_safe(
            f"--mt-max-errors={self.limit}: {self.errors} sample errors{where}"
        )
        self._stop(self.reason)

    def _stop(self, reason: str) -> None:
        dsession: Any = self.config.pluginmanager.getplugin("dsession")
        if dsession is not None:  # xdist's controller loop reads its own flag
            dsession.shouldstop = reason
        session = self.config.stash.get(_SESSION_KEY, None)
        if session is not None:  # pytest's own loop stops after the current test
            session.shouldfail = reason

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """Keep the session: its ``shouldfail`` is how pytest's own loop is told to stop."""
        self.config.stash[_SESSION_KEY] = session

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        """Say why the run stopped early."""
        if self.reason is not None:
            terminalreporter.write_sep("=", f"multitrust: stopped: {self.reason}", red=True)


_SESSION_KEY = pytest.StashKey[pytest.Session]()


# -- SIGTERM ---------------------------------------------------------------------------------


#: After a SIGTERM has stopped the run, a repeated one is ignored this long (seconds):
#: CI sends SIGTERM more than once, and one landing in pytest's own interrupt handling
#: escaped it (exit -2, a traceback, a report saying exit 0 and not interrupted). A
#: shutdown that hangs longer can still be stopped by the next one.
REPEAT_GRACE_S = 10.0


def _raise_interrupt(signum: int, frame: object) -> None:
    now = time.monotonic()
    first = _INTERRUPTED_AT[0]
    if first is not None and now - first < REPEAT_GRACE_S:
        return  # the run is already stopping
    _INTERRUPTED_AT[0] = now
    raise KeyboardInterrupt(f"received signal {signal.Signals(signum).name}")


_INTERRUPTED_AT: list[float | None] = [None]  # when this process's SIGTERM last interrupted


def install_sigterm_handler() -> Callable[[], None] | None:
    """Turn ``SIGTERM`` into ``KeyboardInterrupt`` in this process; return the undo.

    Returns None (nothing installed) off the main thread, where Python cannot set signal
    handlers, on platforms without ``SIGTERM``, or when someone else already handles it
    (a handler that is not the default is left alone).
    """
    term = getattr(signal, "SIGTERM", None)
    if term is None or threading.current_thread() is not threading.main_thread():
        return None
    previous = signal.getsignal(term)
    if previous not in (signal.SIG_DFL, None):
        return None
    _INTERRUPTED_AT[0] = None
    signal.signal(term, _raise_interrupt)

    def undo() -> None:
        if signal.getsignal(term) is _raise_interrupt:
            signal.signal(term, previous)

    return undo


# -- worker crashes under xdist --------------------------------------------------------------


def remove_crashed_node(scheduler: Any, node: Any) -> str | None:
    """``remove_node`` of a scope scheduler that does not re-send a crashed task.

    xdist's own scope scheduler puts the whole unfinished workload of a dead worker back
    in the queue, so the task whose model killed the worker is sent to the next worker
    and kills it too, until xdist runs out of restarts. Here the scope that was running
    when the worker died is dropped: its unfinished tests other than the one that was
    running (which xdist reports itself) are reported as errors that name the crash.
    The worker's other scopes, not started yet, are queued again.

    Returns:
        The test that was running when the worker died, or None when the worker had no
        unfinished work (a normal shutdown).
    """
    workload: dict[str, dict[str, bool]] = scheduler.assigned_work.pop(node)
    if not scheduler._pending_of(workload):
        return None
    crashed_scope, crashitem = next(
        (scope, nodeid)
        for scope, unit in workload.items()
        for nodeid, done in unit.items()
        if not done
    )
    worker = str(getattr(getattr(node, "gateway", None), "id", "worker"))
    unfinished = [
        nodeid
        for nodeid, done in workload[crashed_scope].items()
        if not done and nodeid != crashitem
    ]
    for scope, unit in workload.items():
        if scope != crashed_scope and not all(unit.values()):
            scheduler.workqueue[scope] = unit
    message = (
        f"not run: worker {worker} crashed while running {crashitem}; the rest of "
        f"{crashed_scope} is not sent to another worker"
    )
    config = scheduler.config
    for nodeid in unfinished:
        path = nodeid.split("::")[0]
        report = pytest.TestReport(
            nodeid=nodeid,
            location=(path, None, nodeid.split("::")[-1]),
            keywords={},
            outcome="failed",
            longrepr=message,
            when="setup",
        )
        config.hook.pytest_runtest_logreport(report=report)
    for other in scheduler.assigned_work:
        scheduler._reschedule(other)
    return crashitem


# -- wiring ----------------------------------------------------------------------------------


class _SignalRestorer:
    """Puts the previous ``SIGTERM`` handler back when pytest unconfigures."""

    def __init__(self, undo: Callable[[], None]) -> None:
        self.undo = undo

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """Restore the handler (pytester runs many sessions in one process)."""
        self.undo()


def register_guards(config: pytest.Config, max_errors: int | None) -> None:
    """Install the run's guards: ``SIGTERM`` as an interrupt; the error budget (controller)."""
    undo = install_sigterm_handler()
    if undo is not None:
        config.pluginmanager.register(_SignalRestorer(undo), "multitrust-sigterm")
    if max_errors is not None and not hasattr(config, "workerinput"):
        config.pluginmanager.register(ErrorBudget(config, max_errors), "multitrust-max-errors")
