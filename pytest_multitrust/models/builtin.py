"""The built-in named models: the embedded tiny LLaVA and the scripted references."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_multitrust.models import scripted
from pytest_multitrust.models.registry import ModelOptions, ModelSpec, register_model

if TYPE_CHECKING:
    from pytest_multitrust.models.base import MLLM


def _prepare_tiny(spec: ModelSpec, options: ModelOptions) -> None:
    from pytest_multitrust.models.tiny import ensure_tiny_llava

    ensure_tiny_llava(options.cache_dir, seed=options.seed)


@register_model(
    "tiny-llava",
    description="embedded LLaVA with random weights, built locally (runs anywhere, on CPU)",
    prepare=_prepare_tiny,
)
def _tiny(spec: ModelSpec, options: ModelOptions) -> MLLM:
    from pytest_multitrust.models.hf import HFModel
    from pytest_multitrust.models.tiny import ensure_tiny_llava

    path = ensure_tiny_llava(options.cache_dir, seed=options.seed)
    return HFModel.open(str(path), options=options, spec=spec.raw)  # weights: on first use


@register_model("refuser", description="scripted: always refuses")
def _refuser(spec: ModelSpec, options: ModelOptions) -> MLLM:
    return scripted.refuser()


@register_model("echo", description="scripted: repeats the prompt text")
def _echo(spec: ModelSpec, options: ModelOptions) -> MLLM:
    return scripted.echo()


@register_model("oracle", description="scripted: answers from each sample's ground truth")
def _oracle(spec: ModelSpec, options: ModelOptions) -> MLLM:
    return scripted.oracle()
