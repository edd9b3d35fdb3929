"""Reliability round 2 (#19), end to end in real pytest runs: bad custom data drops only
its task; option values that used to crash are usage errors; interrupts lose nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mt_report import load_valid_report

from pytest_multitrust.engine.cache import CACHE_FILE, RESPONSES

RunTrust = Callable[..., pytest.RunResult]


# -- a bad custom task drops only itself (#19 item 3) -------------------------------------------

BAD_DATA_CONFTEST = """
from pathlib import Path

from pytest_multitrust import MetricSpec, SampleScore, TaskSpec, register_task
from pytest_multitrust.custom import jsonl_loader, sample_scorer

HERE = Path(__file__).parent


@sample_scorer
def answered(sample, response):
    return SampleScore({"answered": float(bool(response.text))}, passed=True)


def broken_loader():
    raise KeyError("the loader of a team has a bug")


for task_id, loader in (("team.badjson", jsonl_loader(HERE / "bad.jsonl")),
                        ("team.missing", jsonl_loader(HERE / "absent.jsonl")),
                        ("team.buggy", broken_loader),
                        ("team.good", jsonl_loader(HERE / "good.jsonl"))):
    register_task(TaskSpec(
        id=task_id, name=task_id, aspect="privacy", sub_aspect="leakage",
        summary="Answers.", metrics=(MetricSpec("answered", "higher", 0.5),),
        scorer=answered, loader=loader,
    ))
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_bad_custom_task_is_dropped_alone_and_every_other_task_runs(
    run_trust: RunTrust, pytester: pytest.Pytester, workers: list[str]
) -> None:
    pytester.makeconftest(BAD_DATA_CONFTEST)
    good = "".join(json.dumps({"id": f"g{i}", "prompt": f"Say {i}"}) + "\n" for i in range(3))
    (pytester.path / "good.jsonl").write_text(good, encoding="utf-8")
    (pytester.path / "bad.jsonl").write_text(
        good + '{"id": "x", "prompt": "fine"}\n{"id": "y", prompt}\n', encoding="utf-8"
    )
    result = run_trust(
        "--mllm=echo",
        "--mt-tasks=T.1,team.badjson,team.missing,team.buggy,team.good",
        "--mt-limit=2",
        "--mt-report=out",
        *workers,
    )
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, out
    assert "INTERNALERROR" not in out
    assert "Traceback" not in out
    assert "during collection" not in out
    for task_id in ("team.badjson", "team.missing", "team.buggy"):
        assert out.count(f"FAILED multitrust/privacy/{task_id}::data") == 1
    assert f"{pytester.path / 'bad.jsonl'}:5: not valid JSON at column 13" in out
    assert f"{pytester.path / 'absent.jsonl'}: cannot read the custom task data" in out
    assert "KeyError: 'the loader of a team has a bug'" in out
    for task_id in ("team.badjson", "team.missing", "team.buggy"):
        assert f"{task_id}: the task's data could not be loaded, so the task is dropped" in out
    assert "no result from: team.badjson, team.buggy, team.missing" in out
    data = load_valid_report(pytester.path / "out" / "report.json")
    counted = {t["task_id"]: t["metrics"][0]["n"] for t in data["scores"]["tasks"]}
    assert counted == {"T.1": 10, "team.good": 2}  # every other task ran in full


# -- option values that crashed or passed silently are usage errors (#19 items 9, 12) ----------

KEY = "c2stbGl2ZS0x/Mj+M?0#NTY@3=="  # a base64 key written unencoded: "/", "?", "#", "@"

LOGGING_MODEL = """
from pathlib import Path

from pytest_multitrust import ScriptedModel

Path("imported.log").write_text("the model module was imported")


def make(options):
    Path("loaded.log").write_text("the model was loaded")
    return ScriptedModel.constant("fine", name="logging")
"""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--mllm=openai:http://u:" + KEY + "@127.0.0.1:notaport/v1#m"],
            "--mllm='openai:http://u:***@127.0.0.1:notaport/v1#m': the port is not a number",
        ),
        (
            ["--mllm=openai:https://:" + KEY + "@127.0.0.1:99999/v1#m"],
            "--mllm='openai:https://***@127.0.0.1:99999/v1#m': the port is not a number",
        ),
        (
            ["--mllm=py:logging_model:make", "--mt-judge=openai:http://me:" + KEY + "@h:0/v1#j"],
            "--mt-judge='openai:http://me:***@h:0/v1#j': the port is not a number",
        ),
        (
            ["--mllm=py:logging_model:make", "--mt-judge=openai:http://me:" + KEY + "@/v1#j"],
            "--mt-judge='openai:http://me:***@/v1#j': cannot tell the credentials from the host",
        ),
        (
            ["--mllm=vllm:llava-hf/llava-1.5-7b-hf"],
            "--mllm='vllm:llava-hf/llava-1.5-7b-hf': there is no vllm: model kind; serve the model "
            "with vLLM's OpenAI-compatible server (vllm serve <repo>) and pass "
            "--mllm=openai:http://127.0.0.1:8000/v1#<repo>",
        ),
        (
            ["--mllm=py:logging_model:make", "--mt-seed=9223372036854775808"],
            "--mt-seed: invalid value '9223372036854775808'; expected an integer from 0 to "
            "9223372036854775807",
        ),
        (["--mllm=py:logging_model:make", "--mt-seed=" + "9" * 5000], "--mt-seed: invalid value"),
        (
            ["--mllm=py:logging_model:make", "--mt-report=a_file/report"],
            "a_file/report: cannot hold a directory: ",
        ),
        (
            ["--mllm=py:logging_model:make", "--mt-report=a_file"],
            "a_file: is a file, not a directory",
        ),
    ],
    ids=[
        "port-word",
        "port-range",
        "judge-port-0",
        "judge-no-host",
        "vllm",
        "seed-2**63",
        "seed-5000-digits",
        "report-under-a-file",
        "report-is-a-file",
    ],
)
def test_bad_values_are_usage_errors_before_any_model_loads_with_keys_masked(
    run_trust: RunTrust, pytester: pytest.Pytester, args: list[str], expected: str
) -> None:
    pytester.makepyfile(logging_model=LOGGING_MODEL)
    (pytester.path / "a_file").write_text("not a folder", encoding="utf-8")
    result = run_trust(*args, "--mt-tasks=T.1", "--mt-limit=1")
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, out
    assert expected in out
    assert "INTERNALERROR" not in out
    assert "Traceback" not in out
    assert "ExceptionGroup" not in out
    for fragment in (KEY, KEY[:4], KEY[-6:]):
        assert fragment not in out
    assert not (pytester.path / "loaded.log").exists()
    assert not (pytester.path / "a_file" / "report").exists()


def test_an_ini_report_folder_under_a_file_is_a_usage_error(
    run_trust: RunTrust, pytester: pytest.Pytester
) -> None:
    pytester.makeini("[pytest]\nmultitrust_report = a_file/out\n")
    (pytester.path / "a_file").write_text("not a folder", encoding="utf-8")
    result = run_trust("--mllm=echo", "--mt-tasks=T.1", "--mt-limit=1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "multitrust_report=" in result.stderr.str()
    assert "cannot hold a directory" in result.stderr.str()


def test_the_largest_seed_runs(run_trust: RunTrust) -> None:
    result = run_trust(
        "--mllm=echo",
        "--mt-tasks=T.1,S.4",
        "--mt-limit=1",
        "--mt-seed=9223372036854775807",
        "--mt-cache=readwrite",
        "--mt-report=out",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()  # echo misses
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


# -- interrupts (#19 item 10) -----------------------------------------------------------------


def _popen_trust(
    pytester: pytest.Pytester, mt_cache_dir: Path, *args: str, log: Path
) -> subprocess.Popen[bytes]:
    """The inner pytest as a child process of its own (signals go to it alone)."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                f"--mt-cache-dir={mt_cache_dir.parent}",
                *args,
            ],
            cwd=pytester.path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie waiting to be reaped does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    with contextlib.suppress(OSError):
        return "\nState:\tZ" not in status.read_text(encoding="utf-8")
    return True


def _stored_answers(cache_file: Path) -> int:
    """How many answers the response cache file holds now (0 before it exists)."""
    if not cache_file.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{cache_file}?mode=ro", uri=True)) as db:
            row = db.execute(
                "SELECT COUNT(*) FROM entries WHERE namespace = ?", (RESPONSES,)
            ).fetchone()
    except sqlite3.Error:  # not created yet
        return 0
    return int(row[0])


def _wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_an_interrupt_on_openai_keeps_every_answer_that_arrived(
    pytester: pytest.Pytester, mt_cache_dir: Path, signum: signal.Signals
) -> None:
    # T.1 at --mt-limit=4: 20 samples in one batch (8 in flight at a time). The server
    # answers the first 12 and holds the other 8; the run is interrupted while they hang.
    # The 12 answers must be in the response cache: the re-run asks the server for 8 only.
    from mt_openai import FakeOpenAIServer, Reply

    from pytest_multitrust.models.openai_backend import PROBE_PROMPT

    hold = threading.Event()
    answered: list[str] = []

    def script(_index: int, body: dict[str, Any]) -> Reply:
        prompt = str(body["messages"][-1]["content"])
        if PROBE_PROMPT in prompt:
            return Reply(text="white")
        if hold.is_set() and len(answered) >= 12:
            return Reply(text="[Yes]", delay_s=60)
        answered.append(prompt)
        return Reply(text="[Yes]")

    args = (
        "--mt-tasks=T.1",
        "--mt-limit=4",
        "--mt-concurrency=8",
        "--mt-cache=readwrite",
        "--mt-cache-dir=cache",
        "--mt-report=out",
        "--mt-retries=2",
    )
    with FakeOpenAIServer(script) as server:
        spec = f"--mllm=openai:{server.url}#fake"
        hold.set()
        first = _popen_trust(pytester, mt_cache_dir, spec, *args, log=pytester.path / "1.log")
        try:
            _wait_for(lambda: len(server.chats) >= 1 + 20, 120, "all 20 requests")
            # the 12 answers reach the client, which stores each one as it arrives
            cache_file = pytester.path / "cache" / CACHE_FILE
            _wait_for(lambda: _stored_answers(cache_file) >= 12, 60, "12 stored answers")
            first.send_signal(signum)
            first.wait(timeout=30)
        finally:
            if first.poll() is None:
                first.kill()
        out = (pytester.path / "1.log").read_text(encoding="utf-8")
        assert first.returncode == pytest.ExitCode.INTERRUPTED, out
        assert len(answered) == 12
        data = load_valid_report(pytester.path / "out" / "report.json")
        assert data["status"]["interrupted"] is True

        hold.clear()
        before = len(server.chats)
        second = _popen_trust(pytester, mt_cache_dir, spec, *args, log=pytester.path / "2.log")
        second.wait(timeout=120)
        out = (pytester.path / "2.log").read_text(encoding="utf-8")
        assert second.returncode in (0, 1), out
        asked = [c for c in server.chats[before:] if PROBE_PROMPT not in str(c.body)]
    assert len(asked) == 20 - 12, out  # only what never arrived
    data = load_valid_report(pytester.path / "out" / "report.json")
    assert data["status"]["interrupted"] is False
    assert sum(s["cached"] for s in data["samples"]) == 12


SLOW_MODEL = """
import dataclasses
import os
import time
from pathlib import Path

from pytest_multitrust import ScriptedModel

ORACLE = ScriptedModel(name="slow-oracle", answer=lambda r: r.reference or "")


class Slow:
    info = dataclasses.replace(ORACLE.info, backend="py")

    def generate(self, requests, config=None):
        with Path("generated.log").open("a") as log:
            log.write(f"{os.getpid()} {time.monotonic():.3f}\\n")
        time.sleep(1.0)
        return ORACLE.generate(requests, config)


def make(options):
    return Slow()
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_an_interrupt_of_the_xdist_controller_stops_every_worker_at_once(
    pytester: pytest.Pytester, mt_cache_dir: Path, signum: signal.Signals
) -> None:
    # Two tasks of 30-50 batches of 1 s each, one per worker. SIGTERM goes to the controller
    # alone (as `timeout` and many CI runners send it): each worker used to go on with its
    # whole task until xdist's teardown killed it 10 s later; now it stops at once.
    pytester.makepyfile(slow_model=SLOW_MODEL)
    log = pytester.path / "generated.log"
    run = _popen_trust(
        pytester,
        mt_cache_dir,
        "--mllm=py:slow_model:make",
        "--mt-tasks=T.1,S.4",
        "--mt-tier=smoke",
        "--mt-batch-size=2",
        "--mt-cache=off",
        "--mt-report=out",
        "-n",
        "2",
        log=pytester.path / "run.log",
    )
    try:
        _wait_for(
            lambda: log.exists() and len(log.read_text().splitlines()) >= 4, 120, "four generations"
        )
        workers = {int(line.split()[0]) for line in log.read_text().splitlines()}
        assert len(workers) == 2
        signalled = time.monotonic()
        run.send_signal(signum)
        run.wait(timeout=60)
        took = time.monotonic() - signalled
    finally:
        if run.poll() is None:
            run.kill()
    out = (pytester.path / "run.log").read_text(encoding="utf-8")
    assert run.returncode == pytest.ExitCode.INTERRUPTED, out
    started_after = [
        line for line in log.read_text().splitlines() if float(line.split()[1]) > signalled + 0.5
    ]
    assert started_after == [], out  # no worker began another batch (before: ~10)
    assert took < 30, took
    assert not [pid for pid in workers if _alive(pid)]  # gone with the controller
    data = load_valid_report(pytester.path / "out" / "report.json")
    assert data["status"]["interrupted"] is True
    assert "INTERNALERROR" not in out
