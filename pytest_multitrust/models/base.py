"""The model-under-test protocol and the typed records that cross it.

Every backend (``hf:``, ``openai:``, scripted, user ``py:`` factories) implements
:class:`MLLM`: one batched :meth:`MLLM.generate` call from a list of :class:`Request`
to a list of :class:`Response`, in the same order. Records are frozen dataclasses; images
travel as PNG bytes so that they hash, cache and serialise the same way everywhere.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from PIL import Image

__all__ = [
    "MLLM",
    "DeferredLoad",
    "GenerationConfig",
    "ImageData",
    "Message",
    "ModelInfo",
    "Request",
    "Response",
]

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ImageData:
    """One image, held as encoded PNG bytes.

    Use :meth:`from_pil` to build one and :meth:`to_pil` to decode it; :attr:`sha256`
    is the content hash used by the response cache and the report.
    """

    png: bytes = field(repr=False)  # the encoded PNG file, exactly as hashed

    @classmethod
    def from_pil(cls, image: Image.Image) -> ImageData:
        """Encode a PIL image as PNG (RGB) without metadata, deterministically."""
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="PNG", optimize=False)
        return cls(png=buffer.getvalue())

    @cached_property
    def sha256(self) -> str:
        """Hex SHA-256 of the PNG bytes."""
        return hashlib.sha256(self.png).hexdigest()

    def to_pil(self) -> Image.Image:
        """Decode to an RGB PIL image."""
        from PIL import Image

        with Image.open(io.BytesIO(self.png)) as image:
            return image.convert("RGB")


@dataclass(frozen=True)
class Message:
    """One chat turn: a role, its text and the images shown with it (before the text)."""

    role: Role  # "system", "user" or "assistant"
    text: str  # the text of the turn
    images: tuple[ImageData, ...] = ()  # images attached to this turn, in order


@dataclass(frozen=True)
class GenerationConfig:
    """How to decode. Only greedy configs (``do_sample=False``) are cacheable."""

    max_new_tokens: int = 64  # upper bound on generated tokens
    do_sample: bool = False  # False = greedy decoding, deterministic
    temperature: float = 0.0  # used only when do_sample is True
    seed: int = 0  # sampling seed; also sent to remote servers


@dataclass(frozen=True)
class Request:
    """One generation request: a chat plus the ids that tie it back to a sample."""

    messages: tuple[Message, ...]  # the chat, last turn from the user
    task_id: str = ""  # e.g. "S.4"; empty for ad-hoc requests
    sample_id: str = ""  # e.g. "typographic-0007"
    reference: str | None = None  # ideal answer; read only by the scripted oracle model

    @property
    def prompt(self) -> str:
        """The text of the last user turn."""
        for message in reversed(self.messages):
            if message.role == "user":
                return message.text
        return ""

    @property
    def images(self) -> tuple[ImageData, ...]:
        """All images of the chat, in order."""
        return tuple(image for message in self.messages for image in message.images)


@dataclass(frozen=True)
class Response:
    """What the model said, with its cost. ``error`` is set instead of raising."""

    text: str  # generated text, special tokens removed, stripped
    prompt_tokens: int = 0  # tokens in the encoded prompt (0 when unknown)
    completion_tokens: int = 0  # tokens generated (0 when unknown)
    latency_s: float = 0.0  # wall time of the batch share of this request, seconds
    finish_reason: str = "stop"  # "stop", "length" or "error"
    error: str | None = None  # set when generation failed for this request
    cached: bool = False  # True when served from the response cache


@dataclass(frozen=True)
class ModelInfo:
    """Facts about a loaded model, for the cache key and the report."""

    spec: str  # the spec the user gave, e.g. "tiny-llava" or "hf:/models/x"
    backend: str  # "hf", "openai", "scripted", "py", ...
    name: str  # human-readable model name
    fingerprint: str  # content hash of weights, processor, chat template and dtype
    device: str = "cpu"  # where it runs, e.g. "cuda:0"
    dtype: str = "float32"  # torch dtype name, or "n/a" for remote models
    white_box: bool = False  # gradients available (adversarial attacks can run)
    default_batch_size: int = 8  # batch size to use when the user gave none
    deterministic: bool = True  # greedy outputs are reproducible (cacheable)


@runtime_checkable
class MLLM(Protocol):
    """A multimodal LLM under test: images and text in, text out.

    Example:
        A minimal model for a ``py:`` spec::

            class Constant:
                info = ModelInfo(spec="py:m:make", backend="py", name="constant",
                                 fingerprint="constant-v1")

                def generate(self, requests, config):
                    return [Response(text="I'm sorry.") for _ in requests]
    """

    @property
    def info(self) -> ModelInfo:
        """Facts about the model (name, fingerprint, device)."""
        ...

    def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
        """Generate one response per request, in order, as one batch.

        A failure that concerns a single request is returned as a :class:`Response`
        with ``error`` set; a failure of the whole model raises.
        """
        ...


@runtime_checkable
class DeferredLoad(Protocol):
    """A model whose :attr:`~MLLM.info` is known before its weights are loaded.

    The response cache keys on ``info`` alone, so a model that can tell its fingerprint
    from its files (the ``hf:`` backend and the embedded ``tiny-llava`` do) need not load
    its weights for a re-run whose answers are all cached. The plugin calls
    :meth:`load_weights` once, on the first cache miss (or the first attack that must be
    computed), before it calls ``generate``; a factory (``py:``) may return such a model
    too, with the same effect.
    """

    def load_weights(self) -> None:
        """Load what :meth:`MLLM.generate` needs (a no-op once loaded); raises on failure."""
        ...
