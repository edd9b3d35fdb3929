"""One ``generate`` call, its answers checked: what every caller of a model shares.

The engine's batched generation (:mod:`pytest_multitrust.engine.batching`), the judge
client (:mod:`pytest_multitrust.models.judge`) and custom trust tests ask a model through
:func:`generate_one_batch`, so a malformed answer errors its own sample the same way
everywhere (:func:`checked_response`). :func:`is_out_of_memory` tells a device running
out of memory from other failures (the hf backend and the engine's batch sizing).
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

from pytest_multitrust.models.base import Response

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pytest_multitrust.models.base import MLLM, GenerationConfig, Request

__all__ = ["EMPTY_ERROR", "checked_response", "generate_one_batch", "is_out_of_memory"]


def is_out_of_memory(error: BaseException) -> bool:
    """Whether an exception says the device ran out of memory (CUDA, MPS, ROCm).

    Matches ``torch.cuda.OutOfMemoryError`` by name (torch need not be imported) and the
    messages of the other backends.
    """
    if type(error).__name__ == "OutOfMemoryError":
        return True
    return "out of memory" in str(error).lower()


#: The error of a response whose model set ``error`` to an empty or blank string.
EMPTY_ERROR = "the model reported an error without a message"


def _short_repr(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def checked_response(answer: object) -> Response:
    """One answer of a model as a well-formed :class:`Response`.

    Anything that is not a :class:`Response` (a bare ``str``, ``None``), or a
    ``Response`` whose ``text`` or ``error`` is not a string, becomes an error response
    saying what came back: that sample errors, the batch's other answers are kept. Token
    counts and latency that are not plain non-negative numbers are set to 0 (they are
    bookkeeping: the answer stands); an empty ``error`` still means an error, and says
    so (:data:`EMPTY_ERROR`). Any string is kept as it is (control characters,
    lone surrogates, megabytes): the cache and the report store it exactly.

    >>> checked_response("yes").error
    "the model returned a str instead of a Response: 'yes'"
    >>> checked_response(Response(text=None)).error  # type: ignore[arg-type]
    'the model returned a Response whose text is None, not a string'
    """
    if not isinstance(answer, Response):
        return Response(
            text="",
            finish_reason="error",
            error=f"the model returned a {type(answer).__name__} instead of a Response: "
            f"{_short_repr(answer)}",
        )
    text: object = answer.text
    error: object = answer.error
    problem = None
    if not isinstance(text, str):
        problem = f"a Response whose text is {_short_repr(text)}, not a string"
    elif error is not None and not isinstance(error, str):
        problem = f"a Response whose error is {_short_repr(error)}, not a string or None"
    if problem is not None:
        return Response(text="", finish_reason="error", error=f"the model returned {problem}")
    fixes: dict[str, object] = {}
    if isinstance(error, str) and not error.strip():  # an error all the same: say so
        fixes["error"] = f"{EMPTY_ERROR} ({error!r})"
    for name in ("prompt_tokens", "completion_tokens"):
        count = getattr(answer, name)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            fixes[name] = 0
    latency = answer.latency_s
    if (
        isinstance(latency, bool)
        or not isinstance(latency, int | float)
        or not math.isfinite(latency)
        or latency < 0
    ):
        fixes["latency_s"] = 0.0
    if not isinstance(answer.finish_reason, str):
        fixes["finish_reason"] = "error" if error is not None else "stop"
    return dataclasses.replace(answer, **fixes) if fixes else answer  # type: ignore[arg-type]


def generate_one_batch(
    model: MLLM,
    batch: Sequence[Request],
    config: GenerationConfig,
    keep: Callable[[int, Response], None] | None = None,
) -> list[Response]:
    """One ``generate`` call, its answers checked one by one (:func:`checked_response`).

    A model with ``generate_each`` (a remote one: answers arrive one by one) hands each
    checked answer to ``keep`` as it arrives, so an interrupt loses only those still in
    flight.

    Raises:
        RuntimeError: the model returned something that is not a list, or a list of the
            wrong length (no answer can then be tied to its request).
    """
    each = getattr(model, "generate_each", None)
    if keep is not None and callable(each):
        arrived: dict[int, Response] = {}
        for index, response in each(batch, config):
            answer = checked_response(response)
            arrived[index] = answer
            keep(index, answer)
        if sorted(arrived) != list(range(len(batch))):
            raise RuntimeError(f"model returned {len(arrived)} responses for {len(batch)} requests")
        return [arrived[i] for i in range(len(batch))]
    out: object = model.generate(batch, config)
    if isinstance(out, str | bytes) or not isinstance(out, list | tuple):
        raise RuntimeError(
            f"the model returned a {type(out).__name__} instead of a list of "
            f"{len(batch)} responses: {_short_repr(out)}"
        )
    if len(out) != len(batch):
        raise RuntimeError(f"model returned {len(out)} responses for {len(batch)} requests")
    checked = [checked_response(answer) for answer in out]
    # fresh answers: only the response cache says what it served
    return [dataclasses.replace(r, cached=False) if r.cached else r for r in checked]
