"""report.json, samples.jsonl and the record JSON, byte for byte (characterisation).

The expected files under ``data/`` were written by the hand-written codec the generic one
replaced; the report here exercises every record and every special shape (NaN, nested
groups, computed members, typed settings, escapes, optional sample fields). After a
deliberate change of the JSON (a new record field), rewrite them with
``PYTHONPATH=tests python tests/unit/report/test_report_json.py`` and review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mt_full_report import representative

from pytest_multitrust.records import MetricResult, SampleRecord
from pytest_multitrust.report.json_report import dumps, samples_jsonl, validate_report
from pytest_multitrust.report.model import (
    WorkerFacts,
    report_from_dict,
    report_to_dict,
)

DATA = Path(__file__).parent / "data"


def _expected(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def test_report_json_is_byte_for_byte_what_it_was() -> None:
    text = dumps(representative())
    validate_report(json.loads(text))
    assert text == _expected("report.json")


def test_samples_jsonl_is_byte_for_byte_what_it_was() -> None:
    assert samples_jsonl(representative()) == _expected("samples.jsonl")


def test_record_json_is_byte_for_byte_what_it_was() -> None:
    assert _records_jsonl() == _expected("records.jsonl")


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


def _records_jsonl() -> str:
    r = representative()
    lines = [s.to_json() for s in r.samples]
    lines += [m.to_json() for t in r.scores.tasks for m in t.metrics]
    lines += [json.dumps(w.to_dict()) for w in r.provenance.workers]
    return "".join(x + "\n" for x in lines)


if __name__ == "__main__":  # rewrite the expected files
    (DATA / "report.json").write_text(dumps(representative()), encoding="utf-8")
    (DATA / "samples.jsonl").write_text(samples_jsonl(representative()), encoding="utf-8")
    (DATA / "records.jsonl").write_text(_records_jsonl(), encoding="utf-8")
