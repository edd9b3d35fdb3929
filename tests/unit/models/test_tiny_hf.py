"""The embedded tiny LLaVA and the hf backend, end to end on the CPU, offline."""

from __future__ import annotations

import shutil
import time
from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.errors import PrerequisiteError
from pytest_multitrust.models.base import (
    MLLM,
    GenerationConfig,
    ImageData,
    Message,
    Request,
    Response,
)
from pytest_multitrust.models.registry import ModelOptions

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from pytest_multitrust.models.hf import HFModel

GREEDY = GenerationConfig(max_new_tokens=12)

# Prompts of clearly different lengths, so left padding matters at batch 4.
PROMPTS = (
    "Is there a person in this image? Answer yes or no.",
    "Hi",
    "Describe the image in detail. What colors and shapes do you see, and how many are there?",
    "Count the objects.",
)


def image_requests(make_image: Callable[[int], ImageData]) -> list[Request]:
    return [
        Request(messages=(Message("user", prompt, images=(make_image(i),)),), sample_id=f"s{i}")
        for i, prompt in enumerate(PROMPTS)
    ]


def text_requests() -> list[Request]:
    return [
        Request(messages=(Message("system", "Be helpful."), Message("user", prompt)))
        for prompt in PROMPTS
    ]


def texts(responses: list[Response]) -> list[str]:
    return [response.text for response in responses]


def load(path: Path, *, dtype: str = "float32", batch_size: int | None = None) -> HFModel:
    from pytest_multitrust.models.hf import HFModel

    options = ModelOptions(device="cpu", dtype=dtype, batch_size=batch_size)
    return HFModel.load(str(path), options=options, spec=f"hf:{path}")


# -- building -------------------------------------------------------------------------------


def test_build_is_fast_deterministic_and_idempotent(tmp_path: Path, tiny_llava_path: Path) -> None:
    from pytest_multitrust.models.tiny import TINY_LLAVA_VERSION, ensure_tiny_llava

    started = time.perf_counter()
    path = ensure_tiny_llava(tmp_path, seed=0)
    built_s = time.perf_counter() - started
    assert path == tmp_path / f"tiny-llava-v{TINY_LLAVA_VERSION}-seed0"
    assert built_s < 10
    # Same seed, same bytes (another directory, built again).
    for name in ("model.safetensors", "tokenizer.json", "config.json", "chat_template.jinja"):
        assert (path / name).read_bytes() == (tiny_llava_path / name).read_bytes(), name
    assert not list(path.glob("*.bin"))
    # A second call returns the existing build without touching it.
    stamp = (path / "model.safetensors").stat().st_mtime_ns
    assert ensure_tiny_llava(tmp_path, seed=0) == path
    assert (path / "model.safetensors").stat().st_mtime_ns == stamp
    # No temporary build directories are left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_other_seed_gives_other_weights(tmp_path: Path, tiny_llava_path: Path) -> None:
    from pytest_multitrust.models.tiny import ensure_tiny_llava

    path = ensure_tiny_llava(tmp_path, seed=1)
    assert path.name.endswith("-seed1")
    weights = (path / "model.safetensors").read_bytes()
    assert weights != (tiny_llava_path / "model.safetensors").read_bytes()
    assert (path / "tokenizer.json").read_bytes() == (
        tiny_llava_path / "tokenizer.json"
    ).read_bytes()


def test_build_leaves_global_rng_alone(tmp_path: Path) -> None:
    import torch

    from pytest_multitrust.models.tiny import ensure_tiny_llava

    before = torch.random.get_rng_state()
    ensure_tiny_llava(tmp_path, seed=3)
    assert torch.equal(torch.random.get_rng_state(), before)


def test_losing_the_build_race_keeps_the_winner(
    tmp_path: Path, tiny_llava_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another worker renames its build into place while we build: we discard ours."""
    from pytest_multitrust.models import tiny

    target = tiny.tiny_llava_dir(tmp_path, seed=0)
    real_build = tiny._build

    def build_then_lose(out: Path, *, seed: int) -> None:
        real_build(out, seed=seed)
        shutil.copytree(tiny_llava_path, target)  # the other worker wins meanwhile
        (target / "winner").write_text("other worker", encoding="utf-8")

    monkeypatch.setattr(tiny, "_build", build_then_lose)
    assert tiny.ensure_tiny_llava(tmp_path, seed=0) == target
    assert (target / "winner").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_incomplete_directory_is_rebuilt(tmp_path: Path) -> None:
    from pytest_multitrust.models.tiny import ensure_tiny_llava, tiny_llava_dir

    broken = tiny_llava_dir(tmp_path, seed=0)
    broken.mkdir()
    (broken / "config.json").write_text("{}", encoding="utf-8")
    path = ensure_tiny_llava(tmp_path, seed=0)
    assert (path / "model.safetensors").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


# -- loading --------------------------------------------------------------------------------


def test_loads_in_seconds_with_white_box_info(tiny_llava_path: Path) -> None:
    started = time.perf_counter()
    model = load(tiny_llava_path, dtype="auto")
    assert time.perf_counter() - started < 10
    assert isinstance(model, MLLM)
    info = model.info
    assert info.backend == "hf"
    assert info.name == tiny_llava_path.name
    assert info.spec == f"hf:{tiny_llava_path}"
    assert (info.device, info.dtype) == ("cpu", "float32")
    assert info.white_box
    assert info.deterministic
    assert len(info.fingerprint) == 64


def test_fingerprint_stable_path_independent_and_dtype_sensitive(
    tmp_path: Path, tiny_llava_path: Path, tiny_model: HFModel
) -> None:
    assert load(tiny_llava_path, dtype="float32").info.fingerprint == tiny_model.info.fingerprint
    moved = shutil.copytree(tiny_llava_path, tmp_path / "elsewhere")
    assert load(moved, dtype="float32").info.fingerprint == tiny_model.info.fingerprint
    half = load(tiny_llava_path, dtype="bfloat16")
    assert half.info.dtype == "bfloat16"
    assert half.info.fingerprint != tiny_model.info.fingerprint


def test_fingerprint_follows_the_chat_template(tmp_path: Path, tiny_llava_path: Path) -> None:
    import torch

    from pytest_multitrust.models.hf import _fingerprint

    copy = shutil.copytree(tiny_llava_path, tmp_path / "copy")
    before = _fingerprint(copy, torch.float32)
    template = copy / "chat_template.jinja"
    template.write_text(template.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert _fingerprint(copy, torch.float32) != before


def test_pickle_only_weights_are_refused(tmp_path: Path, tiny_llava_path: Path) -> None:
    from pytest_multitrust.models.hf import prepare_hf

    pickled = tmp_path / "pickled"
    pickled.mkdir()
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        shutil.copy(tiny_llava_path / name, pickled / name)
    (pickled / "pytorch_model.bin").write_bytes(b"not loaded: pickles can run code")
    with pytest.raises(PrerequisiteError, match=r"pickle weights \(pytorch_model\.bin\)"):
        prepare_hf(str(pickled), ModelOptions())
    with pytest.raises(PrerequisiteError, match="safetensors only"):
        load(pickled)


def test_directory_without_config_is_refused(tmp_path: Path) -> None:
    from pytest_multitrust.models.hf import prepare_hf

    with pytest.raises(PrerequisiteError, match=r"no config\.json"):
        prepare_hf(str(tmp_path), ModelOptions())


# -- generation -----------------------------------------------------------------------------


def test_greedy_batch_of_four_equals_batch_of_one(
    tiny_model: HFModel, make_image: Callable[[int], ImageData]
) -> None:
    requests = image_requests(make_image)
    started = time.perf_counter()
    batched = tiny_model.generate(requests, GREEDY)
    batch_s = time.perf_counter() - started
    single = [tiny_model.generate([request], GREEDY)[0] for request in requests]
    assert texts(batched) == texts(single)
    assert [r.prompt_tokens for r in batched] == [r.prompt_tokens for r in single]
    assert [r.completion_tokens for r in batched] == [r.completion_tokens for r in single]
    # The prompts differ in length (padding was needed) and the images changed the answers.
    assert len({r.prompt_tokens for r in batched}) == len(PROMPTS)
    assert len(set(texts(batched))) > 1
    assert batch_s < 5
    for response in batched:
        assert response.error is None
        assert 0 < response.completion_tokens <= GREEDY.max_new_tokens
        assert response.finish_reason == (
            "length" if response.completion_tokens == GREEDY.max_new_tokens else "stop"
        )
        assert response.latency_s > 0
        assert response.text == response.text.strip()


def test_repeated_runs_are_identical(
    tiny_model: HFModel, make_image: Callable[[int], ImageData]
) -> None:
    requests = image_requests(make_image)
    assert texts(tiny_model.generate(requests, GREEDY)) == texts(
        tiny_model.generate(requests, GREEDY)
    )


def test_image_content_matters(tiny_model: HFModel, make_image: Callable[[int], ImageData]) -> None:
    prompt = "What do you see?"
    requests = [
        Request(messages=(Message("user", prompt, images=(make_image(i),)),)) for i in (0, 5)
    ]
    first, second = tiny_model.generate(requests, GREEDY)
    assert first.prompt_tokens == second.prompt_tokens
    assert first.text != second.text


def test_text_only_batch(tiny_model: HFModel) -> None:
    requests = text_requests()
    batched = tiny_model.generate(requests, GREEDY)
    assert texts(batched) == texts([tiny_model.generate([r], GREEDY)[0] for r in requests])
    assert all(response.error is None for response in batched)


def test_mixed_batch_keeps_order(
    tiny_model: HFModel, make_image: Callable[[int], ImageData]
) -> None:
    with_images = image_requests(make_image)
    without = text_requests()
    mixed = [with_images[0], without[1], without[2], with_images[3], with_images[1]]
    expected = [tiny_model.generate([request], GREEDY)[0].text for request in mixed]
    assert texts(tiny_model.generate(mixed, GREEDY)) == expected


def test_batch_size_option_caps_sub_batches(
    tiny_llava_path: Path, tiny_model: HFModel, make_image: Callable[[int], ImageData]
) -> None:
    requests = image_requests(make_image) + text_requests()
    small = load(tiny_llava_path, dtype="float32", batch_size=3)
    assert small.info.default_batch_size == 3
    assert texts(small.generate(requests, GREEDY)) == texts(tiny_model.generate(requests, GREEDY))


def test_max_new_tokens_is_honoured(
    tiny_model: HFModel, make_image: Callable[[int], ImageData]
) -> None:
    responses = tiny_model.generate(image_requests(make_image), GenerationConfig(max_new_tokens=3))
    assert all(r.completion_tokens <= 3 for r in responses)
    assert any(r.finish_reason == "length" for r in responses)


def test_sampling_is_seeded_and_leaves_global_rng_alone(
    tiny_model: HFModel, make_image: Callable[[int], ImageData]
) -> None:
    import torch

    requests = image_requests(make_image)
    config = GenerationConfig(max_new_tokens=12, do_sample=True, temperature=1.0, seed=7)
    before = torch.random.get_rng_state()
    first = texts(tiny_model.generate(requests, config))
    assert torch.equal(torch.random.get_rng_state(), before)
    assert texts(tiny_model.generate(requests, config)) == first


def test_undecodable_image_is_a_per_request_error(
    tiny_model: HFModel, make_image: Callable[[int], ImageData]
) -> None:
    good = image_requests(make_image)[0]
    bad = Request(messages=(Message("user", "What is this?", images=(ImageData(b"no png"),)),))
    responses = tiny_model.generate([bad, good], GREEDY)
    assert responses[0].finish_reason == "error"
    assert responses[0].error is not None
    assert "image" in responses[0].error
    assert responses[1].error is None
    assert responses[1].text == tiny_model.generate([good], GREEDY)[0].text


def test_empty_request_list(tiny_model: HFModel) -> None:
    assert tiny_model.generate([], GREEDY) == []


def test_loading_and_each_batch_run_with_frame_stack_headroom(
    tiny_llava_path: Path,
    tiny_model: HFModel,
    make_image: Callable[[int], ImageData],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The same work costs the same from any caller's depth (models/framestack.py).
    from pytest_multitrust.models import hf
    from pytest_multitrust.models.framestack import call_with_headroom

    calls: list[tuple[str, int]] = []

    def spy(function: Callable[..., object], *args: object, **kwargs: object) -> object:
        first = args[0]
        calls.append((function.__name__, len(first) if isinstance(first, list) else 0))
        return call_with_headroom(function, *args, **kwargs)

    requests = [*image_requests(make_image)[:2], text_requests()[0]]
    config = GenerationConfig(max_new_tokens=2)
    monkeypatch.setattr(hf, "call_with_headroom", spy)
    options = ModelOptions(device="cpu", dtype="float32")
    opened = hf.HFModel.open(str(tiny_llava_path), options=options, spec="tiny-llava")
    assert texts(opened.generate(requests, config)) == texts(tiny_model.generate(requests, config))
    # the load, then the batch with images and the text-only one (of each model)
    assert calls == [
        ("_load_weights", 0),
        ("_generate_batch", 2),
        ("_generate_batch", 1),
        ("_generate_batch", 2),
        ("_generate_batch", 1),
    ]


# -- preparing ------------------------------------------------------------------------------


def test_prepare_hf_accepts_a_local_model(tiny_llava_path: Path) -> None:
    from pytest_multitrust.models.hf import prepare_hf

    prepare_hf(str(tiny_llava_path), ModelOptions())


def test_prepare_hf_missing_local_path(tmp_path: Path) -> None:
    from pytest_multitrust.models.hf import prepare_hf

    with pytest.raises(PrerequisiteError, match="no such model directory"):
        prepare_hf(str(tmp_path / "absent"), ModelOptions())


def test_prepare_hf_unknown_repo_offline_names_the_fetch_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub.constants

    from pytest_multitrust.models.hf import prepare_hf

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    repo = "multitrust-tests/no-such-model"
    started = time.perf_counter()
    with pytest.raises(PrerequisiteError) as caught:
        prepare_hf(repo, ModelOptions())
    assert time.perf_counter() - started < 5  # no network round trips
    message = str(caught.value)
    assert repo in message
    assert f"hf download {repo}" in message
    assert "hf:/path/to/model" in message


def test_repo_id_from_the_hub_cache_loads_offline(
    tmp_path: Path,
    tiny_llava_path: Path,
    tiny_model: HFModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A repo id resolves through the local Hugging Face cache, with no network."""
    import huggingface_hub.constants

    from pytest_multitrust.models.hf import HFModel, prepare_hf

    hub = tmp_path / "hub"
    repo_dir = hub / "models--multitrust-tests--tiny-llava"
    commit = "0" * 40
    shutil.copytree(tiny_llava_path, repo_dir / "snapshots" / commit)
    (repo_dir / "refs").mkdir()
    (repo_dir / "refs" / "main").write_text(commit, encoding="utf-8")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(hub))

    options = ModelOptions(device="cpu", dtype="float32")
    prepare_hf("multitrust-tests/tiny-llava", options)
    model = HFModel.load("multitrust-tests/tiny-llava", options=options, spec="hf:x")
    assert model.info.name == "multitrust-tests/tiny-llava"
    assert model.info.fingerprint == tiny_model.info.fingerprint


# -- devices and dtypes ---------------------------------------------------------------------


def test_resolve_device() -> None:
    import torch

    from pytest_multitrust.models.hf import resolve_device

    assert resolve_device("cpu") == "cpu"
    expected_auto = "cuda:0" if torch.cuda.is_available() else None
    if expected_auto is not None:
        assert resolve_device("auto") == expected_auto
        assert resolve_device("cuda") == "cuda:0"
    elif not torch.backends.mps.is_available():
        assert resolve_device("auto") == "cpu"
        with pytest.raises(PrerequisiteError, match="--mt-device=cpu"):
            resolve_device("cuda:1")
    for bad in ("tpu", "cuda:x", ""):
        with pytest.raises(pytest.UsageError, match="expected auto"):
            resolve_device(bad)


def test_resolve_dtype() -> None:
    import torch

    from pytest_multitrust.models.hf import resolve_dtype

    assert resolve_dtype("auto", "cpu") is torch.float32
    assert resolve_dtype("auto", "mps") is torch.float16
    assert resolve_dtype("bfloat16", "cpu") is torch.bfloat16
    assert resolve_dtype("float16", "cpu") is torch.float16
    with pytest.raises(pytest.UsageError, match="fp8"):
        resolve_dtype("fp8", "cpu")


def test_registry_builds_tiny_llava_through_hf(tmp_path: Path, tiny_llava_path: Path) -> None:
    from pytest_multitrust.models.hf import HFModel
    from pytest_multitrust.models.registry import make_model, parse_model_spec, prepare_model

    shutil.copytree(tiny_llava_path, tmp_path / tiny_llava_path.name)  # reuse the session build
    options = ModelOptions(device="cpu", dtype="float32", cache_dir=tmp_path)
    spec = parse_model_spec("tiny-llava")
    prepare_model(spec, options)
    model = make_model(spec, options)
    assert isinstance(model, HFModel)
    assert model.info.spec == "tiny-llava"
    assert not model.weights_loaded  # the weights wait for the first cache miss


def test_open_knows_the_cache_key_without_the_weights(
    tmp_path: Path, tiny_llava_path: Path, tiny_model: HFModel
) -> None:
    from pytest_multitrust.models.base import DeferredLoad
    from pytest_multitrust.models.hf import HFModel

    options = ModelOptions(device="cpu", dtype="float32")
    opened = HFModel.open(str(tiny_llava_path), options=options, spec="tiny-llava")
    assert isinstance(opened, DeferredLoad)
    assert not opened.weights_loaded
    assert opened.info == tiny_model.info  # same fingerprint, device, dtype: same cache keys
    requests = text_requests()[:2]
    assert texts(opened.generate(requests, GREEDY)) == texts(tiny_model.generate(requests, GREEDY))
    assert opened.weights_loaded  # generate loaded them
    # a model whose weights cannot load still opens; its load names the cause
    broken = shutil.copytree(tiny_llava_path, tmp_path / "broken")
    (broken / "config.json").write_text("{not json", encoding="utf-8")
    late = HFModel.open(str(broken), options=options, spec="hf:broken")
    assert late.info.fingerprint != tiny_model.info.fingerprint
    with pytest.raises(PrerequisiteError, match="hf:broken"):
        late.load_weights()


def test_prepare_hf_failed_download_names_the_fetch_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Online, a download that fails (no network, unknown or gated repo) says what to do."""
    import huggingface_hub
    import huggingface_hub.constants

    from pytest_multitrust.models.hf import prepare_hf

    calls: list[dict[str, object]] = []

    def fail(repo_id: str, **kwargs: object) -> str:
        calls.append(kwargs)
        if kwargs.get("local_files_only"):
            raise FileNotFoundError("not cached")
        raise ConnectionError("network is unreachable")

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(huggingface_hub, "snapshot_download", fail)
    with pytest.raises(PrerequisiteError, match="network is unreachable") as caught:
        prepare_hf("org/model", ModelOptions())
    assert "hf download org/model" in str(caught.value)
    # The download asked for configs and safetensors only: never pickles, no code by default.
    patterns = calls[-1]["allow_patterns"]
    assert isinstance(patterns, list)
    assert "*.json" in patterns
    assert not any(p.endswith((".bin", ".py")) for p in patterns)


@pytest.mark.gpu
def test_tiny_llava_on_cuda(tiny_llava_path: Path, make_image: Callable[[int], ImageData]) -> None:
    from pytest_multitrust.models.hf import HFModel

    options = ModelOptions(device="cuda", dtype="auto")
    model = HFModel.load(str(tiny_llava_path), options=options, spec="tiny-llava")
    assert model.info.device == "cuda:0"
    assert model.info.dtype in ("bfloat16", "float16")
    responses = model.generate(image_requests(make_image) + text_requests(), GREEDY)
    assert all(r.error is None and r.completion_tokens > 0 for r in responses)
