"""The ``openai:`` backend: any OpenAI-compatible chat server as the model under test.

Spec form (what ``--mllm`` and ``--mt-judge`` take)::

    openai:<base_url>#<model>
    openai:http://127.0.0.1:8000/v1#llava-hf/llava-1.5-7b-hf      # vLLM, SGLang, TGI
    openai:http://127.0.0.1:8000/v1#/models/tiny-llava              # transformers serve
    openai:https://api.openai.com/v1#gpt-4o                         # hosted API

``<base_url>`` is what the official client calls ``base_url`` (it ends before
``/chat/completions``, usually in ``/v1``); ``<model>`` is the server's model name, sent
as ``model`` in every request, and is everything after the first ``#``.

The API key comes from ``MULTITRUST_API_KEY``, falling back to ``OPENAI_API_KEY``; a
password in the URL (``https://:KEY@host/v1``) wins over both, so that a judge and the
model under test can use different keys. Without any, the placeholder ``EMPTY`` is sent
(local servers ignore it). The key and URL credentials never appear in any message: every
text this module produces goes through :func:`~pytest_multitrust.models.redact.scrub`.

Requests are chat completions with images as base64 PNG data URLs (before the text of
their turn). Greedy decoding (``do_sample=False``) is sent as ``temperature=0`` with a fixed
``seed``. Within one :meth:`OpenAIModel.generate` call requests run concurrently on the
official async client (``AsyncOpenAI``), at most ``concurrency`` in flight per model per
process (one ``asyncio.Semaphore``); with ``pytest -n N`` every worker keeps its own bound,
so one server sees at most ``N × concurrency`` requests. Each request has a timeout; a
429, a 5xx, a timeout or a dropped connection is retried with exponential backoff, waiting
at least what the server's ``Retry-After`` (or ``retry-after-ms``) asks. A request that
still fails becomes a :class:`~pytest_multitrust.models.base.Response` with ``error`` set,
so its sample test errors (it is never scored as a MISS). Token usage and latency come
back in every response.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import hashlib
import json
import os
import queue
import random
import threading
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pytest

from pytest_multitrust.errors import PrerequisiteError
from pytest_multitrust.models.base import (
    GenerationConfig,
    ImageData,
    Message,
    ModelInfo,
    Request,
    Response,
)
from pytest_multitrust.models.redact import redact_spec, redact_url, scrub, split_credentials
from pytest_multitrust.reliability import terminal_safe

if TYPE_CHECKING:
    import concurrent.futures

    from openai import AsyncOpenAI

    from pytest_multitrust.models.spec import ModelOptions, ModelSpec

__all__ = [
    "API_KEY_VARIABLES",
    "INSTALL_HINT",
    "PROBE_PROMPT",
    "Endpoint",
    "OpenAIModel",
    "RetryPolicy",
    "api_key_from_environment",
    "chat_messages",
    "make",
    "parse_target",
    "probe",
    "retry_after_seconds",
]

#: Environment variables read for the API key, in order.
API_KEY_VARIABLES = ("MULTITRUST_API_KEY", "OPENAI_API_KEY")
#: What to run when the client library is missing.
INSTALL_HINT = "pip install 'pytest-multitrust[openai]'"
#: The text of the capability probe (sent with one small image).
PROBE_PROMPT = "Describe this image in one word."
#: The key sent when none is configured (what vLLM's docs use for unauthenticated servers).
PLACEHOLDER_KEY = "EMPTY"

_RETRY_STATUS = frozenset({408, 409, 429})  # plus every 5xx
_T = TypeVar("_T")


@dataclass(frozen=True)
class Endpoint:
    """Where to send requests: a parsed ``<base_url>#<model>`` target."""

    base_url: str  # the base URL given to the client, credentials removed
    model: str  # the server's model name, sent with every request
    api_key: str | None = field(default=None, repr=False)  # secret; None -> environment
    display: str = ""  # the spec as shown in messages (credentials masked)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret this endpoint knows, for scrubbing messages."""
        return tuple(s for s in (self.api_key,) if s)


def parse_target(target: str, *, option: str = "--mllm") -> Endpoint:
    """Parse the part of an ``openai:`` spec after the colon.

    Args:
        target: ``<base_url>#<model>``, e.g. ``http://127.0.0.1:8000/v1#llava``.
        option: the option it came from, for messages.

    Raises:
        pytest.UsageError: when the URL is not http(s), the model name is missing or the
            port is not a number from 1 to 65535; the message shows the key masked.

    Example:
        >>> e = parse_target("https://:sk-1@host:8000/v1/#org/model")
        >>> (e.base_url, e.model, e.display)
        ('https://host:8000/v1', 'org/model', 'openai:https://***@host:8000/v1/#org/model')
    """
    from urllib.parse import unquote, urlsplit, urlunsplit

    display = redact_spec(f"openai:{target}")
    # the userinfo first: an unencoded "/", "?", "#" or "@" in a key must not end the host
    bare, userinfo = split_credentials(target.strip(), model=True)
    url, _, model = bare.partition("#")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # "http://[" and other URLs urllib rejects
        parts, host = urlsplit(""), None
    try:
        port_ok = parts.port != 0  # urllib checks the port when it is read
    except ValueError:
        port_ok = False
    if (
        userinfo is None
        and "@" in target
        and ("@" in parts.netloc or not host or not port_ok or not model.strip())
    ):  # an "@" not followed by a host and "#<model>": never guess where the key ends
        raise pytest.UsageError(
            f"{option}={display!r}: cannot tell the credentials from the host; expected "
            "openai:<http(s)://[user:key@]host[:port]/path>#<model>; write a '@' of the key "
            f"as %40, or set the key in {' or '.join(API_KEY_VARIABLES)}"
        )
    if parts.scheme not in ("http", "https") or not host or not model.strip():
        raise pytest.UsageError(
            f"{option}={display!r}: expected openai:<http(s) base url>#<model>, e.g. "
            "openai:http://127.0.0.1:8000/v1#llava-hf/llava-1.5-7b-hf"
        )
    if not port_ok:  # the port is in the display (not echoed: it may hold a key's part)
        raise pytest.UsageError(f"{option}={display!r}: the port is not a number from 1 to 65535")
    key: str | None = None
    if userinfo is not None:
        user, sep, password = userinfo.partition(":")
        key = unquote(password if sep else user)
    base_url = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), parts.query, ""))
    return Endpoint(base_url=base_url, model=model.strip(), api_key=key or None, display=display)


def api_key_from_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """The API key from ``MULTITRUST_API_KEY``, else ``OPENAI_API_KEY``, else None."""
    env = os.environ if environ is None else environ
    for variable in API_KEY_VARIABLES:
        value = env.get(variable, "").strip()
        if value:
            return value
    return None


@dataclass(frozen=True)
class RetryPolicy:
    """How long one request may take and how failed ones are retried."""

    retries: int = 4  # retries after the first attempt (0 = try once)
    timeout_s: float = 120.0  # seconds per attempt
    backoff_s: float = 0.5  # wait before the first retry; doubles each retry
    max_backoff_s: float = 30.0  # cap on the exponential wait
    max_retry_after_s: float = 300.0  # cap on a server's Retry-After

    def delay(self, retry: int, retry_after: float | None, jitter: float = 0.0) -> float:
        """Seconds to wait before retry number ``retry`` (0-based).

        Exponential backoff (``backoff_s * 2**retry``, capped, plus up to 10 % ``jitter``
        as a fraction in [0, 1)); never less than the server's ``Retry-After``.

        Example:
            >>> RetryPolicy(backoff_s=0.5).delay(2, None)
            2.0
            >>> RetryPolicy(backoff_s=0.5).delay(0, retry_after=3.0)
            3.0
        """
        backoff = min(self.backoff_s * 2.0**retry, self.max_backoff_s) * (1.0 + 0.1 * jitter)
        if retry_after is not None:
            return float(max(backoff, min(retry_after, self.max_retry_after_s)))
        return float(backoff)


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """The wait a server asks for, in seconds; None when absent or unreadable.

    Reads ``retry-after-ms`` (OpenAI's), else ``Retry-After`` in seconds or as an HTTP date.

    Example:
        >>> retry_after_seconds({"retry-after": "2"})
        2.0
        >>> retry_after_seconds({"retry-after-ms": "250"})
        0.25
        >>> retry_after_seconds({}) is None
        True
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    raw_ms = lowered.get("retry-after-ms")
    if raw_ms is not None:
        try:
            return max(0.0, float(raw_ms) / 1000.0)
        except ValueError:
            pass
    raw = lowered.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def _data_url(image: ImageData) -> str:
    return "data:image/png;base64," + base64.b64encode(image.png).decode("ascii")


def chat_messages(request: Request) -> list[dict[str, Any]]:
    """The request as OpenAI chat messages: images (PNG data URLs) before the text.

    A turn without images is sent as a plain string, as every server accepts.

    Example:
        >>> chat_messages(Request(messages=(Message("user", "Hi"),)))
        [{'role': 'user', 'content': 'Hi'}]
    """
    messages: list[dict[str, Any]] = []
    for message in request.messages:
        if not message.images:
            messages.append({"role": message.role, "content": message.text})
            continue
        content: list[dict[str, Any]] = [
            {"type": "image_url", "image_url": {"url": _data_url(image)}}
            for image in message.images
        ]
        content.append({"type": "text", "text": message.text})
        messages.append({"role": message.role, "content": content})
    return messages


def sampling_parameters(config: GenerationConfig) -> dict[str, Any]:
    """Decoding settings as request fields: greedy is ``temperature=0`` + a fixed seed.

    Example:
        >>> sampling_parameters(GenerationConfig(max_new_tokens=16, seed=7))
        {'max_tokens': 16, 'temperature': 0.0, 'seed': 7}
    """
    temperature = config.temperature if config.do_sample else 0.0
    return {"max_tokens": config.max_new_tokens, "temperature": temperature, "seed": config.seed}


def _require_openai() -> None:
    try:
        import openai  # noqa: F401
    except ImportError:
        raise PrerequisiteError(
            f"the openai: backend needs the 'openai' client library: {INSTALL_HINT}"
        ) from None


class _LoopThread:
    """One event loop in a daemon thread, for the model's whole life.

    Sync callers (and callers already inside an event loop) can then run the async
    client, and its connection pool always lives on the same loop.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _ensure(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._thread is None or not self._thread.is_alive():
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name=f"multitrust-openai-{self._name}", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    def run(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        future = self.submit(coroutine)
        try:
            return future.result()
        except BaseException:  # KeyboardInterrupt included: stop the in-flight requests
            future.cancel()
            raise

    def submit(self, coroutine: Coroutine[Any, Any, _T]) -> concurrent.futures.Future[_T]:
        return asyncio.run_coroutine_threadsafe(coroutine, self._ensure())

    def close(self, final: Coroutine[Any, Any, None] | None = None) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            if final is not None:
                final.close()
            return
        if final is not None:
            asyncio.run_coroutine_threadsafe(final, loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@dataclass(frozen=True)
class _Failure:
    """Why one attempt failed, classified."""

    message: str  # what went wrong, for the error record (not yet scrubbed)
    retryable: bool  # 429, 5xx, timeout or connection problem
    retry_after: float | None = None  # the server's Retry-After, seconds
    status: int | None = None  # HTTP status, when there was a response


def _server_message(body: object, fallback: str) -> str:
    """The human part of an error body (``{"error": {"message": ...}}`` and friends)."""
    if isinstance(body, Mapping):
        for key in ("error", "detail", "message"):
            value = body.get(key)
            if isinstance(value, Mapping):
                inner = value.get("message") or value.get("detail")
                if inner:
                    return str(inner)
            elif value:
                return str(value)
    if isinstance(body, str) and body.strip():
        return body.strip()
    return fallback


def _get(value: Any, name: str) -> Any:
    """A field of a parsed body part: the client's model, or a raw dict it left as is."""
    if isinstance(value, Mapping):
        return value.get(name)
    return getattr(value, name, None)


def _choices(completion: Any) -> list[Any]:
    """The completion's choices; empty for a body without them (or not a completion)."""
    choices = _get(completion, "choices")
    return list(choices) if isinstance(choices, list | tuple) else []


def _tokens(usage: Any, name: str) -> int:
    """A token count of ``usage``; 0 when absent or not a non-negative whole number."""
    value = _get(usage, name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return int(value) if 0 <= value < 2**63 else 0


def _answer_text(choice: Any) -> str | _Failure:
    """The text of a choice, or why the choice is malformed.

    ``content`` may be a string, null (empty answer; a ``refusal`` text is taken when the
    server sends one), or a list of ``{"type": "text", "text": ...}`` parts as some
    servers send; anything else (a number, an object, a choice without ``message``) is
    a malformed answer, retried like a 5xx.
    """
    message = _get(choice, "message")
    if message is None or isinstance(message, str | int | float | bool | list):
        return _Failure(
            f"malformed response (a choice without a message object: {_short_repr(choice)})",
            retryable=True,
        )
    content = _get(message, "content")
    if content is None:
        refusal = _get(message, "refusal")
        return refusal if isinstance(refusal, str) else ""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(_get(part, "text"), str) for part in content):
        return "".join(_get(part, "text") for part in content)
    return _Failure(
        f"malformed response (the message content is "
        f"{type(content).__name__}, not text: {_short_repr(content)})",
        retryable=True,
    )


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _classify(error: BaseException, timeout_s: float) -> _Failure:
    import openai

    if isinstance(error, (json.JSONDecodeError, openai.APIResponseValidationError)):
        # a 200 whose body is not the JSON it claims (cut off, HTML): retried like a 5xx
        return _Failure(
            f"malformed response ({type(error).__name__}: {error})"[:500], retryable=True
        )

    if isinstance(error, openai.APITimeoutError):
        return _Failure(f"no answer within {timeout_s:g} s (timeout)", retryable=True)
    if isinstance(error, openai.APIConnectionError):
        cause = error.__cause__ or error.__context__
        detail = f"{type(cause).__name__}: {cause}" if cause else str(error)
        return _Failure(f"connection failed ({detail})", retryable=True)
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        headers = {k: v for k, v in error.response.headers.items()}
        text = _server_message(error.body, error.response.text or error.message)
        return _Failure(
            f"HTTP {status}: {text[:500]}",
            retryable=status in _RETRY_STATUS or status >= 500,
            retry_after=retry_after_seconds(headers),
            status=status,
        )
    if isinstance(error, TimeoutError):  # the whole request overran (asyncio.wait_for)
        return _Failure(f"no answer within {timeout_s:g} s (timeout)", retryable=True)
    if isinstance(error, openai.OpenAIError):
        return _Failure(f"{type(error).__name__}: {error}"[:500], retryable=False)
    # anything else came out of reading a body the client could not make sense of (a
    # JSON list or string, fields of the wrong type): a fault of the moment, like a 5xx
    return _Failure(f"malformed response ({type(error).__name__}: {error})"[:500], retryable=True)


class OpenAIModel:
    """A model behind an OpenAI-compatible ``/chat/completions`` endpoint.

    Example:
        ::

            model = OpenAIModel(parse_target("http://127.0.0.1:8000/v1#llava"))
            [reply] = model.generate([request], GenerationConfig(max_new_tokens=32))
            model.close()
    """

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        concurrency: int = 8,
        policy: RetryPolicy | None = None,
        api_key: str | None = None,
        batch_size: int | None = None,
        seed: int = 0,
    ) -> None:
        """Set up the model; nothing is sent until the first :meth:`generate`.

        Args:
            endpoint: where to send requests.
            concurrency: requests in flight at once (per model, per process).
            policy: timeout and retries (default: :class:`RetryPolicy`).
            api_key: the key; default: the URL's, else the environment's, else ``EMPTY``.
            batch_size: requests per :meth:`generate` call the engine should send
                (default: ``8 × concurrency``, at least 32).
            seed: seeds the backoff jitter (the request seed comes from the config).
        """
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        self.endpoint = endpoint
        self.concurrency = concurrency
        self.policy = policy or RetryPolicy()
        self._api_key = endpoint.api_key or api_key or api_key_from_environment()
        self._secrets = tuple(s for s in (self._api_key, endpoint.api_key) if s)
        self._loop = _LoopThread(endpoint.model)
        self._client: AsyncOpenAI | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self._random = random.Random(seed)
        digest = hashlib.sha256(
            f"openai\n{redact_url(endpoint.base_url)}\n{endpoint.model}".encode()
        ).hexdigest()
        from urllib.parse import urlsplit

        self._info = ModelInfo(
            spec=endpoint.display or f"openai:{redact_url(endpoint.base_url)}#{endpoint.model}",
            backend="openai",
            name=endpoint.model,
            fingerprint=digest[:16],
            device=f"remote:{urlsplit(endpoint.base_url).netloc}",
            dtype="n/a",
            white_box=False,
            default_batch_size=batch_size or max(32, 8 * concurrency),
            deterministic=True,
        )

    @property
    def info(self) -> ModelInfo:
        """Facts about the model: its spec (credentials masked), server and name."""
        return self._info

    def scrub(self, text: str) -> str:
        """``text`` with this model's key and URL credentials masked."""
        return scrub(text, self._secrets)

    def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
        """Send every request concurrently (bounded) and return the answers in order.

        A request that still fails after its retries is a :class:`Response` with
        ``error`` set; nothing here raises for a single request.
        """
        if not requests:
            return []
        return self._loop.run(self._generate_all(list(requests), config))

    def generate_each(
        self, requests: Sequence[Request], config: GenerationConfig
    ) -> Iterator[tuple[int, Response]]:
        """Like :meth:`generate`, but yield ``(index, response)`` as each answer arrives.

        The engine stores each answer in the response cache as it comes, so an
        interrupt (Ctrl-C, ``SIGTERM``) in the middle of a batch loses only the requests
        still in flight, which are cancelled when the generator is closed or interrupted.
        """
        if not requests:
            return
        arrived: queue.Queue[tuple[int, Response] | BaseException] = queue.Queue()
        future = self._loop.submit(
            self._generate_all(list(requests), config, lambda i, r: arrived.put((i, r)))
        )
        future.add_done_callback(
            lambda done: (
                None
                if done.cancelled() or done.exception() is None
                else arrived.put(cast("BaseException", done.exception()))
            )
        )
        try:
            for _ in range(len(requests)):
                item = arrived.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:  # an interrupt, or the caller stopped early: stop what is in flight
            future.cancel()

    def close(self) -> None:
        """Close the connection pool and stop the event-loop thread."""
        client, self._client = self._client, None
        self._semaphore = None
        self._loop.close(client.close() if client is not None else None)

    async def _generate_all(
        self,
        requests: list[Request],
        config: GenerationConfig,
        arrived: Callable[[int, Response], None] | None = None,
    ) -> list[Response]:
        if self._client is None:
            self._client = self._make_client()
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.concurrency)

        async def one(index: int, request: Request) -> Response:
            response = await self._complete(request, config)
            if arrived is not None:
                arrived(index, response)
            return response

        return list(await asyncio.gather(*(one(i, r) for i, r in enumerate(requests))))

    def _make_client(self) -> AsyncOpenAI:
        from openai import AsyncOpenAI

        return AsyncOpenAI(
            base_url=self.endpoint.base_url,
            api_key=self._api_key or PLACEHOLDER_KEY,
            max_retries=0,  # retries are ours: Retry-After honoured, attempts counted
            timeout=self.policy.timeout_s,
        )

    async def _complete(self, request: Request, config: GenerationConfig) -> Response:
        if self._client is None or self._semaphore is None:  # set by _generate_all
            raise RuntimeError("the client is not started")
        client, semaphore = self._client, self._semaphore
        messages = chat_messages(request)
        parameters = sampling_parameters(config)
        attempts = self.policy.retries + 1
        failure: _Failure | None = None
        for attempt in range(attempts):
            if failure is not None:
                await asyncio.sleep(
                    self.policy.delay(attempt - 1, failure.retry_after, self._random.random())
                )
            async with semaphore:
                started = time.perf_counter()
                try:
                    # The client's timeout bounds each read; wait_for bounds the whole
                    # request, so a server trickling bytes cannot hold it for longer.
                    completion = await asyncio.wait_for(
                        client.chat.completions.create(
                            model=self.endpoint.model,
                            messages=cast("Any", messages),
                            timeout=self.policy.timeout_s,
                            **parameters,
                        ),
                        timeout=self.policy.timeout_s,
                    )
                except Exception as error:
                    failure = _classify(error, self.policy.timeout_s)
                    if not failure.retryable:
                        break
                    wait = failure.retry_after
                    if wait is not None and not wait <= self.policy.max_retry_after_s:
                        # a retry sooner than asked is futile, and waiting (a quota reset in
                        # hours) would hold the run: this request errors now
                        failure = _Failure(
                            f"{failure.message}; the server asks to wait {wait:.0f} s before "
                            f"a retry, more than {self.policy.max_retry_after_s:g} s",
                            retryable=False,
                            retry_after=wait,
                            status=failure.status,
                        )
                        break
                    continue
                latency = time.perf_counter() - started
            choices = _choices(completion)
            if not choices:
                # A 200 without an answer (an HTML error page from a proxy, no choices): a
                # fault of the moment like a 5xx, so retried.
                failure = _Failure("the server answered with no choices", retryable=True)
                continue
            text = _answer_text(choices[0])
            if isinstance(text, _Failure):  # a choice without message, content not text
                failure = text
                continue
            return self._response(completion, choices[0], text, latency)
        reason = failure.message if failure is not None else "no attempt made"
        tries = f"{attempts} attempts" if failure is not None and failure.retryable else "no retry"
        return Response(
            text="",
            finish_reason="error",
            error=self.scrub(f"{self._info.spec}: {reason} ({tries})"),
        )

    def _response(self, completion: Any, choice: Any, text: str, latency: float) -> Response:
        usage = _get(completion, "usage")
        finish = _get(choice, "finish_reason")
        return Response(
            text=self.scrub(text.strip()),
            prompt_tokens=_tokens(usage, "prompt_tokens"),
            completion_tokens=_tokens(usage, "completion_tokens"),
            latency_s=latency,
            finish_reason=finish if isinstance(finish, str) and finish else "stop",
        )


def _options_policy(options: ModelOptions) -> RetryPolicy:
    return RetryPolicy(retries=options.retries, timeout_s=options.timeout_s)


def make(spec: ModelSpec, options: ModelOptions) -> OpenAIModel:
    """The registry's factory for ``openai:`` specs.

    Raises:
        PrerequisiteError: when the ``openai`` client library is not installed.
        pytest.UsageError: for a malformed target.
    """
    _require_openai()
    return OpenAIModel(
        parse_target(spec.target),
        concurrency=options.concurrency,
        policy=_options_policy(options),
        batch_size=options.batch_size,
        seed=options.seed,
    )


def probe(
    spec: ModelSpec, options: ModelOptions, *, option: str = "--mllm", images: bool = True
) -> None:
    """Check once, before tests run, that the server answers a small image request.

    Sends one request (a 32×32 white PNG and :data:`PROBE_PROMPT`, 4 tokens, greedy;
    text only when ``images`` is false, as for a judge).

    Raises:
        PrerequisiteError: when the ``openai`` client library is not installed.
        pytest.UsageError: when the server rejects the request (unknown model, no image
            support, bad key) or cannot be reached; the message quotes the server.
    """
    _require_openai()
    from PIL import Image

    endpoint = parse_target(spec.target, option=option)
    model = OpenAIModel(endpoint, concurrency=1, policy=_options_policy(options), seed=options.seed)
    shown = (ImageData.from_pil(Image.new("RGB", (32, 32), (255, 255, 255))),) if images else ()
    request = Request(messages=(Message("user", PROBE_PROMPT, images=shown),))
    try:
        [response] = model.generate([request], GenerationConfig(max_new_tokens=4))
    finally:
        model.close()
    if response.error is None:
        return
    hint = ""
    if "HTTP 401" in response.error or "HTTP 403" in response.error:
        hint = f"; set the key in {' or '.join(API_KEY_VARIABLES)}"
    what = "one image and the prompt" if images else "the prompt"
    raise pytest.UsageError(
        terminal_safe(  # pytest prints it raw: the server wrote part
            f"{option}={endpoint.display}: the capability probe ({what} {PROBE_PROMPT!r}) "
            f"failed: {response.error}{hint}"
        )
    )
