"""Security (#12), end to end: hostile model output is inert everywhere; secrets go nowhere.

* A model answers HTML, Markdown and ANSI/terminal control sequences; every output format
  (terminal, JSON, JSONL, HTML, Markdown, the step summary, JUnit XML) shows them as text
  and keeps the answer itself intact where it is data (JSON, JUnit properties).
* An API key planted in the environment and a password in a judge URL are used (the
  server receives them) but appear in no artifact: terminal output, report files, JUnit,
  the saved baseline, the step summary, the response and verdict cache (SQLite files
  included), even when the server echoes them back in its answers.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from mt_openai import FakeOpenAIServer, Reply
from mt_report import load_valid_report, page_samples, scripts_of

from pytest_multitrust.records import SAMPLE_PROPERTY, SampleRecord
from pytest_multitrust.reliability import terminal_safe

if TYPE_CHECKING:
    from pathlib import Path

RunTrust = Callable[..., pytest.RunResult]

# No "error"/"sorry" in it: the v1 refusal rule matches substrings.
PAYLOAD = (
    "\x1b[2J\x1b[31mRED\x1b[0m \x9b31m <script>alert(1)</script> <img src=x onload=alert(2)> "
    "**bold** [click](javascript:alert(3)) ![pixel](http://evil.example/p.png) | cell | "
    "\x1b]8;;http://evil.example\x07link\x1b]8;;\x07\r"
)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

HOSTILE_MODEL = f"""
from pytest_multitrust import ScriptedModel


def make(options):
    return ScriptedModel.constant({PAYLOAD!r}, name="hostile")
"""


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def test_html_markdown_and_ansi_in_model_output_are_inert_in_every_format(
    run_trust: RunTrust, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(hostile_model=HOSTILE_MODEL)
    summary = pytester.path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = run_trust(
        "--mllm=py:hostile_model:make",
        "--mt-tasks=S.4",
        "--mt-limit=1",
        "--mt-report=out",
        "--junitxml=junit.xml",
        "-v",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # no refusal: S.4's threshold fails
    terminal = result.stdout.str() + result.stderr.str()
    out = pytester.path / "out"
    written = {
        p.name: p.read_text(encoding="utf-8")
        for p in [*_files(out), pytester.path / "junit.xml", summary]
    }
    assert set(written) == {
        "report.json",
        "samples.jsonl",
        "report.html",
        "summary.md",
        "junit.xml",
        "step-summary.md",
    }
    # terminal control characters are acted on nowhere: not a single raw one is written
    for name, text in [("terminal", terminal), *written.items()]:
        found = CONTROL.findall(text.replace("\r\n", "\n"))
        assert not found, (name, found[:5])
    # the terminal shows the sequences as text (the threshold failure quotes the answer)
    assert "\\x1b[2J\\x1b[31mRED" in terminal

    # data formats keep the answer exactly
    data = load_valid_report(out / "report.json")
    assert {s["response"] for s in data["samples"]} == {PAYLOAD}
    lines = [json.loads(x) for x in written["samples.jsonl"].splitlines()]
    assert {x["response"] for x in lines} == {PAYLOAD}
    records = [
        SampleRecord.from_json(p.get("value", ""))
        for p in ET.parse(pytester.path / "junit.xml").getroot().iter("property")
        if p.get("name") == SAMPLE_PROPERTY
    ]
    assert records
    assert {r.response for r in records} == {PAYLOAD}

    # HTML: the page's own script only, no handler, no element from the answer
    page = written["report.html"]
    finder = scripts_of(page)
    assert len(finder.executed) == 1
    assert "alert" not in finder.executed[0]
    assert finder.handlers == []
    assert "<img src=x" not in page
    # the rows' text is packed in the page, for its script to show as text
    shown = {s["response"] for s in page_samples(page)}
    assert shown == {terminal_safe(PAYLOAD.strip())}  # control characters as escapes
    assert "\x1b" not in "".join(shown)

    # Markdown: no raw HTML, no link or image syntax left active
    for name in ("summary.md", "step-summary.md"):
        markdown = written[name]
        assert "<script" not in markdown.lower()
        assert "<img" not in markdown
        assert "](javascript:" not in markdown
        assert "![pixel](" not in markdown
        assert set(re.findall(r"<\s*/?\s*([a-zA-Z]+)", markdown)) <= {"details", "summary"}
        assert "&lt;script&gt;" in markdown


ENV_KEY = "sk-planted-env-key-9f8e7d6c"
URL_KEY = "sk-planted-url-pass-1a2b3c4d"


def test_planted_keys_are_used_but_written_nowhere(
    run_trust: RunTrust, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MULTITRUST_API_KEY", ENV_KEY)
    summary = pytester.path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))

    def script(index: int, body: dict[str, Any]) -> Reply:
        auth = server.received[index].headers.get("authorization", "")
        # a careless server that echoes the credentials back in its answers
        return Reply(text=f"Yes. You sent {auth} to {body.get('model')}")

    with FakeOpenAIServer(script) as server:
        judge = server.url.replace("http://", f"http://judge:{URL_KEY}@")
        args = (
            f"--mllm=openai:{server.url}#vlm",
            f"--mt-judge=openai:{judge}#judge",
            "--mt-tasks=T.1,S.4",
            "--mt-limit=1",
            "--mt-cache=readwrite",
            "--mt-cache-dir=cache",
            "--mt-report=out",
            "--junitxml=junit.xml",
            "--mt-save=planted",
            "-v",
            "-rA",
        )
        first = run_trust(*args)
        again = run_trust(*args[:-3], "--mt-cache=read", "--mt-report=again")  # from cache
    sent = {r.headers.get("authorization") for r in server.received}
    assert sent == {f"Bearer {ENV_KEY}", f"Bearer {URL_KEY}"}  # both were really used
    assert first.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), first.stdout.str()
    assert again.ret == first.ret
    files = _files(pytester.path)
    names = {p.name for p in files}
    assert {
        "report.json",
        "samples.jsonl",
        "report.html",
        "summary.md",
        "junit.xml",
        "step-summary.md",
    } <= names
    assert any(p.suffix == ".json" and ".multitrust" in p.parts for p in files)  # baseline
    cache_files = [p for p in files if "cache" in p.parts]
    assert cache_files, "the response cache was written"
    assert any(b"You sent Bearer ***" in p.read_bytes() for p in cache_files)
    shown = [("terminal", (r.stdout.str() + r.stderr.str()).encode()) for r in (first, again)]
    for name, content in [*shown, *((str(p), p.read_bytes()) for p in files)]:
        for secret in (ENV_KEY, URL_KEY):
            assert secret.encode() not in content, name
            assert secret[6:].encode() not in content, name  # no partial leak either
    # the judge is named, its password masked
    assert "openai:http://judge:***@127.0.0.1" in (pytester.path / "out" / "report.json").read_text(
        encoding="utf-8"
    )
