"""Progress of the long steps in the terminal, and generation charged to its own phase.

The inner runs use a slow model (``py:slowmodel:make``: 0.2 s per batch of 2) and two
small tasks (``Y.1``, ``Y.2``, 6 samples each) registered by the project's conftest, so
they need neither torch nor a GPU.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from pytest_multitrust.report.model import TaskTiming

CONFTEST = """
from __future__ import annotations

import os

import pytest

from pytest_multitrust.tasks.base import MetricSpec, Sample, SampleScore, TaskSpec
from pytest_multitrust.tasks.registry import register_task


def _loader(task):
    def load():
        return [Sample(id=f"s{i:02d}", variant="default", smoke=True, prompt=f"{task} {i}")
                for i in range(6)]
    return load


def _score(samples, responses, context):
    return [SampleScore(values={"acc": 1.0}, passed=True) for _ in responses]


for _n in (1, 2):
    register_task(TaskSpec(
        id=f"Y.{_n}", name=f"Slow {_n}", aspect="safety", sub_aspect="jailbreaking",
        summary="generates slowly", metrics=(MetricSpec("acc", "higher", 0.5),),
        scorer=_score, loader=_loader(f"Y.{_n}"),
    ), replace=True)


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    if os.environ.get("MT_FAKE_TTY"):  # as if pytest wrote to a terminal
        config.pluginmanager.get_plugin("terminalreporter").isatty = lambda: True
"""

SLOWMODEL = """
from __future__ import annotations

import time

from pytest_multitrust.models.base import ModelInfo, Response


class Slow:
    def __init__(self):
        self.info = ModelInfo(spec="slow", backend="test", name="slow", fingerprint="slow-1",
                              default_batch_size=2)

    def generate(self, requests, config):
        time.sleep(0.2)
        return [Response(text="yes") for _ in requests]


def make(options):
    return Slow()
"""

GENERATION_LINE = re.compile(
    r"multitrust: (\[gw\d\] )?Y\.1 generation: 6/6 answers in \d+\.\d s \(\d+\.\d answers/s\)"
)


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(slowmodel=SLOWMODEL)
    monkeypatch.delenv("MT_FAKE_TTY", raising=False)
    return pytester


def _run(pytester: pytest.Pytester, *args: str, tasks: str = "Y.1") -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-p",
        "no:hypothesispytest",
        "-p",
        "no:anyio",
        "--mllm=py:slowmodel:make",
        f"--mt-tasks={tasks}",
        "--mt-cache=off",
        *args,
        timeout=120,
    )


def test_ci_shows_one_line_per_finished_step(
    run: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    result = _run(run)
    assert result.ret == 0, result.stdout.str()
    lines = [line for line in result.outlines if line.startswith("multitrust: ")]
    assert [line for line in lines if "generation" in line] == [
        line for line in lines if GENERATION_LINE.fullmatch(line)
    ]
    assert len([line for line in lines if GENERATION_LINE.fullmatch(line)]) == 1
    assert any(
        re.fullmatch(r"multitrust: py:slowmodel:make model load: done in .*", x) for x in lines
    )
    assert "\r" not in result.stdout.str()  # nothing rewritten in CI
    # the test results go on under their file's name after a progress line
    result.stdout.fnmatch_lines(["multitrust: Y.1 generation: *", "multitrust/safety/Y.1 *"])


def test_quiet_shows_no_progress(run: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    result = _run(run, "-q")
    assert result.ret == 0, result.stdout.str()
    assert not [line for line in result.outlines if line.startswith("multitrust: ")]


def test_a_terminal_gets_a_live_line_per_step(
    run: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MT_FAKE_TTY", "1")
    result = _run(run)
    assert result.ret == 0, result.stdout.str()
    out = (run.path / "stdout").read_bytes().decode()  # as written (result.stdout splits at \r)
    # the step's line is written when it starts, then rewritten in place (\r) as it goes
    assert "\rmultitrust: Y.1 generation: 0/6 answers after 0.0 s" in out
    assert re.search(r"\rmultitrust: Y\.1 generation: 6/6 answers in \d+\.\d s", out)
    assert out.count("Y.1 generation: ") >= 3  # started, at least one batch, finished


def timings_of(pytester: pytest.Pytester) -> dict[str, TaskTiming]:
    """The per-task timings of the run's report.json, by task."""
    report = json.loads((pytester.path / "rep" / "report.json").read_text())
    return {t["task_id"]: TaskTiming.from_json(json.dumps(t)) for t in report["timings"]}


def test_xdist_controller_shows_each_workers_steps_and_reports_their_time(
    run: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    result = _run(run, "-n", "2", "--mt-report=rep", tasks="Y.1,Y.2")
    assert result.ret == 0, result.stdout.str()
    generation = [
        match.groups()
        for line in result.outlines
        if (
            match := re.fullmatch(
                r"multitrust: \[(gw\d)\] (Y\.\d) generation: 6/6 answers .*", line
            )
        )
    ]
    # one line per task (the file channel's, not again from the setup report)
    assert sorted(task for _, task in generation) == ["Y.1", "Y.2"]
    assert {
        worker
        for line in result.outlines
        if (m := re.fullmatch(r"multitrust: \[(gw\d)\] py:slowmodel:make model load: .*", line))
        for worker in [m[1]]
    } == {"gw0", "gw1"}
    assert "\r" not in result.stdout.str()  # nothing rewritten in CI
    timings = timings_of(run)
    for worker, task in generation:
        timing = timings[task]
        assert timing.worker == worker  # collected from the worker that ran the task
        assert timing.generation_s >= 0.55  # three batches of 0.2 s
        assert timing.setup_s >= timing.generation_s


def test_xdist_in_a_terminal_redraws_one_line_per_worker(
    run: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MT_FAKE_TTY", "1")
    monkeypatch.setenv("TMPDIR", str(run.path))  # to see the run's folder go
    result = _run(run, "-n", "2", tasks="Y.1,Y.2")
    assert result.ret == 0, result.stdout.str()
    out = (run.path / "stdout").read_bytes().decode()
    blocks = re.findall(r"\x1b7(.*?)\x1b8", out)  # each drawing of the block
    both = [b for b in blocks if "[gw0] Y." in b and "[gw1] Y." in b]
    assert both, out  # at some point both workers' generation lines are drawn together
    assert re.search(r"\[gw\d\] Y\.\d generation: \d/6 answers after \d+\.\d s", both[0])
    assert re.search(r"multitrust: \[gw\d\] Y\.1 generation: 6/6 answers in ", out)
    # the block is erased before the summary: its lines do not follow the last result
    assert "\x1b7" not in out[out.index("[100%]") :]
    assert not list(run.path.glob("multitrust-progress-*"))  # the folder was removed


def test_generation_is_charged_to_the_setup_of_the_tasks_first_test(
    run: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    result = _run(run, "--durations=0", "-vv", "--junitxml=junit.xml", "--mt-report=rep")
    assert result.ret == 0, result.stdout.str()
    timings = {
        (m["when"], m["test"]): float(m["seconds"])
        for line in result.outlines
        if (m := re.fullmatch(r"(?P<seconds>\d+\.\d+)s (?P<when>\w+) +(?P<test>\S+)", line))
    }
    first = "multitrust/safety/Y.1::sample[s00]"
    assert timings[("setup", first)] >= 0.5  # three batches of 0.2 s
    assert all(seconds < 0.5 for (when, _), seconds in timings.items() if when == "call")
    # the other tests' setups do nothing: the task's time is not spread over them
    assert all(seconds < 0.5 for (_, test), seconds in timings.items() if test != first)
    # JUnit XML: the first test carries the steps its setup ran
    tree = ET.parse(run.path / "junit.xml")
    case = next(c for c in tree.iter("testcase") if c.get("name") == "sample[s00]")
    progress = [
        p.get("value") for p in case.iter("property") if p.get("name") == "multitrust.progress"
    ]
    assert len(progress) == 1
    assert GENERATION_LINE.fullmatch(f"multitrust: {progress[0]}")
    others = [c for c in tree.iter("testcase") if c.get("name") != "sample[s00]"]
    assert not any(
        p.get("name") == "multitrust.progress" for c in others for p in c.iter("property")
    )
    # the report says where the task's time went
    timing = timings_of(run)["Y.1"]
    assert timing.worker == "main"
    assert timing.generation_s >= 0.55  # three batches of 0.2 s
    assert timing.setup_s >= timing.generation_s
    assert timings[("setup", first)] + 0.01 >= timing.setup_s  # printed to 0.01 s
    assert (
        f"<dt>time Y.1</dt><dd>{timing.describe()}</dd>"
        in (run.path / "rep" / "report.html").read_text()
    )


CRASHMODEL = """
from __future__ import annotations

import os
import time

from pytest_multitrust.models.base import ModelInfo, Response


class Crash:
    def __init__(self):
        self.info = ModelInfo(spec="crash", backend="test", name="crash", fingerprint="crash-1",
                              default_batch_size=2)
        self.calls = 0

    def generate(self, requests, config):
        self.calls += 1
        time.sleep(0.2)
        if "Y.2" in requests[0].prompt and self.calls > 1:
            os._exit(3)  # the worker dies in the middle of Y.2's generation
        return [Response(text="yes") for _ in requests]


def make(options):
    return Crash()
"""


@pytest.mark.slow
def test_xdist_a_worker_that_dies_in_a_step_is_said_once(
    run: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("TMPDIR", str(run.path))  # to see the run's folder go
    run.makepyfile(crashmodel=CRASHMODEL)
    result = run.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "--mllm=py:crashmodel:make",
        "--mt-tasks=Y.1,Y.2",
        "--mt-cache=off",
        "-n",
        "2",
        timeout=120,
    )
    assert result.ret == 1, result.stdout.str()
    down = [line for line in result.outlines if " went down during " in line]
    assert len(down) == 1, result.stdout.str()
    assert re.fullmatch(r"multitrust: \[gw\d\] went down during Y\.2 generation: 2/6 .*", down[0])
    assert any(
        re.fullmatch(r"multitrust: \[gw\d\] Y\.1 generation: 6/6 .*", x) for x in result.outlines
    )
    assert not list(run.path.glob("multitrust-progress-*"))
