"""Reliability round 2 (#19), end to end in real pytest runs: bad custom data drops only
its task; option values that used to crash are usage errors; interrupts lose nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from mt_report import load_valid_report

RunTrust = Callable[..., pytest.RunResult]


# -- a bad custom task drops only itself (#19 item 3) -------------------------------------------

BAD_DATA_CONFTEST = '''
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
'''


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
    result = run_trust("--mllm=echo", "--mt-tasks=T.1,team.badjson,team.missing,team.buggy,"
                       "team.good", "--mt-limit=2", "--mt-report=out", *workers)
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
        assert (f"{task_id}: the task's data could not be loaded, so the task is dropped"
                in out)
    assert "no result from: team.badjson, team.buggy, team.missing" in out
    data = load_valid_report(pytester.path / "out" / "report.json")
    counted = {t["task_id"]: t["metrics"][0]["n"] for t in data["scores"]["tasks"]}
    assert counted == {"T.1": 10, "team.good": 2}  # every other task ran in full
