"""The openai: backend against scripted loopback servers: request shape, bounded
concurrency, retries honouring Retry-After, timeouts, dropped connections, secrets."""

from __future__ import annotations

import asyncio
import base64
import email.utils
import sys
import time
from typing import TYPE_CHECKING, Any

import pytest
from mt_openai import FakeOpenAIServer, Reply

from pytest_multitrust.errors import PrerequisiteError
from pytest_multitrust.models.base import GenerationConfig, ImageData, Message, Request
from pytest_multitrust.models.openai_backend import (
    Endpoint,
    OpenAIModel,
    RetryPolicy,
    api_key_from_environment,
    chat_messages,
    make,
    parse_target,
    probe,
    retry_after_seconds,
)
from pytest_multitrust.models.redact import redact_spec, redact_url, scrub
from pytest_multitrust.models.registry import ModelOptions, parse_model_spec

if TYPE_CHECKING:
    from collections.abc import Iterator

PNG = ImageData(png=b"\x89PNG fake bytes")  # never decoded by this backend


def _request(text: str, *, image: bool = True, system: str | None = None) -> Request:
    messages = [Message("system", system)] if system else []
    messages.append(Message("user", text, images=(PNG,) if image else ()))
    return Request(messages=tuple(messages), task_id="T.1", sample_id=text)


@pytest.fixture
def models() -> Iterator[list[OpenAIModel]]:
    """Models built by a test; closed afterwards."""
    made: list[OpenAIModel] = []
    yield made
    for model in made:
        model.close()


def _model(made: list[OpenAIModel], server: FakeOpenAIServer, **kwargs: Any) -> OpenAIModel:
    policy = kwargs.pop("policy", RetryPolicy(retries=2, timeout_s=5.0, backoff_s=0.01))
    model = OpenAIModel(parse_target(f"{server.url}#test-model"), policy=policy, **kwargs)
    made.append(model)
    return model


# -- pure parts ------------------------------------------------------------------------


def test_parse_target_splits_url_model_and_key() -> None:
    endpoint = parse_target("https://me:sk-secret-1@api.example.com:8443/v1/#org/model-7b")
    assert endpoint.base_url == "https://api.example.com:8443/v1"
    assert endpoint.model == "org/model-7b"
    assert endpoint.api_key == "sk-secret-1"
    assert "sk-secret-1" not in endpoint.display
    assert "sk-secret-1" not in repr(endpoint)
    assert endpoint.display == "openai:https://me:***@api.example.com:8443/v1/#org/model-7b"
    plain = parse_target("http://127.0.0.1:8000/v1#llava-hf/llava-1.5-7b-hf")
    assert (plain.base_url, plain.model, plain.api_key) == (
        "http://127.0.0.1:8000/v1",
        "llava-hf/llava-1.5-7b-hf",
        None,
    )


@pytest.mark.parametrize(
    "target", ["http://127.0.0.1:8000/v1", "ftp://host/v1#m", "http://#m", "http://h/v1#  "]
)
def test_parse_target_rejects_malformed(target: str) -> None:
    with pytest.raises(pytest.UsageError, match=r"expected openai:<http\(s\) base url>#<model>"):
        parse_target(target)


@pytest.mark.parametrize(
    "raw", ["openai:http://127.0.0.1:8000/v1", "openai:127.0.0.1:8000/v1#m", "openai:http://#m"]
)
def test_registry_rejects_malformed_openai_specs(raw: str) -> None:
    with pytest.raises(pytest.UsageError, match="expected openai:"):
        parse_model_spec(raw)


def test_registry_messages_redact_url_credentials() -> None:
    with pytest.raises(pytest.UsageError) as info:
        parse_model_spec("openai:http://u:hunter22@host/v1", option="--mt-judge")
    assert "hunter22" not in str(info.value)
    assert str(info.value).startswith("--mt-judge='openai:http://u:***@host/v1'")
    spec = parse_model_spec("openai:https://:sk-zzz@host/v1#m")
    assert str(spec) == spec.display == "openai:https://***@host/v1#m"


def test_redaction_helpers() -> None:
    assert redact_url("https://h/v1?api-key=abc&x=1") == "https://h/v1?api-key=***&x=1"
    assert redact_url("https://tok@h/v1") == "https://***@h/v1"
    assert redact_spec("tiny-llava") == "tiny-llava"
    assert scrub("key sk-1234 at http://a:b@h", ["sk-1234"]) == "key *** at http://a:***@h"
    assert scrub("http://a:***@h") == "http://a:***@h"  # idempotent: the user stays
    assert scrub("see http://sk-tok@h/v1") == "see http://***@h/v1"
    assert scrub("no", ["no"]) == "no"  # too short to be a secret: words stay intact


def test_api_key_environment_order() -> None:
    both = {"MULTITRUST_API_KEY": "mt-key", "OPENAI_API_KEY": "oa-key"}
    assert api_key_from_environment(both) == "mt-key"
    assert api_key_from_environment({"OPENAI_API_KEY": "oa-key"}) == "oa-key"
    assert api_key_from_environment({"MULTITRUST_API_KEY": " "}) is None


def test_retry_after_parsing() -> None:
    assert retry_after_seconds({"Retry-After": "3"}) == 3.0
    assert retry_after_seconds({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    now = time.time()
    date = email.utils.formatdate(now + 20, usegmt=True)
    assert 18.0 <= (retry_after_seconds({"retry-after": date}, now=now) or 0) <= 21.0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_backoff_doubles_is_capped_and_honours_retry_after() -> None:
    policy = RetryPolicy(backoff_s=0.5, max_backoff_s=4.0, max_retry_after_s=60.0)
    assert [policy.delay(n, None) for n in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert policy.delay(0, retry_after=3.0) == 3.0  # the server asks for more: wait that
    assert policy.delay(3, retry_after=0.1) == 4.0  # never less than our own backoff
    assert policy.delay(0, retry_after=3600.0) == 60.0  # capped
    assert 0.5 < policy.delay(0, None, jitter=0.99) < 0.56


def test_chat_messages_put_images_first_as_png_data_urls() -> None:
    request = _request("What is shown?", system="Be brief.")
    messages = chat_messages(request)
    assert messages[0] == {"role": "system", "content": "Be brief."}
    content = messages[1]["content"]
    assert content[0]["type"] == "image_url"
    url = content[0]["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == PNG.png
    assert content[1] == {"type": "text", "text": "What is shown?"}


# -- against a loopback server -------------------------------------------------------------


def test_requests_are_greedy_with_seed_key_and_report_usage(
    models: list[OpenAIModel], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MULTITRUST_API_KEY", "sk-test-from-env")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-other")

    def script(index: int, body: dict[str, Any]) -> Reply:
        return Reply(text=f"  answer to {body['messages'][-1]['content'][-1]['text']} ")

    with FakeOpenAIServer(script) as server:
        model = _model(models, server)
        requests = [_request(f"q{i}") for i in range(5)]
        responses = model.generate(requests, GenerationConfig(max_new_tokens=12, seed=7))
    assert [r.text for r in responses] == [f"answer to q{i}" for i in range(5)]  # in order
    assert all(r.error is None and r.finish_reason == "stop" for r in responses)
    assert all(r.prompt_tokens == 7 and r.completion_tokens == 3 for r in responses)
    assert all(r.latency_s > 0 for r in responses)
    assert len(server.chats) == 5
    for received in server.chats:
        body = received.body
        assert body["model"] == "test-model"
        assert body["temperature"] == 0
        assert body["seed"] == 7
        assert body["max_tokens"] == 12
        assert received.headers["authorization"] == "Bearer sk-test-from-env"
    info = model.info
    assert (info.backend, info.name, info.dtype, info.white_box) == (
        "openai",
        "test-model",
        "n/a",
        False,
    )
    assert info.spec == f"openai:{server.url}#test-model"


def test_concurrency_is_bounded_per_model(models: list[OpenAIModel]) -> None:
    with FakeOpenAIServer(lambda i, body: Reply(delay_s=0.15)) as server:
        model = _model(models, server, concurrency=3)
        started = time.monotonic()
        responses = model.generate([_request(f"q{i}") for i in range(9)], GenerationConfig())
        elapsed = time.monotonic() - started
    assert all(r.error is None for r in responses)
    assert server.max_in_flight == 3
    assert elapsed >= 0.4  # three waves of 0.15 s, not one


def test_429_then_200_waits_for_retry_after(models: list[OpenAIModel]) -> None:
    def script(index: int, body: dict[str, Any]) -> Reply:
        if index == 0:
            return Reply(
                status=429, body={"error": {"message": "slow down"}}, headers={"Retry-After": "1"}
            )
        return Reply(text="finally")

    with FakeOpenAIServer(script) as server:
        model = _model(models, server)  # our own backoff is 0.01 s
        [response] = model.generate([_request("q")], GenerationConfig())
    assert response.error is None
    assert response.text == "finally"
    first, second = server.chats
    assert second.at - first.at >= 0.95  # waited what the server asked, not 0.01 s


@pytest.mark.parametrize(
    "wait", ["86400", "99999999999999999999", "1e999", "inf", "Fri, 31 Dec 9999 23:59:59 GMT"]
)
def test_a_retry_after_past_the_cap_errors_at_once(models: list[OpenAIModel], wait: str) -> None:
    quota = Reply(status=429, body={"error": {"message": "quota"}}, headers={"Retry-After": wait})
    with FakeOpenAIServer(lambda i, body: quota) as server:
        model = _model(
            models, server, policy=RetryPolicy(retries=2, backoff_s=0.01, max_retry_after_s=2.0)
        )
        started = time.monotonic()
        [response] = model.generate([_request("q")], GenerationConfig())
    assert time.monotonic() - started < 1.5  # not the 2 s cap, twice
    assert len(server.chats) == 1
    assert response.error is not None
    assert "HTTP 429: quota; the server asks to wait " in response.error
    assert "s before a retry, more than 2 s (no retry)" in response.error


def test_5xx_is_retried_then_becomes_an_error_response(models: list[OpenAIModel]) -> None:
    down = Reply(status=503, body={"error": {"message": "overloaded"}})
    with FakeOpenAIServer(lambda i, body: down) as server:
        model = _model(models, server, policy=RetryPolicy(retries=2, backoff_s=0.01))
        [response] = model.generate([_request("q")], GenerationConfig())
    assert len(server.chats) == 3
    assert response.text == ""
    assert response.finish_reason == "error"
    assert response.error is not None
    assert "HTTP 503: overloaded (3 attempts)" in response.error


def test_timeout_is_per_request_and_retried(models: list[OpenAIModel]) -> None:
    with FakeOpenAIServer(lambda i, body: Reply(delay_s=3.0)) as server:
        policy = RetryPolicy(retries=1, timeout_s=0.25, backoff_s=0.01)
        model = _model(models, server, policy=policy)
        started = time.monotonic()
        [response] = model.generate([_request("q")], GenerationConfig())
        elapsed = time.monotonic() - started
    assert len(server.chats) == 2
    assert response.error is not None
    assert "no answer within 0.25 s (timeout) (2 attempts)" in response.error
    assert elapsed < 2.0


def test_dropped_connection_is_retried(models: list[OpenAIModel]) -> None:
    script = lambda i, body: Reply(drop=True) if i == 0 else Reply(text="second try")  # noqa: E731
    with FakeOpenAIServer(script) as server:
        [response] = _model(models, server).generate([_request("q")], GenerationConfig())
    assert response.error is None
    assert response.text == "second try"
    assert len(server.chats) == 2


def test_connection_dropped_every_time_is_an_error(models: list[OpenAIModel]) -> None:
    with FakeOpenAIServer(lambda i, body: Reply(drop=True)) as server:
        policy = RetryPolicy(retries=1, backoff_s=0.01)
        [response] = _model(models, server, policy=policy).generate(
            [_request("q")], GenerationConfig()
        )
    assert len(server.chats) == 2
    assert response.error is not None
    assert "connection failed" in response.error


def test_client_errors_are_not_retried(models: list[OpenAIModel]) -> None:
    bad = Reply(status=400, body={"error": {"message": "image input is not supported"}})
    with FakeOpenAIServer(lambda i, body: bad) as server:
        [response] = _model(models, server).generate([_request("q")], GenerationConfig())
    assert len(server.chats) == 1
    assert response.error is not None
    assert "HTTP 400: image input is not supported (no retry)" in response.error


def test_secrets_never_appear_in_errors_or_texts(
    models: list[OpenAIModel], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MULTITRUST_API_KEY", "sk-env-secret-123")

    def echo_auth(index: int, body: dict[str, Any]) -> Reply:
        auth = server.received[index].headers.get("authorization", "")
        if index == 0:
            return Reply(status=401, body={"error": {"message": f"bad key in {auth}"}})
        return Reply(text=f"you sent {auth}")

    with FakeOpenAIServer(echo_auth) as server:
        url_model = OpenAIModel(
            parse_target(server.url.replace("http://", "http://user:sk-url-secret-456@") + "#m"),
            policy=RetryPolicy(retries=0),
        )
        env_model = OpenAIModel(parse_target(f"{server.url}#m"), policy=RetryPolicy(retries=0))
        models.extend([url_model, env_model])
        [failed] = url_model.generate([_request("q")], GenerationConfig())
        [echoed] = env_model.generate([_request("q")], GenerationConfig())
    assert server.received[0].headers["authorization"] == "Bearer sk-url-secret-456"  # URL wins
    assert server.received[1].headers["authorization"] == "Bearer sk-env-secret-123"
    shown = f"{failed} {echoed} {url_model.info} {env_model.info}"
    assert "sk-url-secret-456" not in shown
    assert "sk-env-secret-123" not in shown
    assert failed.error is not None
    assert "HTTP 401: bad key in Bearer ***" in failed.error
    assert echoed.text == "you sent Bearer ***"


def test_generate_works_inside_a_running_event_loop(models: list[OpenAIModel]) -> None:
    with FakeOpenAIServer(lambda i, body: Reply(text="from a loop")) as server:
        model = _model(models, server)

        async def call() -> str:
            return model.generate([_request("q")], GenerationConfig())[0].text

        assert asyncio.run(call()) == "from a loop"


# -- factory and probe ---------------------------------------------------------------


def test_missing_client_library_names_the_install_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openai", None)  # import openai -> ImportError
    spec = parse_model_spec("openai:http://127.0.0.1:9/v1#m")
    with pytest.raises(PrerequisiteError, match=r"pip install 'pytest-multitrust\[openai\]'"):
        make(spec, ModelOptions())


def test_make_passes_the_options(models: list[OpenAIModel]) -> None:
    spec = parse_model_spec("openai:http://127.0.0.1:9/v1#m")
    model = make(spec, ModelOptions(concurrency=3, timeout_s=7.5, retries=1, batch_size=5))
    models.append(model)
    assert model.concurrency == 3
    assert (model.policy.timeout_s, model.policy.retries) == (7.5, 1)
    assert model.info.default_batch_size == 5


@pytest.mark.parametrize(
    ("reply", "quoted"),
    [
        (
            Reply(status=404, body={"error": {"message": "The model `m` does not exist."}}),
            "HTTP 404: The model `m` does not exist.",
        ),
        (
            Reply(status=400, body={"detail": "this model does not accept image input"}),
            "HTTP 400: this model does not accept image input",
        ),
    ],
)
def test_probe_quotes_the_server_when_it_rejects(reply: Reply, quoted: str) -> None:
    with FakeOpenAIServer(lambda i, body: reply) as server:
        spec = parse_model_spec(f"openai:{server.url}#m")
        with pytest.raises(pytest.UsageError) as info:
            probe(spec, ModelOptions(retries=0))
    assert quoted in str(info.value)
    assert str(info.value).startswith(f"--mllm=openai:{server.url}#m: the capability probe")
    [sent] = server.chats
    content = sent.body["messages"][0]["content"]
    assert content[0]["image_url"]["url"].startswith("data:image/png;base64,")


def test_probe_failure_shows_the_server_text_inertly() -> None:
    reply = Reply(status=400, body={"error": {"message": "no \x1b[2J\x1b]0;pwn\x07 \u202e"}})
    with FakeOpenAIServer(lambda i, body: reply) as server:
        spec = parse_model_spec(f"openai:{server.url}#m\x1b[31m")
        with pytest.raises(pytest.UsageError) as info:
            probe(spec, ModelOptions(retries=0))
    message = str(info.value)  # pytest prints a usage error as it is
    assert r"HTTP 400: no \x1b[2J\x1b]0;pwn\x07 \u202e" in message
    assert r"#m\x1b[31m" in message
    assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or c == "\u202e" for c in message)


def test_probe_of_a_judge_sends_no_image() -> None:
    def text_only(index: int, body: dict[str, Any]) -> Reply:
        if isinstance(body["messages"][0]["content"], list):
            return Reply(status=400, body={"error": {"message": "no images here"}})
        return Reply(text="ok")

    with FakeOpenAIServer(text_only) as server:
        spec = parse_model_spec(f"openai:{server.url}#judge")
        probe(spec, ModelOptions(retries=0), option="--mt-judge", images=False)
        with pytest.raises(pytest.UsageError, match=r"--mt-judge=.*no images here"):
            probe(spec, ModelOptions(retries=0), option="--mt-judge")


def test_probe_of_an_unreachable_server_is_a_usage_error() -> None:
    with FakeOpenAIServer() as server:
        url = server.url
    spec = parse_model_spec(f"openai:{url}#m")
    with pytest.raises(pytest.UsageError, match=r"connection failed .*\(2 attempts\)"):
        probe(spec, ModelOptions(retries=1, timeout_s=1.0))


def test_endpoint_repr_hides_the_key() -> None:
    endpoint = Endpoint(base_url="http://h/v1", model="m", api_key="sk-hidden-9")
    assert "sk-hidden-9" not in repr(endpoint)
