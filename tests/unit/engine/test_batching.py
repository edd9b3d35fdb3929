"""Batched generation: length buckets, the cache seam, OOM back-off, drift checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.engine.batching import (
    BatchSizer,
    compare_batching,
    generate_batches,
    length_order,
    request_length,
    warn_on_drift,
)
from pytest_multitrust.engine.runner import NoStore
from pytest_multitrust.errors import MultitrustWarning
from pytest_multitrust.models.base import (
    MLLM,
    GenerationConfig,
    ImageData,
    Message,
    ModelInfo,
    Request,
    Response,
)
from pytest_multitrust.models.batching import is_out_of_memory

if TYPE_CHECKING:
    from collections.abc import Sequence

CONFIG = GenerationConfig(max_new_tokens=8)


def req(text: str, sample_id: str = "", images: int = 0) -> Request:
    image = ImageData(png=b"png")
    return Request(
        messages=(Message("user", text, images=(image,) * images),),
        task_id="X.1",
        sample_id=sample_id or text,
    )


class OutOfMemoryError(RuntimeError):
    """Named like torch.cuda.OutOfMemoryError."""


class Recorder:
    """Answers with the prompt; records every batch; may fail above a batch size."""

    def __init__(
        self,
        default_batch_size: int = 4,
        fits: int | None = None,
        drift: bool = False,
        device: str = "cpu",
    ) -> None:
        self.info = ModelInfo(
            spec="r",
            backend="test",
            name="recorder",
            fingerprint="r",
            default_batch_size=default_batch_size,
            device=device,
        )
        self.batches: list[list[str]] = []
        self.fits = fits
        self.drift = drift

    def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
        if self.fits is not None and len(requests) > self.fits:
            raise OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        self.batches.append([r.sample_id for r in requests])
        suffix = f" (in a batch of {len(requests)})" if self.drift and len(requests) > 1 else ""
        return [Response(text=f"re: {r.prompt}{suffix}") for r in requests]


class DictStore:
    """A response store in a dict, recording every put."""

    def __init__(self, known: dict[str, str] | None = None) -> None:
        self.known = dict(known or {})
        self.puts: list[list[str]] = []

    def get_many(
        self, model: MLLM, requests: Sequence[Request], config: GenerationConfig
    ) -> list[Response | None]:
        return [
            Response(text=self.known[r.sample_id], cached=True)
            if r.sample_id in self.known
            else None
            for r in requests
        ]

    def put_many(
        self,
        model: MLLM,
        requests: Sequence[Request],
        config: GenerationConfig,
        responses: Sequence[Response],
    ) -> None:
        self.puts.append([r.sample_id for r in requests])
        for r, response in zip(requests, responses, strict=True):
            self.known[r.sample_id] = response.text


def test_request_length_counts_text_and_images() -> None:
    assert request_length(req("abcd")) == 4
    assert request_length(req("abcd", images=1)) > request_length(req("x" * 1000))


def test_length_order_is_longest_first_and_stable() -> None:
    assert length_order([3, 10, 3, 7]) == [1, 3, 0, 2]
    assert length_order([]) == []


def test_batches_group_similar_lengths_and_answers_keep_request_order() -> None:
    texts = ["a" * n for n in (1, 50, 2, 51, 3, 52, 4, 53)]
    requests = [req(t, sample_id=f"s{i}") for i, t in enumerate(texts)]
    model = Recorder(default_batch_size=4)
    out = generate_batches(model, requests, CONFIG, NoStore(), BatchSizer(None))
    assert [r.text for r in out] == [f"re: {t}" for t in texts]
    assert model.batches == [["s7", "s5", "s3", "s1"], ["s6", "s4", "s2", "s0"]]


def test_a_fixed_batch_size_wins_over_the_model_default() -> None:
    model = Recorder(default_batch_size=4)
    generate_batches(model, [req(f"q{i}") for i in range(5)], CONFIG, NoStore(), BatchSizer(2))
    assert [len(b) for b in model.batches] == [2, 2, 1]


def test_only_missing_requests_are_generated_and_each_batch_is_stored_at_once() -> None:
    requests = [req(f"q{i}", sample_id=f"s{i}") for i in range(6)]
    store = DictStore({"s1": "cached one", "s4": "cached four"})
    model = Recorder(default_batch_size=3)
    out = generate_batches(model, requests, CONFIG, store, BatchSizer(None))
    generated = sorted(s for batch in model.batches for s in batch)
    assert generated == ["s0", "s2", "s3", "s5"]
    assert store.puts == model.batches  # one put per batch, right after it
    assert out[1].text == "cached one"
    assert out[1].cached
    assert out[0].text == "re: q0"
    assert not out[0].cached


def test_auto_batch_size_halves_on_out_of_memory_and_keeps_the_smaller_size() -> None:
    requests = [req(f"q{i:02d}") for i in range(10)]
    model = Recorder(default_batch_size=8, fits=2)
    sizer = BatchSizer(None)
    with pytest.warns(MultitrustWarning, match="out of memory at batch size") as record:
        out = generate_batches(model, requests, CONFIG, NoStore(), sizer)
    assert [r.error for r in out] == [None] * 10
    assert [len(b) for b in model.batches] == [2, 2, 2, 2, 2]
    assert sizer.current == 2
    assert len(record) == 2  # 8 -> 4 -> 2
    model.batches.clear()
    generate_batches(model, requests[:4], CONFIG, NoStore(), sizer)  # next task: no retry
    assert [len(b) for b in model.batches] == [2, 2]


def test_auto_batch_size_grows_on_a_gpu_until_out_of_memory_then_stays() -> None:
    requests = [req(f"q{i:03d}") for i in range(100)]
    model = Recorder(default_batch_size=4, fits=20, device="cuda:0")
    sizer = BatchSizer(None)
    with pytest.warns(MultitrustWarning, match="out of memory at batch size 32") as record:
        out = generate_batches(model, requests, CONFIG, NoStore(), sizer)
    assert [r.error for r in out] == [None] * 100
    # 4 -> 8 -> 16 fitted, 32 did not (retried at 16), then 16 for good
    assert [len(b) for b in model.batches] == [4, 8, 16, 16, 16, 16, 16, 8]
    assert len(record) == 1
    assert (sizer.current, sizer.settled) == (16, True)
    model.batches.clear()
    generate_batches(model, requests[:40], CONFIG, NoStore(), sizer)  # next task
    assert [len(b) for b in model.batches] == [16, 16, 8]


def test_auto_batch_size_grows_up_to_its_limit_and_not_past_the_requests() -> None:
    model = Recorder(default_batch_size=8, device="cuda:1")
    sizer = BatchSizer(None, limit=32)
    generate_batches(model, [req(f"q{i:03d}") for i in range(150)], CONFIG, NoStore(), sizer)
    assert [len(b) for b in model.batches] == [8, 16, 32, 32, 32, 30]
    assert sizer.current == 32
    short = BatchSizer(None)
    generate_batches(model, [req(f"q{i}") for i in range(8)], CONFIG, NoStore(), short)
    assert short.current == 8  # a single, last batch does not grow the size


@pytest.mark.parametrize("device", ["cpu", "mps", "remote"])
def test_auto_batch_size_keeps_the_model_default_off_cuda(device: str) -> None:
    model = Recorder(default_batch_size=4, device=device)
    generate_batches(
        model, [req(f"q{i:02d}") for i in range(20)], CONFIG, NoStore(), BatchSizer(None)
    )
    assert [len(b) for b in model.batches] == [4] * 5


def test_a_fixed_size_or_a_failed_batch_never_grows() -> None:
    gpu = Recorder(default_batch_size=4, device="cuda:0")
    generate_batches(gpu, [req(f"q{i:02d}") for i in range(12)], CONFIG, NoStore(), BatchSizer(3))
    assert [len(b) for b in gpu.batches] == [3, 3, 3, 3]

    class Broken(Recorder):
        def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
            raise ValueError("bad input")

    sizer = BatchSizer(None)
    out = generate_batches(
        Broken(default_batch_size=2, device="cuda:0"),
        [req(f"q{i}") for i in range(6)],
        CONFIG,
        NoStore(),
        sizer,
    )
    assert all(r.error == "ValueError: bad input" for r in out)
    assert sizer.current == 2


def test_a_fixed_batch_size_that_does_not_fit_errors_its_samples() -> None:
    model = Recorder(fits=1)
    out = generate_batches(model, [req("a"), req("b")], CONFIG, NoStore(), BatchSizer(2))
    assert all(r.error and "OutOfMemoryError: CUDA out of memory" in r.error for r in out)


def test_a_model_crash_errors_only_its_batch() -> None:
    class Flaky(Recorder):
        def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
            if any(r.prompt == "boom" for r in requests):
                raise ValueError("bad input")
            return super().generate(requests, config)

    requests = [req("boom"), req("ok1"), req("ok2")]
    store = DictStore()
    out = generate_batches(Flaky(default_batch_size=1), requests, CONFIG, store, BatchSizer(None))
    assert out[0].error == "ValueError: bad input"
    assert [r.text for r in out[1:]] == ["re: ok1", "re: ok2"]


def test_a_wrong_number_of_responses_is_an_error() -> None:
    class Short(Recorder):
        def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
            return super().generate(requests, config)[:-1]

    out = generate_batches(Short(), [req("a"), req("b")], CONFIG, NoStore(), BatchSizer(None))
    assert all(r.error and "returned 1 responses for 2 requests" in r.error for r in out)


def test_out_of_memory_is_recognised_by_name_or_message() -> None:
    assert is_out_of_memory(OutOfMemoryError("x"))
    assert is_out_of_memory(RuntimeError("MPS backend out of memory (MPS allocated: 1 GB)"))
    assert not is_out_of_memory(RuntimeError("shape mismatch"))


def test_sizer_shrinks_only_in_auto_mode_and_not_below_one() -> None:
    fixed = BatchSizer(4)
    assert fixed.start(16) == 4
    assert fixed.shrink() is None
    auto = BatchSizer(None)
    assert auto.shrink() is None  # nothing started yet
    assert auto.grow() is None
    assert auto.start(3) == 3
    assert (auto.shrink(), auto.shrink()) == (1, None)
    assert auto.grow() is None  # an out-of-memory error settled the size
    assert fixed.grow() is None


def test_compare_batching_finds_drift_and_warns() -> None:
    requests = [req("x" * n, sample_id=f"s{n}") for n in range(1, 11)]
    assert compare_batching(Recorder(), requests, CONFIG) == []
    drifts = compare_batching(Recorder(drift=True), requests, CONFIG, subset=4)
    assert [d.sample_id for d in drifts] == ["s10", "s7", "s4", "s1"]  # spread over lengths
    assert drifts[0].batch_size == 4
    assert drifts[0].single == "re: " + "x" * 10
    with pytest.warns(MultitrustWarning, match=r"X\.1: batched generation differs from batch"):
        warn_on_drift(Recorder(drift=True), requests, CONFIG, "X.1")


def test_a_failing_check_warns_instead_of_failing() -> None:
    with pytest.warns(MultitrustWarning, match="--mt-check-batching could not run"):
        found = warn_on_drift(Recorder(fits=1), [req("a"), req("b")], CONFIG, "X.1")
    assert found == []


@pytest.mark.parametrize(
    ("dtype", "advice"),
    [
        ("bfloat16", r"in bfloat16 a near-tie .* only in float32: use --mt-dtype=float32"),
        ("float16", r"in float16 a near-tie"),
        ("float32", r"check the padding side and attention mask"),
    ],
)
def test_drift_warning_says_what_holds_in_the_model_dtype(dtype: str, advice: str) -> None:
    from dataclasses import replace

    model = Recorder(drift=True)
    model.info = replace(model.info, dtype=dtype)
    requests = [req("x" * n, sample_id=f"s{n}") for n in range(1, 6)]
    with pytest.warns(MultitrustWarning, match=advice):
        warn_on_drift(model, requests, CONFIG, "X.1")


class Exiting(Recorder):
    """A model that calls sys.exit with a terminal control sequence in its message."""

    def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
        raise SystemExit("bye \x1b[2J")


def test_a_model_exit_during_the_drift_check_is_an_inert_warning() -> None:
    with pytest.warns(MultitrustWarning, match=r"could not run \(SystemExit: bye \\x1b\[2J\)"):
        assert warn_on_drift(Exiting(), [req("a"), req("b")], CONFIG, "X.1") == []


def test_a_model_exit_in_generate_errors_its_batch_only() -> None:
    out = generate_batches(
        Exiting(default_batch_size=2),
        [req("a"), req("b"), req("c")],
        CONFIG,
        NoStore(),
        BatchSizer(2),
    )
    assert [r.error for r in out] == ["SystemExit: bye \x1b[2J"] * 3
