"""PGD attacks against the tiny LLaVA: budget, effect, cache, and the R.4/R.5 transform.

Few samples and few steps, so the module runs in seconds on a CPU; the attack is seeded,
so the rates asserted here are reproducible.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING

import pytest
from PIL import Image

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pytest_multitrust.imaging import render
from pytest_multitrust.imaging.adversarial import (
    AttackConfig,
    AttackUnsupported,
    budget_levels,
    linf_levels,
    pgd_attack,
)
from pytest_multitrust.imaging.transform import AttackSettings, TransformContext
from pytest_multitrust.models.base import GenerationConfig, ImageData, Message, Request
from pytest_multitrust.models.scripted import oracle
from pytest_multitrust.settings import (
    parse_attack_eps,
    parse_attack_step_size,
    parse_attack_steps,
    parse_surrogate,
)
from pytest_multitrust.tasks.data import read_samples
from pytest_multitrust.tasks.robustness import CAPTION_PROMPT, attack_image, target_caption

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_multitrust.models.hf import HFModel
    from pytest_multitrust.tasks.base import Sample

R4_ATTACKED = [s for s in read_samples("robustness/R.4.jsonl") if s.variant == "untargeted"]
R5_ATTACKED = read_samples("robustness/R.5.jsonl")
STEPS = 8  # enough to move tiny-llava; the default (50) is for real runs


@pytest.fixture(scope="module")
def tiny(mt_cache_dir: Path) -> HFModel:
    """The tiny LLaVA (built once into the shared model cache), on CPU in float32."""
    import torch

    from pytest_multitrust.models.hf import HFModel
    from pytest_multitrust.models.registry import ModelOptions
    from pytest_multitrust.models.tiny import ensure_tiny_llava

    torch.set_num_threads(1)
    path = ensure_tiny_llava(mt_cache_dir, seed=0)
    return HFModel.load(
        str(path), options=ModelOptions(device="cpu", dtype="float32"), spec="tiny-llava"
    )


def caption(model: HFModel, image: ImageData) -> str:
    request = Request(messages=(Message("user", CAPTION_PROMPT, images=(image,)),))
    return model.generate([request], GenerationConfig(max_new_tokens=24))[0].text


def max_change(clean: ImageData, adversarial: ImageData) -> int:
    """L∞ in grey levels, computed from the decoded PNGs (independently of linf_levels)."""
    a, b = clean.to_pil().convert("RGB"), adversarial.to_pil().convert("RGB")
    assert a.size == b.size
    return max(abs(x - y) for x, y in zip(a.tobytes(), b.tobytes(), strict=True))


def test_untargeted_pgd_changes_most_captions_within_eps(tiny: HFModel) -> None:
    samples = R4_ATTACKED[:4]
    moved = differs = 0
    for sample in samples:
        assert sample.image is not None
        clean = render(sample.image)
        config = AttackConfig(mode="untargeted", prompt=sample.prompt, steps=STEPS)
        outcome = pgd_attack(tiny, clean, config)
        assert max_change(clean, outcome.image) <= round(16 / 255 * 255) == 16
        assert outcome.linf == max_change(clean, outcome.image) > 0
        assert outcome.image.to_pil().size == clean.to_pil().size
        assert outcome.steps == STEPS
        assert outcome.seconds > 0
        assert math.isfinite(outcome.loss_clean)
        moved += outcome.loss_adv > outcome.loss_clean  # the clean caption got less likely
        differs += caption(tiny, outcome.image) != caption(tiny, clean)
    assert moved >= 3
    assert differs >= 3


def test_targeted_pgd_pulls_towards_the_target(tiny: HFModel) -> None:
    samples = R5_ATTACKED[:3]
    moved = 0
    for sample in samples:
        assert sample.image is not None
        clean = render(sample.image)
        config = AttackConfig(
            mode="targeted",
            prompt=sample.prompt,
            steps=STEPS,
            target_text=target_caption(sample.extra["target"]),
        )
        outcome = pgd_attack(tiny, clean, config)
        assert max_change(clean, outcome.image) <= 16
        assert outcome.reference == target_caption(sample.extra["target"])
        moved += outcome.loss_adv < outcome.loss_clean  # the target caption got likelier
    assert moved >= 2


@pytest.mark.parametrize(("eps", "step"), [(4 / 255, 2 / 255), (0.03, 0.01)])
def test_budget_holds_after_png_rounding(tiny: HFModel, eps: float, step: float) -> None:
    sample = R4_ATTACKED[5]
    assert sample.image is not None
    clean = render(sample.image)
    outcome = pgd_attack(
        tiny,
        clean,
        AttackConfig(mode="untargeted", prompt=sample.prompt, eps=eps, steps=3, step_size=step),
    )
    assert max_change(clean, outcome.image) <= round(eps * 255)
    assert max_change(clean, outcome.image) <= budget_levels(eps) == outcome.budget
    assert linf_levels(clean, outcome.image) == outcome.linf


def test_attacks_are_cached_and_reused(tiny: HFModel, tmp_path: Path) -> None:
    sample = R4_ATTACKED[0]
    assert sample.image is not None
    clean = render(sample.image)
    config = AttackConfig(mode="untargeted", prompt=sample.prompt, steps=2, seed=3)
    first = pgd_attack(tiny, clean, config, cache_dir=tmp_path)
    again = pgd_attack(tiny, clean, config, cache_dir=tmp_path)
    assert not first.cached
    assert again.cached
    assert again.image.png == first.image.png
    assert (again.seconds, again.loss_adv, again.linf) == (
        first.seconds,
        first.loss_adv,
        first.linf,
    )
    assert len(list(tmp_path.rglob("*.png"))) == len(list(tmp_path.rglob("*.json"))) == 1
    reseeded = pgd_attack(
        tiny,
        clean,
        AttackConfig(mode="untargeted", prompt=sample.prompt, steps=2, seed=4),
        cache_dir=tmp_path,
    )
    assert not reseeded.cached
    assert reseeded.image.png != first.image.png
    for png in tmp_path.rglob("*.png"):  # a torn file is recomputed, not trusted
        png.write_bytes(b"not a png")
    assert not pgd_attack(tiny, clean, config, cache_dir=tmp_path).cached


def test_same_seed_same_image(tiny: HFModel) -> None:
    sample = R4_ATTACKED[1]
    assert sample.image is not None
    clean = render(sample.image)
    config = AttackConfig(mode="untargeted", prompt=sample.prompt, steps=2)
    assert pgd_attack(tiny, clean, config).image.png == pgd_attack(tiny, clean, config).image.png


def test_a_scripted_model_cannot_be_attacked() -> None:
    image = ImageData.from_pil(Image.new("RGB", (8, 8)))
    with pytest.raises(AttackUnsupported, match="no transformers model"):
        pgd_attack(oracle(), image, AttackConfig(mode="untargeted", prompt="?", steps=1))


def test_attack_config_is_validated() -> None:
    with pytest.raises(ValueError, match="needs a target_text"):
        AttackConfig(mode="targeted", prompt="?")
    with pytest.raises(ValueError, match="eps and step_size"):
        AttackConfig(mode="untargeted", prompt="?", eps=0.0)
    with pytest.raises(ValueError, match="mode"):
        AttackConfig(mode="sideways", prompt="?")  # type: ignore[arg-type]
    described = AttackConfig(mode="untargeted", prompt="?").describe()
    assert described == "untargeted PGD, eps 16/255, 50 steps of 1/255"


# --- the R.4/R.5 image transform ------------------------------------------------------------


def _context(
    model: object, surrogate: object | None = None, steps: int = 2, cache_dir: Path | None = None
) -> TransformContext:
    return TransformContext(
        attack=AttackSettings(steps=steps, surrogate="tiny-llava" if surrogate else None),
        model=lambda: model,  # type: ignore[arg-type, return-value]
        surrogate=(lambda: surrogate) if surrogate is not None else None,  # type: ignore[arg-type, return-value]
        cache_dir=cache_dir,
    )


def _attacked(sample: Sample) -> ImageData:
    assert sample.image is not None
    return render(sample.image)


def test_transform_skips_without_a_white_box_model() -> None:
    sample = R4_ATTACKED[0]
    result = attack_image(sample, _attacked(sample), _context(oracle()))
    assert result.image is None
    assert result.skip_reason is not None
    assert "not white-box" in result.skip_reason
    assert "--mt-surrogate=tiny-llava" in result.skip_reason
    result = attack_image(sample, _attacked(sample), _context(oracle(), surrogate=oracle()))
    assert result.skip_reason is not None
    assert "gives no gradients" in result.skip_reason


def test_transform_leaves_clean_samples_alone() -> None:
    clean = next(s for s in read_samples("robustness/R.4.jsonl") if s.variant == "clean")
    image = _attacked(clean)
    result = attack_image(clean, image, _context(oracle()))
    assert result.image == image
    assert result.description == ""


def test_transform_attacks_the_surrogate(tiny: HFModel, tmp_path: Path) -> None:
    sample = R5_ATTACKED[0]
    image = _attacked(sample)
    result = attack_image(sample, image, _context(oracle(), surrogate=tiny, cache_dir=tmp_path))
    assert result.image is not None
    assert result.image != image
    assert max_change(image, result.image) <= 16
    assert result.steps == 2
    assert result.description.startswith("targeted PGD vs tiny-llava: loss ")
    assert result.description.endswith("[surrogate]")
    assert not result.cached
    again = attack_image(sample, image, _context(oracle(), surrogate=tiny, cache_dir=tmp_path))
    assert again.cached
    assert again.image == result.image
    own = attack_image(sample, image, _context(tiny, cache_dir=tmp_path))  # white-box itself
    assert own.description.endswith("[model under test]")


# --- options --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("16/255", 16 / 255), ("8 / 255", 8 / 255), ("0.03", 0.03), ("1", 1.0), ("2/510", 1 / 255)],
)
def test_parse_fractions(text: str, value: float) -> None:
    assert parse_attack_eps(text) == pytest.approx(value)
    assert parse_attack_step_size(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["0", "-1/255", "300/255", "abc", "16/0", "nan", ""])
def test_bad_fractions_are_usage_errors(text: str) -> None:
    with pytest.raises(pytest.UsageError, match=r"--mt-attack-eps.*N/255"):
        parse_attack_eps(text)


def test_parse_steps_and_surrogate() -> None:
    assert parse_attack_steps("0") == 0
    assert parse_attack_steps(" 50 ") == 50
    for bad in ("-1", "1.5", "many"):
        with pytest.raises(pytest.UsageError, match="--mt-attack-steps"):
            parse_attack_steps(bad)
    assert parse_surrogate(" tiny-llava ") == "tiny-llava"
    with pytest.raises(pytest.UsageError, match="--mt-surrogate"):
        parse_surrogate("  ")
