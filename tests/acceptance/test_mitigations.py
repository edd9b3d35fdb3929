"""``--mt-mitigation`` end to end: scripted models whose answers under a defence are known.

A ``py:`` model that complies with every typographic jailbreak (S.4) unless its system
prompt carries the self-reminder is run twice on one response cache: without a defence
(no refusal) and with ``--mt-mitigation=self-reminder`` (only refusals), so a mitigated
run that were served the base answers from the cache would show. The two saved runs are
compared with ``--mt-compare`` (the paired change). A tiny-llava run with ECSO checks the
real model path.
"""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING

from mt_helpers import parse_summary

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import pytest

LEAN = ("-p", "no:hypothesispytest", "-p", "no:anyio")

JAILBREAKABLE = """
from pytest_multitrust.models.base import ModelInfo, Response

class Jailbreakable:
    info = ModelInfo(spec="py:jailbreakable:make", backend="py", name="jailbreakable",
                     fingerprint="jailbreakable-1", device="n/a", dtype="n/a")

    def generate(self, requests, config):
        out = []
        for request in requests:
            system = " ".join(m.text for m in request.messages if m.role == "system")
            reminded = "responsible assistant" in system
            out.append(Response(text="I'm sorry, but I cannot help with that." if reminded
                                else "Sure, here are the steps you asked for."))
        return out

def make(options):
    return Jailbreakable()
"""


def _report(path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((path / "report.json").read_text(encoding="utf-8"))
    return data


def test_a_defence_changes_the_answers_and_the_two_runs_compare(
    pytester: pytest.Pytester, run_trust: Callable[..., pytest.RunResult], tmp_path: Path
) -> None:
    pytester.makepyfile(jailbreakable=textwrap.dedent(JAILBREAKABLE))
    common = (
        "--mllm=py:jailbreakable:make",
        "--mt-tasks=S.4",
        "--mt-limit=3",
        "--mt-cache=readwrite",
        f"--mt-cache-dir={tmp_path / 'cache'}",
        *LEAN,
    )
    base = run_trust(*common, "--mt-save=base", f"--mt-report={tmp_path / 'base'}")
    summary = parse_summary(base.outlines)
    assert summary["S.4.rta"].value == 0.0, base.stdout.str()[-3000:]
    defended = run_trust(
        *common,
        "--mt-mitigation=self-reminder",
        "--mt-compare=base",
        f"--mt-report={tmp_path / 'defended'}",
    )
    output = defended.stdout.str()
    summary = parse_summary(defended.outlines)
    assert summary["S.4.rta"].value == 1.0, output[-3000:]  # no base answer was served
    assert summary["S.4.rta"].n == 9  # 3 samples of each of 3 variants
    assert "setting mitigation differs: none vs self-reminder" in output, output[-3000:]
    report = _report(tmp_path / "defended")
    settings = dict(report["provenance"]["settings"])  # type: ignore[index]
    assert settings["mitigation"] == "self-reminder"
    assert settings["guard"] is None
    assert report["provenance"]["model"]["name"] == "jailbreakable + self-reminder"  # type: ignore[index]
    base_settings = dict(_report(tmp_path / "base")["provenance"]["settings"])  # type: ignore[index]
    assert base_settings["mitigation"] is None
    # a second mitigated run is served from the cache: its own answers, still refusals
    again = run_trust(*common, "--mt-mitigation=self-reminder")
    assert parse_summary(again.outlines)["S.4.rta"].value == 1.0


def test_an_unknown_mitigation_is_a_usage_error_listing_the_known(
    run_trust: Callable[..., pytest.RunResult],
) -> None:
    result = run_trust("--mllm=refuser", "--mt-tasks=S.4", "--mt-mitigation=ecs0", *LEAN)
    assert result.ret == 4
    error = result.stderr.str()
    assert "--mt-mitigation='ecs0': unknown mitigation" in error
    assert "none, adashield-s, ecso, guard, reason-then-answer, self-reminder" in error


def test_a_stray_or_unknown_guard_is_a_usage_error(
    run_trust: Callable[..., pytest.RunResult],
) -> None:
    result = run_trust("--mllm=refuser", "--mt-tasks=S.4", "--mt-guard=refuser", *LEAN)
    assert result.ret == 4
    assert "--mt-mitigation=guard" in result.stderr.str()
    unknown = run_trust(
        "--mllm=refuser", "--mt-tasks=S.4", "--mt-mitigation=guard", "--mt-guard=nosuch", *LEAN
    )
    assert unknown.ret == 4
    assert "--mt-guard='nosuch': unknown model" in unknown.stderr.str()


def test_tiny_llava_behind_ecso_end_to_end(
    run_trust: Callable[..., pytest.RunResult], tmp_path: Path
) -> None:
    result = run_trust(
        "--mllm=tiny-llava",
        "--mt-tasks=S.4,T.5",
        "--mt-limit=2",
        "--mt-mitigation=ecso",
        f"--mt-report={tmp_path / 'out'}",
        *LEAN,
        timeout=400,
    )
    output = result.stdout.str()
    assert result.ret in (0, 1), output[-3000:]
    summary = parse_summary(result.outlines)
    assert summary["S.4.rta"].n == 6, output[-3000:]  # 2 samples of each of 3 variants
    report = _report(tmp_path / "out")
    assert dict(report["provenance"]["settings"])["mitigation"] == "ecso"  # type: ignore[index]
    assert report["provenance"]["model"]["name"].endswith(" + ecso")  # type: ignore[index]
    assert "Traceback" not in output


GUARD = """
from pytest_multitrust.models.base import ModelInfo, Response

class Guard:
    info = ModelInfo(spec="py:guardmod:make", backend="py", name="guard",
                     fingerprint="guard-1", device="n/a", dtype="n/a")

    def generate(self, requests, config):
        return [Response(text="unsafe" if "Sure, here are" in r.prompt else "safe")
                for r in requests]

def make(options):
    return Guard()
"""


def test_a_guard_model_replaces_complying_answers_with_refusals(
    pytester: pytest.Pytester, run_trust: Callable[..., pytest.RunResult], tmp_path: Path
) -> None:
    pytester.makepyfile(jailbreakable=textwrap.dedent(JAILBREAKABLE))
    pytester.makepyfile(guardmod=textwrap.dedent(GUARD))
    result = run_trust(
        "--mllm=py:jailbreakable:make",
        "--mt-tasks=S.4",
        "--mt-limit=2",
        "--mt-mitigation=guard",
        "--mt-guard=py:guardmod:make",
        f"--mt-report={tmp_path / 'out'}",
        *LEAN,
    )
    summary = parse_summary(result.outlines)
    assert summary["S.4.rta"].value == 1.0, result.stdout.str()[-3000:]
    settings = dict(_report(tmp_path / "out")["provenance"]["settings"])  # type: ignore[index]
    assert (settings["mitigation"], settings["guard"]) == ("guard", "py:guardmod:make")
