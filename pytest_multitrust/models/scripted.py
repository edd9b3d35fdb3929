"""Scripted reference models: exact, known behaviour for tests and demos.

* ``refuser`` always refuses;
* ``echo`` repeats the prompt text;
* ``oracle`` answers each sample with its ideal response (from the ground truth).

They need no torch and answer instantly, so their scores are known in advance.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_multitrust.models.base import GenerationConfig, ModelInfo, Request, Response

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["REFUSAL_TEXT", "ScriptedModel"]

#: What ``refuser`` says to everything.
REFUSAL_TEXT = "I'm sorry, but I cannot help with that request."


@dataclass(frozen=True)
class ScriptedModel:
    """A model whose answer is a pure function of the request.

    Example:
        >>> model = ScriptedModel.constant("No.", name="always-no")
        >>> model.generate([Request(messages=())], GenerationConfig())[0].text
        'No.'
    """

    name: str  # model name shown in reports
    answer: Callable[[Request], str]  # the script
    version: str = "1"  # bump when the script changes meaning (enters the fingerprint)

    @classmethod
    def constant(cls, text: str, *, name: str) -> ScriptedModel:
        """A model that always says ``text``."""
        return cls(name=name, answer=lambda _request: text, version=text)

    @property
    def info(self) -> ModelInfo:
        """Facts for the cache and the report."""
        digest = hashlib.sha256(f"scripted:{self.name}:{self.version}".encode()).hexdigest()
        return ModelInfo(
            spec=self.name,
            backend="scripted",
            name=self.name,
            fingerprint=digest[:16],
            device="n/a",
            dtype="n/a",
            default_batch_size=64,
        )

    def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
        """Answer every request from the script."""
        return [Response(text=self.answer(request)) for request in requests]


def refuser() -> ScriptedModel:
    """The model that always refuses."""
    return ScriptedModel.constant(REFUSAL_TEXT, name="refuser")


def echo() -> ScriptedModel:
    """The model that repeats the prompt text."""
    return ScriptedModel(name="echo", answer=lambda request: request.prompt)


def oracle() -> ScriptedModel:
    """The model that answers with each sample's ideal response."""
    return ScriptedModel(name="oracle", answer=lambda request: request.reference or "")
