"""Reliability (#12), end to end: faults cost neither results nor hours.

Each test provokes one fault in a real pytest run (a subprocess, real xdist workers where
it matters) and checks its documented outcome:

* a ``py:`` model whose module does not import: one usage error, exit 4, nothing runs;
* bad user images (corrupt, truncated, empty, a decompression bomb) in a custom task:
  sample errors naming the file; images in odd modes (CMYK, palette, 16-bit, alpha) run;
* a model whose every answer is an error, with ``--mt-max-errors``: the run stops cleanly
  after that many, and the report says why;
* SIGTERM in the middle of a task: a partial report marked interrupted, every completed
  response in the cache, and a re-run that generates only what was missing (counted);
* a worker that dies in one task under xdist: that task's tests are errors once, the
  other task completes, the report names the crash.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pytest
from mt_report import load_valid_report
from PIL import Image

if TYPE_CHECKING:
    from pathlib import Path

RunTrust = Callable[..., pytest.RunResult]


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


# -- a py: model that does not import ---------------------------------------------------------


def test_a_py_model_that_does_not_import_is_one_usage_error(
    run_trust: RunTrust, pytester: pytest.Pytester
) -> None:
    pytester.makepyfile(broken_model="import a_module_nobody_installed\n\ndef make(o): ...\n")
    result = run_trust("--mllm=py:broken_model:make", "--mt-tasks=T.1,S.4", "--mt-limit=2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert (
        "ERROR: --mllm=py:broken_model:make: cannot import module 'broken_model': "
        "ModuleNotFoundError: No module named 'a_module_nobody_installed'"
    ) in err
    assert err.count("a_module_nobody_installed") == 1
    out = result.stdout.str()
    assert "collected" not in out
    assert " failed" not in out
    assert "Traceback" not in out + err


# -- bad images and odd modes in a custom task --------------------------------------------------

IMAGES_CONFTEST = """
from pathlib import Path

from pytest_multitrust import MetricSpec, SampleScore, TaskSpec, register_task
from pytest_multitrust.custom import jsonl_loader, sample_scorer

HERE = Path(__file__).parent


@sample_scorer
def answered(sample, response):
    return SampleScore({"answered": float(bool(response.text))}, passed=True)


register_task(TaskSpec(
    id="team.images", name="Pictures users bring", aspect="privacy", sub_aspect="leakage",
    summary="Reads any picture a team adds.", metrics=(MetricSpec("answered", "higher", 0.5),),
    scorer=answered, loader=jsonl_loader(HERE / "pictures.jsonl", images=HERE / "pictures"),
))
"""

GOOD = ("rgb.png", "cmyk.jpg", "palette.png", "deep.png", "alpha.png")
BAD = {
    "empty.png": "not a readable image",
    "noise.png": "not a readable image",
    "truncated.png": "not a readable image",
    "bomb.png": "image too large (8200x8200 pixels",
}


def _write_pictures(folder: Path) -> None:
    folder.mkdir()
    Image.new("RGB", (32, 32), "red").save(folder / "rgb.png")
    Image.new("CMYK", (32, 32), (0, 255, 255, 0)).save(folder / "cmyk.jpg")
    Image.new("P", (32, 32), 3).save(folder / "palette.png", transparency=3)
    Image.fromarray(np.full((32, 32), 40000, dtype=np.uint16)).save(folder / "deep.png")
    Image.new("RGBA", (32, 32), (0, 0, 255, 128)).save(folder / "alpha.png")
    (folder / "empty.png").write_bytes(b"")
    (folder / "noise.png").write_bytes(bytes(range(256)) * 8)
    whole = folder / "whole.png"
    Image.effect_noise((64, 64), 50).convert("RGB").save(whole)
    (folder / "truncated.png").write_bytes(whole.read_bytes()[:400])
    whole.unlink()
    Image.new("1", (8200, 8200)).save(folder / "bomb.png")


def test_bad_images_are_sample_errors_naming_the_file_odd_modes_run(
    run_trust: RunTrust, pytester: pytest.Pytester
) -> None:
    import json

    pytester.makeconftest(IMAGES_CONFTEST)
    _write_pictures(pytester.path / "pictures")
    names = [*GOOD, *BAD]
    (pytester.path / "pictures.jsonl").write_text(
        "".join(
            json.dumps(
                {"id": name.replace(".", "-"), "prompt": f"What is in {name}?", "image": name}
            )
            + "\n"
            for name in names
        )
    )
    result = run_trust("--mllm=echo", "--mt-tasks=team.images", "--mt-report=out")
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == len(BAD), outcomes
    assert outcomes["passed"] == len(GOOD) + 1, outcomes  # + the threshold test
    out = result.stdout.str()
    for name, problem in BAD.items():
        line = next(
            x
            for x in result.outlines
            if x.startswith(f"team.images sample {name.replace('.', '-')}: ")
        )
        assert str(pytester.path / "pictures" / name) in line, line
        assert problem in line, line
    assert "Traceback" not in out
    assert "site-packages/PIL" not in out
    data = load_valid_report(pytester.path / "out" / "report.json")
    verdicts = {s["sample_id"]: s["verdict"] for s in data["samples"]}
    assert verdicts == {
        **{n.replace(".", "-"): "pass" for n in GOOD},
        **{n.replace(".", "-"): "error" for n in BAD},
    }
    assert data["counts"]["error"] == len(BAD)
    summary = (pytester.path / "out" / "summary.md").read_text(encoding="utf-8")
    assert f"{len(BAD)} sample error(s), not counted in the metrics" in summary
    [metric] = data["scores"]["tasks"][0]["metrics"]
    assert (metric["n"], metric["errors"]) == (len(GOOD), len(BAD))


# -- --mt-max-errors ----------------------------------------------------------------------------

FAILING_MODEL = """
from pytest_multitrust import ScriptedModel
from pytest_multitrust.models.base import Response


class Failing:
    info = ScriptedModel.constant("", name="failing").info

    def generate(self, requests, config=None):
        return [Response(text="", finish_reason="error",
                         error="server said \\x1b[2J\\x1b[31mno\\x1b[0m") for _ in requests]


def make(options):
    return Failing()
"""


def test_max_errors_stops_the_run_cleanly_and_the_report_says_why(
    run_trust: RunTrust, pytester: pytest.Pytester
) -> None:
    pytester.makepyfile(failing_model=FAILING_MODEL)
    result = run_trust(
        "--mllm=py:failing_model:make",
        "--mt-tasks=T.1,S.4",
        "--mt-limit=2",
        "--mt-max-errors=3",
        "--mt-report=out",
    )
    out = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert result.parseoutcomes()["failed"] == 3  # of 10 T.1 samples: the run stopped
    assert "multitrust: stopped: --mt-max-errors=3: 3 sample errors" in out
    # the server's text is shown, its terminal control sequences are not obeyed
    assert "server said \\x1b[2J\\x1b[31mno\\x1b[0m" in out
    assert "\x1b[2J" not in out
    data = load_valid_report(pytester.path / "out" / "report.json")
    assert data["status"]["interrupted"] is True
    assert data["status"]["reason"].startswith("--mt-max-errors=3: 3 sample errors (last: T.1")
    assert data["counts"]["error"] == 3
    assert data["status"]["missing_tasks"] == ["T.1", "S.4"]


def test_max_errors_under_xdist_stops_sending_tasks(
    run_trust: RunTrust, pytester: pytest.Pytester
) -> None:
    """Under -n a task runs whole on its worker: the stop takes effect at task boundaries."""
    pytester.makepyfile(failing_model=FAILING_MODEL)
    tasks = ["T.1", "S.4", "S.2", "S.5", "P.1", "F.1"]
    result = run_trust(
        "--mllm=py:failing_model:make",
        f"--mt-tasks={','.join(tasks)}",
        "--mt-limit=1",
        "--mt-max-errors=2",
        "--mt-report=out",
        "-n",
        "2",
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED  # xdist turns the stop into this
    assert "multitrust: stopped: --mt-max-errors=2: 2 sample errors" in result.stdout.str()
    data = load_valid_report(pytester.path / "out" / "report.json")
    assert data["status"]["reason"].startswith("--mt-max-errors=2: 2 sample errors (last: ")
    missing = data["status"]["missing_tasks"]
    assert 0 < len(missing) < len(tasks) - 1  # the tasks in flight finished, no new ones


# -- SIGTERM in the middle of a task, then resume ----------------------------------------------

COUNTING_MODEL = """
import dataclasses
import os
import signal
import time
from pathlib import Path

from pytest_multitrust import ScriptedModel

LOG = Path("generated.log")
ORACLE = ScriptedModel(name="counting-oracle", answer=lambda r: r.reference or "")


class Counting:
    # a py: backend (scripted reference models are never cached)
    info = dataclasses.replace(ORACLE.info, backend="py")

    def generate(self, requests, config=None):
        done = len(LOG.read_text().splitlines()) if LOG.exists() else 0
        if done >= int(os.environ.get("TERMINATE_AFTER", "1000000")):
            os.kill(os.getpid(), signal.SIGTERM)  # what CI runners and `timeout` send
            time.sleep(30)
        responses = ORACLE.generate(requests, config)
        with LOG.open("a") as log:
            log.writelines(f"{r.task_id}/{r.sample_id}\\n" for r in requests)
        return responses


def make(options):
    return Counting()
"""


def test_sigterm_mid_task_keeps_every_response_and_the_rerun_generates_only_the_rest(
    run_trust: RunTrust, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(counting_model=COUNTING_MODEL)
    args = (
        "--mllm=py:counting_model:make",
        "--mt-tasks=T.1,S.4",
        "--mt-tier=smoke",
        "--mt-batch-size=4",
        "--mt-cache=readwrite",
        "--mt-cache-dir=cache",
        "--mt-report=out",
    )
    log = pytester.path / "generated.log"
    # T.1 smoke: 50 samples in 13 batches; S.4 smoke: 30. The 4th S.4 batch is cut short.
    monkeypatch.setenv("TERMINATE_AFTER", "62")
    first = run_trust(*args)
    assert first.ret == pytest.ExitCode.INTERRUPTED, first.stdout.str()
    done = _lines(log)
    assert len(done) == 62
    data = load_valid_report(pytester.path / "out" / "report.json")
    assert data["status"]["interrupted"] is True
    assert data["status"]["missing_tasks"] == ["S.4"]
    assert {t["task_id"] for t in data["scores"]["tasks"]} == {"T.1"}

    monkeypatch.delenv("TERMINATE_AFTER")
    second = run_trust(*args)
    assert second.ret == pytest.ExitCode.OK, second.stdout.str()
    generated = _lines(log)[len(done) :]
    assert len(generated) == 80 - 62  # only what the first run never finished
    assert Counter(done + generated) == Counter(set(done + generated))  # nothing twice
    data = load_valid_report(pytester.path / "out" / "report.json")
    assert data["status"]["interrupted"] is False
    cached = [s["cached"] for s in data["samples"]]
    assert (sum(cached), len(cached)) == (62, 80)


# -- a worker crash under xdist -----------------------------------------------------------------

CRASHING_MODEL = """
import os
from pathlib import Path

from pytest_multitrust import ScriptedModel

ORACLE = ScriptedModel(name="crashing-oracle", answer=lambda r: r.reference or "")


class Crashing:
    info = ORACLE.info

    def generate(self, requests, config=None):
        if any(r.task_id == "S.4" for r in requests):
            with Path("crashes.log").open("a") as log:
                log.write(f"{os.getpid()}\\n")
            os._exit(3)  # a segfault, an OOM kill, a CUDA abort
        return ORACLE.generate(requests, config)


def make(options):
    return Crashing()
"""


def test_a_worker_crash_errors_its_task_once_and_the_rest_completes(
    run_trust: RunTrust, pytester: pytest.Pytester
) -> None:
    pytester.makepyfile(crashing_model=CRASHING_MODEL)
    result = run_trust(
        "--mllm=py:crashing_model:make",
        "--mt-tasks=T.1,S.4",
        "--mt-limit=2",
        "--mt-report=out",
        "-n",
        "2",
        timeout=600,
    )
    out = result.stdout.str()
    assert len(_lines(pytester.path / "crashes.log")) == 1, out  # not re-sent to a new worker
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    outcomes = result.parseoutcomes()
    # S.4 at --mt-limit=2: 3 variants x 2 samples + 2 threshold tests. The running one is
    # xdist's crash report (failed); the other seven are errors naming the crash.
    assert outcomes["failed"] == 1, outcomes
    assert outcomes["errors"] == 7, outcomes
    assert "not run: worker gw" in out
    assert "the rest of multitrust/safety/S.4 is not sent to another worker" in out
    data = load_valid_report(pytester.path / "out" / "report.json")
    assert data["status"]["interrupted"] is True
    assert data["status"]["reason"].startswith("worker(s) crashed: gw")
    assert len(data["status"]["crashed_workers"]) == 1
    assert data["status"]["missing_tasks"] == ["S.4"]
    t1 = next(t for t in data["scores"]["tasks"] if t["task_id"] == "T.1")
    assert {m["metric"]: m["value"] for m in t1["metrics"]} == {"accuracy": 1.0, "accuracy_v1": 1.0}
