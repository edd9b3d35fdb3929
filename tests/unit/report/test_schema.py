"""report.schema.json is generated from the typed records; records round-trip through JSON."""

from __future__ import annotations

import dataclasses
import json
import math
import sys
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, Union

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mt_full_report import representative

from pytest_multitrust.records import RECORDS, MetricResult, SampleRecord, WorstSample
from pytest_multitrust.report.json_report import dumps, load_schema, validate_report
from pytest_multitrust.report.model import (
    REPORT,
    REPORT_SHAPES,
    SettingValue,
    TrustReport,
    WorkerFacts,
    report_from_dict,
    report_to_dict,
)
from pytest_multitrust.report.schema import SCHEMA_PATH, main, report_schema, schema_text
from pytest_multitrust.typedjson import Codec, Computed, Member, Shape, field_docs


def test_the_shipped_schema_is_the_generated_one() -> None:
    """Fails when a record changed without regenerating the schema; to fix, run
    ``python -m pytest_multitrust.report.schema --write``."""
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text()
    assert load_schema() == report_schema()


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(report_schema())


def test_the_command_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert capsys.readouterr().out == schema_text()
    assert main(["--nonsense"]) == 2


def test_every_record_field_has_a_description() -> None:
    for cls in REPORT_SHAPES:
        docs = field_docs(cls)
        assert [f.name for f in dataclasses.fields(cls) if not docs.get(f.name)] == [], cls


def test_the_schema_says_what_the_records_say() -> None:
    defs = report_schema()["$defs"]
    sample = defs["sample"]
    assert sample["required"] == [
        f.name
        for f in dataclasses.fields(SampleRecord)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    assert list(sample["properties"]) == [f.name for f in dataclasses.fields(SampleRecord)]
    assert sample["properties"]["prompt"]["description"] == "the user turn sent"
    assert defs["metric"]["properties"]["direction"]["enum"] == ["higher", "lower"]
    assert defs["node"]["properties"]["score"]["type"] == ["number", "null"]
    git = report_schema()["properties"]["provenance"]["properties"]["git"]["oneOf"][0]
    assert git["properties"]["commit"]["type"] == "string"  # null only as a whole group
    assert git["properties"]["dirty"]["type"] == ["boolean", "null"]


# -- round trips over arbitrary records -------------------------------------------------------

_FLOATS = st.floats(allow_infinity=False)  # NaN is written as null; infinity is refused


def strategy(hint: Any) -> st.SearchStrategy[Any]:
    """Values of a record field's type (records built field by field)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal:
        return st.sampled_from(args)
    if origin in (Union, types.UnionType):
        return st.one_of([strategy(a) for a in args])
    if origin is tuple:
        item = args[0]
        pair = typing.get_args(item)
        if typing.get_origin(item) is tuple and len(pair) == 2:  # keys are unique in JSON
            return st.dictionaries(st.text(max_size=5), strategy(pair[1]), max_size=3).map(
                lambda d: tuple(d.items())
            )
        return st.lists(strategy(item), max_size=3).map(tuple)
    if origin in (dict, Mapping):
        return st.dictionaries(st.text(max_size=5), strategy(args[1]), max_size=3)
    simple: dict[Any, st.SearchStrategy[Any]] = {
        str: st.text(max_size=8),
        int: st.integers(-(2**40), 2**40),
        float: _FLOATS,
        bool: st.booleans(),
        type(None): st.none(),
    }
    if hint in simple:
        return simple[hint]
    assert dataclasses.is_dataclass(hint), hint
    hints = typing.get_type_hints(hint, globalns={**_NAMES, **vars(sys.modules[hint.__module__])})
    return st.builds(
        hint,  # type: ignore[arg-type]
        **{f.name: _deferred(hints[f.name]) for f in dataclasses.fields(hint)},
    )


def _deferred(hint: Any) -> st.SearchStrategy[Any]:
    return st.deferred(lambda: strategy(hint))


_NAMES: dict[str, Any] = {c.__name__: c for c in REPORT_SHAPES} | {"SettingValue": SettingValue}


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(strategy(TrustReport))
def test_any_report_reads_back_to_the_same_json(report: TrustReport) -> None:
    data = report_to_dict(report)
    back = report_from_dict(json.loads(json.dumps(data, allow_nan=False)))
    assert report_to_dict(back) == data
    assert dumps(back) == dumps(report)


@settings(max_examples=100, deadline=None)
@given(strategy(SampleRecord))
def test_any_sample_record_reads_back_to_the_same_json(record: SampleRecord) -> None:
    assert SampleRecord.from_json(record.to_json()).to_json() == record.to_json()


def _no_constant(name: str) -> object:
    raise AssertionError(f"{name} written as a JSON number")


@settings(max_examples=100, deadline=None)
@given(strategy(MetricResult))
def test_any_metric_result_reads_back_to_the_same_json(result: MetricResult) -> None:
    text = result.to_json()
    json.loads(text, parse_constant=_no_constant)  # NaN is written as null (text may say "NaN")
    assert MetricResult.from_json(text).to_json() == text


@settings(max_examples=100, deadline=None)
@given(strategy(WorkerFacts))
def test_any_worker_facts_read_back_equal(facts: WorkerFacts) -> None:
    back = WorkerFacts.from_dict(json.loads(json.dumps(facts.to_dict())))
    assert REPORT.encode(back) == REPORT.encode(facts)


def test_a_nan_worst_value_is_written_as_null() -> None:
    """The hand-written codec raised on it; the generic one writes null like any NaN."""
    result = dataclasses.replace(
        representative().scores.tasks[0].metrics[0], worst=(WorstSample("s", math.nan, "", ""),)
    )
    assert json.loads(result.to_json())["worst"][0]["value"] is None
    assert math.isnan(MetricResult.from_json(result.to_json()).worst[0].value)


def test_records_read_leniently_as_before() -> None:
    """Unknown members are ignored; missing optional ones take their default."""
    record = RECORDS.decode(
        SampleRecord,
        {
            "task_id": "S.4",
            "sample_id": "s-0",
            "variant": "default",
            "prompt": "p",
            "image_sha256": None,
            "response": "r",
            "verdict": "pass",
            "later": 1,
        },
    )
    assert (record.values, record.tags, record.scorer) == ({}, (), "rule")
    facts = WorkerFacts.from_dict({"worker": "gw0"})
    assert facts == WorkerFacts("gw0", None, 0.0, None)


def test_a_written_report_validates() -> None:
    validate_report(json.loads(dumps(representative())))


# -- the generic codec ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Inner:
    a: int  # a number
    b: str | None = None  # a text


@dataclasses.dataclass(frozen=True)
class _Outer:
    x: float  # first
    first: int  # grouped, first
    second: str  # grouped, second
    inner: tuple[_Inner, ...] = ()  # the inners
    pairs: tuple[tuple[str, int | tuple[str, ...]], ...] = ()  # ordered


_CODEC = Codec(
    {
        _Outer: Shape(
            members={"first": Member(group="g", key="one"), "second": Member(group="g")},
            computed=(Computed("total", int, lambda o, _: len(o.inner), "how many", after="x"),),
            order=("pairs", "x", "total", "g", "inner"),
        ),
        _Inner: Shape(members={"a": Member(minimum=1)}, ref="inner"),
    }
)


def test_the_codec_follows_the_shape() -> None:
    value = _Outer(math.nan, 1, "s", (_Inner(2),), (("k", 3), ("j", ("a",))))
    data = _CODEC.encode(value)
    assert data == {
        "pairs": {"k": 3, "j": ["a"]},
        "x": None,
        "total": 1,
        "g": {"one": 1, "second": "s"},
        "inner": [{"a": 2, "b": None}],
    }
    assert list(data) == ["pairs", "x", "total", "g", "inner"]
    back = _CODEC.decode(_Outer, data)
    assert _CODEC.encode(back) == data
    schema = _CODEC.schema(_Outer)
    assert schema["properties"]["pairs"]["additionalProperties"] == {
        "type": ["integer", "array"],
        "items": {"type": "string"},
    }
    assert schema["$defs"]["inner"]["properties"]["a"] == {
        "type": "integer",
        "minimum": 1,
        "description": "a number",
    }
    assert schema["properties"]["g"]["required"] == ["one", "second"]
    jsonschema.validate(data, schema)


def test_a_shape_naming_no_field_is_refused() -> None:
    with pytest.raises(TypeError, match="names no field"):
        Codec({_Inner: Shape(members={"c": Member()})})
    with pytest.raises(TypeError, match="order"):
        Codec({_Inner: Shape(order=("a",))})


def test_the_codec_module_examples_hold() -> None:
    import doctest

    import pytest_multitrust.typedjson as module

    assert doctest.testmod(module).failed == 0


def test_a_value_off_its_union_is_written_and_read_as_it_is() -> None:
    """As the hand-written codec did: the schema check, not the writer, refuses it."""
    odd = _Inner(2, 5)  # type: ignore[arg-type]
    assert _CODEC.encode(odd) == {"a": 2, "b": 5}
    assert _CODEC.decode(_Inner, {"a": 2, "b": 5}) == odd
