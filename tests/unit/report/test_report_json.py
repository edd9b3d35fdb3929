"""report.json, samples.jsonl and the record JSON, byte for byte (characterisation).

The expected files under ``data/`` were written by the hand-written codec the generic one
replaced; the report here exercises every record and every special shape (NaN, nested
groups, computed members, typed settings, escapes, optional sample fields).
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest
from mt_report import metric, report, sample

from pytest_multitrust.records import MetricResult, SampleRecord, WorstSample
from pytest_multitrust.report.json_report import dumps, samples_jsonl, validate_report
from pytest_multitrust.report.model import (
    Comparison,
    DataVersion,
    Delta,
    ModelFacts,
    RunStatus,
    TrustReport,
    Versions,
    WorkerFacts,
    report_from_dict,
    report_to_dict,
)
from pytest_multitrust.tasks.comparability import Comparability

DATA = Path(__file__).parent / "data"


def representative() -> TrustReport:
    """A report with every record kind, NaN values, escapes and a comparison."""
    worst = WorstSample("s-1", 0.0, "no\x9b[31m", "saw \u2028 nothing")
    metrics = [
        dataclasses.replace(
            metric("S.4", "rta", 0.5, ci=(0.3, 0.7), threshold=0.9, verdict="fail", passed=False),
            worst=(worst, WorstSample("s-2", 0.25, "ok", "")),
        ),
        metric("T.1", "accuracy", 0.95, ci=(0.9, 0.99), threshold=0.5, verdict="pass"),
        dataclasses.replace(
            metric("P.1", "leak", math.nan, ci=(math.nan, math.nan), direction="lower", n=0),
            errors=3,
            verdict="inconclusive",
        ),
        metric("X.1", "custom", 1.0, ci=(1.0, 1.0), threshold=0.5, verdict="pass"),
    ]
    samples = [
        sample("S.4", "s-0", 1.0),
        dataclasses.replace(
            sample("S.4", "s-1", 0.0, response="bad \x85 \ud83d", verdict="miss"),
            values={"rta": 0.0, "zeta": math.nan, "alpha": 1.0},
            expected="a refusal",
            detail="matched <b>",
            scorer="judge:gpt",
            latency_s=0.125,
            prompt_tokens=12,
            completion_tokens=7,
            tags=("b", "a"),
            attack="pgd(eps=8/255) loss 0.1",
            attack_steps=10,
            attack_seconds=2.5,
            attack_cached=True,
        ),
        dataclasses.replace(
            sample("T.1", "t-0", math.nan, metric_name="accuracy", image=None),
            verdict="error",
            error="timeout",
            response="",
            cached=True,
        ),
        dataclasses.replace(
            sample("P.1", "p-0", math.nan, metric_name="leak"),
            verdict="skip",
            skip_reason="no image",
        ),
    ]
    base = report(metrics, samples, thresholds=("safety>=0.8", "overall>=0.5", "T.1.accuracy>=0.2"))
    model = ModelFacts("hf:tiny", "hf", "tiny", "fp-1", "cuda:0", "float16")
    provenance = dataclasses.replace(
        base.provenance,
        versions=Versions("0.1.0", "3.11.7", "8.3.0", None, "2.4.0", None),
        platform="Linux-6.1-x86_64-with-glibc2.36",
        model=model,
        device="cuda:0",
        workers=(
            WorkerFacts("gw0", model, 1.5, 512.0, 100.0, False, "0"),
            WorkerFacts("gw1", None, 0.0, None, None, True),
        ),
        data=(DataVersion("S.4", "safety/S.4.jsonl", "1", "ab" * 32, 40),),
        git_commit="0123456789abcdef0123456789abcdef01234567",
        git_dirty=True,
        duration_s=12.5,
        model_load_s=1.5,
        generation_s=0.125,
    )
    comparison = Comparison(
        baseline_id="0003_1a2b3c4d_20261123_101500",
        baseline_path="/runs/0003_1a2b3c4d_20261123_101500.json",
        baseline_created="2026-11-23T10:15:00+00:00",
        baseline_commit=None,
        deltas=(
            Delta("overall", 0.8, 0.7, -0.1, -0.05, -0.2, 0.1, 30),
            Delta("S.4.rta", math.nan, 0.5, math.nan, math.nan, math.nan, math.nan, 0),
        ),
        differences=("model: fp-0 -> fp-1",),
    )
    return dataclasses.replace(
        base,
        provenance=provenance,
        status=RunStatus(1, True, "-x stop", ("F.1",), ("gw1",)),
        comparison=comparison,
        extra=(("ticket", "MT-1"), ("note", "caf\u00e9")),
        comparability=(
            Comparability("S.4", "approximate", "a rule of ours"),
            Comparability("T.1", "exact", "the original rule"),
        ),
    )


def _expected(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def test_report_json_is_byte_for_byte_what_it_was() -> None:
    text = dumps(representative())
    validate_report(json.loads(text))
    assert text == _expected("report.json")


def test_samples_jsonl_is_byte_for_byte_what_it_was() -> None:
    assert samples_jsonl(representative()) == _expected("samples.jsonl")


def test_record_json_is_byte_for_byte_what_it_was() -> None:
    r = representative()
    lines = [s.to_json() for s in r.samples]
    lines += [m.to_json() for t in r.scores.tasks for m in t.metrics]
    lines += [json.dumps(w.to_dict()) for w in r.provenance.workers]
    assert "".join(x + "\n" for x in lines) == _expected("records.jsonl")


def test_records_read_back_equal_their_json() -> None:
    r = representative()
    for s in r.samples:
        assert SampleRecord.from_json(s.to_json()).to_json() == s.to_json()
    for m in (m for t in r.scores.tasks for m in t.metrics):
        assert MetricResult.from_json(m.to_json()).to_json() == m.to_json()
    for w in r.provenance.workers:
        assert WorkerFacts.from_dict(w.to_dict()) == w


def test_report_reads_back_to_the_same_json() -> None:
    r = representative()
    data = json.loads(dumps(r))
    back = report_from_dict(data)
    assert dumps(back) == dumps(r)
    assert report_to_dict(back) == report_to_dict(r)
    assert back.provenance == r.provenance
    assert back.status == r.status
    assert back.comparability == r.comparability


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("schema_version",), "2.0"),
        (("created",), 5),
        (("status", "partial"), "yes"),
        (("provenance", "data", 0, "sha256"), "xyz"),
        (("provenance", "git", "commit"), "not-hex"),
        (("provenance", "timings", "duration_s"), None),
        (("provenance", "workers", 0, "load_s"), -1),
        (("provenance", "settings", "seed"), {"a": 1}),
        (("scores", "overall", "level"), "task"),
        (("scores", "tasks", 0, "metrics", 0, "op"), "=="),
        (("scores", "tasks", 0, "metrics", 0, "verdict"), "maybe"),
        (("gates", 0, "mode"), "vibes"),
        (("gates", 0, "limit"), None),
        (("samples", 0, "image_sha256"), "xyz"),
        (("samples", 0, "values", "rta"), "1"),
        (("counts", "pass"), -1),
        (("extra", "ticket"), 1),
        (("comparability", 0, "label"), "close"),
        (("comparison", "deltas", 0, "shared"), -2),
        (("unknown",), 1),
        (("status", "unknown"), 1),
    ],
)
def test_the_schema_refuses(path: tuple[str | int, ...], value: object) -> None:
    data = json.loads(dumps(representative()))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(Exception, match=r"report\.json"):
        validate_report(data)


@pytest.mark.parametrize(
    "path",
    [("counts", "pass"), ("status", "partial"), ("gates", 0, "source"), ("provenance", "git")],
)
def test_the_schema_requires(path: tuple[str | int, ...]) -> None:
    data = json.loads(dumps(representative()))
    target = data
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    with pytest.raises(Exception, match=r"report\.json"):
        validate_report(data)


@pytest.mark.parametrize(
    "path",
    [
        ("comparability",),
        ("samples", 0, "tags"),
        ("samples", 0, "latency_s"),
        ("provenance", "workers", 0, "cuda_visible_devices"),
    ],
)
def test_the_schema_leaves_optional(path: tuple[str | int, ...]) -> None:
    data = json.loads(dumps(representative()))
    target = data
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    validate_report(data)


def test_the_schema_leaves_records_open_where_they_were() -> None:
    data = json.loads(dumps(representative()))
    data["samples"][0]["future"] = 1
    data["samples"][0]["verdict"] = "some-later-verdict"
    data["scores"]["tasks"][0]["metrics"][0]["future"] = 1
    data["counts"]["skip"] = 1
    validate_report(data)
