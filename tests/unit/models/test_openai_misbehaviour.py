"""A server that misbehaves in every way we could think of (#19 items 5 and 6).

Item 6: one malformed 200 (a choice without ``message``, ``content`` that is not text,
``choices`` that is no list, a body that is a JSON list, string, number or null, ...)
errored the whole batch with a bare ``AttributeError`` and threw the good answers away.
Now only that request is retried (bounded), then becomes an error response naming the
server; every other answer of the batch is kept.

Item 5: ``--mt-timeout`` bounded the gap between reads, so a server trickling a byte at a
time held a request far beyond it. Now it bounds the whole request.

The server here is a real loopback HTTP server answering raw bytes, so that bodies the
official client never sees from OpenAI reach it as they would from a broken proxy.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_multitrust.models.base import GenerationConfig, Message, Request
from pytest_multitrust.models.openai_backend import OpenAIModel, RetryPolicy, parse_target

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


@dataclass(frozen=True)
class Raw:
    """One raw answer: status, body bytes, and how slowly it is sent."""

    body: bytes
    status: int = 200
    content_type: str = "application/json"
    byte_every_s: float = 0.0  # > 0: the body is trickled one byte at a time
    status_line_every_s: float = 0.0  # > 0: even the status line is trickled


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    script: Callable[[int, str], Raw]
    lock: threading.Lock
    prompts: list[str]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that gave up are expected here."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """No access log."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
        prompt = str(body["messages"][-1]["content"])
        with self.server.lock:
            index = len(self.server.prompts)
            self.server.prompts.append(prompt)
        raw = self.server.script(index, prompt)
        head = (
            f"HTTP/1.1 {raw.status} X\r\ncontent-type: {raw.content_type}\r\n"
            f"content-length: {len(raw.body)}\r\n\r\n"
        ).encode()
        with contextlib.suppress(OSError):
            self._trickle(head, raw.status_line_every_s)
            self._trickle(raw.body, raw.byte_every_s)

    def _trickle(self, data: bytes, every_s: float) -> None:
        if every_s <= 0:
            self.wfile.write(data)
            self.wfile.flush()
            return
        for i in range(len(data)):
            self.wfile.write(data[i : i + 1])
            self.wfile.flush()
            time.sleep(every_s)


@contextlib.contextmanager
def raw_server(script: Callable[[int, str], Raw]) -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.script, server.lock, server.prompts = script, threading.Lock(), []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _url(server: _Server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/v1"


def _choice(**fields: Any) -> dict[str, Any]:
    choice = {
        "index": 0,
        "message": {"role": "assistant", "content": "fine"},
        "finish_reason": "stop",
    }
    choice.update(fields)
    return choice


def _completion(choices: Any, **fields: Any) -> bytes:
    body = {
        "id": "c",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": choices,
        **fields,
    }
    return json.dumps(body).encode()


def _message(content: Any, **fields: Any) -> dict[str, Any]:
    return _choice(message={"role": "assistant", "content": content, **fields})


# Bodies of a 200 that hold no usable answer: each must become that request's error.
MALFORMED: dict[str, bytes] = {
    "no-message": _completion([{"index": 0, "finish_reason": "stop"}]),
    "message-null": _completion([_choice(message=None)]),
    "message-string": _completion([_choice(message="fine")]),
    "message-list": _completion([_choice(message=["fine"])]),
    "content-number": _completion([_message(42)]),
    "content-bool": _completion([_message(True)]),
    "content-object": _completion([_message({"text": "fine"})]),
    "content-image-part": _completion([_message([{"type": "image_url"}])]),
    "choices-object": _completion({"0": _choice()}),
    "choices-string": _completion("fine"),
    "choices-empty": _completion([]),
    "choice-string": _completion(["fine"]),
    "choice-null": _completion([None]),
    "body-list": b"[1, 2]",
    "body-string": b'"fine"',
    "body-number": b"3",
    "body-null": b"null",
    "body-empty": b"",
    "body-cut": _completion([_choice()])[:40],
    "body-html": b"<html>502 Bad Gateway</html>",
    "body-nan": b'{"choices": NaN}',
}

# Odd but usable bodies: the answer is kept.
USABLE: dict[str, tuple[bytes, str]] = {
    "plain": (_completion([_choice()]), "fine"),
    "content-null": (_completion([_message(None)]), ""),
    "refusal-only": (
        _completion([_message(None, refusal="I can't help with that.")]),
        "I can't help with that.",
    ),
    "content-parts": (
        _completion([_message([{"type": "text", "text": "fi"}, {"type": "text", "text": "ne"}])]),
        "fine",
    ),
    "usage-odd": (
        _completion([_choice()], usage={"prompt_tokens": "7", "completion_tokens": -3}),
        "fine",
    ),
    "usage-huge": (_completion([_choice()], usage={"prompt_tokens": 1e300}), "fine"),
    "finish-number": (_completion([_choice(finish_reason=5)]), "fine"),
    "extra-fields": (_completion([_choice(logprobs={"x": 1}, extra=[1])], system="x"), "fine"),
    "two-choices": (_completion([_choice(), _message("second")]), "fine"),
    "unicode": (_completion([_message("a\u2028b\x00c\x1b[2J")]), "a\u2028b\x00c\x1b[2J"),
}


def _model(server: _Server, *, retries: int, timeout_s: float = 5.0) -> OpenAIModel:
    return OpenAIModel(
        parse_target(f"{_url(server)}#m"),
        concurrency=8,
        policy=RetryPolicy(
            retries=retries, timeout_s=timeout_s, backoff_s=0.01, max_backoff_s=0.05
        ),
    )


def _requests(prompts: list[str]) -> list[Request]:
    return [Request(messages=(Message("user", p),), task_id="X.1", sample_id=p) for p in prompts]


def test_each_malformed_answer_errors_alone_and_the_good_ones_are_kept() -> None:
    prompts = [*MALFORMED, *USABLE]
    bodies = {**MALFORMED, **{name: body for name, (body, _) in USABLE.items()}}
    with raw_server(lambda _i, prompt: Raw(bodies[prompt])) as server:
        model = _model(server, retries=2)
        try:
            responses = model.generate(_requests(prompts), GenerationConfig())
        finally:
            model.close()
    by_prompt = dict(zip(prompts, responses, strict=True))
    for name in MALFORMED:
        response = by_prompt[name]
        assert response.error is not None, (name, response)
        assert response.error.startswith(f"openai:{_url(server)}#m: "), response.error
        assert response.error.endswith("(3 attempts)"), response.error
        assert response.text == ""
        assert response.finish_reason == "error"
        assert server.prompts.count(name) == 3  # retried, bounded
    for name, (_, text) in USABLE.items():
        response = by_prompt[name]
        assert response.error is None, (name, response)
        assert response.text == text.strip()
        assert server.prompts.count(name) == 1  # asked once
    assert by_prompt["usage-odd"].prompt_tokens == 0
    assert by_prompt["finish-number"].finish_reason == "stop"


def test_a_passing_malformed_answer_is_retried_into_the_answer() -> None:
    def script(index: int, prompt: str) -> Raw:
        attempt = server.prompts.count(prompt)
        if attempt == 1:  # the first attempt of each gets its own malformed body
            return Raw(MALFORMED[prompt])
        return Raw(_completion([_message(f"answer to {prompt}")]))

    with raw_server(script) as server:
        model = _model(server, retries=1)
        try:
            responses = model.generate(_requests(list(MALFORMED)), GenerationConfig())
        finally:
            model.close()
    assert [r.error for r in responses] == [None] * len(MALFORMED)
    assert [r.text for r in responses] == [f"answer to {p}" for p in MALFORMED]


@pytest.mark.parametrize(
    "trickle",
    [
        Raw(_completion([_choice()]) + b" " * 40, byte_every_s=0.25),
        Raw(_completion([_choice()]), status_line_every_s=0.25),
    ],
    ids=["body", "status-line"],
)
def test_the_timeout_bounds_the_whole_request_not_each_read(trickle: Raw) -> None:
    # One byte every 0.25 s never lets a 1.5 s read timeout fire: the body alone takes
    # 40+ s to arrive. The request must end at 1.5 s, the attempt counted as a timeout.
    with raw_server(lambda _i, _p: trickle) as server:
        model = _model(server, retries=1, timeout_s=1.5)
        started = time.monotonic()
        try:
            [response] = model.generate(_requests(["slow"]), GenerationConfig())
        finally:
            model.close()
        elapsed = time.monotonic() - started
    assert response.error is not None
    assert "no answer within 1.5 s (timeout) (2 attempts)" in response.error
    assert elapsed < 2 * 1.5 + 1.5, elapsed  # two attempts of 1.5 s, plus slack
    assert len(server.prompts) == 2


def test_a_trickling_first_attempt_is_retried_into_an_answer() -> None:
    def script(index: int, _prompt: str) -> Raw:
        if index == 0:
            return Raw(_completion([_choice()]), byte_every_s=0.2)
        return Raw(_completion([_message("fast")]))

    with raw_server(script) as server:
        model = _model(server, retries=2, timeout_s=1.0)
        try:
            [response] = model.generate(_requests(["q"]), GenerationConfig())
        finally:
            model.close()
    assert (response.error, response.text) == (None, "fast")


ANY_TEXT = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=40),  # surrogates too
    st.sampled_from(
        [
            "\ud83d",
            "a\udc00b",
            "\x00\x1b[2J\x9b",
            "\u2028\u2029\x85",
            " " * 5,
            "x" * 200_000,
            "https://u:sk-abcd1234@h/v1",
            "null",
            "{}",
        ]
    ),
)


def test_any_string_a_server_returns_is_the_answer() -> None:
    # Lone surrogates (a UTF-16 text cut mid-emoji at the token limit), control characters,
    # megabyte answers without spaces: each is an answer, never an error or a crash.
    contents: dict[str, str] = {}

    def script(_index: int, prompt: str) -> Raw:
        return Raw(_completion([_message(contents[prompt])]))

    with raw_server(script) as server:
        model = _model(server, retries=0)
        try:

            @settings(max_examples=40, deadline=None)
            @given(st.lists(ANY_TEXT, min_size=1, max_size=4))
            def check(texts: list[str]) -> None:
                prompts = [f"p{len(contents) + i}" for i in range(len(texts))]
                contents.update(zip(prompts, texts, strict=True))
                responses = model.generate(_requests(prompts), GenerationConfig())
                for text, response in zip(texts, responses, strict=True):
                    assert response.error is None, response.error
                    assert response.text == model.scrub(text.strip())

            check()
        finally:
            model.close()
