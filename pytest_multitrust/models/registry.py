"""Model names, aliases and lazy factories.

A model spec is what the user types after ``--mllm``:

* a registered name: ``tiny-llava``, ``refuser``, ``echo``, ``oracle``;
* an alias of a hub model: ``llava-1.5`` means ``hf:llava-hf/llava-1.5-7b-hf``;
* a scheme: ``hf:<repo-or-path>``, ``openai:<base_url>#<model>``,
  ``py:package.module:factory`` (a vLLM server is an ``openai:`` model);
* a name from the ``pytest_multitrust.models`` entry-point group.

Resolution (:func:`parse_model_spec`) is pure and imports no backend, so an unknown
name is a :class:`pytest.UsageError` listing the known ones before torch is imported.
Factories (:func:`make_model`) import their backend lazily.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.errors import PrerequisiteError
from pytest_multitrust.models.spec import ModelOptions, ModelSpec

if TYPE_CHECKING:
    from pytest_multitrust.models.base import MLLM

__all__ = [
    "ALIASES",
    "ALIAS_NEEDS",
    "ENTRY_POINT_GROUP",
    "ModelOptions",
    "ModelSpec",
    "known_names",
    "make_model",
    "parse_model_spec",
    "prepare_model",
    "register_model",
]

ENTRY_POINT_GROUP = "pytest_multitrust.models"

SCHEMES: tuple[str, ...] = ("hf", "openai", "py")

#: Short names for Hugging Face models of the MultiTrust family that transformers runs
#: natively (image-text-to-text). Values are full specs.
ALIASES: Mapping[str, str] = {
    "llava-1.5": "hf:llava-hf/llava-1.5-7b-hf",
    "llava-1.5-7b": "hf:llava-hf/llava-1.5-7b-hf",
    "llava-1.5-13b": "hf:llava-hf/llava-1.5-13b-hf",
    "llava-1.6-mistral-7b": "hf:llava-hf/llava-v1.6-mistral-7b-hf",
    "llava-1.6-vicuna-7b": "hf:llava-hf/llava-v1.6-vicuna-7b-hf",
    "llava-1.6-vicuna-13b": "hf:llava-hf/llava-v1.6-vicuna-13b-hf",
    "llava-next-llama3-8b": "hf:llava-hf/llama3-llava-next-8b-hf",
    "llava-onevision-0.5b": "hf:llava-hf/llava-onevision-qwen2-0.5b-ov-hf",
    "llava-onevision-7b": "hf:llava-hf/llava-onevision-qwen2-7b-ov-hf",
    "qwen2-vl-2b": "hf:Qwen/Qwen2-VL-2B-Instruct",
    "qwen2-vl-7b": "hf:Qwen/Qwen2-VL-7B-Instruct",
    "qwen2.5-vl-3b": "hf:Qwen/Qwen2.5-VL-3B-Instruct",
    "qwen2.5-vl-7b": "hf:Qwen/Qwen2.5-VL-7B-Instruct",
    "internvl3-1b": "hf:OpenGVLab/InternVL3-1B-hf",
    "internvl3-8b": "hf:OpenGVLab/InternVL3-8B-hf",
    "idefics2-8b": "hf:HuggingFaceM4/idefics2-8b",
    "idefics3-8b": "hf:HuggingFaceM4/Idefics3-8B-Llama3",
    "smolvlm-2b": "hf:HuggingFaceTB/SmolVLM-Instruct",
    "llama-3.2-11b-vision": "hf:meta-llama/Llama-3.2-11B-Vision-Instruct",
    "gemma-3-4b": "hf:google/gemma-3-4b-it",
    "paligemma2-3b": "hf:google/paligemma2-3b-mix-224",
}


_VISION = ("torchvision",)

#: Packages beyond the default install that an alias's processor imports: those of the
#: ``vision`` extra (``pip install 'pytest-multitrust[vision]'``). Checked before a
#: download, so a missing one is named before gigabytes of weights are fetched.
ALIAS_NEEDS: Mapping[str, tuple[str, ...]] = {
    "llava-onevision-0.5b": _VISION,
    "llava-onevision-7b": _VISION,
    "qwen2-vl-2b": _VISION,
    "qwen2-vl-7b": _VISION,
    "qwen2.5-vl-3b": _VISION,
    "qwen2.5-vl-7b": _VISION,
    "internvl3-1b": _VISION,
    "internvl3-8b": _VISION,
    "smolvlm-2b": ("torchvision", "num2words"),
}


Factory = Callable[[ModelSpec, ModelOptions], "MLLM"]
Preparer = Callable[[ModelSpec, ModelOptions], None]


@dataclass(frozen=True)
class _Entry:
    name: str
    factory: Factory
    description: str
    prepare: Preparer | None


_NAMED: dict[str, _Entry] = {}


def register_model(
    name: str, *, description: str = "", prepare: Preparer | None = None
) -> Callable[[Factory], Factory]:
    """Register a named model factory (decorator).

    Example:
        >>> @register_model("always-no", description="answers No")
        ... def _make(spec, options):
        ...     from pytest_multitrust.models.scripted import ScriptedModel
        ...     return ScriptedModel.constant("No.", name="always-no")
    """

    def decorator(factory: Factory) -> Factory:
        _NAMED[name] = _Entry(name, factory, description, prepare)
        return factory

    return decorator


def _entry_point_names() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def known_names() -> list[str]:
    """Every name ``--mllm`` accepts besides schemes, sorted."""
    _register_builtins()
    return sorted({*_NAMED, *ALIASES, *_entry_point_names()})


def _usage(raw: str, why: str, option: str = "--mllm") -> pytest.UsageError:
    from pytest_multitrust.models.redact import redact_spec

    names = ", ".join(known_names())
    return pytest.UsageError(
        f"{option}={redact_spec(raw)!r}: {why}. Known models: {names}; or a scheme: "
        "hf:<repo-or-path>, openai:<base_url>#<model>, py:<module>:<factory>"
    )


def parse_model_spec(
    raw: str, *, extra_names: tuple[str, ...] = (), option: str = "--mllm"
) -> ModelSpec:
    """Parse and check a model spec without importing any backend.

    Args:
        raw: the ``--mllm`` value.
        extra_names: names that some plugin's ``pytest_multitrust_make_model`` claims.
        option: the option the spec came from (``--mllm`` or ``--mt-judge``), for messages.

    Raises:
        pytest.UsageError: for an empty value, a malformed scheme or an unknown name.
    """
    _register_builtins()
    text = raw.strip()
    if not text:
        raise _usage(raw, "empty model spec", option)
    alias_of: str | None = None
    if text in ALIASES:
        alias_of, text = text, ALIASES[text]
    scheme, sep, target = text.partition(":")
    if sep and scheme in SCHEMES:
        if not target.strip():
            raise _usage(raw, f"'{scheme}:' needs a target after the colon", option)
        if scheme == "py" and (target.count(":") != 1 or not all(target.split(":"))):
            raise _usage(raw, "expected py:<module>:<factory>, e.g. py:mypkg.models:make", option)
        if scheme == "openai":  # URL, credentials and port checked now, not at first use
            from pytest_multitrust.models.openai_backend import parse_target

            parse_target(target, option=option)
        return ModelSpec(raw=raw, scheme=scheme, target=target, alias_of=alias_of)  # type: ignore[arg-type]
    if sep and scheme == "vllm" and text not in extra_names:  # advertised once, never built
        from pytest_multitrust.models.redact import redact_spec

        raise pytest.UsageError(
            f"{option}={redact_spec(raw)!r}: there is no vllm: model kind; serve the "
            "model with vLLM's OpenAI-compatible server (vllm serve <repo>) and pass "
            f"{option}=openai:http://127.0.0.1:8000/v1#<repo>"
        )
    if text in _NAMED or text in extra_names:
        return ModelSpec(raw=raw, scheme="name", target=text, alias_of=alias_of)
    if text in _entry_point_names():
        return ModelSpec(raw=raw, scheme="entrypoint", target=text, alias_of=alias_of)
    raise _usage(raw, "unknown model", option)


def _load_object(path: str, what: str) -> object:
    module_name, _, attribute = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as error:  # a user module may fail with anything while it imports
        raise pytest.UsageError(
            f"{what}: cannot import module {module_name!r}: {type(error).__name__}: {error}"
        ) from None
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise pytest.UsageError(
            f"{what}: module {module_name!r} has no attribute {attribute!r}"
        ) from None


def make_model(spec: ModelSpec, options: ModelOptions) -> MLLM:
    """Build (load) the model a spec names. Heavy imports happen here.

    Raises:
        pytest.UsageError: when a ``py:`` or entry-point factory cannot be imported.
        PrerequisiteError: when an extra or the weights are missing.
    """
    from pytest_multitrust.models.base import MLLM

    _register_builtins()
    if spec.scheme == "name":
        model = _NAMED[spec.target].factory(spec, options)
    elif spec.scheme == "hf":
        from pytest_multitrust.models.hf import HFModel

        model = HFModel.open(spec.target, options=options, spec=spec.raw)  # weights: on first use
    elif spec.scheme in ("py", "entrypoint"):
        target = spec.target if spec.scheme == "py" else _entry_point_names()[spec.target]
        factory = _load_object(target, f"--mllm={spec.raw}")
        if not callable(factory):
            raise pytest.UsageError(f"--mllm={spec.raw}: {target} is not callable")
        model = factory(options)
    else:  # openai
        model = _backend_factory("openai")(spec, options)
    if not isinstance(model, MLLM):
        raise pytest.UsageError(
            f"--mllm={spec.raw}: the factory returned {type(model).__name__}, which has no "
            "'info' and 'generate(requests, config)' (see pytest_multitrust.MLLM)"
        )
    return model


def _backend_factory(name: str) -> Factory:
    module = f"pytest_multitrust.models.{name}_backend"
    try:
        loaded = importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name == module:
            raise PrerequisiteError(
                f"the {name}: backend is not available in this version of pytest-multitrust"
            ) from None
        raise PrerequisiteError(
            f"the {name}: backend needs {error.name!r}: pip install 'pytest-multitrust[{name}]'"
        ) from None
    factory: Factory = loaded.make
    return factory


def prepare_model(
    spec: ModelSpec, options: ModelOptions, *, option: str = "--mllm", images: bool = True
) -> None:
    """Make the model's files available (build or download) once, before tests run.

    Called on the xdist controller (or the only process) so that workers only load. An
    ``hf:`` model is then checked without its weights (:func:`~pytest_multitrust.models.hf.
    check_hf`: config, architecture, processor, chat template, weight headers), so one
    that cannot load stops the run here. An ``openai:`` server gets a capability probe
    instead (one small request).

    Args:
        spec: the parsed spec.
        options: settings for the factory.
        option: the option the spec came from (``--mllm``, ``--mt-judge``), for messages.
        images: whether the model must accept images (a judge is asked text only).

    Raises:
        PrerequisiteError: naming the model and how to fetch it.
        pytest.UsageError: when an ``openai:`` server rejects the probe or is unreachable,
            or a ``py:`` module does not import or lacks its factory.
    """
    _register_builtins()
    if spec.scheme == "name":
        entry = _NAMED.get(spec.target)  # None: a name a plugin's make_model hook answers
        if entry is not None and entry.prepare is not None:
            entry.prepare(spec, options)
    elif spec.scheme == "hf":
        from pytest_multitrust.models.hf import check_hf, install_line, prepare_hf

        needs = ALIAS_NEEDS.get(spec.alias_of or "", ())
        missing = [name for name in needs if importlib.util.find_spec(name) is None]
        if missing:
            raise PrerequisiteError(
                f"{option}={spec.display}: the processor of {spec.target.removeprefix('hf:')} "
                f"needs {', '.join(missing)}, not installed here; {install_line(missing)}"
            )
        prepare_hf(spec.target, options)
        check_hf(spec.target, options, images=images)  # config, processor: no weights
    elif spec.scheme == "py":
        # import the module now: one usage error before any test, not one failure per test
        target = _load_object(spec.target, f"{option}={spec.display}")
        if not callable(target):
            raise pytest.UsageError(f"{option}={spec.display}: {spec.target} is not callable")
    elif spec.scheme == "openai":
        # one small request with an image: a server that rejects images or the model
        # name stops the run here, with the server's message, before any test runs
        from pytest_multitrust.models.openai_backend import probe

        probe(spec, options, option=option, images=images)


_BUILTINS_DONE: list[bool] = []


def _register_builtins() -> None:
    if _BUILTINS_DONE:
        return
    _BUILTINS_DONE.append(True)
    importlib.import_module("pytest_multitrust.models.builtin")
