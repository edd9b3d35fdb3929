"""The plugin's items capture log records as pytest does, attaching their handler once.

The inner runs use a model (``py:chattymodel:make``) that logs a warning on a
propagating logger and on a non-propagating one (as torch's are) while it generates, and a
small task (``Y.1``, 3 samples) registered by the project's conftest: no torch needed. A
counting logger stands for torch's non-propagating loggers: pytest's own capture attaches
two handlers to it around each of a test's three phases, the plugin one for the whole run.
"""

from __future__ import annotations

import json

import pytest

CONFTEST = """
from __future__ import annotations

import json
import logging
import os

import pytest

from pytest_multitrust.tasks.base import MetricSpec, Sample, SampleScore, TaskSpec
from pytest_multitrust.tasks.registry import register_task


class Counting(logging.Logger):
    attached = 0

    def addHandler(self, handler):
        Counting.attached += 1
        super().addHandler(handler)


quiet = Counting("quiet")
quiet.propagate = False
quiet.addHandler(logging.NullHandler())
logging.Logger.manager.loggerDict["quiet"] = quiet
Counting.attached = 0


def _load():
    return [Sample(id=f"s{i}", variant="default", smoke=True, prompt=f"p{i}") for i in range(3)]


def _score(samples, responses, context):
    return [SampleScore(values={"acc": 1.0}, passed=True) for _ in responses]


register_task(TaskSpec(
    id="Y.1", name="Chatty", aspect="safety", sub_aspect="jailbreaking",
    summary="logs while it generates", metrics=(MetricSpec("acc", "higher", 0.5),),
    scorer=_score, loader=_load,
), replace=True)


def pytest_runtest_logreport(report):
    if report.when == "setup" and report.nodeid.endswith("sample[s0]"):
        with open(os.environ["MT_LOG_SECTIONS"], "w") as out:
            json.dump({"caplog": report.caplog}, out)


def pytest_sessionfinish(session):
    with open(os.environ["MT_LOG_ATTACHED"], "w") as out:
        json.dump({"attached": Counting.attached, "items": len(session.items)}, out)
"""

CHATTYMODEL = """
from __future__ import annotations

import logging

from pytest_multitrust.models.base import ModelInfo, Response


class Chatty:
    def __init__(self):
        self.info = ModelInfo(spec="chatty", backend="test", name="chatty",
                              fingerprint="chatty-1", default_batch_size=8)

    def generate(self, requests, config):
        logging.getLogger("chatty.model").warning("generating %d answers", len(requests))
        logging.getLogger("chatty.model").info("an info record")
        logging.getLogger("quiet").warning("a non-propagating logger speaks")
        return [Response(text="yes") for _ in requests]


def make(options):
    return Chatty()
"""


#: pytest's session-wide attachments (its live-log and log-file handlers, around session
#: start, collection, the test loop and session finish), the same either way.
SESSION = 8


def _run(pytester: pytest.Pytester, *args: str) -> tuple[str, dict[str, int]]:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(chattymodel=CHATTYMODEL)
    sections = pytester.path / "sections.json"
    attached = pytester.path / "attached.json"
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-p",
        "no:hypothesispytest",
        "-p",
        "no:anyio",
        "--mllm=py:chattymodel:make",
        "--mt-tasks=Y.1",
        "--mt-cache=off",
        *args,
        timeout=120,
    )
    assert result.ret == 0, result.stdout.str()
    del result
    log = json.loads(sections.read_text(encoding="utf-8"))["caplog"]
    counts = json.loads(attached.read_text(encoding="utf-8"))
    return log, counts


@pytest.fixture(autouse=True)
def _files(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MT_LOG_SECTIONS", str(pytester.path / "sections.json"))
    monkeypatch.setenv("MT_LOG_ATTACHED", str(pytester.path / "attached.json"))


def test_records_of_every_logger_are_captured_with_one_attachment_per_run(
    pytester: pytest.Pytester,
) -> None:
    log, counts = _run(pytester)
    # generation runs in the setup of the task's first sample: its records are there,
    # formatted by pytest's log_format, the non-propagating logger's included
    assert "WARNING  chatty.model:chattymodel.py" in log
    assert "generating 3 answers" in log
    assert "a non-propagating logger speaks" in log
    assert "an info record" not in log  # the root logger's WARNING level, as in pytest
    # one handler for the 3 samples and the threshold test, attached once
    assert counts == {"attached": SESSION + 1, "items": 4}


def test_a_capture_level_leaves_the_capture_to_pytest(pytester: pytest.Pytester) -> None:
    log, counts = _run(pytester, "--log-level=INFO")
    assert "an info record" in log
    assert "a non-propagating logger speaks" in log
    # pytest's two handlers per phase
    assert counts == {"attached": SESSION + 2 * 3 * 4, "items": 4}
