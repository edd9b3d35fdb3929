"""Content keys for caches of model outputs, and which outputs may be cached.

The response cache (:mod:`pytest_multitrust.engine.cache`) and the judge's verdict cache
(:mod:`pytest_multitrust.models.judge`) key their entries with :func:`cache_key` and store
only what :func:`is_cacheable` allows.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_multitrust.models.base import GenerationConfig, ModelInfo

__all__ = ["cache_key", "is_cacheable"]


def cache_key(*parts: Any) -> str:
    """A hex SHA-256 of ``parts`` as canonical JSON (sorted keys, no spaces).

    Use it to build keys for your own namespace; ``parts`` must be JSON-serialisable.

    >>> cache_key("judge-v1", "gpt-4o", "Is this a refusal?")[:16]
    'aab7e60fd2d50eee'
    """
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # "surrogatepass": a lone surrogate (half an emoji in a prompt or an answer) hashes too
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def is_cacheable(info: ModelInfo, config: GenerationConfig) -> bool:
    """Whether a model's responses under ``config`` may be cached.

    True for greedy decoding by a deterministic model that is not a scripted reference.
    """
    return info.deterministic and not config.do_sample and info.backend != "scripted"
