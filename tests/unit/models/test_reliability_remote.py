"""Remote faults (#12) the openai: backend meets besides 429s, timeouts and resets.

A 200 whose body is not JSON, or is JSON without choices, and 500s, each end as an error
response after bounded retries (never an exception, never an empty "answer" that would
be scored as a MISS).
"""

from __future__ import annotations

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest
from mt_openai import FakeOpenAIServer, Reply

from pytest_multitrust.models.base import GenerationConfig, Message, Request
from pytest_multitrust.models.openai_backend import OpenAIModel, RetryPolicy, parse_target

if TYPE_CHECKING:
    from collections.abc import Iterator


class _RawServer(ThreadingHTTPServer):
    body = b""  # what every POST gets, with status 200
    content_type = "application/json"
    posts = 0


class _RawHandler(BaseHTTPRequestHandler):
    server: _RawServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """No access log."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.server.posts += 1
        self.send_response(200)
        self.send_header("content-type", self.server.content_type)
        self.send_header("content-length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)


@contextlib.contextmanager
def raw_server(body: bytes, content_type: str = "application/json") -> Iterator[_RawServer]:
    server = _RawServer(("127.0.0.1", 0), _RawHandler)
    server.body, server.content_type = body, content_type
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _generate(url: str, retries: int = 1) -> Any:
    model = OpenAIModel(
        parse_target(f"{url}#m"), policy=RetryPolicy(retries=retries, timeout_s=5.0, backoff_s=0.01)
    )
    try:
        [response] = model.generate(
            [Request(messages=(Message("user", "Is it red?"),), task_id="T.1", sample_id="s")],
            GenerationConfig(),
        )
    finally:
        model.close()
    return response


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"id": "x", "choices": [{"message": {"content": "Ye', "application/json"),
        (b"<html><body>502 Bad Gateway</body></html>", "text/html"),
        (b"", "application/json"),
    ],
)
def test_a_malformed_200_is_retried_then_an_error_response(body: bytes, content_type: str) -> None:
    with raw_server(body, content_type) as server:
        response = _generate(f"http://127.0.0.1:{server.server_address[1]}/v1", retries=2)
    assert server.posts == 3  # bounded retries, like a 5xx
    assert response.error is not None, response
    assert response.error.startswith("openai:http://127.0.0.1")
    assert response.error.endswith("(3 attempts)")
    assert response.text == ""
    assert response.finish_reason == "error"


@pytest.mark.parametrize("choices", [[], None])
def test_an_answer_without_choices_is_retried_then_an_error_response(choices: object) -> None:
    body = {"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": choices}
    with FakeOpenAIServer(lambda i, b: Reply(body=body)) as server:
        response = _generate(f"{server.url}", retries=2)
    assert len(server.chats) == 3
    assert response.error is not None
    assert "the server answered with no choices (3 attempts)" in response.error
    assert response.text == ""


def test_a_passing_fault_is_retried_into_an_answer() -> None:
    empty = {"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": []}
    with FakeOpenAIServer(
        lambda i, b: Reply(body=empty) if i == 0 else Reply(text="Yes")
    ) as server:
        response = _generate(f"{server.url}", retries=2)
    assert len(server.chats) == 2
    assert response.error is None
    assert response.text == "Yes"


def test_500_is_retried_then_an_error_response() -> None:
    with FakeOpenAIServer(
        lambda i, b: Reply(status=500, body={"error": {"message": "oops"}})
    ) as server:
        response = _generate(server.url, retries=2)
    assert len(server.chats) == 3
    assert response.error is not None
    assert "HTTP 500: oops (3 attempts)" in response.error
