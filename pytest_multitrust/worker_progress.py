"""What each xdist worker is doing now, shown by the controller: one line per worker.

An xdist worker has no terminal, so its progress events travel to the controller through
files, using only public hooks and options:

* **Channel.** On the controller, :class:`ProgressBoard` makes one folder per run
  (``multitrust-progress-*`` in the temporary directory) and hands its path to each local
  worker in ``pytest_configure_node`` (xdist's public hook) through
  ``node.workerinput[PROGRESS_DIR_INPUT]``.
* **Workers write.** A worker's :class:`EventWriter` (its run's progress sink forwards every
  event to it) appends each event as one JSON line (:meth:`ProgressEvent.to_json`) to
  ``<folder>/<worker id>.jsonl`` with one ``write`` of an ``O_APPEND`` file, so a line is
  whole or absent; the steps' intermediate events are thinned to a few a second. A
  worker that cannot write (the folder gone or unwritable) stops trying: its finished
  steps still reach the controller on the setup report's ``user_properties``.
* **The controller shows.** A thread of the controller reads the new lines of each file
  (:class:`EventReader`, which keeps a torn last line for the next read) a few times a
  second and writes through pytest's terminal reporter, in the mode
  :func:`~pytest_multitrust.terminal_progress.progress_mode` picks: in a terminal a block
  of one line per worker below pytest's output, redrawn in place (:func:`board_lines`);
  in CI or a pipe one line per finished step (:func:`step_line`); nothing under ``-q``.
  The terminal reporter's hooks on the controller run under the same lock, with the
  block erased first, so pytest's own lines and the block never mix. The finished steps
  a setup report carries are shown only when the files did not already show them.
* **Crashes and the end.** A worker that goes down with an error gets one line saying
  which step it was in (:func:`down_line`) and leaves the block; at the end of the test
  loop the thread stops, the block is erased and the folder removed. The folder's name
  holds the controller's process id: a later run removes the folders of controllers that
  were killed before they could (:func:`stale_folders`).

The module imports nothing of xdist.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_multitrust.progress import ProgressEvent
from pytest_multitrust.reliability import terminal_safe
from pytest_multitrust.terminal_progress import (
    PROGRESS_PROPERTY,
    ProgressMode,
    progress_mode,
    worth_a_line,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterable, Mapping

__all__ = [
    "PROGRESS_DIR_INPUT",
    "EventReader",
    "EventWriter",
    "ProgressBoard",
    "WorkerState",
    "board_lines",
    "down_line",
    "fold",
    "make_run_folder",
    "stale_folders",
    "step_line",
    "worker_channel",
]

#: ``workerinput`` key of the folder a worker appends its progress events to.
PROGRESS_DIR_INPUT = "multitrust_progress_dir"

#: Shortest time between two written events of one unfinished step (a worker), seconds.
WRITE_INTERVAL_S = 0.2

#: How often the controller reads the workers' files and redraws, seconds.
POLL_INTERVAL_S = 0.25

_WORKER_FILE = re.compile(r"([A-Za-z0-9_-]{1,64})\.jsonl")

# ANSI: erase from the cursor to the end of the screen; save and restore the cursor; move
# down one line keeping the column (scrolling at the bottom); erase to the end of the line
_ERASE_BELOW = "\x1b[J"
_SAVE = "\x1b7"
_RESTORE = "\x1b8"
_DOWN = "\x1bD"
_ERASE_LINE = "\x1b[K"


# -- pure parts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerState:
    """What the controller knows of one worker, from the events it read."""

    worker: str  # xdist worker id ("gw0")
    current: ProgressEvent | None = None  # the latest event of its open step; None: none open
    last: ProgressEvent | None = None  # its last finished step (None: none yet)
    down: bool = False  # it went down with an error
    seen_at: float = 0.0  # the controller's clock (seconds) when ``current`` was read


def fold(state: WorkerState, event: ProgressEvent, now: float = 0.0) -> WorkerState:
    """The worker's state after ``event``, read at ``now`` (the controller's clock).

    Example:
        >>> started = ProgressEvent("generation", "T.3", 0, 8, "answers", 0.0, False)
        >>> state = fold(WorkerState("gw0"), started)
        >>> state.current == started, state.last
        (True, None)
        >>> ended = fold(state, ProgressEvent("generation", "T.3", 8, 8, "answers", 4.0, True))
        >>> ended.current, ended.last.done
        (None, 8)
    """
    if event.finished:
        open_step = state.current
        same = open_step is not None and (open_step.step, open_step.label) == (
            event.step,
            event.label,
        )
        return replace(state, current=None if same else open_step, last=event)
    return replace(state, current=event, seen_at=now)


def step_line(worker: str, event: ProgressEvent) -> str:
    """The line of one worker's event, as the controller writes it.

    Example:
        >>> step_line("gw1", ProgressEvent("attack", "R.4", 8, 8, "images", 2.0, True))
        'multitrust: [gw1] R.4 attack: 8/8 images in 2.0 s (4.0 images/s)'
    """
    return terminal_safe(f"multitrust: [{worker}] {event.describe()}")


def down_line(state: WorkerState) -> str | None:
    """The line for a worker that went down with an error in a step (None: not in one).

    Example:
        >>> open_step = ProgressEvent("generation", "T.3", 4, 8, "answers", 2.0, False)
        >>> down_line(WorkerState("gw0", current=open_step))
        'multitrust: [gw0] went down during T.3 generation: 4/8 answers after 2.0 s (2.0 answers/s)'
        >>> down_line(WorkerState("gw0")) is None
        True
    """
    if state.current is None:
        return None
    return terminal_safe(
        f"multitrust: [{state.worker}] went down during {state.current.describe()}"
    )


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters (an ellipsis marks the cut)."""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def board_lines(
    states: Iterable[WorkerState], width: int = 80, now: float | None = None
) -> list[str]:
    """The live block: one line per worker that is up, cut to ``width`` characters.

    Empty when no worker is in a step (then nothing is drawn). A worker between steps says
    what it did last. Given ``now`` (the controller's clock), an open step's time runs on
    from its last event, so a long batch still shows the step alive.

    Example:
        >>> running = ProgressEvent("generation", "T.3", 4, 8, "answers", 2.0, False)
        >>> done = ProgressEvent("model load", "hf:x", 0, 0, "", 9.5, True)
        >>> for line in board_lines(
        ...     [WorkerState("gw0", current=running), WorkerState("gw1", last=done)]
        ... ):
        ...     print(line)
        multitrust: [gw0] T.3 generation: 4/8 answers after 2.0 s (2.0 answers/s)
        multitrust: [gw1] idle; last: hf:x model load: done in 9.5 s
        >>> board_lines([WorkerState("gw1", last=done)])
        []
        >>> board_lines([WorkerState("gw0", current=running, seen_at=10.0)], now=13.0)
        ['multitrust: [gw0] T.3 generation: 4/8 answers after 5.0 s (0.8 answers/s)']
    """
    shown = [s for s in states if not s.down]
    if not any(s.current is not None for s in shown):
        return []
    lines = []
    for state in sorted(shown, key=lambda s: (len(s.worker), s.worker)):
        if state.current is not None:
            event = state.current
            if now is not None:
                event = replace(event, elapsed_s=event.elapsed_s + max(0.0, now - state.seen_at))
            text = event.describe()
        elif state.last is not None:
            text = f"idle; last: {state.last.describe()}"
        else:
            text = "idle"
        lines.append(_fit(terminal_safe(f"multitrust: [{state.worker}] {text}"), width))
    return lines


# -- the channel ----------------------------------------------------------------------------


class EventWriter:
    """A worker's progress sink that appends its events to its file in the run's folder.

    Args:
        path: the worker's file (``<folder>/<worker id>.jsonl``).
        clock: seconds, to thin the intermediate events.
    """

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.monotonic) -> None:
        """A writer of ``path`` (created on the first event)."""
        self.path = path
        self.broken = False  # a write failed: nothing more is written
        self._clock = clock
        self._last: dict[tuple[str, str], float] = {}  # (step, label) -> last write

    def __call__(self, event: ProgressEvent) -> None:
        """Append ``event`` (an intermediate one only every :data:`WRITE_INTERVAL_S`)."""
        if self.broken:
            return
        key = (event.step, event.label)
        now = self._clock()
        if event.finished:
            self._last.pop(key, None)
        elif key in self._last and now - self._last[key] < WRITE_INTERVAL_S:
            return
        else:
            self._last[key] = now
        data = (event.to_json() + "\n").encode()
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, data)  # one write of an O_APPEND file: the line is whole
            finally:
                os.close(fd)
        except OSError:
            self.broken = True


def worker_channel(config: pytest.Config) -> EventWriter | None:
    """This worker's writer, when the controller handed it a folder (None elsewhere)."""
    workerinput: Mapping[str, Any] | None = getattr(config, "workerinput", None)
    if not workerinput or PROGRESS_DIR_INPUT not in workerinput:
        return None
    worker = str(workerinput.get("workerid", ""))
    if not _WORKER_FILE.fullmatch(f"{worker}.jsonl"):
        return None
    return EventWriter(Path(str(workerinput[PROGRESS_DIR_INPUT])) / f"{worker}.jsonl")


class EventReader:
    """Reads the new events of one worker's file, keeping a torn last line for later."""

    def __init__(self, path: Path) -> None:
        """A reader of ``path`` from its start."""
        self.path = path
        self._offset = 0
        self._rest = b""

    def read(self) -> list[ProgressEvent]:
        """The events appended since the last call (none when the file cannot be read)."""
        try:
            with self.path.open("rb") as file:
                file.seek(self._offset)
                data = file.read()
        except OSError:
            return []
        self._offset += len(data)
        lines = (self._rest + data).split(b"\n")
        self._rest = lines.pop()
        events = (ProgressEvent.from_json(line.decode(errors="replace")) for line in lines)
        return [e for e in events if e is not None]


# -- the controller -------------------------------------------------------------------------

_RUN_FOLDER = re.compile(r"multitrust-progress-(\d+)-\w+")


def stale_folders(names: Iterable[str], alive: Callable[[int], bool]) -> list[str]:
    """The run folders among ``names`` whose controller is gone (killed before it cleaned up).

    Example:
        >>> stale_folders(
        ...     ["multitrust-progress-41-ab12", "multitrust-progress-42-cd34", "other"],
        ...     alive=lambda pid: pid == 42,
        ... )
        ['multitrust-progress-41-ab12']
    """
    return [
        name
        for name in names
        if (match := _RUN_FOLDER.fullmatch(name)) is not None and not alive(int(match[1]))
    ]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or no way to tell: keep its folder
        return True
    return True


def make_run_folder() -> str:
    """Make this run's folder in the temporary directory, named after this process.

    The folders of controllers that were killed (``SIGKILL``: no clean-up ran) are removed
    first.

    Raises:
        OSError: when no folder can be made.
    """
    parent = tempfile.gettempdir()
    try:
        names = os.listdir(parent)
    except OSError:
        names = []
    for name in stale_folders(names, _alive):
        shutil.rmtree(os.path.join(parent, name), ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"multitrust-progress-{os.getpid()}-", dir=parent)


class ProgressBoard:
    """The xdist controller's view of its workers' progress (a plugin with a thread).

    Args:
        config: the controller's config (its terminal reporter, verbosity).
        environ: the environment, read for ``CI`` (default: ``os.environ``).
        make_folder: makes the run's folder (default: a new temporary directory); an
            ``OSError`` turns the channel off (workers' setup reports still carry their
            finished steps).
    """

    def __init__(
        self,
        config: pytest.Config,
        *,
        environ: Mapping[str, str] | None = None,
        make_folder: Callable[[], str] | None = None,
    ) -> None:
        """A board of ``config``'s workers; the folder is made for the first worker."""
        self._config = config
        self._environ = os.environ if environ is None else environ
        self._make_folder = make_folder or make_run_folder
        self.folder: Path | None = None
        self._folder_failed = False
        self._readers: dict[str, EventReader] = {}
        self.states: dict[str, WorkerState] = {}
        self.shown: set[str] = set()  # finished-step lines written (a report's are not again)
        self._lock = threading.RLock()
        self._drawn = False  # the live block is on the screen
        self._partial = False  # pytest may have left its line unfinished (result letters)
        self._last_draw = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- hooks --------------------------------------------------------------------------------

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """Hand a local worker the run's folder (made for the first one)."""
        spec = node.gateway.spec
        if not getattr(spec, "popen", False) or getattr(spec, "via", None):
            return  # a remote worker cannot write to this machine's folder
        if self._mode() == "off":
            return  # nothing is shown: the workers need not write
        if self.folder is None and not self._folder_failed:
            try:
                self.folder = Path(self._make_folder())
            except OSError:
                self._folder_failed = True
        if self.folder is not None:
            node.workerinput[PROGRESS_DIR_INPUT] = str(self.folder)
            self._start()

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> Generator[None]:
        """Write pytest's line under the lock; then a worker's finished steps not yet shown."""
        with self._writing(letters=True):
            yield
            if report.when == "setup":
                self._show_reported(report)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_logstart(self) -> Generator[None]:
        """Let pytest write under the lock, the block erased first."""
        with self._writing():
            yield

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_logfinish(self) -> Generator[None]:
        """Let pytest write under the lock, the block erased first."""
        with self._writing(letters=True):
            yield

    @pytest.hookimpl(wrapper=True, tryfirst=True, optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> Generator[None]:
        """A worker that went down leaves the block; with an error, its open step is said."""
        with self._writing():
            worker = str(node.workerinput.get("workerid", ""))
            self._poll()
            state = self.states.get(worker)
            if state is not None:
                line = down_line(state) if error is not None else None
                if line is not None and self._mode() != "off":
                    self._write_line(line)
                self.states[worker] = replace(state, current=None, down=True)
            yield

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtestloop(self) -> Generator[None, object, object]:
        """Stop the thread and erase the block when the test loop ends."""
        try:
            return (yield)
        finally:
            self.close()

    def pytest_unconfigure(self) -> None:
        """Stop (when the loop did not end normally) and remove the folder."""
        self.close()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    # -- the thread ---------------------------------------------------------------------------

    def _start(self) -> None:
        if self._thread is not None or self._mode() == "off":
            return
        self._thread = threading.Thread(target=self._loop, name="multitrust-progress", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(POLL_INTERVAL_S):
            with self._lock:
                self.tick()

    def close(self) -> None:
        """Stop the thread, show what is left to read, erase the block (idempotent)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)
        with self._lock:
            self._poll()
            self._erase()

    def tick(self) -> None:
        """Read the files; write the finished steps' lines, redraw the live block."""
        self._poll()
        if self._mode() == "live":
            self._draw()

    # -- reading and writing ------------------------------------------------------------------

    def _poll(self) -> None:
        """Read every worker file's new events; in CI mode write the finished steps."""
        if self.folder is None:
            return
        try:
            names = sorted(os.listdir(self.folder))
        except OSError:
            return
        for name in names:
            match = _WORKER_FILE.fullmatch(name)
            if match is None:
                continue
            worker = match[1]
            reader = self._readers.setdefault(worker, EventReader(self.folder / name))
            for event in reader.read():
                state = self.states.get(worker, WorkerState(worker))
                if state.down:
                    continue
                self.states[worker] = fold(state, event, time.monotonic())
                if worth_a_line(event):
                    self._finished(step_line(worker, event))

    def _finished(self, line: str) -> None:
        """A finished step: one line (in a terminal above the block; nothing under -q)."""
        self.shown.add(line)
        if self._mode() != "off":
            self._write_line(line)

    def _show_reported(self, report: pytest.TestReport) -> None:
        """The finished steps a worker's setup report carries that the files did not show."""
        self._poll()
        for name, value in report.user_properties:
            if name != PROGRESS_PROPERTY:
                continue
            for text in str(value).splitlines():
                line = terminal_safe(f"multitrust: {text}")
                if line not in self.shown:
                    self._finished(line)

    def _write_line(self, line: str) -> None:
        terminal = self._terminal()
        if terminal is None:
            return
        self._erase()
        if self._partial and not terminal.currentfspath:
            terminal.write("\n")  # end pytest's line of result letters; ours goes below
        terminal.write_line(line)
        terminal.flush()
        self._partial = False

    def _draw(self) -> None:
        """Draw the block below the cursor and put the cursor back where pytest left it."""
        terminal = self._terminal()
        if terminal is None:
            return
        size = shutil.get_terminal_size()
        lines = board_lines(self.states.values(), size.columns - 1, time.monotonic())
        lines = lines[: max(1, size.lines - 2)]
        if not lines:
            self._erase()
            return
        count = len(lines)
        # make room below first (scrolling if needed), so the saved position stays right
        raw = _ERASE_BELOW + _DOWN * count + f"\x1b[{count}A" + _SAVE
        raw += "".join(f"{_DOWN}\r{line}{_ERASE_LINE}" for line in lines) + _RESTORE
        terminal.write_raw(raw, flush=True)  # raw: pytest's count of its line stays right
        self._drawn = True
        self._last_draw = time.monotonic()

    def _erase(self) -> None:
        if not self._drawn:
            return
        terminal = self._terminal()
        if terminal is not None:
            terminal.write_raw(_ERASE_BELOW, flush=True)
        self._drawn = False

    @contextlib.contextmanager
    def _writing(self, letters: bool = False) -> Generator[None]:
        """Let pytest write: under the lock, the block erased; redrawn after (throttled).

        Args:
            letters: pytest may leave its line unfinished (a result letter, a percentage).
        """
        with self._lock:
            self._erase()
            try:
                yield
            finally:
                self._partial = self._partial or letters
                if (
                    self._thread is not None
                    and time.monotonic() - self._last_draw >= POLL_INTERVAL_S
                    and self._mode() == "live"
                ):
                    self._draw()

    def _terminal(self) -> pytest.TerminalReporter | None:
        terminal: pytest.TerminalReporter | None = self._config.pluginmanager.get_plugin(
            "terminalreporter"
        )
        return terminal

    def _mode(self) -> ProgressMode:
        terminal = self._terminal()
        if terminal is None:
            return "off"
        return progress_mode(terminal.verbosity, self._environ, bool(terminal.isatty()))


def activate(config: pytest.Config) -> ProgressBoard | None:
    """Register the :class:`ProgressBoard` on an xdist controller (None elsewhere)."""
    if hasattr(config, "workerinput") or config.getoption("dist", default="no") == "no":
        return None
    board = ProgressBoard(config)
    config.pluginmanager.register(board, "multitrust-progress-board")
    return board
