"""Speed at scale, end to end: GPUs per xdist worker, the response cache, batching checks.

Every run uses a counting model (``py:countmodel:make``) that appends one line per
``generate`` call to a file, and four small tasks (``X.1`` ... ``X.4``, 12 samples each)
registered by the test project's conftest, so these tests need neither torch nor a GPU.
"""

from __future__ import annotations

import json
import os
import re
import signal
from pathlib import Path

import pytest

CONFTEST = """
from __future__ import annotations

import os

from pytest_multitrust.distributed import placement_facts
from pytest_multitrust.tasks.base import MetricSpec, Sample, SampleScore, TaskSpec
from pytest_multitrust.tasks.registry import register_task


def _loader(task: str):
    def load():
        suffix = os.environ.get("MT_PROMPT_SUFFIX", "")
        return [
            Sample(id=f"s{i:02d}", variant="default", smoke=True,
                   prompt=f"{task} s{i:02d}" + " say yes" * (i % 5 + 1)
                   + (suffix if i == 0 else ""))
            for i in range(12)
        ]
    return load


def _score(samples, responses, context):
    return [SampleScore(values={"acc": float("yes" in r.text)}, passed="yes" in r.text)
            for r in responses]


for _n in range(1, 5):
    register_task(TaskSpec(
        id=f"X.{_n}", name=f"Counting {_n}", aspect="safety", sub_aspect="jailbreaking",
        summary="counts generations", metrics=(MetricSpec("acc", "higher", 0.5),),
        scorer=_score, loader=_loader(f"X.{_n}"),
    ), replace=True)


def pytest_sessionstart(session):
    config = session.config
    if hasattr(config, "workerinput"):
        config.workeroutput["seen_cuda"] = os.environ.get("CUDA_VISIBLE_DEVICES", "<unset>")


def pytest_testnodedown(node, error):
    print(f"SEEN {node.workerinput['workerid']}={node.workeroutput.get('seen_cuda')}")


def pytest_terminal_summary(terminalreporter, config):
    for facts in placement_facts(config):
        terminalreporter.line(
            f"FACTS {facts.worker_id} cuda={facts.cuda_visible_devices} device={facts.device} "
            f"hits={facts.cache_hits} misses={facts.cache_misses} writes={facts.cache_writes} "
            f"threads={facts.torch_threads}"
        )
"""

COUNTMODEL = """
from __future__ import annotations

import os
import signal
import sys

from pytest_multitrust.models.base import ModelInfo, Response


class Counting:
    def __init__(self):
        self.info = ModelInfo(spec="counting", backend="test", name="counting",
                              fingerprint=os.environ.get("MT_FINGERPRINT", "fp-1"),
                              default_batch_size=4)

    def generate(self, requests, config):
        path = os.environ["MT_CALLS"]
        torch = sys.modules.get("torch")
        threads = torch.get_num_threads() if torch is not None else 0
        with open(path, "a") as calls:
            calls.write(f"{os.getpid()} {len(requests)} {threads}\\n")
        with open(path) as calls:
            done = len(calls.read().splitlines())
        if os.environ.get("MT_KILL_AT") and done >= int(os.environ["MT_KILL_AT"]):
            os.kill(os.getpid(), signal.SIGKILL)
        drift = os.environ.get("MT_DRIFT") == "1" and len(requests) > 1
        return [Response(text="yes " + r.prompt + (" [batched]" if drift else ""))
                for r in requests]


class Deferred(Counting):
    # counts its weight loads (MT_LOADS): the plugin loads them on the first miss only

    def __init__(self):
        super().__init__()
        self.ready = False

    def load_weights(self):
        if not self.ready:
            with open(os.environ["MT_LOADS"], "a") as loads:
                loads.write(f"{os.getpid()}\\n")
            self.ready = True

    def generate(self, requests, config):
        assert self.ready, "generate before load_weights"
        return super().generate(requests, config)


def make(options):
    return Counting()


def make_deferred(options):
    return Deferred()


def make_torch(options):
    import torch

    torch.set_num_threads(7)  # as if torch had picked this; the plugin may change it
    return Counting()
"""


class Project:
    """A pytester project with the counting model and the X tasks."""

    def __init__(self, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
        self.pytester = pytester
        self.monkeypatch = monkeypatch
        self.calls = pytester.path / "calls.txt"
        self.cache_dir = pytester.path / "mt-cache"
        pytester.makeconftest(CONFTEST)
        pytester.makepyfile(countmodel=COUNTMODEL)
        monkeypatch.setenv("MT_CALLS", str(self.calls))
        for name in (
            "MT_KILL_AT",
            "MT_DRIFT",
            "MT_FINGERPRINT",
            "MT_PROMPT_SUFFIX",
            "CUDA_VISIBLE_DEVICES",
            "PYTEST_XDIST_AUTO_NUM_WORKERS",
            "OMP_NUM_THREADS",
        ):
            monkeypatch.delenv(name, raising=False)

    def run(
        self,
        *args: str,
        tasks: str = "X.1",
        cache_dir: bool = True,
        model: str = "py:countmodel:make",
    ) -> pytest.RunResult:
        """Run pytest in a subprocess; return the result."""
        # without the hypothesis and anyio plugins a run starts in half the time
        options = [
            "-p",
            "no:hypothesispytest",
            "-p",
            "no:anyio",
            f"--mllm={model}",
            f"--mt-tasks={tasks}",
        ]
        if cache_dir:
            options.append(f"--mt-cache-dir={self.cache_dir}")
        return self.pytester.runpytest_subprocess(*options, *args, timeout=120)

    def threads(self) -> set[int]:
        """Torch threads seen by every generate call so far (0: torch not imported)."""
        return {int(line.split()[2]) for line in self.calls.read_text().splitlines()}

    def generated(self) -> list[int]:
        """Batch sizes of every generate call so far; resets the count."""
        if not self.calls.exists():
            return []
        sizes = [int(line.split()[1]) for line in self.calls.read_text().splitlines()]
        self.calls.unlink()
        return sizes


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Project:
    return Project(pytester, monkeypatch)


def seen(result: pytest.RunResult) -> dict[str, str]:
    return dict(re.findall(r"SEEN (gw\d+)=(\S*)", result.stdout.str()))


def facts(result: pytest.RunResult) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for line in result.outlines:
        if line.startswith("FACTS "):
            worker, *pairs = line.split()[1:]
            found[worker] = dict(pair.split("=", 1) for pair in pairs)
    return found


# -- GPUs per worker ------------------------------------------------------------------------


def test_each_worker_sees_its_own_gpu_of_the_outer_cuda_visible_devices(
    project: Project,
) -> None:
    project.monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3,5")
    result = project.run("-n", "2", "--mt-report=out", tasks="X.1,X.2", cache_dir=False)
    assert result.ret == 0, result.stdout.str()
    assert seen(result) == {"gw0": "3", "gw1": "5"}
    workers = facts(result)
    assert {w: f["cuda"] for w, f in workers.items()} == {"gw0": "3", "gw1": "5"}
    assert all(f["device"] == "cpu" for f in workers.values())
    # device, GPUs, load time and peak memory of each worker reach the report
    report = json.loads((project.pytester.path / "out" / "report.json").read_text("utf-8"))
    entries = {w["worker"]: w for w in report["provenance"]["workers"]}
    assert {w: e["cuda_visible_devices"] for w, e in entries.items()} == {"gw0": "3", "gw1": "5"}
    for entry in entries.values():
        assert entry["model"]["device"] == "cpu"
        assert entry["model"]["fingerprint"] == "fp-1"
        assert 0 < entry["load_s"] < 60  # timed around the model factory
        assert 20 < entry["peak_rss_mb"] < 4096  # a worker process, not KiB or bytes
        assert entry["peak_gpu_mb"] is None  # CUDA never started
        assert not entry["crashed"]


def test_auto_starts_one_worker_per_gpu_group(project: Project) -> None:
    project.monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "4,5,6,7")
    result = project.run("-n", "auto", "--mt-gpus-per-worker=2", cache_dir=False)
    assert result.ret == 0, result.stdout.str()
    assert seen(result) == {"gw0": "4,5", "gw1": "6,7"}


def test_auto_without_gpus_falls_back_to_xdist_and_leaves_devices_alone(
    project: Project,
) -> None:
    project.monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    project.monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "1")  # xdist's own rule
    result = project.run("-n", "auto", cache_dir=False)
    assert result.ret == 0, result.stdout.str()
    assert seen(result) == {"gw0": ""}


def test_more_workers_than_gpus_share_them_with_a_warning(project: Project) -> None:
    project.monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "7")
    result = project.run("-n", "2", tasks="X.1,X.2", cache_dir=False)
    assert result.ret == 0, result.stdout.str()
    assert seen(result) == {"gw0": "7", "gw1": "7"}
    result.stdout.fnmatch_lines(["*MultitrustWarning: 2 xdist workers but only 1 GPU group*"])


def test_a_cpu_model_gets_its_share_of_the_cores_per_worker(project: Project) -> None:
    share = max(1, len(os.sched_getaffinity(0)) // 2)
    result = project.run(
        "-n", "2", "--mt-cache=off", tasks="X.1,X.2", model="py:countmodel:make_torch"
    )
    assert result.ret == 0, result.stdout.str()
    # its share, or fewer when the load average shows the cores busy
    threads = {int(f["threads"]) for f in facts(result).values()}
    assert threads
    assert all(1 <= t <= share for t in threads), threads
    assert project.threads() <= threads
    project.generated()
    project.monkeypatch.setenv("OMP_NUM_THREADS", "3")  # the user's choice wins
    result = project.run(
        "-n", "2", "--mt-cache=off", tasks="X.1,X.2", model="py:countmodel:make_torch"
    )
    assert result.ret == 0, result.stdout.str()
    assert {f["threads"] for f in facts(result).values()} == {"0"}  # left alone
    assert project.threads() == {7}


@pytest.mark.parametrize(("flag", "expected"), [("--mt-threads=2", 2), ("--mt-threads=torch", 7)])
def test_mt_threads_sets_exactly_n_or_leaves_torch_alone(
    project: Project, flag: str, expected: int
) -> None:
    project.monkeypatch.setenv("OMP_NUM_THREADS", "1")  # --mt-threads N wins even so
    result = project.run(flag, "--mt-cache=off", model="py:countmodel:make_torch")
    assert result.ret == 0, result.stdout.str()
    assert project.threads() == {expected}
    assert facts(result)["main"]["threads"] == str(expected if flag.endswith("2") else 0)


# -- the response cache ---------------------------------------------------------------------


def test_a_fully_cached_rerun_loads_no_weights(project: Project) -> None:
    loads = project.pytester.path / "loads.txt"
    project.monkeypatch.setenv("MT_LOADS", str(loads))
    first = project.run("-v", tasks="X.1,X.2", model="py:countmodel:make_deferred")
    assert first.ret == 0, first.stdout.str()
    assert len(loads.read_text().splitlines()) == 1  # loaded once, on the first miss
    assert project.generated()
    loads.unlink()
    again = project.run("-v", tasks="X.1,X.2", model="py:countmodel:make_deferred")
    assert again.ret == 0, again.stdout.str()
    assert not loads.exists()  # every answer cached: the weights never loaded
    assert project.generated() == []
    assert facts(again)["main"]["misses"] == "0"

    def outcomes(result: pytest.RunResult) -> list[str]:
        return sorted(
            " ".join(line.split()[:2])
            for line in result.outlines
            if line.startswith("multitrust/") and (" PASSED" in line or " FAILED" in line)
        )

    assert outcomes(again) == outcomes(first) != []
    # a miss after all: the next run loads the weights, once
    project.monkeypatch.setenv("MT_PROMPT_SUFFIX", " (changed)")
    third = project.run("-v", tasks="X.1,X.2", model="py:countmodel:make_deferred")
    assert third.ret == 0, third.stdout.str()
    assert len(loads.read_text().splitlines()) == 1
    assert project.generated() == [1, 1]  # s00 of X.1 and X.2 changed


def test_a_rerun_is_served_from_the_cache(project: Project) -> None:
    first = project.run()
    assert first.ret == 0, first.stdout.str()
    assert project.generated() == [4, 4, 4]  # 12 samples, batches of the model's 4
    assert facts(first)["main"]["writes"] == "12"
    again = project.run()
    assert again.ret == 0
    assert project.generated() == []
    assert facts(again)["main"]["hits"] == "12"
    assert (project.cache_dir / "multitrust-cache-v1.sqlite3").is_file()


def test_a_changed_prompt_or_model_misses(project: Project) -> None:
    assert project.run().ret == 0
    project.generated()
    project.monkeypatch.setenv("MT_PROMPT_SUFFIX", " (reworded)")
    assert project.run().ret == 0
    assert project.generated() == [1]  # only the sample whose prompt changed
    project.monkeypatch.setenv("MT_FINGERPRINT", "fp-2")
    assert project.run().ret == 0
    assert project.generated() == [4, 4, 4]


def test_default_location_is_the_pytest_cache(project: Project) -> None:
    assert project.run(cache_dir=False).ret == 0
    assert project.generated() == [4, 4, 4]
    assert (
        project.pytester.path / ".pytest_cache" / "d" / "multitrust" / "multitrust-cache-v1.sqlite3"
    ).is_file()
    assert project.run(cache_dir=False).ret == 0
    assert project.generated() == []
    assert project.run("--cache-clear", cache_dir=False).ret == 0
    assert project.generated() == [4, 4, 4]


def test_cache_off_and_read_modes(project: Project) -> None:
    for _ in range(2):
        assert project.run("--mt-cache=off").ret == 0
        assert project.generated() == [4, 4, 4]
    assert not project.cache_dir.exists()
    for _ in range(2):  # read: uses the cache but never fills it
        assert project.run("--mt-cache=read").ret == 0
        assert project.generated() == [4, 4, 4]
    assert project.run("--mt-cache=readwrite").ret == 0
    assert project.generated() == [4, 4, 4]
    result = project.run("--mt-cache=read")
    assert result.ret == 0
    assert project.generated() == []
    assert facts(result)["main"]["hits"] == "12"


def test_rescore_uses_cached_responses_and_errors_on_misses(project: Project) -> None:
    assert project.run("-k", "s00 or s01 or s02").ret == 0  # cache 3 of the 12 samples
    assert project.generated() == [3]
    result = project.run("--mt-rescore")
    assert project.generated() == []  # nothing generated
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 9  # the 9 samples that were never generated
    assert outcomes["passed"] >= 3  # the 3 cached ones (the threshold may be inconclusive)
    output = result.stdout.str()
    assert "no cached response for this sample (--mt-rescore generates nothing)" in output
    assert "Traceback" not in output


def test_concurrent_workers_share_the_cache(project: Project) -> None:
    tasks = "X.1,X.2,X.3,X.4"
    cold = project.run("-n", "2", tasks=tasks)
    assert cold.ret == 0, cold.stdout.str()
    assert sum(project.generated()) == 48
    warm = project.run("-n", "2", tasks=tasks)
    assert warm.ret == 0, warm.stdout.str()
    assert project.generated() == []
    assert sum(int(f["hits"]) for f in facts(warm).values()) == 48
    serial = project.run(tasks=tasks)
    assert serial.ret == 0
    assert project.generated() == []


def test_a_killed_run_resumes_generating_only_what_is_missing(project: Project) -> None:
    project.monkeypatch.setenv("MT_KILL_AT", "3")  # SIGKILL inside the third batch
    killed = project.run()
    assert killed.ret == -signal.SIGKILL
    assert project.generated() == [4, 4, 4]  # the third batch never returned
    project.monkeypatch.delenv("MT_KILL_AT")
    resumed = project.run()
    assert resumed.ret == 0, resumed.stdout.str()
    assert project.generated() == [4]  # the two finished batches came from the cache


# -- batching --------------------------------------------------------------------------------


def test_check_batching_warns_on_drift_only(project: Project) -> None:
    clean = project.run("--mt-check-batching", "--mt-cache=off")
    assert clean.ret == 0
    assert "MultitrustWarning" not in clean.stdout.str()
    assert project.generated() == [4, 1, 1, 1, 1, 4, 4, 4]  # check: batch 4 + 4 singles
    project.monkeypatch.setenv("MT_DRIFT", "1")
    drifting = project.run("--mt-check-batching", "--mt-cache=off")
    drifting.stdout.fnmatch_lines(
        ["*MultitrustWarning: X.1: batched generation differs from batch size 1 on 4 of 4*"]
    )


def test_an_explicit_batch_size_is_used(project: Project) -> None:
    assert project.run("--mt-batch-size=5", "--mt-cache=off").ret == 0
    assert project.generated() == [5, 5, 2]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mt-cache=sometimes"], "--mt-cache: invalid value 'sometimes'; expected off, read"),
        (["--mt-gpus-per-worker=0"], "--mt-gpus-per-worker: invalid value '0'"),
        (["--mt-rescore", "--mt-cache=off"], "--mt-rescore scores cached responses"),
    ],
)
def test_bad_speed_options_exit_4(project: Project, args: list[str], message: str) -> None:
    result = project.run(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()


def test_too_few_gpus_for_one_worker_is_a_usage_error(project: Project) -> None:
    project.monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    result = project.run("-n", "auto", "--mt-gpus-per-worker=2", cache_dir=False)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--mt-gpus-per-worker=2: only 1 GPU(s) visible" in result.stderr.str()


def test_nothing_is_cached_under_the_pytest_cache_when_inactive(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile("def test_plain():\n    assert True\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    assert not Path(pytester.path, ".pytest_cache", "d", "multitrust").exists()
