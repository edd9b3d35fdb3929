"""The records a model factory is built from: the parsed ``--mllm`` value and its options.

Defined apart from :mod:`pytest_multitrust.models.registry` (which re-exports them) so
that the backends (:mod:`~pytest_multitrust.models.hf`,
:mod:`~pytest_multitrust.models.openai_backend`) can name them without importing the
registry that builds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = ["ModelOptions", "ModelSpec", "Scheme"]

#: How a spec is built: a registered name, a Hugging Face model, an OpenAI-compatible
#: server, a Python factory, or an entry point.
Scheme = Literal["name", "hf", "openai", "py", "entrypoint"]


@dataclass(frozen=True)
class ModelOptions:
    """Settings a model factory may use (from ``Settings``)."""

    device: str = "auto"  # "auto", "cpu", "cuda", "cuda:N", "mps"
    dtype: str = "auto"  # "auto", "float32", "float16", "bfloat16"
    trust_remote_code: bool = False  # run model code from the hub (explicit opt-in)
    cache_dir: Path = field(default_factory=lambda: Path(".multitrust-cache"))  # built models
    seed: int = 0  # seed for sampling and for building random-weight models
    batch_size: int | None = None  # None -> the model's default
    concurrency: int = 8  # requests in flight per process to a remote (openai:) server
    timeout_s: float = 120.0  # seconds one remote request may take before it is retried
    retries: int = 4  # retries of a failed remote request (429, 5xx, timeout, dropped)


@dataclass(frozen=True)
class ModelSpec:
    """A parsed ``--mllm`` value."""

    raw: str  # exactly as the user typed it
    scheme: Scheme  # how to build it
    target: str  # name, repo/path, URL#model or module:factory
    alias_of: str | None = None  # the alias the user typed, when resolved from one

    @property
    def display(self) -> str:
        """The spec as shown in messages and reports: credentials in a URL masked."""
        from pytest_multitrust.models.redact import redact_spec

        return redact_spec(self.raw)

    def __str__(self) -> str:
        return self.display
