"""Loopback OpenAI-compatible servers for the tests of the ``openai:`` backend.

* :class:`FakeOpenAIServer`: an in-process ``/v1/chat/completions`` server on 127.0.0.1
  whose every answer is scripted (status, headers, delay, dropped connection), and which
  records what it received (JSON bodies, headers, how many requests were in flight).
* :func:`transformers_serve`: the real thing, ``transformers serve`` serving a local
  model directory in a child process on a free loopback port. The child is bounded: a
  watchdog inside it exits after ``limit_s`` seconds, or as soon as the test process that
  started it is gone, so it stops by itself even if pytest is killed.

Run as a script (``python mt_openai.py serve-transformers DIR PORT LIMIT PARENT``) it is
that child.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Reply:
    """How the fake server answers one request."""

    status: int = 200  # HTTP status
    text: str = "OK"  # assistant text of a 200 chat completion
    body: dict[str, Any] | None = None  # JSON body instead of a chat completion
    headers: dict[str, str] = field(default_factory=dict)  # extra response headers
    delay_s: float = 0.0  # wait before answering (a timeout when beyond the client's)
    drop: bool = False  # close the connection without any answer


@dataclass(frozen=True)
class Received:
    """One request the fake server received."""

    path: str  # e.g. /v1/chat/completions
    headers: dict[str, str]  # lower-cased header names
    body: dict[str, Any]  # the JSON body
    at: float  # time.monotonic() on arrival


Script = Callable[[int, dict[str, Any]], Reply]


def completion(
    text: str, model: str, prompt_tokens: int = 7, completion_tokens: int = 3
) -> dict[str, Any]:
    """A minimal chat-completion body."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # many clients connect at once (the default 5 drops some)
    fake: FakeOpenAIServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that gave up (timeouts) are expected: stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""

    def do_GET(self) -> None:
        self._send(200, {"status": "ok"} if self.path.endswith("health") else {"data": []})

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        fake = self.server.fake
        with fake.lock:
            index = len(fake.received)
            fake.received.append(
                Received(
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    at=time.monotonic(),
                )
            )
            fake.in_flight += 1
            fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
        try:
            reply = fake.script(index, body)
            if reply.delay_s:
                time.sleep(reply.delay_s)
            if reply.drop:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            payload = reply.body
            if payload is None:
                payload = completion(reply.text, str(body.get("model", "")))
            with contextlib.suppress(OSError):
                self._send(reply.status, payload, reply.headers)
        finally:
            with fake.lock:
                fake.in_flight -= 1

    def _send(
        self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class FakeOpenAIServer:
    """A scripted OpenAI-compatible server on a free loopback port (a context manager).

    Example:
        ::

            with FakeOpenAIServer(lambda i, body: Reply(text="[Yes]")) as server:
                spec = f"openai:{server.url}#judge"
    """

    def __init__(self, script: Script | None = None) -> None:
        self.script: Script = script or (lambda _i, _body: Reply())
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The base URL, ending in ``/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def chats(self) -> list[Received]:
        """The chat-completion requests received."""
        return [r for r in self.received if r.path.endswith("/chat/completions")]

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def transformers_serve(
    model_dir: Path, *, log: Path, limit_s: float = 600.0, startup_s: float = 240.0
) -> Iterator[str]:
    """``transformers serve <model_dir>`` on a free loopback port; yields its base URL.

    The server runs offline (``HF_HUB_OFFLINE=1``) in a child process that exits by itself
    after ``limit_s`` seconds or when this process is gone; it is also stopped on exit.

    Raises:
        RuntimeError: when it does not answer ``/health`` within ``startup_s`` seconds
            (with the tail of its log).
    """
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "NO_COLOR": "1"}
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "serve-transformers",
        str(model_dir),
        str(port),
        str(limit_s),
        str(os.getpid()),
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        deadline = time.monotonic() + startup_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"transformers serve exited with {process.returncode}:\n"
                    + log.read_text(errors="replace")[-3000:]
                )
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"transformers serve did not start in {startup_s:g} s:\n"
                    + log.read_text(errors="replace")[-3000:]
                )
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _watchdog(limit_s: float, parent: int) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if os.getppid() != parent:  # the test process is gone
            break
        time.sleep(0.5)
    os._exit(0)


def _serve_transformers(model_dir: str, port: str, limit_s: str, parent: str) -> None:
    threading.Thread(target=_watchdog, args=(float(limit_s), int(parent)), daemon=True).start()
    from transformers.cli.transformers import main

    sys.argv = [
        "transformers",
        "serve",
        model_dir,
        "--host",
        "127.0.0.1",
        "--port",
        port,
        "--device",
        "cpu",
        "--log-level",
        "warning",
    ]
    main()  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "serve-transformers":
        _serve_transformers(*sys.argv[2:])
    else:
        sys.exit(f"usage: {sys.argv[0]} serve-transformers MODEL_DIR PORT LIMIT_S PARENT_PID")
