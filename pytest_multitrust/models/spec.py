"""The records a model factory is built from: the parsed ``--mllm`` value and its options.

:class:`ModelSpec` is defined apart from :mod:`pytest_multitrust.models.registry` (which
re-exports it) so that the backends (:mod:`~pytest_multitrust.models.hf`,
:mod:`~pytest_multitrust.models.openai_backend`) can name it without importing the registry
that builds them. :class:`ModelOptions`, the subset of the settings a factory sees, is
defined in :mod:`pytest_multitrust.settings` and re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pytest_multitrust.settings import ModelOptions

__all__ = ["ModelOptions", "ModelSpec", "Scheme"]

#: How a spec is built: a registered name, a Hugging Face model, an OpenAI-compatible
#: server, a Python factory, or an entry point.
Scheme = Literal["name", "hf", "openai", "py", "entrypoint"]


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
