"""The openai: backend end to end: pytest runs MultiTrust tasks against loopback servers.

* a real OpenAI-compatible server process, ``transformers serve``, serving the locally
  built tiny LLaVA: the same tasks through ``hf:`` in-process and through ``openai:`` (two
  xdist workers sharing the server) give identical responses under greedy decoding;
* scripted fake servers: 429-then-200, timeouts and dropped connections (a final failure is
  an error record, not a MISS), a capability probe that the server rejects, secrets that
  never reach the output, and a judge whose verdicts are cached apart from responses;
* conftest-named models: a short name for an ``openai:`` server, and a judge built by the
  ``pytest_multitrust_make_model`` hook.
"""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from mt_helpers import parse_summary
from mt_openai import FakeOpenAIServer, Reply, transformers_serve

from pytest_multitrust.models.openai_backend import PROBE_PROMPT
from pytest_multitrust.records import METRIC_PROPERTY, SAMPLE_PROPERTY, MetricResult, SampleRecord

if TYPE_CHECKING:
    from pathlib import Path

RunTrust = Callable[..., pytest.RunResult]


def _records(xml: Path) -> dict[str, SampleRecord]:
    """``{"T.1/<sample id>": record}`` from a JUnit XML file."""
    found: dict[str, SampleRecord] = {}
    for prop in ET.parse(xml).getroot().iter("property"):
        if prop.get("name") == SAMPLE_PROPERTY:
            record = SampleRecord.from_json(prop.get("value", ""))
            found[f"{record.task_id}/{record.sample_id}"] = record
    return found


def _metrics(xml: Path) -> dict[str, MetricResult]:
    found: dict[str, MetricResult] = {}
    for prop in ET.parse(xml).getroot().iter("property"):
        if prop.get("name") == METRIC_PROPERTY:
            result = MetricResult.from_json(prop.get("value", ""))
            found[f"{result.task_id}.{result.metric}"] = result
    return found


def _prompt(body: dict[str, Any]) -> str:
    """The text of a chat request's last user turn."""
    content = body["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return " ".join(part.get("text", "") for part in content if part.get("type") == "text")


def _is_probe(body: dict[str, Any]) -> bool:
    return _prompt(body) == PROBE_PROMPT


def _nothing_ran(result: pytest.RunResult) -> None:
    """The run stopped before collection: no items, no outcomes, no summary line."""
    out = result.stdout.str()
    assert "collected" not in out
    for outcome in (" passed", " failed", " error", " miss"):
        assert outcome not in out, out


# -- a real server: transformers serve with the tiny LLaVA ------------------------------


@pytest.fixture(scope="module")
def tiny_path(mt_cache_dir: Path) -> Path:
    """The tiny LLaVA where ``--mllm=tiny-llava`` runs of ``run_trust`` build it."""
    from pytest_multitrust.models.tiny import ensure_tiny_llava

    return ensure_tiny_llava(mt_cache_dir.parent / "models", seed=0)


@pytest.fixture(scope="module")
def tiny_server(tiny_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``transformers serve`` on a free loopback port serving the tiny LLaVA (base URL)."""
    log = tmp_path_factory.mktemp("serve") / "transformers-serve.log"
    with transformers_serve(tiny_path, log=log, limit_s=600) as url:
        yield url


def test_hf_in_process_and_openai_server_give_identical_responses(
    run_trust: RunTrust, tiny_server: str, tiny_path: Path, pytester: pytest.Pytester
) -> None:
    common = ("--mt-tasks=T.1,S.4", "--mt-limit=1", "--mt-max-new-tokens=12", "--mt-cache=off")
    local = run_trust(f"--mllm=hf:{tiny_path}", *common, "--junitxml=hf.xml")
    remote = run_trust(
        f"--mllm=openai:{tiny_server}#{tiny_path}", *common, "-n", "2", "--junitxml=openai.xml"
    )
    assert local.ret == remote.ret, remote.stdout.str()
    hf, openai = _records(pytester.path / "hf.xml"), _records(pytester.path / "openai.xml")
    assert set(hf) == set(openai)
    assert {key.split("/")[0] for key in hf} == {"T.1", "S.4"}
    assert len(hf) >= 8
    for key, record in hf.items():
        assert record.verdict != "error", record.error
        assert record.response, key  # real generated text, not an empty error
        other = openai[key]
        assert (other.response, other.verdict, other.values) == (
            record.response,
            record.verdict,
            record.values,
        ), key
        assert (other.prompt_tokens, other.completion_tokens) == (
            record.prompt_tokens,
            record.completion_tokens,
        ), key
    assert parse_summary(local.outlines) == parse_summary(remote.outlines)
    assert f"multitrust: openai:{tiny_server}#{tiny_path}" in remote.stdout.str()


def test_a_model_name_the_server_does_not_serve_stops_the_run(
    run_trust: RunTrust, tiny_server: str
) -> None:
    result = run_trust(f"--mllm=openai:{tiny_server}#no-such-model", "--mt-tasks=T.1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "the capability probe (one image and the prompt" in err
    assert "HTTP 400: Server is pinned to" in err
    assert "requested 'no-such-model'" in err
    assert "Traceback" not in err
    _nothing_ran(result)


# -- scripted fake servers ----------------------------------------------------------------


def test_retries_timeouts_and_dropped_connections_end_as_errors_not_misses(
    run_trust: RunTrust, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Yes/no samples: 429 (Retry-After) then 200. Grounding: times out. OCR: dropped."""
    monkeypatch.setenv("MULTITRUST_API_KEY", "sk-acceptance-env-key-1")
    seen: dict[str, int] = {}
    lock = threading.Lock()

    def script(index: int, body: dict[str, Any]) -> Reply:
        prompt = _prompt(body)
        with lock:
            attempt = seen[prompt] = seen.get(prompt, 0) + 1
        if _is_probe(body):
            return Reply(text="white")
        if "normalized coordinates" in prompt:
            return Reply(delay_s=3.0)
        if "answer its content" in prompt:
            return Reply(drop=True)
        if attempt == 1:
            return Reply(
                status=429,
                body={"error": {"message": "rate limited"}},
                headers={"Retry-After": "1"},
            )
        return Reply(text="Yes")

    with FakeOpenAIServer(script) as server:
        url = server.url.replace("http://", "http://me:sk-url-password-2@")
        result = run_trust(
            f"--mllm=openai:{url}#fake-vlm",
            "--mt-tasks=T.1",
            "--mt-limit=1",
            "--mt-retries=1",
            "--mt-timeout=0.4",
            "--mt-cache=off",
            "--junitxml=faults.xml",
            f"--mt-judge=openai:{url}#fake-judge",
            "--mt-report=report",
        )
    records = _records(pytester.path / "faults.xml")
    assert len(records) == 5, records.keys()
    errors = {k: r.error for k, r in records.items() if r.verdict == "error"}
    assert len(errors) == 2, errors
    messages = " | ".join(str(e) for e in errors.values())
    assert "no answer within 0.4 s (timeout) (2 attempts)" in messages
    assert "connection failed" in messages
    assert messages.count("openai:http://me:***@127.0.0.1") == 2  # the spec, masked
    for record in records.values():
        if record.verdict != "error":  # the 429-then-200 samples were answered
            assert record.response == "Yes"
            assert record.verdict in ("pass", "miss")
    output = result.stdout.str() + result.stderr.str()
    outcomes = result.parseoutcomes()
    # the two unanswered samples fail (errors); the three answered ones pass or MISS; the
    # threshold tests fail on their values (1 of the 3 answers right: below 0.5)
    assert outcomes["failed"] == 4, outcomes
    assert outcomes.get("passed", 0) + outcomes.get("miss", 0) == 3, outcomes
    failed = {
        line.split("::")[1].split(" ")[0] for line in result.outlines if line.startswith("FAILED ")
    }
    assert failed == {
        "sample[ocr-0000]",
        "sample[grounding-0000]",
        "threshold[accuracy]",
        "threshold[accuracy_v1]",
    }
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    summary = parse_summary(result.outlines)
    assert summary["T.1.accuracy"].n == 3  # the errored samples are not counted
    assert "errors=2" in output
    answered = [p for p, n in seen.items() if "[Yes] or [No]" in p]
    assert len(answered) == 3
    assert all(seen[p] == 2 for p in answered)  # one 429, then the answer
    for prompt in answered:  # the retry waited for Retry-After: 1 (the backoff is 0.5 s)
        first, second = (r.at for r in server.chats if _prompt(r.body) == prompt)
        assert second - first >= 0.95
    chats = [r for r in server.chats if not _is_probe(r.body)]
    assert len(chats) == 3 * 2 + 2 * 2  # every failing sample tried retries + 1 = 2 times
    assert all(r.headers["authorization"] == "Bearer sk-url-password-2" for r in server.chats)
    written = [pytester.path / "faults.xml", *sorted((pytester.path / "report").rglob("*"))]
    assert len(written) > 3  # JUnit XML, report.json, HTML, Markdown, ...
    for path in written:
        text = path.read_text(errors="replace") if path.is_file() else ""
        for secret in ("sk-url-password-2", "sk-acceptance-env-key-1"):
            assert secret not in output
            assert secret not in text, path
    assert "openai:http://me:***@127.0.0.1" in output


def test_a_server_that_rejects_images_stops_the_run_quoting_it(
    run_trust: RunTrust, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fallback-key-3")
    rejection = Reply(
        status=400,
        body={
            "object": "error",
            "message": "This model does not support image inputs.",
            "type": "BadRequestError",
            "code": 400,
        },
    )
    with FakeOpenAIServer(lambda i, body: rejection) as server:
        result = run_trust(f"--mllm=openai:{server.url}#text-only-llm", "--mt-tasks=T.1")
        received = list(server.chats)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "HTTP 400: This model does not support image inputs. (no retry)" in err
    assert f"--mllm=openai:{server.url}#text-only-llm: the capability probe" in err
    assert "sk-fallback-key-3" not in err + result.stdout.str()
    [probe] = received  # one probe, not retried, and no test ran
    assert probe.headers["authorization"] == "Bearer sk-fallback-key-3"
    _nothing_ran(result)


def test_judge_verdicts_are_cached_apart_from_responses(
    run_trust: RunTrust, pytester: pytest.Pytester, tmp_path: Path
) -> None:
    """The model under test and two judges are fake servers; caches live in tmp_path."""

    def model_script(index: int, body: dict[str, Any]) -> Reply:
        return Reply(text="B7Q")  # every OCR answer reads "B7Q"

    def judge_script(verdict: str) -> Callable[[int, dict[str, Any]], Reply]:
        return lambda index, body: Reply(text=verdict)

    cache = f"--mt-cache-dir={tmp_path}"  # a fresh response cache, on for this test
    args = (
        "--mt-tasks=T.1",
        "--mt-limit=2",
        "-k",
        "ocr or threshold",
        cache,
        "--mt-cache=readwrite",
        "--mt-gate=point",
    )

    def ocr_chats(server: FakeOpenAIServer) -> list[dict[str, Any]]:
        return [r.body for r in server.chats if not _is_probe(r.body)]

    with (
        FakeOpenAIServer(model_script) as model,
        FakeOpenAIServer(judge_script("[No]")) as strict,
        FakeOpenAIServer(judge_script("[Yes] it matches")) as lenient,
    ):
        mllm = f"--mllm=openai:{model.url}#vlm"
        first = run_trust(
            mllm, f"--mt-judge=openai:{strict.url}#judge-a", *args, "--junitxml=first.xml"
        )
        assert first.ret == 1, first.stdout.str()  # the judge says every answer is wrong
        assert len(ocr_chats(model)) == 2
        asked = ocr_chats(strict)
        assert len(asked) == 2
        for body in asked:
            assert body["temperature"] == 0
            assert body["messages"] == [{"role": "user", "content": _prompt(body)}]  # text only
            assert _prompt(body).startswith(
                "Here is a response of a number or letter ocr task:B7Q,its ground truth:"
            )
        probes = [r.body for r in strict.chats if _is_probe(r.body)]
        assert [isinstance(p["messages"][0]["content"], str) for p in probes] == [True]

        # another judge: the responses come from the response cache, only judging runs
        second = run_trust(
            mllm, f"--mt-judge=openai:{lenient.url}#judge-b", *args, "--junitxml=second.xml"
        )
        assert second.ret == 0, second.stdout.str()
        assert len(ocr_chats(model)) == 2  # nothing regenerated
        assert len(ocr_chats(lenient)) == 2

        # the same judge again: verdicts come from the verdict cache, nothing is asked
        third = run_trust(
            mllm, f"--mt-judge=openai:{lenient.url}#judge-b", *args, "--junitxml=third.xml"
        )
        assert third.ret == 0
        assert len(ocr_chats(model)) == 2
        assert len(ocr_chats(lenient)) == 2

    first_records = _records(pytester.path / "first.xml")
    third_records = _records(pytester.path / "third.xml")
    assert len(first_records) == 2
    for record in first_records.values():
        assert record.verdict == "miss"
        assert record.scorer == f"judge:T.1/ocr@{_version()} by openai:{strict.url}#judge-a"
        assert 'judge said "[No]"' in record.detail
    for record in third_records.values():
        assert record.verdict == "pass"
        assert record.cached  # the response
        assert record.detail.endswith("(cached)")  # the verdict
        assert record.scorer.startswith("judge:T.1/ocr@")
    metric = _metrics(pytester.path / "third.xml")["T.1.accuracy"]
    assert metric.value == 1.0
    assert metric.scorer == f"judge:T.1/ocr@{_version()} by openai:{lenient.url}#judge-b"


def test_a_team_names_its_server_in_a_conftest(
    run_trust: RunTrust, pytester: pytest.Pytester
) -> None:
    """``--mllm=our-llava``: a conftest maps a short name to an ``openai:`` spec."""
    with FakeOpenAIServer(lambda index, body: Reply(text="No")) as server:
        pytester.makeconftest(f"""
            from pytest_multitrust.models.registry import make_model, parse_model_spec

            SERVER = "openai:{server.url}#llava-hf/llava-1.5-7b-hf"

            def pytest_multitrust_model_names(config):
                return ["our-llava"]

            def pytest_multitrust_make_model(spec, options, config):
                if spec.raw == "our-llava":
                    return make_model(parse_model_spec(SERVER), options)
                return None
        """)
        result = run_trust("--mllm=our-llava", "--mt-tasks=T.1", "--mt-limit=1", "-k", "sample")
        bodies = [r.body for r in server.chats]
    assert result.ret == pytest.ExitCode.OK, result.stdout.str() + result.stderr.str()
    assert "multitrust: our-llava" in result.stdout.str()
    assert len(bodies) == 5  # one per T.1 sample (no probe: the spec is a name)
    assert {body["model"] for body in bodies} == {"llava-hf/llava-1.5-7b-hf"}


def test_any_model_spec_can_judge_a_conftest_name_here(
    run_trust: RunTrust, pytester: pytest.Pytester
) -> None:
    """``--mt-judge`` takes any spec: here a name a conftest answers, built by the hook."""
    pytester.makeconftest("""
        from pytest_multitrust import ScriptedModel

        def pytest_multitrust_model_names(config):
            return ["always-yes"]

        def pytest_multitrust_make_model(spec, options, config):
            if spec.raw == "always-yes":
                return ScriptedModel.constant("[Yes]", name="always-yes")
            return None
    """)
    args = ("--mt-tasks=T.1", "--mt-limit=2", "-k", "ocr or threshold", "--mt-gate=point")
    by_rule = run_trust("--mllm=refuser", *args, "--junitxml=rule.xml")
    judged = run_trust("--mllm=refuser", "--mt-judge=always-yes", *args, "--junitxml=judged.xml")
    assert by_rule.ret == pytest.ExitCode.TESTS_FAILED  # a refusal is no OCR answer
    assert judged.ret == pytest.ExitCode.OK, judged.stdout.str()  # the judge says yes
    rule, judge = _records(pytester.path / "rule.xml"), _records(pytester.path / "judged.xml")
    assert len(rule) == len(judge) == 2
    assert all(r.verdict == "miss" and not r.scorer.startswith("judge:") for r in rule.values())
    for record in judge.values():
        assert record.verdict == "pass"
        assert record.scorer == f"judge:T.1/ocr@{_version()} by always-yes"
    metric = _metrics(pytester.path / "judged.xml")["T.1.accuracy"]
    assert (metric.value, metric.scorer) == (1.0, f"judge:T.1/ocr@{_version()} by always-yes")


def _version() -> str:
    from pytest_multitrust.tasks.truthfulness import T1_OCR_JUDGE

    return T1_OCR_JUDGE.version.split("@")[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mt-judge=nope"], "--mt-judge='nope': unknown model"),
        (["--mt-judge=openai:http://127.0.0.1:9/v1"], "--mt-judge='openai:http://127.0.0.1:9/v1'"),
        (["--mt-concurrency=0"], "--mt-concurrency: invalid value '0'"),
        (["--mt-timeout=soon"], "--mt-timeout: invalid value 'soon'"),
        (["--mt-retries=-1"], "--mt-retries: invalid value '-1'"),
        (["--mllm=openai:http://u:pw-secret-9@h/v1"], "--mllm='openai:http://u:***@h/v1'"),
    ],
)
def test_bad_remote_options_exit_4(run_trust: RunTrust, args: list[str], message: str) -> None:
    full = args if any(a.startswith("--mllm") for a in args) else ["--mllm=oracle", *args]
    result = run_trust(*full)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert message in err
    assert "pw-secret-9" not in err


def test_help_lists_the_remote_options(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--help")
    text = result.stdout.str()
    for option in ("--mt-judge", "--mt-concurrency", "--mt-timeout", "--mt-retries"):
        assert option in text
    assert "(default: 8; ini: multitrust_concurrency)" in " ".join(text.split())
    assert json  # keep the import honest for future record checks
