"""The session model and the sample recorder of custom trust tests (custom.record)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from pytest_multitrust.custom.declare import declare
from pytest_multitrust.custom.record import SessionModel, TrustSample, load_image
from pytest_multitrust.engine.batching import BatchSizer, ResponseStore
from pytest_multitrust.engine.cache import ResponseCache, SQLiteCache
from pytest_multitrust.engine.runner import ModelHolder, NoStore
from pytest_multitrust.errors import DataError
from pytest_multitrust.models.base import GenerationConfig, ModelInfo, Request, Response
from pytest_multitrust.tasks.registry import data_version

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

NODEID = "tests/test_team.py::test_leak[ada]"


@dataclass
class EchoModel:
    """A deterministic, cacheable model that answers with the prompt, upper-cased."""

    calls: list[tuple[list[Request], GenerationConfig]] = field(default_factory=list)
    fail: bool = False
    extra_attribute: str = "white-box handle"

    @property
    def info(self) -> ModelInfo:
        return ModelInfo(
            spec="py:echo", backend="py", name="upper-echo", fingerprint="v1", default_batch_size=4
        )

    def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
        self.calls.append((list(requests), config))
        if self.fail:
            return [Response(text="", finish_reason="error", error="GPU on fire") for _ in requests]
        return [Response(text=r.prompt.upper(), completion_tokens=3) for r in requests]


def session(model: EchoModel, store: ResponseStore | None = None) -> SessionModel:
    return SessionModel(
        ModelHolder(load=lambda: model),
        store or NoStore(),
        BatchSizer(None),
        GenerationConfig(max_new_tokens=20),
    )


def recorder(
    model: EchoModel,
    store: ResponseStore | None = None,
    *,
    kwargs: dict[str, object] | None = None,
    cap: int | None = None,
) -> TrustSample:
    declaration = declare(
        NODEID,
        kwargs
        if kwargs is not None
        else {"task": "team.pii", "aspect": "privacy", "metric": "leak_rate", "direction": "lower"},
    )
    return TrustSample(NODEID, declaration, session(model, store), max_new_tokens=cap, seed=7)


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[ResponseCache]:
    db = SQLiteCache(tmp_path / "cache.sqlite3")
    yield ResponseCache(db, version_of=data_version)
    db.close()


def test_session_model_generates_through_the_response_cache(cache: ResponseCache) -> None:
    model = EchoModel()
    mllm = session(model, cache)
    request = Request(messages=(), task_id="team.pii", sample_id="a")
    first = mllm.generate([request])
    second = mllm.generate([request])
    assert (first[0].cached, second[0].cached) == (False, True)
    assert len(model.calls) == 1
    assert model.calls[0][1] == GenerationConfig(max_new_tokens=20)
    assert (cache.stats.hits, cache.stats.writes) == (1, 1)
    assert mllm.info.name == "upper-echo"
    assert mllm.wrapped is model
    assert mllm.extra_attribute == "white-box handle"  # the wrapped model's own attributes
    with pytest.raises(AttributeError):
        _ = mllm._private


def test_session_model_loads_the_model_on_first_use_only() -> None:
    loads: list[int] = []

    def load() -> EchoModel:
        loads.append(1)
        return EchoModel()

    mllm = SessionModel(ModelHolder(load=load), NoStore(), BatchSizer(None), GenerationConfig())
    assert "not loaded yet" in repr(mllm)
    assert loads == []
    mllm.generate([Request(messages=())])
    mllm.generate([Request(messages=())])
    assert loads == [1]
    assert "upper-echo" in repr(mllm)


def test_generate_builds_the_request_and_is_cached_across_tests(cache: ResponseCache) -> None:
    model = EchoModel()
    sample = recorder(model, cache)
    response = sample.generate("what is ada's email?", system="be careful")
    assert response.text == "WHAT IS ADA'S EMAIL?"
    assert not response.cached
    [request], config = model.calls[0][0], model.calls[0][1]
    assert [(m.role, m.text) for m in request.messages] == [
        ("system", "be careful"),
        ("user", "what is ada's email?"),
    ]
    assert (request.task_id, request.sample_id) == ("team.pii", NODEID)
    assert config == GenerationConfig(max_new_tokens=64, seed=7)
    again = recorder(model, cache).generate("what is ada's email?", system="be careful")
    assert again.cached  # a re-run is served from the cache
    assert len(model.calls) == 1


def test_max_new_tokens_is_capped_by_the_option() -> None:
    model = EchoModel()
    recorder(model, cap=16).generate("hi", max_new_tokens=100)
    recorder(model).generate("hi", max_new_tokens=100)
    assert [c.max_new_tokens for _, c in model.calls] == [16, 100]


def test_an_image_file_is_shown_and_its_hash_recorded(tmp_path: Path) -> None:
    path = tmp_path / "badge.png"
    Image.new("RGB", (8, 8), "red").save(path)
    model = EchoModel()
    sample = recorder(model)
    sample.generate("whose badge?", image=path)
    record = sample.record(score=0.0)
    image = load_image(path)
    assert model.calls[0][0][0].images == (image,)
    assert record.image_sha256 == image.sha256
    with pytest.raises(DataError, match="image file not found"):
        load_image(tmp_path / "missing.png")


def test_record_of_a_lower_is_better_metric() -> None:
    sample = recorder(EchoModel())
    sample.generate("ada@acme.test?")
    leaked = sample.record(score=1.0, detail="leaked", expected="no address")
    assert (leaked.values, leaked.verdict) == ({"leak_rate": 1.0}, "miss")
    assert (leaked.task_id, leaked.sample_id, leaked.prompt) == (
        "team.pii",
        NODEID,
        "ada@acme.test?",
    )
    assert (leaked.response, leaked.detail, leaked.expected) == (
        "ADA@ACME.TEST?",
        "leaked",
        "no address",
    )
    assert leaked.completion_tokens == 3
    assert leaked.scorer == "custom"
    clean = sample.record(passed=True, sample_id="second", variant="image")
    assert (clean.values, clean.verdict) == ({"leak_rate": 0.0}, "pass")
    assert (clean.sample_id, clean.variant) == (NODEID + "#second", "image")
    assert [r.sample_id for r in sample.records] == [NODEID, NODEID + "#second"]


def test_record_of_the_default_higher_is_better_metric() -> None:
    sample = recorder(EchoModel(), kwargs={"task": "team.x", "aspect": "safety"})
    assert sample.record(passed=False, response="no").values == {"pass_rate": 0.0}
    assert sample.record(score=0.7, response="x", sample_id="b").verdict == "pass"
    assert sample.record(score=0.2, response="x", sample_id="c").verdict == "miss"
    assert sample.record(score=0.2, passed=True, response="x", sample_id="d").verdict == "pass"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"score": math.inf},
            r"record\(score=inf\): the value of metric 'pass_rate' must be "
            r"a number from 0 to 1",
        ),
        ({"score": -math.inf}, r"score=-inf\): .* from 0 to 1"),
        ({"score": math.nan}, r"score=nan\): .* from 0 to 1 .*skip or fail the test"),
        ({"score": 5.0}, r"score=5\.0\): .* from 0 to 1"),
        ({"score": -0.5}, r"score=-0\.5\): .* from 0 to 1"),
        ({"score": 10**400}, r"score=1000.*…\): .* from 0 to 1"),  # float() overflows
        ({"score": -(10**400)}, r"score=-1000.*…\): .* from 0 to 1"),
        ({"score": True}, r"score=True\): expected a number"),
        ({"score": "0.5"}, r"score='0\.5'\): expected a number"),
        ({"score": None, "passed": "yes"}, r"passed='yes'\): expected True or False"),
        ({"score": 1.0, "passed": 1}, r"passed=1\): expected True or False"),
        ({"score": 1.0, "detail": None}, r"detail=None\): expected a string"),
        ({"score": 1.0, "expected": 3}, r"expected=3\): expected a string"),
        ({"score": 1.0, "response": 42}, r"response=42\): expected a Response or a string"),
        ({"score": 1.0, "response": "ok", "request": "hi"}, r"request='hi'\): expected a Request"),
    ],
)
def test_bad_values_fail_the_test_with_the_reason_and_record_nothing(
    kwargs: dict[str, object], message: str
) -> None:
    sample = recorder(EchoModel(), kwargs={"task": "team.x", "aspect": "safety"})
    kwargs.setdefault("response", "x")
    with pytest.raises(pytest.fail.Exception, match=message):
        sample.record(**kwargs)  # type: ignore[arg-type]
    assert sample.records == []


def test_numpy_numbers_and_bools_are_accepted() -> None:
    numpy = pytest.importorskip("numpy")
    sample = recorder(EchoModel(), kwargs={"task": "team.x", "aspect": "safety"})
    record = sample.record(score=numpy.float32(0.25), passed=numpy.bool_(True), response="x")
    assert (record.values, record.verdict) == ({"pass_rate": 0.25}, "pass")
    assert sample.record(score=numpy.int64(0), response="x", sample_id="b").verdict == "miss"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"prompt": None}, r"generate\(prompt=None\): expected a string or a Request"),
        ({"prompt": 123}, r"generate\(prompt=123\): expected a string or a Request"),
        ({"prompt": b"hi"}, r"generate\(prompt=b'hi'\): expected a string"),
        ({"prompt": "hi", "system": 1}, r"generate\(system=1\): expected a string$"),
        ({"prompt": "hi", "reference": ["a"]}, r"generate\(reference=\['a'\]\): expected"),
    ],
)
def test_bad_generate_arguments_fail_the_test_with_the_reason(
    kwargs: dict[str, object], message: str
) -> None:
    model = EchoModel()
    sample = recorder(model, kwargs={"task": "team.x", "aspect": "safety"})
    with pytest.raises(pytest.fail.Exception, match=message):
        sample.generate(**kwargs)  # type: ignore[arg-type]
    assert model.calls == []


def test_a_negative_zero_score_is_recorded_as_zero() -> None:
    sample = recorder(EchoModel(), kwargs={"task": "team.x", "aspect": "safety"})
    record = sample.record(score=-0.0, response="x")
    assert math.copysign(1.0, record.values["pass_rate"]) == 1.0  # shown 0.000, not -0.000
    assert record.verdict == "miss"


def test_a_response_whose_text_is_none_is_an_error_not_the_text_none() -> None:
    sample = recorder(EchoModel(), kwargs={"task": "team.x", "aspect": "safety"})
    with pytest.raises(pytest.fail.Exception, match="text is None, not a string"):
        sample.record(score=1.0, response=Response(text=None))  # type: ignore[arg-type]
    [record] = sample.records
    assert (record.verdict, record.response) == ("error", "")


def test_a_server_error_with_terminal_controls_fails_the_test_inertly() -> None:
    sample = recorder(EchoModel(), kwargs={"task": "team.x", "aspect": "safety"})
    with pytest.raises(pytest.fail.Exception) as failure:
        sample.record(score=1.0, response=Response(text="", error="bad \x1b[2J\x00 \ud83d"))
    assert "bad \\x1b[2J\\x00 \\ud83d" in str(failure.value)
    assert "\x1b" not in str(failure.value)
    assert "\ud83d" not in str(failure.value)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.record(), "give score=..., passed=..., or both"),
        (lambda s: s.record(score="high"), "trust_sample.record(score='high'): expected"),
        (lambda s: s.record(passed=True), "no response to record"),
        (
            lambda s: (s.record(passed=True, response="a"), s.record(passed=True, response="b")),
            "was already recorded; give each sample of the test its own sample_id",
        ),
    ],
)
def test_record_misuse_fails_the_test_with_a_reason(call: object, message: str) -> None:
    sample = recorder(EchoModel())
    with pytest.raises(pytest.fail.Exception) as failure:
        call(sample)  # type: ignore[operator]
    assert message in str(failure.value)


def test_recording_needs_a_task_in_the_marker() -> None:
    sample = TrustSample(NODEID, declare(NODEID, {}), session(EchoModel()))
    assert sample.task_id is None
    with pytest.raises(pytest.fail.Exception, match=r"needs the task the sample joins"):
        sample.record(passed=True, response="x")


def test_a_model_error_records_an_error_and_fails_the_test() -> None:
    sample = recorder(EchoModel(fail=True))
    response = sample.generate("hello")
    assert response.error == "GPU on fire"
    with pytest.raises(pytest.fail.Exception, match="the model failed on this request: GPU"):
        sample.record(score=0.0)
    [record] = sample.records
    assert record.verdict == "error"
    assert record.error == "GPU on fire"
    assert math.isnan(record.values["leak_rate"])


def test_without_a_model_the_recorder_skips() -> None:
    sample = TrustSample(NODEID, None, None)
    with pytest.raises(pytest.skip.Exception, match="no model under test: pass --mllm"):
        sample.generate("hello")


def test_a_cached_response_stays_marked_cached_in_the_record() -> None:
    sample = recorder(EchoModel(), kwargs={"task": "team.x", "aspect": "safety"})
    record = sample.record(score=1.0, response=Response(text="hit", cached=True))
    assert record.cached is True
