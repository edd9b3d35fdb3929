"""Tasks split into shards under xdist give the scores of the whole task at ``-n 0``.

A scripted model (``py:scripted:make``, no torch) answers from the prompt and logs each
``generate`` call (process, batch size, first prompt); two registered tasks (24 and 36
samples, two variants) have a proportion and a mean metric (a Wilson and a seeded
bootstrap interval), so the comparison covers values, intervals, counts and worst
samples.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

CONFTEST = """
from __future__ import annotations

from pytest_multitrust.tasks.base import MetricSpec, Sample, SampleScore, TaskSpec
from pytest_multitrust.tasks.registry import register_task


def _loader(task: str):
    def load():
        return [
            Sample(id=f"s{i:02d}", variant=("plain", "odd")[i % 2], smoke=True,
                   prompt=f"{task} s{i:02d} " + "word " * (i * 7 % (4 + int(task[-1]))))
            for i in range(12 + 12 * int(task[-1]))
        ]
    return load


def _score(samples, responses, context):
    scores = []
    for r in responses:
        words = len(r.text.split())
        scores.append(SampleScore(values={"yes": float(words % 3 != 0), "len": words / 10},
                                  passed=words % 3 != 0, detail=f"{words} words"))
    return scores


for _n in (1, 2):
    register_task(TaskSpec(
        id=f"Y.{_n}", name=f"Scripted {_n}", aspect="safety", sub_aspect="jailbreaking",
        summary="scripted answers", scorer=_score, loader=_loader(f"Y.{_n}"),
        metrics=(MetricSpec("yes", "higher", 0.6),
                 MetricSpec("len", "higher", 0.55, kind="mean")),
    ), replace=True)
"""

SCRIPTED = """
from __future__ import annotations

import os

from pytest_multitrust.models.base import ModelInfo, Response


class Scripted:
    info = ModelInfo(spec="scripted", backend="test", name="scripted", fingerprint="fp-1",
                     default_batch_size=4)

    def generate(self, requests, config):
        with open(os.environ["MT_CALLS"], "a") as calls:
            calls.write(f"{os.getpid()} {len(requests)} {requests[0].prompt.split()[0]}\\n")
        return [Response(text="ok " + r.prompt) for r in requests]


def make(options):
    return Scripted()
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "-p",
        "no:hypothesispytest",
        "-p",
        "no:anyio",
        "--mllm=py:scripted:make",
        "--mt-tasks=Y.1,Y.2",
        "--mt-cache=off",
        *args,
        timeout=120,
    )


def task_scores(report: Path) -> str:
    """The report's scores (tasks, their metrics, aspects, overall), gates and counts."""
    data = json.loads(report.read_text("utf-8"))
    kept = {key: data[key] for key in ("scores", "gates", "counts")}
    assert kept["scores"]["tasks"]
    return json.dumps(kept, sort_keys=True)


def test_a_sharded_run_on_two_workers_scores_as_one_process(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(scripted=SCRIPTED)
    calls = pytester.path / "calls.txt"
    monkeypatch.setenv("MT_CALLS", str(calls))
    single = run(pytester, "-n", "0", "--mt-report=one")
    assert single.ret == 1, single.stdout.str()  # Y.x len misses its threshold: judged alike
    single_calls = calls.read_text().splitlines()
    calls.unlink()
    split = run(pytester, "-n", "2", "--mt-shards=2", "--mt-report=two")
    assert split.ret == 1, split.stdout.str()
    assert split.parseoutcomes() == single.parseoutcomes()
    assert task_scores(pytester.path / "two" / "report.json") == task_scores(
        pytester.path / "one" / "report.json"
    )
    # -n 0: each task generates its samples in batches of 4, in one process
    assert sorted(line.split()[1] for line in single_calls) == ["4"] * 15
    # -n 2, two shards a task: each shard batched on its own (Y.1: 12 + 12 samples, Y.2:
    # 18 + 18), the longer task, Y.2, ran on both workers and each worker started with it,
    # although Y.1 comes first in the collection (Y.1's two shards then go to whichever
    # worker is free first: one worker may take both, so where they ran is not asserted)
    lines = [line.split() for line in calls.read_text().splitlines()]
    tasks = ("Y.1", "Y.2")
    sizes = {task: sorted(size for _, size, first in lines if first == task) for task in tasks}
    assert sizes == {"Y.1": ["4"] * 6, "Y.2": ["2", "2", *["4"] * 8]}, lines
    assert len({pid for pid, _, first in lines if first == "Y.2"}) == 2, lines
    firsts = {pid: first for pid, _, first in reversed(lines)}
    assert list(firsts.values()) == ["Y.2", "Y.2"], lines
