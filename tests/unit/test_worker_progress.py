"""The xdist progress channel: event lines, the workers' files, the controller's board.

The board is driven by hand here (``tick()`` instead of its thread) against a recording
terminal; ``tests/acceptance/test_progress.py`` runs it with real ``-n 2`` workers.
"""

from __future__ import annotations

import doctest
import itertools
import os
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

import pytest

import pytest_multitrust.progress
import pytest_multitrust.report.model
import pytest_multitrust.worker_progress
from pytest_multitrust.progress import ProgressEvent
from pytest_multitrust.report.model import TaskTiming
from pytest_multitrust.terminal_progress import PROGRESS_PROPERTY
from pytest_multitrust.worker_progress import (
    PROGRESS_DIR_INPUT,
    EventReader,
    EventWriter,
    ProgressBoard,
    WorkerState,
    board_lines,
    fold,
    make_run_folder,
    worker_channel,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Generator


def test_the_doctests_hold() -> None:
    for module in (
        pytest_multitrust.progress,
        pytest_multitrust.worker_progress,
        pytest_multitrust.report.model,
    ):
        assert doctest.testmod(module).failed == 0, module.__name__


def event(done: int, finished: bool = False, label: str = "T.3") -> ProgressEvent:
    return ProgressEvent("generation", label, done, 4, "answers", float(done), finished)


@pytest.mark.parametrize(
    "line",
    [
        "",
        "[]",
        '{"step": "generation"}',
        event(1).to_json().replace('"done":1', '"done":-1'),
        event(1).to_json().replace('"elapsed_s":1.0', '"elapsed_s":NaN'),
        event(1).to_json().replace('"finished":false', '"finished":0'),
    ],
)
def test_a_line_that_is_not_an_event_is_none(line: str) -> None:
    assert ProgressEvent.from_json(line) is None


def test_a_worker_appends_whole_lines_and_the_reader_keeps_a_torn_one(tmp_path: Path) -> None:
    path = tmp_path / "gw0.jsonl"
    writer = EventWriter(path, clock=itertools.count(0.0, 1.0).__next__)
    reader = EventReader(path)
    assert reader.read() == []  # no file yet
    writer(event(0))
    writer(event(2))
    line = event(4, finished=True).to_json() + "\n"
    with path.open("a") as file:
        file.write(line[:10])  # a write caught half way
    assert reader.read() == [event(0), event(2)]
    with path.open("a") as file:
        file.write(line[10:])
    assert reader.read() == [event(4, finished=True)]
    assert reader.read() == []


def test_a_worker_thins_a_steps_intermediate_events_but_never_its_ends(tmp_path: Path) -> None:
    path = tmp_path / "gw0.jsonl"
    times = iter([0.0, 0.05, 0.1, 0.3, 0.31])
    writer = EventWriter(path, clock=lambda: next(times))
    for done in range(4):
        writer(event(done))
    writer(event(4, finished=True))
    assert [e.done for e in EventReader(path).read()] == [0, 3, 4]


def test_a_worker_that_cannot_write_stops_trying(tmp_path: Path) -> None:
    writer = EventWriter(tmp_path / "gone" / "gw0.jsonl")
    writer(event(0))  # no error: the run goes on
    assert writer.broken
    writer(event(4, finished=True))
    assert not (tmp_path / "gone").exists()


def test_only_a_worker_handed_a_folder_writes(tmp_path: Path) -> None:
    def config(**workerinput: object) -> pytest.Config:
        return cast("pytest.Config", SimpleNamespace(workerinput=workerinput))

    writer = worker_channel(config(workerid="gw1", **{PROGRESS_DIR_INPUT: str(tmp_path)}))
    assert writer is not None
    assert writer.path == tmp_path / "gw1.jsonl"
    assert worker_channel(config(workerid="gw1")) is None
    assert worker_channel(config(workerid="../x", **{PROGRESS_DIR_INPUT: "."})) is None
    assert worker_channel(cast("pytest.Config", SimpleNamespace())) is None


def test_a_finished_step_closes_only_its_own_open_step() -> None:
    judge = ProgressEvent("judge", "T.3", 1, 2, "verdicts", 1.0, False)
    state = fold(fold(WorkerState("gw0"), judge), event(4, finished=True))
    assert state.current == judge  # another step's end leaves it open
    assert board_lines([state, WorkerState("gw1", down=True, current=judge)], width=30) == [
        "multitrust: [gw0] T.3 judge: …"
    ]


class Terminal:
    """Records what the board writes (the parts of pytest's terminal reporter it uses)."""

    def __init__(self, tty: bool, verbosity: int = 0) -> None:
        self.verbosity = verbosity
        self.tty = tty
        self.currentfspath: object = None
        self.lines: list[str] = []
        self.raw: list[str] = []

    def isatty(self) -> bool:
        return self.tty

    def write_line(self, line: str) -> None:
        self.lines.append(line)

    def write(self, text: str) -> None:
        self.raw.append(text)

    def write_raw(self, text: str, flush: bool = False) -> None:
        self.raw.append(text)

    def flush(self) -> None:
        pass


def board_of(
    terminal: Terminal, folder: Path, make: Callable[[], str] | None = None
) -> ProgressBoard:
    config = SimpleNamespace(
        pluginmanager=SimpleNamespace(
            get_plugin=lambda name: terminal if name == "terminalreporter" else None
        )
    )
    return ProgressBoard(
        cast("pytest.Config", config), environ={}, make_folder=make or (lambda: str(folder))
    )


def node(worker: str, popen: bool = True) -> Any:
    spec = SimpleNamespace(popen=popen, via=None)
    return SimpleNamespace(gateway=SimpleNamespace(spec=spec), workerinput={"workerid": worker})


def writer_of(worker: Any) -> EventWriter:
    path = Path(worker.workerinput[PROGRESS_DIR_INPUT]) / f"{worker.workerinput['workerid']}.jsonl"
    return EventWriter(path, clock=itertools.count(0.0, 1.0).__next__)


def run_hook(wrapper: Generator[None]) -> None:
    """Run a hook wrapper as pluggy does, with nothing inside."""
    next(wrapper)
    with pytest.raises(StopIteration):
        wrapper.send(None)


def test_in_ci_the_controller_writes_one_line_per_finished_step_of_each_worker(
    tmp_path: Path,
) -> None:
    terminal = Terminal(tty=False)
    board = board_of(terminal, tmp_path / "run")
    (tmp_path / "run").mkdir()
    gw0, gw1 = node("gw0"), node("gw1")
    board.pytest_configure_node(gw0)
    board.pytest_configure_node(gw1)
    board.close()  # the thread is not needed here: ticks by hand
    assert gw0.workerinput[PROGRESS_DIR_INPUT] == str(tmp_path / "run")
    writer_of(gw0)(event(0))
    writer_of(gw1)(event(0, label="T.4"))
    board.tick()
    assert terminal.lines == []  # started steps are not lines in CI
    writer_of(gw1)(event(4, finished=True, label="T.4"))
    board.tick()
    assert terminal.lines == [
        "multitrust: [gw1] T.4 generation: 4/4 answers in 4.0 s (1.0 answers/s)"
    ]
    assert not terminal.raw  # no block is drawn, nothing rewritten
    # the setup report carries the same line (and one the files did not have): once each
    report = SimpleNamespace(
        when="setup",
        user_properties=[
            (PROGRESS_PROPERTY, "[gw1] T.4 generation: 4/4 answers in 4.0 s (1.0 answers/s)"),
            (PROGRESS_PROPERTY, "[gw1] T.4 judge: done in 1.0 s"),
        ],
    )
    run_hook(board.pytest_runtest_logreport(cast("pytest.TestReport", report)))
    assert terminal.lines[1:] == ["multitrust: [gw1] T.4 judge: done in 1.0 s"]
    board.pytest_unconfigure()
    assert not (tmp_path / "run").exists()


def test_a_terminal_gets_one_line_per_worker_redrawn_below_pytests_line(tmp_path: Path) -> None:
    terminal = Terminal(tty=True)
    (tmp_path / "run").mkdir()
    board = board_of(terminal, tmp_path / "run")
    gw0, gw1 = node("gw0"), node("gw1")
    board.pytest_configure_node(gw0)
    board.pytest_configure_node(gw1)
    board.close()
    writer_of(gw0)(event(0))
    writer_of(gw1)(ProgressEvent("attack", "R.4", 3, 8, "images", 2.0, False))
    board.tick()
    block = terminal.raw[-1]
    assert "[gw0] T.3 generation: 0/4 answers after " in block
    assert "[gw1] R.4 attack: 3/8 images after " in block
    assert block.startswith("\x1b[J")  # the old block erased first
    assert block.endswith("\x1b8")  # the cursor put back where pytest left it
    writer_of(gw0)(event(4, finished=True))
    writer_of(gw1)(ProgressEvent("attack", "R.4", 8, 8, "images", 4.0, True))
    board.tick()
    assert terminal.raw[-1] == "\x1b[J"  # no step open: the block is erased, not redrawn
    assert [line.split(":")[1] for line in terminal.lines] == [
        " [gw0] T.3 generation",
        " [gw1] R.4 attack",
    ]


def test_a_worker_that_goes_down_is_said_and_leaves_the_block(tmp_path: Path) -> None:
    terminal = Terminal(tty=True)
    (tmp_path / "run").mkdir()
    board = board_of(terminal, tmp_path / "run")
    gw0, gw1 = node("gw0"), node("gw1")
    board.pytest_configure_node(gw0)
    board.pytest_configure_node(gw1)
    board.close()
    writer_of(gw0)(event(2))
    writer_of(gw1)(event(1, label="T.4"))
    board.tick()
    run_hook(board.pytest_testnodedown(gw0, error="crashed"))
    assert terminal.lines == [
        "multitrust: [gw0] went down during T.3 generation: 2/4 answers after 2.0 s (1.0 answers/s)"
    ]
    writer_of(gw0)(event(3))  # a late line of the dead worker is ignored
    board.tick()
    assert "[gw0]" not in terminal.raw[-1]
    assert "[gw1] T.4 generation: 1/4" in terminal.raw[-1]


def test_no_folder_no_channel_and_no_remote_worker(tmp_path: Path) -> None:
    def unwritable() -> str:
        raise PermissionError("read-only")

    board = board_of(Terminal(tty=False), tmp_path, make=unwritable)
    gw0 = node("gw0")
    board.pytest_configure_node(gw0)
    assert PROGRESS_DIR_INPUT not in gw0.workerinput  # its setup reports carry its steps
    remote = node("gw1", popen=False)
    board_of(Terminal(tty=False), tmp_path).pytest_configure_node(remote)
    assert PROGRESS_DIR_INPUT not in remote.workerinput
    quiet = node("gw2")
    board_of(Terminal(tty=False, verbosity=-1), tmp_path).pytest_configure_node(quiet)
    assert PROGRESS_DIR_INPUT not in quiet.workerinput


def test_a_run_folder_is_named_after_its_controller_and_a_killed_ones_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = tmp_path / "multitrust-progress-999999999-abcd"  # no such process
    dead.mkdir()
    (dead / "gw0.jsonl").write_text("{}\n")
    mine = Path(make_run_folder())
    assert mine.parent == tmp_path
    assert mine.name.startswith(f"multitrust-progress-{os.getpid()}-")
    assert not dead.exists()
    assert Path(make_run_folder()) != mine  # a live controller's folder stays
    assert mine.exists()


def test_a_tasks_timing_counts_its_own_steps_and_every_load() -> None:
    steps = [
        ProgressEvent("model load", "hf:x", 0, 0, "", 3.0, True),
        ProgressEvent("judge load", "gpt", 0, 0, "", 1.0, True),
        ProgressEvent("generation", "T.3", 4, 4, "answers", 2.5, True),
        ProgressEvent("judge", "T.3", 4, 4, "verdicts", 0.5, True),
        ProgressEvent("judge", "T.4", 4, 4, "verdicts", 9.0, True),
    ]
    timing = TaskTiming.from_steps("T.3", "main", 7.0, steps)
    assert (timing.load_s, timing.attack_s, timing.generation_s, timing.judge_s) == (
        4.0,
        0.0,
        2.5,
        0.5,
    )
    assert TaskTiming.from_json(timing.to_json()) == timing
