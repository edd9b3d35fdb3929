"""The ``hf:`` backend: a local Hugging Face transformers model, batched on one device.

``hf:<repo-or-path>`` loads a model with ``AutoProcessor`` and
``AutoModelForImageTextToText`` and talks to it through its own chat template, the way
the model card does, so any image-text-to-text model that transformers runs natively works
(LLaVA, Qwen2-VL, InternVL, Idefics, Gemma 3, ...; the docs' "Supported models" lists
the families checked on tiny checkpoints, and those whose processors need the ``vision``
extra). The embedded ``tiny-llava`` goes through this backend too. A package a processor
needs and this install lacks is named with the line that installs it, before any test:
:func:`check_hf` checks a model without its weights (config, architecture, processor,
chat template, weight headers) before the tests start, and :meth:`HFModel.load` loads it.

Choices that matter for trust testing:

* **safetensors only.** Pickle checkpoints (``pytorch_model.bin``) can run code when
  loaded; a model that has only those is refused with a :class:`PrerequisiteError`.
* **Offline unless asked.** Only :func:`prepare_hf` (and :meth:`HFModel.load` for a model
  not yet on disk) downloads, never when ``HF_HUB_OFFLINE`` is set; loading itself reads
  local files only.
* **Batch-invariant greedy decoding, in float32.** Prompts are padded on the left, so in
  float32 greedy outputs at batch size 1 and N agree (checked on tiny checkpoints of
  every supported family). In bfloat16 or float16 (what ``--mt-dtype auto`` picks on a
  GPU) a numeric near-tie between two tokens can flip with the batch's shape: on CPU,
  tiny LLaVA and PaliGemma gave 3 and 2 of 24 answers that differ between batch 24 and
  batch 1. ``--mt-check-batching`` measures it per task; :meth:`HFModel.generate_together`
  is its batch.
* **Content fingerprint.** :attr:`HFModel.info` carries a hash of the weights, processor,
  tokenizer and chat template files and the dtype, the key of the response cache. The
  batch size is deliberately not part of it: in float32 it does not change an answer, and
  in half precision a cached answer is the one of the batch it was first generated in, so
  a re-run repeats the first run exactly (a batch-size key would miss the cache each time
  ``--mt-batch-size auto`` changed the size, without making answers batch-independent).
* **One request, one outcome.** A request that fails errors only itself (see
  :meth:`HFModel.generate`), and text-only requests reach models whose processor needs an
  image (PaliGemma) through the tokenizer.

This module imports torch and transformers inside functions only; the registry imports it
lazily when an ``hf:`` spec is used.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import importlib.metadata
import importlib.util
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_multitrust.errors import PrerequisiteError
from pytest_multitrust.models.base import GenerationConfig, ModelInfo, Request, Response
from pytest_multitrust.models.framestack import call_with_headroom
from pytest_multitrust.settings import user_path

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    import torch
    from transformers import BatchFeature, PreTrainedModel, ProcessorMixin

    from pytest_multitrust.models.spec import ModelOptions

__all__ = [
    "VISION_EXTRA",
    "HFModel",
    "broken_torchvision",
    "check_hf",
    "install_line",
    "matching_torchvision",
    "missing_packages",
    "prepare_hf",
    "resolve_device",
    "resolve_dtype",
]

#: Bump when a change here alters what a given model generates (prompting, decoding),
#: so cached responses of the old code are not reused.
_FINGERPRINT_VERSION = "1"

#: Files up to this size are hashed whole; bigger ones by size, first and last MiB.
_FULL_HASH_LIMIT = 64 * 1024 * 1024
_PARTIAL_HASH_CHUNK = 1024 * 1024

#: Weight files that are Python pickles: refused, since loading one can run code.
_PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")

#: Files besides the weights that decide what the model does (fingerprinted).
_CONFIG_SUFFIXES = (".json", ".jinja", ".model", ".tiktoken", ".py")
_CONFIG_NAMES = ("merges.txt", "vocab.txt")

#: What a download fetches: configs, tokenizer and processor files, safetensors weights.
_DOWNLOAD_PATTERNS = ("*.json", "*.jinja", "*.model", "*.tiktoken", "*.txt", "*.py")

_DTYPES = ("float32", "float16", "bfloat16")

#: Sampling parameters that a model's generation_config may carry; cleared for greedy
#: decoding so transformers neither applies nor warns about them.
_SAMPLING_FIELDS = ("temperature", "top_p", "top_k", "min_p", "typical_p")

_DEFAULT_BATCH_SIZE = 8

#: Characters of a load error quoted in a message (transformers' can run to pages).
_CAUSE_LIMIT = 400


# -- devices and dtypes -------------------------------------------------------------------


def resolve_device(name: str) -> str:
    """Turn a ``--mt-device`` value into a concrete torch device string.

    Args:
        name: ``auto``, ``cpu``, ``cuda``, ``cuda:N`` or ``mps``. ``auto`` picks CUDA when
            available, else MPS, else the CPU; ``cuda`` means ``cuda:0`` (the first visible
            GPU, which is the worker's own GPU under xdist).

    Returns:
        ``"cpu"``, ``"cuda:N"`` or ``"mps"``.

    Raises:
        pytest.UsageError: for a name of another form.
        PrerequisiteError: when the named device is not available on this machine.
    """
    import torch

    text = name.strip().lower()
    if text == "auto":
        if torch.cuda.is_available():
            return "cuda:0"
        if torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if text == "cpu":
        return "cpu"
    if text == "mps":
        if not torch.backends.mps.is_available():
            raise PrerequisiteError(
                "device 'mps' is not available (torch.backends.mps.is_available() is False); "
                "use --mt-device=cpu or auto"
            )
        return "mps"
    if text == "cuda" or text.startswith("cuda:"):
        index_text = text.partition(":")[2] or "0"
        if not index_text.isdigit():
            raise pytest.UsageError(
                f"device {name!r}: expected auto, cpu, cuda, cuda:N (N a GPU index) or mps"
            )
        if not torch.cuda.is_available():
            raise PrerequisiteError(
                f"device {name!r} needs CUDA, but torch {torch.__version__} sees no GPU "
                "(torch.cuda.is_available() is False); install a CUDA build of torch or use "
                "--mt-device=cpu"
            )
        index = int(index_text)
        count = torch.cuda.device_count()
        if index >= count:
            raise PrerequisiteError(
                f"device {name!r}: only {count} CUDA device(s) visible "
                f"(CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES', '<unset>')})"
            )
        return f"cuda:{index}"
    raise pytest.UsageError(f"device {name!r}: expected auto, cpu, cuda, cuda:N or mps")


def resolve_dtype(name: str, device: str) -> torch.dtype:
    """Turn a ``--mt-dtype`` value into a torch dtype for ``device``.

    Args:
        name: ``auto``, ``float32``, ``float16`` or ``bfloat16``. ``auto`` is bfloat16 on a
            CUDA device that supports it (float16 on older GPUs), float16 on MPS and
            float32 on the CPU.
        device: a resolved device (see :func:`resolve_device`).

    Returns:
        The torch dtype.

    Raises:
        pytest.UsageError: for a name that is not one of the above.
    """
    import torch

    text = name.strip().lower()
    if text == "auto":
        if device.startswith("cuda"):
            with torch.cuda.device(torch.device(device)):
                supported = torch.cuda.is_bf16_supported()
            return torch.bfloat16 if supported else torch.float16
        if device == "mps":
            return torch.float16
        return torch.float32
    if text in _DTYPES:
        dtype: torch.dtype = getattr(torch, text)
        return dtype
    raise pytest.UsageError(f"dtype {name!r}: expected auto, {', '.join(_DTYPES)}")


# -- finding the files ----------------------------------------------------------------------


def prepare_hf(repo_or_path: str, options: ModelOptions) -> None:
    """Make sure a model's files are on disk, downloading them when allowed.

    A local directory must hold a ``config.json`` and safetensors weights. A hub repo is
    looked up in the Hugging Face cache first; when missing it is downloaded (configs,
    tokenizer, processor and safetensors files only), unless ``HF_HUB_OFFLINE`` is set.

    Args:
        repo_or_path: a hub repo id (``llava-hf/llava-1.5-7b-hf``) or a local directory.
        options: the model options (``trust_remote_code`` decides whether code files are
            fetched too).

    Raises:
        PrerequisiteError: naming the model and how to fetch it when it is not available,
            or when it has only pickle weights.
    """
    _model_dir(repo_or_path, options)


def _offline() -> bool:
    """Whether the user forbade hub access (read at call time, not at import time)."""
    for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(variable, "").strip().upper() in ("1", "ON", "YES", "TRUE"):
            return True
    return False


def _looks_like_path(text: str) -> bool:
    """A path rather than a repo id (``owner/name`` or ``name``)."""
    return text.startswith(("/", ".", "~")) or "\\" in text or text.count("/") > 1


def _fetch_hint(repo: str) -> str:
    return (
        f"fetch it with `hf download {repo}` (or `huggingface-cli download {repo}`) on a "
        "machine with network access and the same HF_HOME, or pass a local directory as "
        "hf:/path/to/model"
    )


def _model_dir(repo_or_path: str, options: ModelOptions) -> Path:
    """The local directory of a model, downloaded if needed; its weights checked."""
    local = user_path(repo_or_path, "--mllm")
    if local.is_dir():
        _check_model_dir(local, repo_or_path)
        return local
    if _looks_like_path(repo_or_path) or local.exists():
        raise PrerequisiteError(
            f"hf:{repo_or_path}: no such model directory; pass a directory holding "
            "config.json and *.safetensors, or a hub repo id such as llava-hf/llava-1.5-7b-hf"
        )
    snapshot = _cached_snapshot(repo_or_path)
    if snapshot is None or not _has_weights(snapshot):
        if _offline():
            raise PrerequisiteError(
                f"hf:{repo_or_path} is not in the Hugging Face cache and HF_HUB_OFFLINE is "
                f"set; {_fetch_hint(repo_or_path)}"
            )
        snapshot = _download(repo_or_path, trust_remote_code=options.trust_remote_code)
    _check_model_dir(snapshot, repo_or_path)
    return snapshot


def _cached_snapshot(repo: str) -> Path | None:
    """The cached snapshot directory of ``repo`` (default revision), or None."""
    from huggingface_hub import snapshot_download

    try:
        # Ask for config.json only: with no pattern, huggingface_hub calls a snapshot that
        # lacks files we chose not to download (pickles, duplicates) incomplete.
        return Path(snapshot_download(repo, allow_patterns=["config.json"], local_files_only=True))
    except Exception:  # any failure here just means "not cached"
        return None


def _download(repo: str, *, trust_remote_code: bool) -> Path:
    """Download configs and safetensors weights (no pickles) of ``repo``; return the dir."""
    from huggingface_hub import snapshot_download

    patterns = [p for p in _DOWNLOAD_PATTERNS if trust_remote_code or p != "*.py"]
    try:
        snapshot = Path(snapshot_download(repo, allow_patterns=patterns))
        # Fetch only the shards the index names: some repos also ship a consolidated copy.
        shards = _indexed_shards(snapshot)
        weights = sorted(shards) if shards else ["*.safetensors"]
        snapshot = Path(snapshot_download(repo, allow_patterns=weights))
    except Exception as error:  # network, auth, gated or unknown repo: all need the user
        raise PrerequisiteError(
            f"hf:{repo} could not be downloaded ({type(error).__name__}: {error}); "
            f"{_fetch_hint(repo)}"
        ) from error
    return snapshot


def _indexed_shards(directory: Path) -> set[str]:
    """Weight files named by ``model.safetensors.index.json`` (empty without an index)."""
    index = directory / "model.safetensors.index.json"
    if not index.is_file():
        return set()
    weight_map = json.loads(index.read_text(encoding="utf-8")).get("weight_map", {})
    return {str(name) for name in weight_map.values()}


def _weight_files(directory: Path) -> list[Path]:
    """The safetensors files the model loads, sorted by name."""
    shards = _indexed_shards(directory)
    if shards:
        return sorted(directory / name for name in shards)
    return sorted(directory.glob("*.safetensors"))


def _has_weights(directory: Path) -> bool:
    """Whether ``directory`` holds a config and every safetensors shard it needs."""
    weights = _weight_files(directory)
    return (
        (directory / "config.json").is_file()
        and bool(weights)
        and all(path.is_file() for path in weights)
    )


def _check_model_dir(directory: Path, label: str) -> None:
    """Raise unless ``directory`` has a config and (only) safetensors weights to load."""
    if not (directory / "config.json").is_file():
        raise PrerequisiteError(
            f"hf:{label}: {directory} has no config.json; it is not a transformers model "
            "directory (save one with model.save_pretrained(...))"
        )
    weights = _weight_files(directory)
    missing = [path.name for path in weights if not path.is_file()]
    if weights and not missing:
        return
    if missing:
        raise PrerequisiteError(
            f"hf:{label}: weight shards missing from {directory}: {', '.join(missing)}; "
            f"{_fetch_hint(label) if not _looks_like_path(label) else 'copy them there'}"
        )
    pickles = sorted(p.name for p in directory.iterdir() if p.suffix in _PICKLE_SUFFIXES)
    if pickles:
        raise PrerequisiteError(
            f"hf:{label}: only pickle weights ({', '.join(pickles)}), which can run code when "
            "loaded; pytest-multitrust loads safetensors only. Convert them (load with "
            "transformers and save_pretrained(..., safe_serialization=True)) or use a "
            "revision of the model that ships *.safetensors"
        )
    raise PrerequisiteError(f"hf:{label}: no *.safetensors weights in {directory}")


# -- missing packages -----------------------------------------------------------------------

#: Packages of the ``vision`` extra: the processors of Qwen2-VL, Qwen2.5-VL, Qwen3-VL,
#: InternVL, LLaVA-OneVision, SmolVLM and Mistral3 (Pixtral) need torchvision in
#: transformers 5 (SmolVLM's also num2words).
VISION_EXTRA = ("torchvision", "num2words")

#: transformers' display names of packages that pip knows by another name.
_PIP_NAMES = {"pytorch": "torch", "pil": "pillow", "pillow": "pillow", "sklearn": "scikit-learn"}

_MISSING_PATTERNS = (
    # requires_backends: "Qwen2VLVideoProcessor requires the Torchvision library but it
    # was not found in your environment."
    re.compile(r"requires the ([\w.-]+) library but it was not found"),
    # SmolVLM: "Package `num2words` is required to run SmolVLM processor."
    re.compile(r"[Pp]ackage `([\w.-]+)` is required"),
)
# Remote code: "This modeling file requires the following packages that were not found
# in your environment: a, b. Run `pip install a b`"
_MISSING_LIST = re.compile(r"following packages that were not found in your environment: ([^.]+)")


def missing_packages(error: BaseException) -> list[str]:
    """The packages a load failure says are not installed (pip names), in order.

    Reads ``ModuleNotFoundError.name`` and the messages transformers raises for a
    missing backend (``requires the Torchvision library``), a processor's own check
    (``Package `num2words` is required``) and remote code's import check.

    >>> missing_packages(ModuleNotFoundError("No module named 'num2words'", name="num2words"))
    ['num2words']
    >>> missing_packages(ImportError("X requires the Torchvision library but it was not found"))
    ['torchvision']
    """
    found: list[str] = []
    if isinstance(error, ModuleNotFoundError) and error.name:
        found.append(error.name.partition(".")[0])
    text = str(error)
    for pattern in _MISSING_PATTERNS:
        found.extend(match.group(1) for match in pattern.finditer(text))
    for match in _MISSING_LIST.finditer(text):
        found.extend(name.strip() for name in match.group(1).split(",") if name.strip())
    names = [_PIP_NAMES.get(name.lower(), name.lower()) for name in found]
    return list(dict.fromkeys(names))


#: A torch release 2.N.P is built with torchvision 0.(N+15).P (since torch 2.1).
_TORCH_RELEASE = re.compile(r"2\.(\d+)\.(\d+)(?:\+([a-z0-9]+))?")


def matching_torchvision(torch_version: str) -> tuple[str, str] | None:
    """The torchvision release made for ``torch_version`` and the index serving that build.

    The index is ``""`` for a build without a local tag (PyPI's); ``None`` when the
    version is not a release (a source build, a nightly) or predates the pairing rule.

    >>> matching_torchvision("2.13.0+cpu")
    ('0.28.0', 'https://download.pytorch.org/whl/cpu')
    >>> matching_torchvision("2.14.1")
    ('0.29.1', '')
    >>> matching_torchvision("2.14.1+cu130")
    ('0.29.1', 'https://download.pytorch.org/whl/cu130')
    >>> matching_torchvision("2.6.0a0+git1234") is None
    True
    """
    match = _TORCH_RELEASE.fullmatch(torch_version)
    if match is None or int(match.group(1)) < 1:
        return None
    minor, patch, tag = match.groups()
    index = f"https://download.pytorch.org/whl/{tag}" if tag else ""
    return f"0.{int(minor) + 15}.{patch}", index


def _installed_torch() -> str:
    """The installed torch's version, read from its metadata (torch is not imported)."""
    try:
        return importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return ""


def install_line(packages: Sequence[str], torch_version: str | None = None) -> str:
    """The command that installs ``packages`` (the ``vision`` extra for its members).

    torchvision must be the build made for the installed torch (``torch_version``; read
    from torch's metadata when None): the line names that release, and the index of a
    torch with a local tag (``+cpu``, ``+cu130``), first, so that the extra finds it
    installed.

    >>> install_line(["torchvision"], "2.13.0+cpu")  # doctest: +ELLIPSIS
    "pip install torchvision==0.28.0 --index-url https://download.pytorch.org/whl/cpu && ..."
    >>> install_line(["torchvision", "num2words"], "2.14.1")
    "pip install 'pytest-multitrust[vision]' torchvision==0.29.1"
    >>> install_line(["torchvision"], "2.6.0a0+git1234")  # doctest: +ELLIPSIS
    "pip install 'pytest-multitrust[vision]' (torchvision must be the build of torch 2.6.0a0..."
    >>> install_line(["num2words"])
    "pip install 'pytest-multitrust[vision]'"
    >>> install_line(["einops", "timm"])
    'pip install einops timm'
    """
    extra = [name for name in packages if name in VISION_EXTRA]
    others = [name for name in packages if name not in VISION_EXTRA]
    commands = []
    if extra:
        command = "pip install 'pytest-multitrust[vision]'"
        if "torchvision" in extra:
            version = _installed_torch() if torch_version is None else torch_version
            pair = matching_torchvision(version)
            if pair is None:
                command += (
                    f" (torchvision must be the build of torch {version or '(not installed)'}"
                    ": install it first from the index that torch came from)"
                )
            elif pair[1]:
                command = f"pip install torchvision=={pair[0]} --index-url {pair[1]} && {command}"
            else:
                command += f" torchvision=={pair[0]}"
        commands.append(command)
    if others:
        commands.append("pip install " + " ".join(others))
    return "; ".join(commands)


def broken_torchvision() -> str | None:
    """Why an installed torchvision does not import, with the remedy; None when it does.

    A torchvision built for another torch (e.g. the package index's build beside a CPU
    torch: ``operator torchvision::nms does not exist``) makes transformers fail to import
    its auto classes, for every model, torchvision-free families included.
    """
    if importlib.util.find_spec("torchvision") is None:
        return None
    try:
        importlib.import_module("torchvision")
    except Exception as error:  # a binary built for another torch fails in many ways
        import torch

        pair = matching_torchvision(torch.__version__)
        if pair is None:
            remedy = "install the matching build from the index your torch came from"
        else:
            index = f" --index-url {pair[1]}" if pair[1] else ""
            remedy = f"install the matching build: `pip install torchvision=={pair[0]}{index}`"
        return (
            f"torchvision is installed but does not import beside torch {torch.__version__} "
            f"({type(error).__name__}: {error}); it must be the build made for this torch: "
            "`pip uninstall torchvision` (only the families of the vision extra need it), "
            f"or {remedy}"
        )
    return None


# -- checking a model before the tests -----------------------------------------------------


def check_hf(repo_or_path: str, options: ModelOptions, *, images: bool = True) -> None:
    """Check that a model will load, without loading its weights.

    Run once before any test (on the xdist controller, or the only process), after
    :func:`prepare_hf`, so a model that cannot load stops the run with the cause instead of
    failing every test. It checks what can fail at load time short of the weights' values:
    transformers imports (a broken torchvision), the device exists, ``config.json`` parses
    and names an image-text-to-text architecture this transformers builds (the model is
    built on the ``meta`` device: no memory, no weights read), the processor loads (a
    package it imports is named with its install line), it has a tokenizer and a chat
    template, and it encodes a one-image chat (``images=False``: renders a text-only
    chat), and every safetensors file has a readable header covering the file. Not
    checked: whether the weights fit in memory, and their values.

    Args:
        repo_or_path: a local model directory or a hub repo id.
        options: device and trust_remote_code are used.
        images: whether the model will be sent images (a judge is asked text only).

    Raises:
        PrerequisiteError: naming the cause (and the install line of a missing package).
        pytest.UsageError: for a malformed device.
    """
    try:
        from transformers import AutoConfig, AutoModelForImageTextToText, AutoProcessor
    except (ImportError, RuntimeError) as error:
        broken = broken_torchvision()
        raise PrerequisiteError(
            f"transformers cannot start: {broken or f'{type(error).__name__}: {error}'}"
        ) from error
    import torch
    from transformers.utils import logging as hf_logging

    resolve_device(options.device)  # asks torch whether the device exists; puts nothing on it
    directory = _model_dir(repo_or_path, options)
    trust = options.trust_remote_code
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        config = AutoConfig.from_pretrained(
            str(directory), trust_remote_code=trust, local_files_only=True
        )
        with torch.device("meta"):  # the architecture is built, no weight is allocated
            AutoModelForImageTextToText.from_config(  # type: ignore[no-untyped-call]
                config, trust_remote_code=trust
            )
        processor: Any = AutoProcessor.from_pretrained(  # type: ignore[no-untyped-call]
            str(directory), trust_remote_code=trust, local_files_only=True
        )
    except Exception as error:  # config, class and processor code fail in many ways
        raise PrerequisiteError(_cannot_load(error, directory, trust=trust)) from error
    finally:
        if bars:
            hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]
    problem = _processor_problem(processor)
    if problem is not None:
        raise PrerequisiteError(problem)
    _check_encoding(processor, images=images)
    _check_weight_headers(directory)


def _cannot_load(error: BaseException, directory: Path, *, trust: bool) -> str:
    """Why transformers cannot load ``directory``, as one sentence.

    A missing package is named with its install line; any other error is quoted, with the
    ``--mt-trust-remote-code`` hint only when the model ships its own code.
    """
    import transformers

    version = transformers.__version__
    missing = missing_packages(error)
    if missing:
        return (
            f"transformers {version} cannot load {directory}: it needs {', '.join(missing)}, "
            f"not installed here; {install_line(missing)}"
        )
    hint = (
        " The model ships its own code (auto_map); --mt-trust-remote-code runs it."
        if not trust and _ships_code(directory)
        else ""
    )
    text = " ".join(str(error).split())  # one line
    unrecognized = re.match(r"Unrecognized configuration class <class '[\w.]+\.(\w+)'>", text)
    if unrecognized:  # transformers lists every class it knows: hundreds of characters
        text = (
            f"{unrecognized.group(1)} is not an image-text-to-text model: there is no "
            "AutoModelForImageTextToText class for it"
        )
    elif len(text) > _CAUSE_LIMIT:
        text = text[: _CAUSE_LIMIT - 1] + "…"
    return f"transformers {version} cannot load {directory} ({type(error).__name__}: {text}).{hint}"


def _ships_code(directory: Path) -> bool:
    """Whether a model directory names its own classes (``auto_map`` in a config file)."""
    for path in directory.glob("*.json"):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if '"auto_map"' in text:
            return True
    return False


def _processor_problem(processor: Any) -> str | None:
    """What the backend needs and ``processor`` lacks (a tokenizer, a chat template)."""
    if getattr(processor, "tokenizer", None) is None:
        return "the processor has no tokenizer"
    if getattr(processor, "chat_template", None) is None:
        return (
            "the processor has no chat template (chat_template.jinja or chat_template.json); "
            "add one to the model directory"
        )
    return None


def _check_encoding(processor: Any, *, images: bool) -> None:
    """Encode a one-image chat as :meth:`HFModel.generate` does (text only: render it)."""
    content: list[dict[str, Any]] = [{"type": "text", "text": "Describe the image."}]
    if images:
        from PIL import Image

        content.insert(0, {"type": "image", "image": Image.new("RGB", (32, 32), (90, 140, 200))})
    chat = [[{"role": "user", "content": content}]]
    try:
        if images:
            processor.apply_chat_template(
                chat,
                add_generation_prompt=True,
                tokenize=True,
                return_dict=True,
                return_tensors="pt",
                processor_kwargs={"padding": True, "padding_side": "left"},
            )
        else:
            processor.apply_chat_template(chat, add_generation_prompt=True, tokenize=False)
    except Exception as error:  # template and processor code fail in many ways
        missing = missing_packages(error)
        if missing:
            raise PrerequisiteError(
                f"the processor needs {', '.join(missing)}, not installed here; "
                f"{install_line(missing)}"
            ) from error
        what = "a chat with one image" if images else "a text-only chat"
        raise PrerequisiteError(
            f"the processor and chat template cannot encode {what} "
            f"({type(error).__name__}: {error})"
        ) from error


def _check_weight_headers(directory: Path) -> None:
    """Every safetensors file opens: its header parses and the file holds all its data."""
    from safetensors import safe_open

    for path in _weight_files(directory):
        try:
            with safe_open(str(path), framework="pt"):  # reads the header only
                pass
        except Exception as error:  # truncated, not safetensors, unreadable
            raise PrerequisiteError(
                f"{path} is not a complete safetensors file ({type(error).__name__}: {error}); "
                "copy or download it again"
            ) from error


# -- fingerprint ----------------------------------------------------------------------------


def _file_digest(path: Path) -> str:
    """SHA-256 of a file; for files over 64 MiB, of its size and first and last MiB.

    Hashing multi-GB weights whole would add minutes to every start; a change of weights
    changes the size or the ends (headers, last tensors) in practice, and hub snapshots are
    immutable per revision anyway.
    """
    size = path.stat().st_size
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        if size <= _FULL_HASH_LIMIT:
            for block in iter(lambda: handle.read(_PARTIAL_HASH_CHUNK), b""):
                digest.update(block)
            return digest.hexdigest()
        digest.update(f"partial:{size}:".encode())
        digest.update(handle.read(_PARTIAL_HASH_CHUNK))
        handle.seek(size - _PARTIAL_HASH_CHUNK)
        digest.update(handle.read(_PARTIAL_HASH_CHUNK))
    return digest.hexdigest()


def _fingerprint_files(directory: Path) -> Iterator[Path]:
    """Weights plus config, tokenizer, processor and chat template files, sorted."""
    files = set(_weight_files(directory))
    for path in directory.iterdir():
        if path.is_file() and (path.suffix in _CONFIG_SUFFIXES or path.name in _CONFIG_NAMES):
            files.add(path)
    yield from sorted(files, key=lambda p: p.name)


def _fingerprint(directory: Path, dtype: torch.dtype) -> str:
    """Content hash of a model directory as loaded in ``dtype`` (path-independent)."""
    digest = hashlib.sha256()
    digest.update(f"backend=hf\nversion={_FINGERPRINT_VERSION}\ndtype={dtype}\n".encode())
    for path in _fingerprint_files(directory):
        digest.update(f"{path.name}={_file_digest(path)}\n".encode())
    return digest.hexdigest()


# -- the model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _WeightSource:
    """Where :meth:`HFModel.load_weights` loads from, as :meth:`HFModel.open` resolved it."""

    directory: Path  # the model's local folder (a hub snapshot or the user's path)
    device: str  # the resolved torch device, e.g. "cpu" or "cuda:0"
    dtype: Any  # the resolved torch.dtype
    trust: bool  # trust_remote_code


def _load_weights(source: _WeightSource, spec: str) -> tuple[Any, Any]:
    """The model (eval mode, on its device) and processor in ``source``.

    Raises:
        PrerequisiteError: when transformers cannot start or cannot load the model.
    """
    try:
        from transformers import AutoModelForImageTextToText, AutoProcessor
    except (ImportError, RuntimeError) as error:
        broken = broken_torchvision()
        if broken is None:
            raise
        raise PrerequisiteError(f"{spec}: transformers cannot start: {broken}") from error
    from transformers.utils import logging as hf_logging

    device, directory, trust = source.device, source.directory, source.trust
    # device_map loads straight to the GPU but needs accelerate; else load, then move.
    device_map = device if device != "cpu" and importlib.util.find_spec("accelerate") else None
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        processor = AutoProcessor.from_pretrained(  # type: ignore[no-untyped-call]
            str(directory), trust_remote_code=trust, local_files_only=True
        )
        model: Any = AutoModelForImageTextToText.from_pretrained(
            str(directory),
            dtype=source.dtype,
            use_safetensors=True,
            trust_remote_code=trust,
            local_files_only=True,
            device_map=device_map,
        )
    except (OSError, ValueError, KeyError, ImportError) as error:
        raise PrerequisiteError(f"{spec}: {_cannot_load(error, directory, trust=trust)}") from error
    finally:
        if bars:
            hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]
    if device_map is None:
        model = model.to(device)
    model.eval()
    return model, processor


class HFModel:
    """A transformers image-text-to-text model behind the ``MLLM`` protocol.

    Build one with :meth:`load`. :meth:`generate` runs its requests as one left-padded
    batch per kind: requests with images and requests without go into separate
    sub-batches (not every processor accepts a batch that mixes them), and
    ``batch_size`` (when given) caps each sub-batch. Responses come back in request order.
    A sub-batch that fails is answered one request at a time, so one bad request errors
    only itself. A model whose processor refuses text-only chats (PaliGemma) answers them
    from the chat template and the tokenizer alone.

    Example:
        >>> from pytest_multitrust.models.spec import ModelOptions
        >>> model = HFModel.load("/models/tiny", options=ModelOptions(),
        ...                      spec="hf:/models/tiny")  # doctest: +SKIP
        >>> model.generate([Request(messages=(Message("user", "Hi"),))],
        ...                GenerationConfig(max_new_tokens=8))  # doctest: +SKIP
    """

    def __init__(
        self,
        model: PreTrainedModel | None,
        processor: ProcessorMixin | None,
        info: ModelInfo,
        *,
        batch_size: int | None = None,
        source: _WeightSource | None = None,
    ) -> None:
        """Wrap a loaded model and processor (prefer :meth:`load` or :meth:`open`).

        Args:
            model: the model, in eval mode, on its device; None to load it from
                ``source`` on first use.
            processor: its processor, with a chat template and a tokenizer (None with
                ``model``).
            info: facts for the cache key and the report.
            batch_size: the largest sub-batch to generate at once; None for no cap.
            source: where the weights come from when ``model`` is None.

        Raises:
            PrerequisiteError: when the processor has no chat template or tokenizer.
        """
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        self._info = info
        self._batch_size = batch_size
        self._source = source
        self._model: Any = None  # transformers' own annotations are partial
        self._processor: Any = None
        self._tokenizer: Any = None
        self._text_only_by_processor: bool | None = None  # asked on first need
        if model is not None and processor is not None:
            self._attach(model, processor)
        elif source is None:
            raise ValueError("HFModel needs a model and its processor, or a source to load")

    def _attach(self, model: PreTrainedModel, processor: ProcessorMixin) -> None:
        problem = _processor_problem(processor)
        if problem is not None:
            raise PrerequisiteError(f"{self._info.spec}: {problem}")
        tokenizer: Any = getattr(processor, "tokenizer")  # noqa: B009 - untyped attribute
        # Left padding keeps every prompt's last token at the end of the row, where
        # generation continues: that is what makes batch N equal batch 1.
        tokenizer.padding_side = "left"
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        self._model = model
        self._processor = processor
        self._tokenizer = tokenizer

    @classmethod
    def load(cls, path_or_repo: str, *, options: ModelOptions, spec: str) -> HFModel:
        """Load a model from a local directory or the Hugging Face cache, weights included.

        Args:
            path_or_repo: a local model directory or a hub repo id.
            options: device, dtype, trust_remote_code, batch_size (cache_dir and seed are
                not used here).
            spec: the spec the user typed, kept in :attr:`info`.

        Returns:
            The loaded model, in eval mode on the resolved device.

        Raises:
            PrerequisiteError: when files are missing, only pickle weights exist, the
                device is unavailable, or transformers cannot load the model.
            pytest.UsageError: for a malformed device or dtype.
        """
        model = cls.open(path_or_repo, options=options, spec=spec)
        model.load_weights()
        return model

    @classmethod
    def open(cls, path_or_repo: str, *, options: ModelOptions, spec: str) -> HFModel:
        """The model's facts now (:attr:`info`, from its files), its weights on first use.

        The device and dtype are resolved and the fingerprint hashed from the files, as
        :meth:`load` does, so the response cache keys are the same; transformers is not
        imported and no weight is read until :meth:`load_weights` (called by
        :meth:`generate`, :meth:`encode`, :attr:`model` and :attr:`processor`, and by the
        plugin on the first cache miss). A re-run whose answers are all cached never
        loads the weights.

        Raises:
            PrerequisiteError: when files are missing, only pickle weights exist, or the
                device is unavailable.
            pytest.UsageError: for a malformed device or dtype.
        """
        device = resolve_device(options.device)
        dtype = resolve_dtype(options.dtype, device)
        directory = _model_dir(path_or_repo, options)
        local = user_path(path_or_repo, "--mllm")
        name = Path(path_or_repo).name if local.is_dir() else path_or_repo
        info = ModelInfo(
            spec=spec,
            backend="hf",
            name=name,
            fingerprint=_fingerprint(directory, dtype),
            device=device,
            dtype=str(dtype).removeprefix("torch."),
            white_box=True,
            default_batch_size=options.batch_size or _DEFAULT_BATCH_SIZE,
            deterministic=True,
        )
        source = _WeightSource(
            directory=directory, device=device, dtype=dtype, trust=options.trust_remote_code
        )
        return cls(None, None, info, batch_size=options.batch_size, source=source)

    def load_weights(self) -> None:
        """Load the processor and the weights now, if not loaded yet (:class:`DeferredLoad`).

        Raises:
            PrerequisiteError: when transformers cannot load the model.
        """
        if self._model is not None:
            return
        if self._source is None:  # pragma: no cover - __init__ refuses this
            raise RuntimeError(f"{self._info.spec}: nothing to load the weights from")
        # transformers' loading is deep Python code too (models/framestack.py)
        model, processor = call_with_headroom(_load_weights, self._source, self._info.spec)
        self._attach(model, processor)

    @property
    def weights_loaded(self) -> bool:
        """Whether the weights are loaded in this process."""
        return self._model is not None

    @property
    def info(self) -> ModelInfo:
        """Facts about the model: name, fingerprint, device, dtype (white box)."""
        return self._info

    # -- white-box access (adversarial attacks, pytest_multitrust.imaging.adversarial) ---------

    @property
    def model(self) -> Any:
        """The loaded transformers model (eval mode, on its device): gradients flow through it."""
        self.load_weights()
        return self._model

    @property
    def processor(self) -> Any:
        """The model's processor: tokenizer, image processor and chat template."""
        self.load_weights()
        return self._processor

    def encode(self, request: Request) -> BatchFeature:
        """The model inputs of one request, built exactly as :meth:`generate` builds them.

        Args:
            request: the chat (its images are decoded here).

        Returns:
            ``input_ids``, ``attention_mask``, ``pixel_values`` (and whatever else the
            processor adds) on the model's device, floats in the model's dtype.
        """
        self.load_weights()
        inputs: BatchFeature = self._inputs([_conversation(request)], text_only=not request.images)
        return inputs

    def _inputs(self, conversations: list[list[dict[str, Any]]], *, text_only: bool) -> Any:
        """Left-padded model inputs of ``conversations`` on the model's device.

        Text-only conversations of a model whose processor refuses text-only input
        (PaliGemma) are rendered with the chat template and tokenized without the
        processor (see :meth:`_processor_takes_text_only`).
        """
        from transformers import BatchFeature

        processor: Any = self._processor  # transformers' own annotations are partial
        if text_only and not self._processor_takes_text_only():
            texts: list[str] = processor.apply_chat_template(
                conversations, add_generation_prompt=True, tokenize=False
            )
            bos = self._tokenizer.bos_token
            # The processor would put BOS before the text (after the image); keep that.
            texts = [t if not bos or t.startswith(bos) else bos + t for t in texts]
            encoded = self._tokenizer(
                texts,
                padding=True,
                padding_side="left",
                add_special_tokens=False,
                return_token_type_ids="token_type_ids" in processor.model_input_names,
                return_tensors="pt",
            )
            inputs = BatchFeature(data=dict(encoded))
        else:
            inputs = processor.apply_chat_template(
                conversations,
                add_generation_prompt=True,
                tokenize=True,
                return_dict=True,
                return_tensors="pt",
                # Some processors default to right padding in their own kwargs; insist.
                processor_kwargs={"padding": True, "padding_side": "left"},
            )
        return inputs.to(self._model.device, dtype=self._model.dtype)

    def _processor_takes_text_only(self) -> bool:
        """Whether the processor encodes a chat without images (PaliGemma's refuses).

        Asked once, with a fixed one-turn chat, so the answer is the same for every
        request and every batch size.
        """
        if self._text_only_by_processor is None:
            probe = [[{"role": "user", "content": [{"type": "text", "text": "Hi"}]}]]
            processor: Any = self._processor
            try:
                processor.apply_chat_template(
                    probe,
                    add_generation_prompt=True,
                    tokenize=True,
                    return_dict=True,
                    return_tensors="pt",
                )
            except Exception:  # any refusal: the processor cannot encode text alone
                self._text_only_by_processor = False
            else:
                self._text_only_by_processor = True
        return self._text_only_by_processor

    def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
        """Generate one response per request, in order.

        Requests with images and text-only requests are generated in separate batches,
        each independent of the other: a failure in one never drops the answers of the
        other. A batch that fails (anything but out of memory) is retried one request at
        a time, so a request that cannot be answered gets a :class:`Response` with
        ``error`` set and its neighbours get the answers they would get alone; the
        outcome of a request never depends on the batch it came in. A request whose
        image cannot be decoded gets an error response too. Out of memory raises, so
        that the caller can retry at a smaller batch size.

        Args:
            requests: the chats to answer.
            config: decoding settings; greedy unless ``do_sample``.

        Returns:
            One response per request, in the order of ``requests``.
        """
        return self._generate(requests, config, cap=self._batch_size)

    def generate_together(
        self, requests: Sequence[Request], config: GenerationConfig
    ) -> list[Response]:
        """Like :meth:`generate`, but one batch per kind whatever ``batch_size`` says.

        ``--mt-check-batching`` compares this with single requests, so that the check
        compares batch N with batch 1 even when the run itself uses batch size 1.
        """
        return self._generate(requests, config, cap=None)

    def _generate(
        self, requests: Sequence[Request], config: GenerationConfig, *, cap: int | None
    ) -> list[Response]:
        self.load_weights()
        responses: list[Response | None] = [None] * len(requests)
        with_images: list[tuple[int, list[dict[str, Any]]]] = []
        text_only: list[tuple[int, list[dict[str, Any]]]] = []
        for index, request in enumerate(requests):
            try:
                conversation = _conversation(request)
            except (OSError, ValueError) as error:  # PIL's UnidentifiedImageError is an OSError
                responses[index] = Response(
                    text="", finish_reason="error", error=f"cannot decode image: {error}"
                )
                continue
            (with_images if request.images else text_only).append((index, conversation))
        for group, no_images in ((with_images, False), (text_only, True)):
            size = cap or max(len(group), 1)
            for start in range(0, len(group), size):
                chunk = group[start : start + size]
                batch = self._answer([conv for _, conv in chunk], config, text_only=no_images)
                for (index, _), response in zip(chunk, batch, strict=True):
                    responses[index] = response
        done = [response for response in responses if response is not None]
        if len(done) != len(requests):  # every index is filled above; never expected
            raise RuntimeError(f"{self._info.spec}: {len(requests) - len(done)} responses lost")
        return done

    def _answer(
        self,
        conversations: list[list[dict[str, Any]]],
        config: GenerationConfig,
        *,
        text_only: bool,
    ) -> list[Response]:
        """Answers of one batch; on a failure, of each request alone (see :meth:`generate`)."""
        from pytest_multitrust.models.batching import is_out_of_memory

        try:
            # deep Python calls (the processor, every decoding step through the model's
            # modules) get a frame-stack chunk of their own, whatever the caller's depth
            return call_with_headroom(
                self._generate_batch, conversations, config, text_only=text_only
            )
        except Exception as error:  # a processor or model error of this batch
            if is_out_of_memory(error):
                raise
            if len(conversations) > 1:
                return [
                    response
                    for conversation in conversations
                    for response in self._answer([conversation], config, text_only=text_only)
                ]
            message = f"{type(error).__name__}: {error}"
            if text_only and not self._processor_takes_text_only():
                message = (
                    f"this model needs an image: its processor refuses text-only input and "
                    f"answering from the text alone failed ({message})"
                )
            return [Response(text="", finish_reason="error", error=message)]

    def _generate_batch(
        self,
        conversations: list[list[dict[str, Any]]],
        config: GenerationConfig,
        *,
        text_only: bool,
    ) -> list[Response]:
        """One ``model.generate`` call over left-padded prompts."""
        import torch

        started = time.perf_counter()
        inputs = self._inputs(conversations, text_only=text_only)
        generation = self._generation_config(config)
        prompt_length = int(inputs["input_ids"].shape[1])
        with torch.inference_mode():
            if config.do_sample:
                devices = [self._model.device] if self._model.device.type == "cuda" else []
                with torch.random.fork_rng(devices=devices):
                    torch.manual_seed(config.seed)
                    output = self._model.generate(**inputs, generation_config=generation)
            else:
                output = self._model.generate(**inputs, generation_config=generation)
        sequences = output if isinstance(output, torch.Tensor) else output.sequences
        new_tokens: list[list[int]] = sequences[:, prompt_length:].tolist()
        if "attention_mask" in inputs:
            prompt_tokens: list[int] = inputs["attention_mask"].sum(dim=1).tolist()
        else:
            pad_id = self._tokenizer.pad_token_id
            prompt_tokens = (inputs["input_ids"] != pad_id).sum(dim=1).tolist()
        stop_ids = _stop_ids(generation.eos_token_id, self._tokenizer.eos_token_id)
        results: list[tuple[str, int, str]] = []
        for tokens in new_tokens:
            end = next((i for i, token in enumerate(tokens) if token in stop_ids), None)
            if end is not None:
                kept, completion, reason = tokens[:end], end + 1, "stop"
            else:
                completion = len(tokens)
                kept = tokens
                reason = "length" if completion >= config.max_new_tokens else "stop"
            text = self._tokenizer.decode(kept, skip_special_tokens=True).strip()
            results.append((text, completion, reason))
        latency = (time.perf_counter() - started) / len(conversations)
        return [
            Response(
                text=text,
                prompt_tokens=int(prompt),
                completion_tokens=completion,
                latency_s=latency,
                finish_reason=reason,
            )
            for (text, completion, reason), prompt in zip(results, prompt_tokens, strict=True)
        ]

    def _generation_config(self, config: GenerationConfig) -> Any:
        """The model's own generation config with our decoding settings on top."""
        generation = copy.deepcopy(self._model.generation_config)
        generation.max_new_tokens = config.max_new_tokens
        generation.do_sample = config.do_sample
        if config.do_sample:
            generation.temperature = config.temperature if config.temperature > 0 else 1.0
        else:
            for field in _SAMPLING_FIELDS:
                setattr(generation, field, None)
        if generation.pad_token_id is None:
            generation.pad_token_id = self._tokenizer.pad_token_id
        if generation.eos_token_id is None:
            generation.eos_token_id = self._tokenizer.eos_token_id
        return generation


def _stop_ids(*values: int | list[int] | None) -> frozenset[int]:
    """Token ids that end a generation, from config and tokenizer values."""
    ids: set[int] = set()
    for value in values:
        if isinstance(value, int):
            ids.add(value)
        elif value is not None:
            ids.update(int(item) for item in value)
    return frozenset(ids)


def _conversation(request: Request) -> list[dict[str, Any]]:
    """A request as a transformers chat: images (decoded) before the text of each turn."""
    turns: list[dict[str, Any]] = []
    for message in request.messages:
        content: list[dict[str, Any]] = [
            {"type": "image", "image": image.to_pil()} for image in message.images
        ]
        content.append({"type": "text", "text": message.text})
        turns.append({"role": message.role, "content": content})
    return turns
