"""Batched generation: length buckets, batch-size back-off on out-of-memory, drift checks.

:func:`generate_batches` is what a :class:`~pytest_multitrust.engine.runner.TaskRun`
calls to turn a task's requests into responses. It asks the response store first,
generates only what is missing, in batches of requests of similar length (longest first,
so that a batch size that does not fit fails on the first batch, not the last), and hands
every batch to the store as soon as it is generated, so a killed run resumes where it
stopped.

``--mt-batch-size auto`` (the default) starts at the model's own batch size. On a CUDA
device it doubles after every full batch that fitted, up to :data:`AUTO_MAX_BATCH`, until
the device first runs out of memory; then it halves (retrying that batch) and stays at the
largest size that fitted, for the rest of the process (:class:`BatchSizer`). Elsewhere (CPU,
MPS, remote backends) it keeps the model's size and only halves on out-of-memory errors.
``--mt-check-batching`` generates a few samples of each task at batch 1 and as one batch
(whatever the run's batch size, see :func:`compare_batching`) and warns when the texts
differ: with left padding and greedy decoding in float32 they do not; in bfloat16 or
float16 a numeric near-tie can flip a token, and the warning says so.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from pytest_multitrust.errors import MultitrustWarning
from pytest_multitrust.models.base import Response
from pytest_multitrust.models.batching import generate_one_batch, is_out_of_memory
from pytest_multitrust.reliability import terminal_safe

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pytest_multitrust.models.base import MLLM, GenerationConfig, Request

__all__ = [
    "AUTO_MAX_BATCH",
    "IMAGE_LENGTH",
    "BatchDrift",
    "BatchSizer",
    "ResponseStore",
    "compare_batching",
    "generate_batches",
    "length_order",
    "request_length",
    "warn_on_drift",
]

#: Length one image adds to a request for bucketing, in characters. An image costs the
#: model hundreds of tokens (576 for LLaVA-1.5), so requests with and without images
#: never share a bucket when lengths differ otherwise.
IMAGE_LENGTH = 2000

#: The largest batch ``--mt-batch-size auto`` grows to on a CUDA device. Past it the
#: longest request of a batch pads the others so much that throughput stops rising.
AUTO_MAX_BATCH = 64


class ResponseStore(Protocol):
    """Where generated responses are kept between runs (the response cache)."""

    def get_many(
        self, model: MLLM, requests: Sequence[Request], config: GenerationConfig
    ) -> list[Response | None]:
        """Cached responses, ``None`` where there is none."""
        ...

    def put_many(
        self,
        model: MLLM,
        requests: Sequence[Request],
        config: GenerationConfig,
        responses: Sequence[Response],
    ) -> None:
        """Store fresh responses (only successful, deterministic ones are kept)."""
        ...


def request_length(request: Request) -> int:
    """A cheap estimate of a request's prompt length, for bucketing.

    The characters of every turn plus :data:`IMAGE_LENGTH` per image: tokenising here
    would cost as much as the padding it saves.

    >>> from pytest_multitrust.models.base import Message, Request
    >>> request_length(Request(messages=(Message("user", "Is it red?"),)))
    10
    """
    return sum(len(m.text) + IMAGE_LENGTH * len(m.images) for m in request.messages)


def length_order(lengths: Sequence[int]) -> list[int]:
    """Indices ordered longest first (ties in their original order).

    Cutting this order into consecutive slices gives length buckets: each batch holds
    requests of similar length, so left padding wastes little compute.

    >>> length_order([3, 10, 3, 7])
    [1, 3, 0, 2]
    """
    return sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))


def _release_device_memory() -> None:
    """Return cached CUDA blocks to the driver after an out-of-memory error."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


@dataclass
class BatchSizer:
    """The generation batch size of one process, shared by all its tasks.

    A fixed ``--mt-batch-size N`` is used as given. In ``auto`` mode (``requested`` is
    None) the size starts at the model's ``default_batch_size``; :meth:`grow` doubles it
    (up to ``limit``) after a full batch fitted on a GPU, and :meth:`shrink` halves it on
    an out-of-memory error, down to 1. The first out-of-memory error *settles* the size:
    it never grows again in this process, so only batches that did not fit are retried.

    Example:
        >>> sizer = BatchSizer(requested=None)
        >>> sizer.start(16)
        16
        >>> sizer.grow(), sizer.shrink(), sizer.shrink(), sizer.grow()
        (32, 16, 8, None)
    """

    requested: int | None = None  # --mt-batch-size; None = auto
    limit: int = AUTO_MAX_BATCH  # auto: the largest size grow() reaches
    current: int | None = field(default=None, init=False)  # auto: size in use, once known
    settled: bool = field(default=False, init=False)  # auto: an out-of-memory error fixed it

    @property
    def auto(self) -> bool:
        """Whether the size adapts (``--mt-batch-size auto``)."""
        return self.requested is None

    def start(self, model_default: int) -> int:
        """The batch size to use now, given the model's default."""
        if self.requested is not None:
            return self.requested
        if self.current is None:
            self.current = max(1, model_default)
        return self.current

    def grow(self) -> int | None:
        """Double the size after a full batch fitted; None when it may not grow.

        It may not with a fixed size, before :meth:`start`, at ``limit``, or once an
        out-of-memory error settled the size.
        """
        if self.requested is not None or self.current is None or self.settled:
            return None
        if self.current >= self.limit:
            return None
        self.current = min(self.limit, self.current * 2)
        return self.current

    def shrink(self) -> int | None:
        """Halve the size after an out-of-memory error; None when it cannot shrink."""
        if self.requested is not None or self.current is None:
            return None
        self.settled = True
        if self.current <= 1:
            return None
        self.current = max(1, self.current // 2)
        return self.current


def _error_responses(count: int, message: str) -> list[Response]:
    return [Response(text="", finish_reason="error", error=message) for _ in range(count)]


def generate_batches(
    model: MLLM,
    requests: Sequence[Request],
    config: GenerationConfig,
    store: ResponseStore,
    sizer: BatchSizer,
    on_batch: Callable[[int, int], None] | None = None,
    *,
    ready: Callable[[], object] | None = None,
) -> list[Response]:
    """Responses for ``requests``, in order: cached where possible, else generated.

    Missing requests are generated longest first in batches of ``sizer``'s size; each
    batch goes to ``store.put_many`` right after it is generated. A model exception
    (``SystemExit`` too) errors the samples of its batch (their responses carry ``error``)
    instead of stopping the task; a malformed answer errors its own sample only
    (:func:`~pytest_multitrust.models.batching.checked_response`). An out-of-memory error
    in ``auto`` mode instead halves the batch size and retries (with a
    :class:`MultitrustWarning`). In ``auto`` mode on a CUDA
    device a full batch that fitted doubles the size for the next one
    (:meth:`BatchSizer.grow`).

    Args:
        model: the model (the store keys on its ``info``).
        requests: one request per sample.
        config: decoding settings.
        store: the response store (cache), asked first and fed every batch.
        sizer: the process's batch size.
        on_batch: called after the cache lookup and after each batch with (answers
            generated so far, answers to generate), for progress.
        ready: called once before the first request is generated, none when every
            answer is cached (a model that defers its weights loads them there); what
            it raises propagates.

    Returns:
        One response per request, in the order of ``requests``.
    """
    cached = store.get_many(model, requests, config)
    missing = [i for i, hit in enumerate(cached) if hit is None]
    if missing and ready is not None:
        ready()  # the first miss loads the weights; its failure is the caller's to report
    order = [missing[j] for j in length_order([request_length(requests[i]) for i in missing])]
    if on_batch is not None:
        on_batch(0, len(order))
    fresh: dict[int, Response] = {}
    position = 0
    on_gpu = model.info.device.startswith("cuda")
    while position < len(order):
        size = sizer.start(model.info.default_batch_size)
        chunk = order[position : position + size]
        batch = [requests[i] for i in chunk]
        fitted = False
        kept: dict[int, Response] = {}

        def keep(
            index: int,
            response: Response,
            batch: list[Request] = batch,
            kept: dict[int, Response] = kept,
        ) -> None:  # each answer of a remote model is stored as soon as it arrives
            try:
                store.put_many(model, [batch[index]], config, [response])
            except Exception:  # a failed write: left to the batch's write below
                return
            kept[index] = response

        try:
            out = generate_one_batch(model, batch, config, keep)
            fitted = True
        except (Exception, SystemExit) as error:  # a model crash errors this batch's samples
            if is_out_of_memory(error) and (smaller := sizer.shrink()) is not None:
                _release_device_memory()
                warnings.warn(
                    MultitrustWarning(
                        f"{model.info.name}: out of memory at batch size {len(batch)}; "
                        f"continuing with batch size {smaller} (--mt-batch-size auto)"
                    ),
                    stacklevel=2,
                )
                continue
            failed = _error_responses(len(batch), f"{type(error).__name__}: {error}")
            out = [kept.get(j, failed[j]) for j in range(len(batch))]  # arrived answers stay
        rest = [j for j in range(len(batch)) if j not in kept]
        store.put_many(model, [batch[j] for j in rest], config, [out[j] for j in rest])
        fresh.update(zip(chunk, out, strict=True))
        position += len(chunk)
        if on_batch is not None:
            on_batch(position, len(order))
        if fitted and on_gpu and len(chunk) == size and position < len(order):
            sizer.grow()
    return [hit if hit is not None else fresh[i] for i, hit in enumerate(cached)]


@dataclass(frozen=True)
class BatchDrift:
    """A request whose greedy output changed with the batch it was generated in."""

    sample_id: str  # the request's sample id
    single: str  # text generated at batch size 1
    batched: str  # text generated inside the batch
    batch_size: int  # size of that batch


def _spread(count: int, subset: int) -> list[int]:
    """``subset`` positions spread evenly over ``range(count)``, first and last included."""
    if count <= subset:
        return list(range(count))
    if subset == 1:
        return [0]
    return sorted({round(k * (count - 1) / (subset - 1)) for k in range(subset)})


def compare_batching(
    model: MLLM, requests: Sequence[Request], config: GenerationConfig, subset: int = 4
) -> list[BatchDrift]:
    """Generate a subset at batch 1 and as one batch; list the requests whose text differs.

    The subset spans the length range (shortest to longest request), so the batch is
    padded as much as the task's real batches are.

    Args:
        model: the loaded model.
        requests: the task's requests.
        config: decoding settings (greedy for the comparison to mean anything).
        subset: how many requests to compare (at least 2 are needed).

    Returns:
        The drifting requests; empty when the outputs agree or there are fewer than 2.
    """
    order = length_order([request_length(r) for r in requests])
    picked = [requests[order[k]] for k in _spread(len(order), max(2, subset))]
    if len(picked) < 2:
        return []
    # A model that caps its own batches (hf: with --mt-batch-size N) offers
    # generate_together, so that the check compares a real batch even at batch size 1.
    together_of = getattr(model, "generate_together", None)
    batched = (
        together_of(picked, config)
        if callable(together_of)
        else generate_one_batch(model, picked, config)
    )
    drifts: list[BatchDrift] = []
    for request, together in zip(picked, batched, strict=True):
        [alone] = generate_one_batch(model, [request], config)
        if (alone.text, alone.error) != (together.text, together.error):
            drifts.append(BatchDrift(request.sample_id, alone.text, together.text, len(picked)))
    return drifts


def warn_on_drift(
    model: MLLM,
    requests: Sequence[Request],
    config: GenerationConfig,
    task_id: str,
    subset: int = 4,
) -> list[BatchDrift]:
    """Run :func:`compare_batching` and warn (:class:`MultitrustWarning`) on any drift.

    A model failure during the check is a warning too: the check is a diagnostic and
    never stops the task.

    Returns:
        The drifts found (empty when none, or when the check failed).
    """
    try:
        drifts = compare_batching(model, requests, config, subset)
    except (Exception, SystemExit) as error:
        warnings.warn(
            MultitrustWarning(
                terminal_safe(  # the error can carry a model's text
                    f"{task_id}: --mt-check-batching could not run ({type(error).__name__}: "
                    f"{error})"
                )
            ),
            stacklevel=2,
        )
        return []
    if drifts:
        first = drifts[0]
        dtype = model.info.dtype
        if dtype in ("bfloat16", "float16"):
            # Measured on tiny checkpoints of every supported family: exact in float32,
            # 1-2 of 34 greedy answers differ in bfloat16 (numeric near-ties, not padding).
            advice = (
                f"in {dtype} a near-tie between two tokens can flip with the batch's shape; "
                "batched answers equal single ones only in float32: use --mt-dtype=float32, "
                "or --mt-batch-size=1 for answers that do not depend on the batch"
            )
        else:
            advice = (
                "greedy outputs should not depend on the batch: check the padding side and "
                "attention mask, or run with --mt-batch-size=1"
            )
        warnings.warn(
            MultitrustWarning(
                f"{task_id}: batched generation differs from batch size 1 on "
                f"{len(drifts)} of {min(len(requests), max(2, subset))} checked samples "
                f"(first: {first.sample_id}: batch 1 {first.single[:60]!r}, batch "
                f"{first.batch_size} {first.batched[:60]!r}); {advice}"
            ),
            stacklevel=2,
        )
    return drifts
