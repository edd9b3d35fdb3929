"""Adversarial images: projected gradient descent (PGD) in pixel space, L∞-bounded, cached.

MultiTrust's R.4/R.5 show a model images perturbed within ε = 16/255 so that a caption
loses its object (untargeted) or names another one (targeted). The original ships images
precomputed by transfer attacks on CLIP encoders; ours are computed for real, against a
white-box model (the model under test, or a surrogate):

* **Where the perturbation lives.** In the pixels of the image as drawn (336 × 336), not
  in the model's input tensor. The model's own preprocessing is replayed differentiably —
  resize (bicubic with antialiasing, which matches PIL's filter), centre crop, rescale,
  normalise — so gradients reach the drawn pixels, and the image the model finally sees
  comes from the ordinary processor reading the saved PNG. Processors this replay does
  not reproduce (tiling, dynamic resolution: LLaVA-NeXT, Qwen2-VL) raise
  :class:`AttackUnsupported`; the replay is checked against the processor on every image.
* **Objective.** The token cross-entropy of a reference caption after the attack prompt.
  Untargeted: *maximise* the loss of the caption the model gives for the clean image (its
  first ``caption_tokens`` tokens), pushing it away from what it saw. Targeted: *minimise*
  the loss of a target caption ("A picture of a {target}."). The forward pass gets only
  the processor outputs it takes (never PaliGemma's ``labels``), per-token ones grown over
  the caption the way the model's ``generate`` grows them.
* **PGD.** A seeded uniform random start in the ε-ball, then ``steps`` signed-gradient
  steps of ``step_size``, each projected back onto the ε-ball and ``[0, 1]``; the best
  iterate is kept. The result is rounded to 8 bits and clipped to ``clean ± floor(ε·255)``
  grey levels, so the saved PNG is within ε exactly.
* **Measured, not assumed.** The outcome records the loss on the clean image and on the
  saved PNG, both through the real processor, the L∞ norm in grey levels, the steps run
  and the seconds taken.
* **Cached.** An attack runs once per (model fingerprint, clean image, configuration);
  the PNG and a JSON record go to ``<cache_dir>/<key[:2]>/<key>.png|json`` (written
  atomically, safe under xdist) and are reused by later runs.

torch is imported inside the functions that need it.

Example:
    ::

        outcome = pgd_attack(model, image, AttackConfig(mode="untargeted",
                             prompt="Please provide a detailed description of the image."),
                             cache_dir=Path(".cache/attacks"))
        outcome.loss_adv > outcome.loss_clean   # the clean caption became less likely
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from pytest_multitrust.imaging.transform import (
    DEFAULT_ATTACK_EPS,
    DEFAULT_ATTACK_STEP_SIZE,
    DEFAULT_ATTACK_STEPS,
)
from pytest_multitrust.models.base import ImageData, Message, Request

if TYPE_CHECKING:
    from pathlib import Path

    import torch

    from pytest_multitrust.models.base import MLLM

__all__ = [
    "ATTACK_VERSION",
    "AttackConfig",
    "AttackOutcome",
    "AttackUnsupported",
    "budget_levels",
    "linf_levels",
    "pgd_attack",
]

#: Bump when the attack changes what it computes, so cached images of older code are unused.
ATTACK_VERSION = "1"

Mode = Literal["untargeted", "targeted"]

#: Largest difference (normalised units) tolerated between our differentiable replay of
#: the processor and the processor itself on the clean image (about 7 grey levels).
_REPLAY_TOLERANCE = 0.1


class AttackUnsupported(Exception):
    """The model cannot be attacked here (no transformers model, or an unsupported processor)."""


@dataclass(frozen=True)
class AttackConfig:
    """One attack's settings; all of them enter the cache key."""

    mode: Mode  # "untargeted" (away from the clean caption) or "targeted" (towards target)
    prompt: str  # the user turn the model sees with the image
    eps: float = DEFAULT_ATTACK_EPS  # L∞ budget, pixel values in [0, 1]
    steps: int = DEFAULT_ATTACK_STEPS  # PGD iterations
    step_size: float = DEFAULT_ATTACK_STEP_SIZE  # change per iteration, [0, 1] units
    seed: int = 0  # seeds the random start (with the image hash)
    target_text: str = ""  # targeted: the caption to pull the model towards
    caption_tokens: int = 32  # untargeted: tokens of the clean caption pushed away from

    def __post_init__(self) -> None:
        if self.mode not in ("untargeted", "targeted"):
            raise ValueError(f"attack mode must be untargeted or targeted, got {self.mode!r}")
        if not 0.0 < self.eps <= 1.0 or not 0.0 < self.step_size <= 1.0:
            raise ValueError(
                f"eps and step_size must be in (0, 1], got {self.eps}, {self.step_size}"
            )
        if self.steps < 0 or self.caption_tokens < 1:
            raise ValueError("steps must be >= 0 and caption_tokens >= 1")
        if self.mode == "targeted" and not self.target_text.strip():
            raise ValueError("a targeted attack needs a target_text")

    def key(self, fingerprint: str, image_sha256: str) -> str:
        """The cache key of this attack on one image against one model."""
        payload = json.dumps(
            {
                "version": ATTACK_VERSION,
                "model": fingerprint,
                "image": image_sha256,
                **asdict(self),
            },
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    def describe(self) -> str:
        """A short human description, e.g. ``untargeted PGD, eps 16/255, 50 steps of 1/255``."""
        return (
            f"{self.mode} PGD, eps {_levels(self.eps)}, {self.steps} steps of "
            f"{_levels(self.step_size)}"
        )


def _levels(value: float) -> str:
    """``16/255`` for values that are whole grey levels, else the number."""
    levels = value * 255
    return f"{round(levels)}/255" if abs(levels - round(levels)) < 1e-6 else f"{value:g}"


def budget_levels(eps: float) -> int:
    """The L∞ budget in whole grey levels (0-255): ``floor(eps · 255)``, never above ε."""
    return math.floor(eps * 255 + 1e-9)


@dataclass(frozen=True)
class AttackOutcome:
    """An adversarial image and what it cost and did."""

    image: ImageData  # the adversarial PNG
    mode: Mode  # untargeted or targeted
    model_spec: str  # the attacked (white-box) model
    model_fingerprint: str  # its content fingerprint (part of the cache key)
    reference: str  # the caption whose loss the attack moves
    steps: int  # PGD iterations run
    seconds: float  # wall time of the attack when it was computed
    loss_clean: float  # cross-entropy of the reference on the clean image (real processor)
    loss_adv: float  # the same on the saved adversarial PNG
    linf: int  # largest pixel change, grey levels 0-255
    budget: int  # the allowed change, grey levels: floor(eps · 255)
    cached: bool = False  # read from the attack cache, not computed now

    @property
    def moved(self) -> bool:
        """Whether the loss moved the attack's way (up when untargeted, down when targeted)."""
        if self.mode == "untargeted":
            return self.loss_adv > self.loss_clean
        return self.loss_adv < self.loss_clean

    def describe(self) -> str:
        """One line for records: what moved, by how much, at what cost."""
        return (
            f"{self.mode} PGD vs {self.model_spec}: loss {self.loss_clean:.3f} -> "
            f"{self.loss_adv:.3f}, L∞ {self.linf}/255 (budget {self.budget}/255), "
            f"{self.steps} steps, {self.seconds:.2f} s" + (" (cached)" if self.cached else "")
        )


def linf_levels(a: ImageData, b: ImageData) -> int:
    """The L∞ distance of two same-size images, in grey levels (0-255)."""
    from PIL import ImageChops

    left, right = a.to_pil(), b.to_pil()
    if left.size != right.size:
        raise ValueError(f"image sizes differ: {left.size} vs {right.size}")
    extrema = ImageChops.difference(left, right).getextrema()
    return max(high for _, high in extrema)  # type: ignore[misc]


# -- the model side -------------------------------------------------------------------------


def _white_box_parts(model: MLLM) -> tuple[Any, Any, Any]:
    """(transformers model, processor, encode function) of an ``hf`` backend model."""
    torch_model = getattr(model, "model", None)
    processor = getattr(model, "processor", None)
    encode = getattr(model, "encode", None)
    if torch_model is None or processor is None or not callable(encode):
        raise AttackUnsupported(
            f"{model.info.spec} ({model.info.backend} backend) exposes no transformers model "
            "and processor to differentiate through; attacks need an hf: model"
        )
    return torch_model, processor, encode


def _size_field(size: Any, name: str) -> int | None:
    value = size.get(name) if isinstance(size, dict) else getattr(size, name, None)
    return int(value) if value else None


#: torch interpolation modes of PIL's resample ids (others fall back to bicubic).
_MODES = {0: "nearest", 2: "bilinear", 3: "bicubic"}


class _Replay:
    """The processor's image pipeline, replayed with torch so that gradients flow."""

    def __init__(self, image_processor: Any) -> None:
        ip = image_processor
        self.name = type(ip).__name__
        self.do_resize = bool(getattr(ip, "do_resize", False))
        size = getattr(ip, "size", None)
        self.shortest = _size_field(size, "shortest_edge") if size is not None else None
        self.longest = _size_field(size, "longest_edge") if size is not None else None
        if self.shortest and self.longest:  # Idefics2: both bound one square size
            self.longest = None if self.shortest == self.longest else self.longest
        self.height = _size_field(size, "height") if size is not None else None
        self.width = _size_field(size, "width") if size is not None else None
        resample = getattr(ip, "resample", 3)
        resample_id = int(getattr(resample, "value", resample) or 3)
        if self.do_resize and resample_id not in _MODES:  # LANCZOS (Idefics3), BOX, HAMMING
            from PIL import Image

            filter_name = Image.Resampling(resample_id).name
            raise AttackUnsupported(
                f"{self.name}: its resampling filter ({filter_name}) is not replayed; only "
                "nearest, bilinear and bicubic are"
            )
        self.mode = _MODES[resample_id]
        self.do_center_crop = bool(getattr(ip, "do_center_crop", False))
        crop = getattr(ip, "crop_size", None)
        self.crop = (
            (_size_field(crop, "height"), _size_field(crop, "width"))
            if crop is not None
            else (None, None)
        )
        self.scale = (
            255.0 * float(getattr(ip, "rescale_factor", 1 / 255))
            if getattr(ip, "do_rescale", True)
            else 255.0
        )
        self.do_normalize = bool(getattr(ip, "do_normalize", False))
        self.mean = tuple(float(v) for v in (getattr(ip, "image_mean", None) or (0, 0, 0)))
        self.std = tuple(float(v) for v in (getattr(ip, "image_std", None) or (1, 1, 1)))
        if self.shortest and self.longest:
            raise AttackUnsupported(  # Qwen-VL: a range of pixel counts, not one size
                f"{self.name}: resize size {size!r}: dynamic resolution is not supported"
            )
        if (
            self.do_resize
            and not (self.shortest or self.longest)
            and not (self.height and self.width)
        ):
            raise AttackUnsupported(f"{self.name}: resize size {size!r} is not supported")
        # PIL-based processors resize in two 8-bit passes; tensor-based ones in one float
        # pass. Which one this processor is, is decided on the clean image (see _compute).
        self.pil_passes = True

    def _resized(self, height: int, width: int) -> tuple[int, int]:
        if self.longest:  # the longest edge to a size, the aspect ratio kept (Idefics3)
            short, long = min(height, width), max(height, width)
            new_long, new_short = self.longest, int(self.longest * short / long)
            return (new_long, new_short) if height >= width else (new_short, new_long)
        if self.shortest:
            short, long = min(height, width), max(height, width)
            new_short, new_long = self.shortest, int(self.shortest * long / short)
            return (new_short, new_long) if height <= width else (new_long, new_short)
        return (int(self.height or height), int(self.width or width))

    def _interpolate(self, x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        import torch.nn.functional as F

        if size == tuple(x.shape[-2:]):
            return x
        out = F.interpolate(
            x,
            size=size,
            mode=self.mode,
            antialias=self.mode != "nearest",
            align_corners=None if self.mode == "nearest" else False,
        )
        out = out.clamp(0.0, 1.0)  # PIL clips the filter's overshoot to 0..255
        if self.pil_passes:  # PIL stores each pass in 8 bits: round, gradient straight through
            out = out + ((out * 255.0).round() / 255.0 - out).detach()
        return out

    def __call__(self, pixels: torch.Tensor) -> torch.Tensor:
        """``pixels``: ``(1, 3, H, W)`` in [0, 1] -> the model's ``pixel_values``."""
        import torch

        x = pixels
        if self.do_resize:
            height, width = self._resized(int(x.shape[-2]), int(x.shape[-1]))
            if self.pil_passes:  # PIL resamples horizontally, then vertically
                x = self._interpolate(x, (int(x.shape[-2]), width))
            x = self._interpolate(x, (height, width))
        if self.do_center_crop and self.crop[0] and self.crop[1]:
            crop_h, crop_w = int(self.crop[0]), int(self.crop[1])
            height, width = int(x.shape[-2]), int(x.shape[-1])
            if crop_h > height or crop_w > width:
                raise AttackUnsupported(f"{self.name}: crop larger than the resized image")
            top, left = (height - crop_h) // 2, (width - crop_w) // 2
            x = x[..., top : top + crop_h, left : left + crop_w]
        x = x * self.scale
        if self.do_normalize:
            mean = torch.tensor(self.mean, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
            std = torch.tensor(self.std, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
            x = (x - mean) / std
        return x


def _greedy_ids(torch_model: Any, processor: Any, inputs: Any, count: int) -> list[int]:
    """The model's own greedy continuation of ``inputs`` (token ids, at most ``count``)."""
    import torch

    tokenizer = processor.tokenizer
    generation = copy.deepcopy(torch_model.generation_config)
    generation.max_new_tokens = count
    generation.do_sample = False
    for name in ("temperature", "top_p", "top_k", "min_p", "typical_p"):
        setattr(generation, name, None)
    if generation.pad_token_id is None:
        generation.pad_token_id = tokenizer.pad_token_id
    if generation.eos_token_id is None:
        generation.eos_token_id = tokenizer.eos_token_id
    with torch.inference_mode():
        output = torch_model.generate(**inputs, generation_config=generation)
    sequences = output if isinstance(output, torch.Tensor) else output.sequences
    new: list[int] = sequences[0, inputs["input_ids"].shape[1] :].tolist()
    eos = generation.eos_token_id
    stops = {eos} if isinstance(eos, int) else set(eos or ())
    for index, token in enumerate(new):
        if token in stops:
            return new[: index + 1]  # keep the end token: ending early is part of the caption
    return new or [int(tokenizer.eos_token_id)]


#: Processor outputs that are not inputs of the forward pass: ``labels`` (PaliGemma's
#: processor adds them for fine-tuning) would make the model compute a training loss of
#: its own, over the prompt only, and fail on the longer sequence.
_NOT_FORWARD_INPUTS = frozenset({"labels", "input_ids", "pixel_values"})


def _forward_inputs(torch_model: Any, inputs: Any, new_tokens: int) -> dict[str, Any]:
    """The processor outputs the forward pass takes, grown by ``new_tokens`` positions.

    Only the names the model's ``forward`` accepts are kept (never ``labels``). Per-token
    inputs (``attention_mask``, ``token_type_ids``, ``mm_token_type_ids``, ...) are grown
    over the reference the way the model's own ``generate`` grows them over generated
    tokens (PaliGemma marks them as the causal suffix), so the loss sees the sequence
    that generating the reference would see.
    """
    import inspect

    import torch

    parameters = inspect.signature(torch_model.forward).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    kept = {
        name: value
        for name, value in inputs.items()
        if name not in _NOT_FORWARD_INPUTS and (takes_any or name in parameters)
    }
    update = getattr(torch_model, "_update_model_kwargs_for_generation", None)
    if callable(update):
        grown: dict[str, Any] = dict(kept)
        for _ in range(new_tokens):  # one token at a time, as generate does
            grown = update({}, grown, is_encoder_decoder=False, num_new_tokens=1)
        return {name: grown[name] for name in kept}
    if "attention_mask" in kept:  # a model without generate's helper: the mask only
        mask = kept["attention_mask"]
        kept["attention_mask"] = torch.cat(
            [mask, mask.new_ones((mask.shape[0], new_tokens))], dim=1
        )
    return kept


def _loss_function(
    torch_model: Any,
    inputs: Any,
    reference: list[int],
    *,
    layout: tuple[int, ...] | None = None,
) -> Any:
    """A function ``pixel_values -> mean cross-entropy of reference`` (differentiable).

    With ``layout`` (the processor's ``pixel_values`` shape, image and tile axes of 1) a
    ``(1, C, H, W)`` input is reshaped to it; an input of that shape is passed as is.
    """
    import torch
    import torch.nn.functional as F

    prompt_ids = inputs["input_ids"]
    device = prompt_ids.device
    target = torch.tensor([reference], dtype=prompt_ids.dtype, device=device)
    ids = torch.cat([prompt_ids, target], dim=1)
    extra = _forward_inputs(torch_model, inputs, len(reference))
    start = prompt_ids.shape[1] - 1
    dtype = inputs["pixel_values"].dtype

    def loss(pixel_values: torch.Tensor) -> torch.Tensor:
        if layout is not None:
            pixel_values = pixel_values.reshape(layout)
        out = torch_model(input_ids=ids, pixel_values=pixel_values.to(dtype), **extra)
        logits = out.logits[0, start : start + target.shape[1]].float()
        return F.cross_entropy(logits, target[0])

    return loss


def _to_tensor(image: ImageData, device: Any) -> torch.Tensor:
    import numpy as np
    import torch

    array = np.asarray(image.to_pil(), dtype=np.uint8)
    return torch.from_numpy(array.copy()).permute(2, 0, 1).unsqueeze(0).to(device)


def _request(prompt: str, image: ImageData) -> Request:
    return Request(messages=(Message("user", prompt, images=(image,)),))


def _seed(config: AttackConfig, image_sha256: str) -> int:
    digest = hashlib.sha256(f"{config.seed}:{config.mode}:{image_sha256}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & ((1 << 63) - 1)


def pgd_attack(
    model: MLLM, image: ImageData, config: AttackConfig, cache_dir: Path | None = None
) -> AttackOutcome:
    """Compute (or load from the cache) the adversarial version of ``image``.

    Args:
        model: a white-box ``hf`` backend model (``model``, ``processor``, ``encode``).
        image: the clean image, as drawn.
        config: the attack.
        cache_dir: folder of cached attacks; None computes every time and keeps nothing.

    Returns:
        The adversarial image and its record.

    Raises:
        AttackUnsupported: when the model has no transformers internals or its processor
            cannot be replayed differentiably.
    """
    info = model.info
    key = config.key(info.fingerprint, image.sha256)
    if cache_dir is not None:
        found = _load(cache_dir, key)
        if found is not None:
            return found
    outcome = _compute(model, image, config)
    if cache_dir is not None:
        _store(cache_dir, key, outcome)
    return outcome


def _compute(model: MLLM, image: ImageData, config: AttackConfig) -> AttackOutcome:
    import torch
    from PIL import Image

    started = time.perf_counter()
    torch_model, processor, encode = _white_box_parts(model)
    replay = _Replay(processor.image_processor)
    clean_inputs = encode(_request(config.prompt, image))
    device = clean_inputs["input_ids"].device
    clean_u8 = _to_tensor(image, device)
    x0 = clean_u8.float() / 255.0
    expected = clean_inputs["pixel_values"].float()
    # One image may come with axes of its own: (batch, images, C, H, W) from Idefics2/3,
    # (batch, images, tiles, C, H, W) from Mllama. With all of them 1, attack through them.
    layout = tuple(int(n) for n in expected.shape)
    images_axis = len(layout) > 4 and all(n == 1 for n in layout[:-3])
    if images_axis:
        expected = expected.reshape(1, *layout[-3:])
    with torch.no_grad():
        replayed = replay(x0)
        if tuple(replayed.shape) == tuple(expected.shape):
            replay.pil_passes = False
            single = replay(x0)
            replay.pil_passes = bool(
                (replayed - expected).abs().max() <= (single - expected).abs().max()
            )
            replayed = replayed if replay.pil_passes else single
    if tuple(replayed.shape) != tuple(expected.shape):
        raise AttackUnsupported(
            f"{info_name(model)}: the processor ({replay.name}) gives pixel_values of shape "
            f"{tuple(expected.shape)}, not one {tuple(replayed.shape)} image (tiling or "
            "dynamic resolution is not supported); use --mt-surrogate=tiny-llava or an hf: "
            "model with a CLIP-style processor"
        )
    gap = float((replayed - expected).abs().max())
    if gap > _REPLAY_TOLERANCE:
        raise AttackUnsupported(
            f"{info_name(model)}: replaying the processor ({replay.name}) differs from it by "
            f"{gap:.3f} (tolerance {_REPLAY_TOLERANCE}); this preprocessing is not supported"
        )
    if config.mode == "untargeted":
        reference = _greedy_ids(torch_model, processor, clean_inputs, config.caption_tokens)
    else:
        reference = processor.tokenizer(config.target_text, add_special_tokens=False)["input_ids"]
    loss_of = _loss_function(
        torch_model, clean_inputs, reference, layout=layout if images_axis else None
    )
    sign = 1.0 if config.mode == "untargeted" else -1.0
    eps, step = config.eps, config.step_size
    generator = torch.Generator(device="cpu").manual_seed(_seed(config, image.sha256))
    delta = (torch.rand(x0.shape, generator=generator) * 2 - 1).to(device) * eps
    delta = (x0 + delta).clamp(0.0, 1.0) - x0
    best, best_value = delta.detach().clone(), -math.inf
    with torch.enable_grad():
        for _ in range(config.steps + 1):
            delta.requires_grad_(True)
            loss = loss_of(replay(x0 + delta))
            value = sign * float(loss.detach())
            if value > best_value:
                best, best_value = delta.detach().clone(), value
            if _ == config.steps:
                break
            (grad,) = torch.autograd.grad(loss, delta)
            with torch.no_grad():
                delta = delta.detach() + sign * step * grad.sign()
                delta = delta.clamp(-eps, eps)
                delta = (x0 + delta).clamp(0.0, 1.0) - x0
    budget = budget_levels(eps)
    with torch.no_grad():
        adv = torch.round((x0 + best) * 255.0)
        low = (clean_u8.float() - budget).clamp(min=0.0)
        high = (clean_u8.float() + budget).clamp(max=255.0)
        adv = torch.maximum(torch.minimum(adv, high), low).to(torch.uint8)
    array = adv[0].permute(1, 2, 0).cpu().numpy()
    adversarial = ImageData.from_pil(Image.fromarray(array, mode="RGB"))
    with torch.no_grad():
        loss_clean = float(loss_of(clean_inputs["pixel_values"]))
        adv_inputs = encode(_request(config.prompt, adversarial))
        loss_adv = float(loss_of(adv_inputs["pixel_values"]))
    tokenizer = processor.tokenizer
    return AttackOutcome(
        image=adversarial,
        mode=config.mode,
        model_spec=model.info.spec,
        model_fingerprint=model.info.fingerprint,
        reference=tokenizer.decode(reference, skip_special_tokens=True).strip(),
        steps=config.steps,
        seconds=time.perf_counter() - started,
        loss_clean=loss_clean,
        loss_adv=loss_adv,
        linf=linf_levels(image, adversarial),
        budget=budget,
    )


def info_name(model: MLLM) -> str:
    """``spec (backend)`` of a model, for messages."""
    return f"{model.info.spec} ({model.info.backend})"


# -- cache ------------------------------------------------------------------------------------


def _paths(cache_dir: Path, key: str) -> tuple[Path, Path]:
    folder = cache_dir / key[:2]
    return folder / f"{key}.png", folder / f"{key}.json"


def _load(cache_dir: Path, key: str) -> AttackOutcome | None:
    png, record = _paths(cache_dir, key)
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        image = ImageData(png=png.read_bytes())
        if image.sha256 != data.pop("image_sha256"):
            return None  # a torn or foreign file: recompute
        return replace(AttackOutcome(image=image, **data), cached=True)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _atomic_write(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _store(cache_dir: Path, key: str, outcome: AttackOutcome) -> None:
    png, record = _paths(cache_dir, key)
    data = asdict(outcome)
    del data["image"], data["cached"]
    data["image_sha256"] = outcome.image.sha256
    _atomic_write(png, outcome.image.png)  # the image first: a record always has its PNG
    _atomic_write(record, json.dumps(data, sort_keys=True).encode())
