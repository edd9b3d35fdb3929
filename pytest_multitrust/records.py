"""Records that travel from workers to the controller on ``item.user_properties``.

Each is a frozen dataclass serialised to one JSON string (so it also reads well as a
JUnit ``<property>``) under a fixed property name, and parsed back on the controller.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal, TypeVar

__all__ = [
    "METRIC_PROPERTY",
    "SAMPLE_PROPERTY",
    "VERDICT_PROPERTY",
    "MetricResult",
    "SampleRecord",
    "WorstSample",
    "escape_c1",
]

SAMPLE_PROPERTY = "multitrust.sample"
METRIC_PROPERTY = "multitrust.metric"
VERDICT_PROPERTY = "multitrust.verdict"

Verdict = Literal["pass", "miss", "error", "skip"]

T = TypeVar("T")


def _nan_to_none(value: float) -> float | None:
    return None if isinstance(value, float) and math.isnan(value) else value


_C1 = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def escape_c1(text: str) -> str:
    r"""JSON text with DEL, the C1 controls, U+2028/U+2029 and lone surrogates as ``\u`` escapes.

    ``json.dumps(ensure_ascii=False)`` escapes only characters below 0x20, so a model's
    8-bit terminal control (``\x9b`` is an 8-bit CSI) would otherwise reach report files
    raw, and a lone surrogate (half an emoji cut at a token limit) could not be written
    as UTF-8 at all; U+FFFE and U+FFFF, like the surrogates, cannot stand in XML (JUnit
    reports carry this JSON). U+2028 and U+2029 (and U+0085, a C1 control) are line breaks to
    ``str.splitlines`` and to JavaScript before ES2019: escaped, a JSONL line stays one line
    for every reader. Inside JSON such a character can only stand in a string, where its
    escape means the same: ``json.loads`` gives the exact string back.
    """
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _dump(record: object) -> str:
    data = asdict(record)  # type: ignore[call-overload]
    for key, value in list(data.items()):
        if isinstance(value, float):
            data[key] = _nan_to_none(value)
        elif isinstance(value, dict):
            data[key] = {
                k: _nan_to_none(v) if isinstance(v, float) else v for k, v in value.items()
            }
    return escape_c1(json.dumps(data, sort_keys=True, ensure_ascii=False, allow_nan=False))


def _known(cls: type[Any], data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


@dataclass(frozen=True)
class SampleRecord:
    """One scored sample: what was asked, what came back, how it scored."""

    task_id: str  # e.g. "S.4"
    sample_id: str  # e.g. "typographic-0007"
    variant: str  # the task variant
    prompt: str  # the user turn sent
    image_sha256: str | None  # hash of the PNG shown, None without image
    response: str  # the model's text ("" on error)
    values: dict[str, float]  # metric -> value for this sample (NaN = not counted)
    verdict: Verdict  # pass, miss (criterion not met), error, or skip (could not run)
    expected: str = ""  # what a passing response looks like
    detail: str = ""  # what the scorer saw
    scorer: str = "rule"  # which scorer produced the values
    error: str | None = None  # why generation or scoring failed
    latency_s: float = 0.0  # generation time share, seconds
    prompt_tokens: int = 0  # prompt length in tokens
    completion_tokens: int = 0  # generated tokens
    cached: bool = False  # served from the response cache
    tags: tuple[str, ...] = ()  # free labels added by hooks
    skip_reason: str | None = None  # why the sample did not run (verdict "skip")
    attack: str = ""  # image attack applied before generation, with its losses ("" = none)
    attack_steps: int = 0  # optimisation steps that attack ran
    attack_seconds: float = 0.0  # wall time of that attack when computed (kept when reused)
    attack_cached: bool = False  # the attacked image was reused from the attack cache

    def to_json(self) -> str:
        """Serialise to a JSON string (NaN written as null)."""
        return _dump(self)

    @classmethod
    def from_json(cls, text: str) -> SampleRecord:
        """Parse :meth:`to_json` output (null values read back as NaN)."""
        data = _known(cls, json.loads(text))
        data["values"] = {
            k: math.nan if v is None else float(v) for k, v in data.get("values", {}).items()
        }
        data["tags"] = tuple(data.get("tags", ()))
        return cls(**data)


@dataclass(frozen=True)
class WorstSample:
    """A low-scoring sample quoted in a threshold failure message."""

    sample_id: str  # the sample id
    value: float  # its metric value
    response: str  # the start of the response
    detail: str  # what the scorer saw


@dataclass(frozen=True)
class MetricResult:
    """A task metric against its threshold, as the threshold test judged it."""

    task_id: str  # e.g. "S.4"
    task_name: str  # e.g. "Plain typographic jailbreaking"
    aspect: str  # e.g. "safety"
    sub_aspect: str  # e.g. "jailbreaking"
    metric: str  # e.g. "rta"
    direction: Literal["higher", "lower"]  # which way is better
    value: float  # the metric value (NaN when no sample counted)
    threshold: float  # the limit it is judged against
    op: str  # ">=", "<=", ">" or "<"
    passed: bool  # counts as passed: the gate verdict, inconclusive as --mt-inconclusive says
    n: int  # samples that counted
    errors: int  # samples that errored and did not count
    ci_low: float  # 95 % interval, low end
    ci_high: float  # 95 % interval, high end
    scorer: str  # rule, classifier or judge (with its name)
    trust_score: float  # the task's 0-1 trust score (same for all metrics of a task)
    worst: tuple[WorstSample, ...] = ()  # up to five lowest-scoring samples
    verdict: str = ""  # gate verdict: "pass", "fail" or "inconclusive" ("" = not judged yet)
    gate: str = ""  # what the verdict was judged on: "interval" or "point"

    def to_json(self) -> str:
        """Serialise to a JSON string (NaN written as null)."""
        data = json.loads(_dump(self))
        data["worst"] = [{**asdict(w), "value": _nan_to_none(w.value)} for w in self.worst]
        return escape_c1(json.dumps(data, sort_keys=True, ensure_ascii=False))

    @classmethod
    def from_json(cls, text: str) -> MetricResult:
        """Parse :meth:`to_json` output."""
        data = _known(cls, json.loads(text))
        for key in ("value", "ci_low", "ci_high", "trust_score", "threshold"):
            if data.get(key) is None:
                data[key] = math.nan
        data["worst"] = tuple(
            WorstSample(**{**w, "value": math.nan if w["value"] is None else w["value"]})
            for w in data.get("worst", ())
        )
        return cls(**data)
