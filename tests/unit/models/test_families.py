"""Every model family the hf: backend supports, on a tiny random checkpoint, offline.

The checkpoints come from ``tests/mt_families.py`` (each family's own processor and chat
template) and are cached under the pytest cache. For each family: the image reaches the
model, batched answers equal single answers in float32, text-only requests are answered,
and a failing request never errors its neighbours.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from mt_families import FAMILIES, ensure_family, family_marks

from pytest_multitrust.models.base import GenerationConfig, ImageData, Message, Request
from pytest_multitrust.models.registry import ModelOptions

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from pytest_multitrust.models.base import Response
    from pytest_multitrust.models.hf import HFModel

GREEDY = GenerationConfig(max_new_tokens=6)

_LOADED: dict[tuple[str, int | None], HFModel] = {}


@pytest.fixture(scope="session")
def family_model(mt_cache_dir: Path) -> Callable[..., HFModel]:
    """``family_model(name, batch_size=None)``: the family's tiny checkpoint, loaded once."""
    from pytest_multitrust.models.hf import HFModel

    def load(name: str, batch_size: int | None = None) -> HFModel:
        key = (name, batch_size)
        if key not in _LOADED:
            path = ensure_family(name, mt_cache_dir)
            options = ModelOptions(device="cpu", dtype="float32", batch_size=batch_size)
            _LOADED[key] = HFModel.load(str(path), options=options, spec=f"hf:{name}")
        return _LOADED[key]

    return load


def _families() -> list[object]:
    return [pytest.param(f.name, id=f.name, marks=family_marks(f)) for f in FAMILIES]


def image(index: int) -> ImageData:
    """Small images that differ in colour and layout."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (44, 36), (60 * index % 256, 200 - 40 * index, 90))
    canvas = ImageDraw.Draw(picture)
    canvas.rectangle((4 + 6 * index, 4, 24 + 6 * index, 30), fill=(250, 250, 20 * index))
    return ImageData.from_pil(picture)


def with_image(text: str, index: int) -> Request:
    return Request(messages=(Message("user", text, images=(image(index),)),))


def text_only(text: str, *, system: str = "") -> Request:
    turns = (Message("system", system),) if system else ()
    return Request(messages=(*turns, Message("user", text)))


def answers(responses: list[Response]) -> list[tuple[str, str | None]]:
    return [(response.text, response.error) for response in responses]


MIXED = (
    text_only("Hi"),
    with_image("Describe the image in detail, please.", 0),
    text_only("Is this statement true or false? The sky is green.", system="Be brief."),
    with_image("Count.", 1),
    with_image("What is in the picture?", 2),
)


@pytest.mark.parametrize("name", _families())
def test_text_only_requests_are_answered(family_model: Callable[..., HFModel], name: str) -> None:
    from mt_families import BY_NAME

    model = family_model(name)
    responses = model.generate([text_only("Hi"), text_only("Tell me a fact.")], GREEDY)
    assert [r.error for r in responses] == [None, None]
    assert all(r.completion_tokens > 0 for r in responses)
    # The table says which path answers: the processor ("yes") or the tokenizer alone.
    assert model._processor_takes_text_only() == (BY_NAME[name].text_only == "yes")


@pytest.mark.parametrize("name", _families())
def test_mixed_batch_equals_single_requests_at_every_batch_size(
    family_model: Callable[..., HFModel], name: str
) -> None:
    alone = [family_model(name).generate([request], GREEDY)[0] for request in MIXED]
    assert all(response.error is None for response in alone), answers(alone)
    for size in (None, 2, 3):
        batched = family_model(name, size).generate(list(MIXED), GREEDY)
        assert answers(batched) == answers(alone), size


@pytest.mark.parametrize("name", _families())
def test_the_image_reaches_the_model(family_model: Callable[..., HFModel], name: str) -> None:
    model = family_model(name)
    prompt = "Describe the image in detail, please."
    texts = {model.generate([with_image(prompt, i)], GREEDY)[0].text for i in range(4)}
    assert len(texts) >= 2, texts


@pytest.mark.parametrize("name", ["llava", "paligemma"])
def test_a_failing_request_never_errors_its_neighbours(
    family_model: Callable[..., HFModel], name: str
) -> None:
    # A prompt that spells the model's image token: the processor counts it as an image
    # placeholder and refuses the chat. Only that request may fail, in any batch.
    token = family_model(name).processor.image_token
    bad_text = text_only(f"What does {token} mean?")
    bad_image = with_image(f"Look at {token} here", 3)
    requests = [*MIXED[:2], bad_text, *MIXED[2:], bad_image]
    alone = [family_model(name).generate([request], GREEDY)[0] for request in requests]
    for size in (None, 2, 4):
        batched = family_model(name, size).generate(requests, GREEDY)
        assert answers(batched) == answers(alone), size
    failed = [r.error is not None for r in alone]
    # PaliGemma answers text-only chats from the tokenizer, which takes any text.
    assert failed == [False] * 2 + [name == "llava"] + [False] * 3 + [True]


def _attack_image() -> ImageData:
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (48, 48), (200, 30, 30))
    ImageDraw.Draw(picture).ellipse((8, 8, 36, 36), fill=(0, 0, 255))
    return ImageData.from_pil(picture)


@pytest.mark.parametrize("name", _families())
def test_the_attack_runs_or_is_skipped_with_its_reason(
    family_model: Callable[..., HFModel], name: str
) -> None:
    from mt_families import BY_NAME

    from pytest_multitrust.imaging.adversarial import (
        AttackConfig,
        AttackUnsupported,
        budget_levels,
        pgd_attack,
    )

    family = BY_NAME[name]
    model = family_model(name)
    configs = (
        AttackConfig(mode="untargeted", prompt="Describe the image.", steps=4, caption_tokens=6),
        AttackConfig(
            mode="targeted",
            prompt="Describe the image.",
            steps=4,
            target_text="A picture of a dog.",
        ),
    )
    for config in configs:
        if family.attack != "yes":
            with pytest.raises(AttackUnsupported, match=re.escape(family.attack)):
                pgd_attack(model, _attack_image(), config)
            continue
        outcome = pgd_attack(model, _attack_image(), config)
        assert outcome.moved, outcome.describe()
        assert 0 < outcome.linf <= budget_levels(config.eps)


def test_the_attack_loss_gets_only_forward_inputs(
    family_model: Callable[..., HFModel],
) -> None:
    import torch

    from pytest_multitrust.imaging.adversarial import _forward_inputs

    model = family_model("paligemma")
    inputs = model.encode(with_image("Describe the image.", 0))
    assert {"labels", "token_type_ids"} <= set(inputs)  # what PaliGemma's processor gives
    extra = _forward_inputs(model.model, inputs, 5)
    assert "labels" not in extra
    assert "input_ids" not in extra
    length = inputs["input_ids"].shape[1]
    # The reference is the causal suffix (1), as when PaliGemma generates it.
    assert extra["token_type_ids"][0, length:].tolist() == [1] * 5
    assert torch.equal(extra["token_type_ids"][:, :length], inputs["token_type_ids"])
    assert extra["attention_mask"].shape == (1, length + 5)


def test_check_batching_compares_a_real_batch_at_batch_size_one(
    family_model: Callable[..., HFModel], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_multitrust.engine.batching import compare_batching

    model = family_model("llava", 1)  # --mt-batch-size=1: generate() runs one at a time
    rows: list[int] = []
    original = model.model.generate

    def counting(**inputs: object) -> object:
        rows.append(int(inputs["input_ids"].shape[0]))  # type: ignore[attr-defined]
        return original(**inputs)

    monkeypatch.setattr(model.model, "generate", counting)
    requests = [with_image(f"Describe {'the image ' * n}please.", n) for n in range(4)]
    assert compare_batching(model, requests, GREEDY, subset=4) == []  # float32: no drift
    assert rows == [4, 1, 1, 1, 1]  # one batch of 4, then each request alone


# -- missing packages are named at load time ------------------------------------------------


def test_a_processor_that_imports_a_missing_module_is_named_at_load(
    tmp_path: Path, mt_cache_dir: Path
) -> None:
    import json
    import shutil

    from pytest_multitrust.errors import PrerequisiteError
    from pytest_multitrust.models.hf import HFModel

    model_dir = tmp_path / "custom"
    shutil.copytree(ensure_family("llava", mt_cache_dir), model_dir)
    config_file = model_dir / "processor_config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config["auto_map"] = {"AutoProcessor": "processing_custom.CustomProcessor"}
    config_file.write_text(json.dumps(config), encoding="utf-8")
    (model_dir / "processing_custom.py").write_text(
        "import multitrust_absent_pkg\nfrom transformers import LlavaProcessor\n\n\n"
        "class CustomProcessor(LlavaProcessor):\n    pass\n",
        encoding="utf-8",
    )
    options = ModelOptions(device="cpu", dtype="float32", trust_remote_code=True)
    with pytest.raises(PrerequisiteError) as caught:
        HFModel.load(str(model_dir), options=options, spec="hf:custom")
    message = str(caught.value)
    assert "it needs multitrust_absent_pkg, not installed here" in message
    assert message.endswith("pip install multitrust_absent_pkg")
    assert "trust_remote_code" not in message


def test_a_family_that_needs_torchvision_names_the_vision_extra_at_load(
    mt_cache_dir: Path,
) -> None:
    import importlib.metadata
    import importlib.util

    from pytest_multitrust.errors import PrerequisiteError
    from pytest_multitrust.models.hf import HFModel, install_line, matching_torchvision

    model_dir = ensure_family("qwen2-vl-files", mt_cache_dir)
    options = ModelOptions(device="cpu", dtype="float32")
    if importlib.util.find_spec("torchvision") is not None:  # the vision extra installed
        model = HFModel.load(str(model_dir), options=options, spec="hf:qwen2-vl")
        assert model.generate([text_only("Hi")], GREEDY)[0].error is None
        return
    with pytest.raises(PrerequisiteError) as caught:
        HFModel.load(str(model_dir), options=options, spec="hf:qwen2-vl")
    message = str(caught.value)
    pair = matching_torchvision(importlib.metadata.version("torch"))
    assert pair is not None  # a torch release (2.13.0+cpu here: torchvision 0.28.0, /whl/cpu)
    assert f"it needs torchvision, not installed here; pip install torchvision=={pair[0]}" in (
        message
    )
    assert message.endswith(install_line(["torchvision"]))
    assert "pytest-multitrust[vision]" in message
    assert "trust_remote_code" not in message


@pytest.mark.parametrize(
    ("error", "packages"),
    [
        (
            ModuleNotFoundError("No module named 'num2words.lang'", name="num2words.lang"),
            ["num2words"],
        ),
        (
            ImportError(
                "Package `num2words` is required to run SmolVLM processor. Install it with "
                "`pip install num2words`."
            ),
            ["num2words"],
        ),
        (
            ImportError(
                "\nPixtralProcessor requires the Torchvision library but it was not found in "
                "your environment."
            ),
            ["torchvision"],
        ),
        (
            ImportError(
                "This modeling file requires the following packages that were not found in "
                "your environment: einops, timm. Run `pip install einops timm`"
            ),
            ["einops", "timm"],
        ),
        (ValueError("Unrecognized processing class in /m"), []),
        (OSError("No such file: config.json"), []),
    ],
)
def test_missing_packages_are_read_from_transformers_errors(
    error: BaseException, packages: list[str]
) -> None:
    from pytest_multitrust.models.hf import missing_packages

    assert missing_packages(error) == packages


def test_the_smolvlm_message_of_this_transformers_is_recognised() -> None:
    import inspect

    from transformers.models.smolvlm import processing_smolvlm
    from transformers.utils import import_utils

    from pytest_multitrust.models.hf import missing_packages

    real = import_utils.TORCHVISION_IMPORT_ERROR.format("Qwen2VLVideoProcessor")
    assert missing_packages(ImportError(real)) == ["torchvision"]
    source = inspect.getsource(processing_smolvlm)
    assert "Package `num2words` is required" in source  # the text missing_packages reads


def test_an_alias_that_needs_torchvision_says_so_before_any_download() -> None:
    import importlib.util

    from pytest_multitrust.errors import PrerequisiteError
    from pytest_multitrust.models.registry import (
        ALIAS_NEEDS,
        ALIASES,
        parse_model_spec,
        prepare_model,
    )

    assert set(ALIAS_NEEDS) <= set(ALIASES)
    options = ModelOptions(device="cpu", dtype="float32")
    for alias in ("qwen2.5-vl-7b", "smolvlm-2b"):
        if importlib.util.find_spec("torchvision") is not None:  # the check passes
            problem = ""
            try:
                prepare_model(parse_model_spec(alias), options)
            except PrerequisiteError as error:  # e.g. the weights are not on disk
                problem = str(error)
            assert "needs torchvision" not in problem
            continue
        with pytest.raises(PrerequisiteError) as caught:
            prepare_model(parse_model_spec(alias), options)  # HF_HUB_OFFLINE: no download
        message = str(caught.value)
        assert message.startswith(f"--mllm={alias}: the processor of ")
        assert "needs torchvision" in message
        assert "pip install 'pytest-multitrust[vision]'" in message


def test_docs_table_matches_the_families() -> None:
    from pathlib import Path

    from mt_families import supported_models_table

    page = Path(__file__).parents[3] / "docs" / "how-to" / "custom-models.md"
    assert supported_models_table() in page.read_text(encoding="utf-8")


def test_a_tiled_image_is_refused_with_the_reason(family_model: Callable[..., HFModel]) -> None:
    from PIL import Image

    from pytest_multitrust.imaging.adversarial import (
        AttackConfig,
        AttackUnsupported,
        pgd_attack,
    )

    wide = ImageData.from_pil(Image.new("RGB", (96, 32), (10, 200, 30)))
    config = AttackConfig(mode="untargeted", prompt="Describe the image.", steps=1)
    # Aya Vision crops a 3:1 image into tiles plus a global view: several images.
    with pytest.raises(AttackUnsupported, match="tiling or dynamic resolution"):
        pgd_attack(family_model("aya-vision"), wide, config)


@pytest.mark.parametrize("name", ["llava", "paligemma"])
def test_any_mix_of_requests_gets_the_answers_it_gets_alone(
    family_model: Callable[..., HFModel], name: str
) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    token = family_model(name).processor.image_token
    pool = (
        *MIXED,
        text_only(f"Spell {token} for me"),  # the processor refuses it, where it reads text
        with_image(f"{token}{token} twice", 2),  # two placeholders, one image
        text_only(""),  # an empty prompt
        with_image("Ünïcödé ✓ \u202e reversed", 1),
    )
    alone = {
        index: answers(family_model(name).generate([request], GREEDY))[0]
        for index, request in enumerate(pool)
    }

    @settings(
        max_examples=12,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        picks=st.lists(st.integers(0, len(pool) - 1), min_size=1, max_size=7),
        size=st.sampled_from([None, 1, 2, 3]),
    )
    def check(picks: list[int], size: int | None) -> None:
        batched = family_model(name, size).generate([pool[i] for i in picks], GREEDY)
        assert answers(batched) == [alone[i] for i in picks]

    check()


def test_a_torchvision_built_for_another_torch_is_named_at_load(
    tmp_path: Path, mt_cache_dir: Path
) -> None:
    import importlib.metadata
    import os
    import subprocess
    import sys
    from pathlib import Path

    from pytest_multitrust.models.hf import matching_torchvision

    # A torchvision whose binary does not match torch fails while it imports, as the
    # package index's 0.28.0 does beside torch 2.13.0+cpu; transformers then cannot import
    # AutoProcessor at all, for any family.
    site = tmp_path / "site"
    (site / "torchvision").mkdir(parents=True)
    (site / "torchvision" / "__init__.py").write_text(
        'raise RuntimeError("operator torchvision::nms does not exist")\n', encoding="utf-8"
    )
    info = site / "torchvision-0.28.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: torchvision\nVersion: 0.28.0\n", encoding="utf-8"
    )
    model_dir = ensure_family("llava", mt_cache_dir)
    script = (
        "from pytest_multitrust.errors import PrerequisiteError\n"
        "from pytest_multitrust.models.hf import HFModel\n"
        "from pytest_multitrust.models.registry import ModelOptions\n"
        "try:\n"
        f"    HFModel.load({str(model_dir)!r}, options=ModelOptions(device='cpu'),"
        " spec='hf:llava')\n"
        "except PrerequisiteError as error:\n"
        "    print(error)\n"
    )
    root = Path(__file__).parents[3]
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), str(root)]),
        "HF_HUB_OFFLINE": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=True,
    )
    assert done.stdout.startswith(
        "hf:llava: transformers cannot start: torchvision is installed but does not import "
        "beside torch "
    ), done.stdout + done.stderr[-2000:]
    assert "(RuntimeError: operator torchvision::nms does not exist)" in done.stdout
    assert "`pip uninstall torchvision`" in done.stdout
    # torch 2.13.0+cpu here: the build made for it
    pair = matching_torchvision(importlib.metadata.version("torch"))
    assert pair is not None
    index = f" --index-url {pair[1]}" if pair[1] else ""
    assert f"`pip install torchvision=={pair[0]}{index}`" in done.stdout


def test_the_vision_rows_are_marked_and_deselected_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util
    import tomllib
    from pathlib import Path

    vision = [f.name for f in FAMILIES if f.extra == "vision"]
    assert vision == [
        "qwen2-vl",
        "qwen2.5-vl",
        "qwen3-vl",
        "internvl",
        "llava-onevision",
        "smolvlm",
        "mistral3",
    ]
    for family in FAMILIES:
        names = [mark.name for mark in family_marks(family)]
        assert ("vision" in names) == (family.extra == "vision"), family.name
    root = Path(__file__).parents[3]
    options = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    addopts = options["tool"]["pytest"]["ini_options"]["addopts"]
    assert addopts[addopts.index("-m") + 1] == "not slow and not vision"
    assert "pytest -m vision" in (root / ".ci" / "run-vision").read_text(encoding="utf-8")
    # Run where the extra is missing, a vision row fails naming the stage; it never skips.
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "torchvision" else real(name, *args),
    )
    with pytest.raises(RuntimeError) as caught:
        ensure_family("qwen2-vl", tmp_path)
    assert "family qwen2-vl needs the 'vision' extra (torchvision" in str(caught.value)
    assert "run it with .ci/run-vision" in str(caught.value)
    assert not list(tmp_path.iterdir())  # nothing built
