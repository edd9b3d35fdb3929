"""Records that travel from workers to the controller on ``item.user_properties``.

Each is a frozen dataclass serialised to one JSON string (so it also reads well as a
JUnit ``<property>``) under a fixed property name, and parsed back on the controller.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal

from pytest_multitrust.typedjson import Codec, Member, Shape

__all__ = [
    "METRIC_PROPERTY",
    "OPS",
    "RECORD_SHAPES",
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

#: The comparison operators of thresholds and gates.
OPS = (">=", "<=", ">", "<")


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
    """A record's JSON text: keys sorted, NaN as null, C1 controls escaped."""
    data = RECORDS.encode(record)
    return escape_c1(json.dumps(data, sort_keys=True, ensure_ascii=False, allow_nan=False))


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
        return RECORDS.decode(cls, json.loads(text))


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
        return _dump(self)

    @classmethod
    def from_json(cls, text: str) -> MetricResult:
        """Parse :meth:`to_json` output (null values read back as NaN)."""
        return RECORDS.decode(cls, json.loads(text))


_COUNT = Member(minimum=0)
_SECONDS = Member(finite=True, minimum=0)

#: The JSON form of the records beyond their fields (see :mod:`pytest_multitrust.typedjson`):
#: both are written with sorted keys and may gain members in later versions.
RECORD_SHAPES: dict[type, Shape] = {
    SampleRecord: Shape(
        members={
            "image_sha256": Member(pattern="^[0-9a-f]{64}$"),
            "verdict": Member(open_enum=True),
            "latency_s": _SECONDS,
            "prompt_tokens": _COUNT,
            "completion_tokens": _COUNT,
            "attack_steps": _COUNT,
            "attack_seconds": _SECONDS,
        },
        sort_keys=True,
        open=True,
        optional_defaults=True,
        ref="sample",
    ),
    WorstSample: Shape(sort_keys=True, ref="worst"),
    MetricResult: Shape(
        members={
            "op": Member(enum=OPS),
            "verdict": Member(enum=("pass", "fail", "inconclusive", "")),
            "gate": Member(enum=("interval", "point", "")),
            "n": _COUNT,
            "errors": _COUNT,
        },
        sort_keys=True,
        open=True,
        ref="metric",
    ),
}

#: Encodes, decodes and describes the records of this module.
RECORDS = Codec(RECORD_SHAPES)
