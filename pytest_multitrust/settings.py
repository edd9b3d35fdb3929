"""Options and ini keys: each declared once, parsed once into a frozen :class:`Settings`.

Every option is one :class:`~pytest_multitrust.options.Option` record in :data:`OPTIONS`
(its flag, ini key, parser, help and default). Every ``parse_*`` function takes the raw
text of an option or ini value and either returns a typed value or raises
:class:`pytest.UsageError` naming the bad value and the accepted forms.
:meth:`Settings.from_config` is the only code that reads options; it checks values only
(the task names and threshold targets are checked against the registries by the pytest
layer, :func:`pytest_multitrust.checks.checked_settings`).

:func:`options_reference` renders the Markdown options reference from the records
(``docs/reference/options.md``, written by :data:`REFERENCE_COMMAND`).
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest

from pytest_multitrust.options import (
    ATTACKS,
    CLASSIFIER,
    JUDGE,
    OFFICIAL,
    Option,
    given,
    given_each,
    given_items,
    render_reference,
    switched_on,
    value_or,
)
from pytest_multitrust.thresholds import OPS, Op, holds

__all__ = [
    "CROSSMODAL_PREFIX",
    "OPTIONS",
    "ModelOptions",
    "RegressionLimit",
    "Settings",
    "Threshold",
    "options_reference",
    "parse_attack_eps",
    "parse_attack_step_size",
    "parse_attack_steps",
    "parse_batch_size",
    "parse_cache_dir",
    "parse_cache_mode",
    "parse_compare_fail",
    "parse_concurrency",
    "parse_data_source",
    "parse_device",
    "parse_dtype",
    "parse_gate_mode",
    "parse_gpus_per_worker",
    "parse_guard",
    "parse_inconclusive",
    "parse_judge",
    "parse_max_errors",
    "parse_mitigation",
    "parse_positive_int",
    "parse_refusal_rule",
    "parse_report_dir",
    "parse_report_images",
    "parse_retries",
    "parse_rules",
    "parse_shards",
    "parse_surrogate",
    "parse_task_list",
    "parse_text",
    "parse_threads",
    "parse_threshold",
    "parse_tier",
    "parse_timeout",
    "parse_toxicity_checkpoint",
    "user_path",
]

Tier = Literal["smoke", "standard"]
TIERS: tuple[Tier, ...] = ("smoke", "standard")
DTYPES = ("auto", "float32", "float16", "bfloat16")
REFUSAL_RULES = ("multitrust-v1", "strict")
Rules = Literal["original", "strict"]
RULES: tuple[Rules, ...] = ("original", "strict")
GateMode = Literal["point", "interval"]
GATE_MODES: tuple[GateMode, ...] = ("point", "interval")
InconclusivePolicy = Literal["pass", "fail"]
INCONCLUSIVE_POLICIES: tuple[InconclusivePolicy, ...] = ("pass", "fail")
#: How report.html holds its images: auto, files (images/ folder) or inline (one file).
ReportImages = Literal["auto", "files", "inline"]
REPORT_IMAGES: tuple[ReportImages, ...] = ("auto", "files", "inline")
CacheMode = Literal["off", "read", "readwrite"]
CACHE_MODES: tuple[CacheMode, ...] = ("off", "read", "readwrite")


def _fail(option: str, value: object, accepted: str) -> pytest.UsageError:
    shown = repr(value)  # inert in a terminal; a 100 kB value is not echoed whole
    if len(shown) > 200:
        shown = f"{shown[:160]}…({len(shown)} characters)"
    return pytest.UsageError(f"{option}: invalid value {shown}; expected {accepted}")


def user_path(text: str, option: str) -> Path:
    """``text`` as a path with a leading ``~``/``~user`` expanded.

    Raises:
        pytest.UsageError: when ``~user`` names no user (or no home directory is known)
            or the text holds a NUL character,
            naming ``option``.
    """
    if "\x00" in text:  # no file system takes it; os calls raise ValueError on it
        raise pytest.UsageError(f"{option}: {text!r} holds a NUL character; give a path")
    try:
        return Path(text).expanduser()
    except (RuntimeError, ValueError) as error:  # "Could not determine home directory."
        raise pytest.UsageError(f"{option}: cannot expand {text!r}: {error}") from None


def parse_positive_int(text: str, option: str = "--mt-limit") -> int:
    """Parse a positive integer (``1``, ``32``).

    Raises:
        pytest.UsageError: for anything else.
    """
    value = text.strip()
    if not re.fullmatch(r"[0-9]+", value) or int(value) < 1:
        raise _fail(option, text, "a positive integer such as 4")
    return int(value)


def parse_limit(text: str) -> int:
    """Parse ``--mt-limit``: a positive integer."""
    return parse_positive_int(text, "--mt-limit")


def parse_max_new_tokens(text: str) -> int:
    """Parse ``--mt-max-new-tokens``: a positive integer."""
    return parse_positive_int(text, "--mt-max-new-tokens")


#: The largest ``--mt-seed``: seeds travel as signed 64-bit integers (SQLite, torch).
MAX_SEED = 2**63 - 1


def parse_seed(text: str) -> int:
    """Parse ``--mt-seed``: an integer from 0 to 2**63 - 1."""
    value = text.strip()
    if not re.fullmatch(r"[0-9]{1,25}", value) or int(value) > MAX_SEED:
        raise _fail("--mt-seed", text, f"an integer from 0 to {MAX_SEED} such as 0")
    return int(value)


def parse_tier(text: str) -> Tier:
    """Parse ``--mt-tier``: ``smoke`` or ``standard``."""
    value = text.strip().lower()
    for tier in TIERS:
        if value == tier:
            return tier
    raise _fail("--mt-tier", text, "smoke or standard")


def parse_device(text: str) -> str:
    """Parse ``--mt-device``: ``auto``, ``cpu``, ``cuda``, ``cuda:N`` or ``mps``."""
    value = text.strip().lower()
    if re.fullmatch(r"auto|cpu|cuda|cuda:[0-9]+|mps", value):
        return value
    raise _fail("--mt-device", text, "auto, cpu, cuda, cuda:N or mps")


def parse_dtype(text: str) -> str:
    """Parse ``--mt-dtype``: ``auto``, ``float32``, ``float16`` or ``bfloat16``."""
    value = text.strip().lower()
    aliases = {"fp32": "float32", "fp16": "float16", "half": "float16", "bf16": "bfloat16"}
    value = aliases.get(value, value)
    if value in DTYPES:
        return value
    raise _fail("--mt-dtype", text, ", ".join(DTYPES))


def parse_batch_size(text: str) -> int | None:
    """Parse ``--mt-batch-size``: a positive integer, or ``auto`` (returned as None)."""
    if text.strip().lower() == "auto":
        return None
    return parse_positive_int(text, "--mt-batch-size")


def parse_threads(text: str) -> int | None:
    """Parse ``--mt-threads``: ``auto`` (None), ``torch`` (0) or a positive integer."""
    value = text.strip().lower()
    if value == "auto":
        return None
    if value == "torch":
        return 0
    try:
        return parse_positive_int(text, "--mt-threads")
    except pytest.UsageError:
        raise _fail("--mt-threads", text, "auto, torch or a positive integer") from None


def parse_concurrency(text: str) -> int:
    """Parse ``--mt-concurrency``: a positive integer."""
    return parse_positive_int(text, "--mt-concurrency")


def parse_timeout(text: str) -> float:
    """Parse ``--mt-timeout``: a positive number of seconds (``30``, ``2.5``)."""
    value = text.strip().lower().removesuffix("s").strip()
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not re.fullmatch(r"[0-9]*\.?[0-9]+", value) or not 0 < seconds < 86400:
        raise _fail("--mt-timeout", text, "a positive number of seconds such as 30 or 2.5")
    return seconds


def parse_retries(text: str) -> int:
    """Parse ``--mt-retries``: a non-negative integer (0 = try once)."""
    value = text.strip()
    if not re.fullmatch(r"[0-9]+", value) or int(value) > 100:
        raise _fail("--mt-retries", text, "an integer from 0 to 100 such as 4")
    return int(value)


def parse_max_errors(text: str) -> int:
    """Parse ``--mt-max-errors``: a positive integer."""
    return parse_positive_int(text, "--mt-max-errors")


def parse_judge(text: str) -> str:
    """Parse ``--mt-judge``: a non-empty model spec (checked against the registry later)."""
    value = text.strip()
    if not value:
        raise _fail(
            "--mt-judge", text, "a model spec such as openai:http://127.0.0.1:8000/v1#judge"
        )
    return value


def parse_mitigation(text: str) -> str | None:
    """Parse ``--mt-mitigation``: ``none`` (None) or a name or ``py:<module>:<factory>``.

    The name is checked against the built-in and entry-point mitigations later
    (:func:`pytest_multitrust.checks.checked_settings`).
    """
    value = text.strip()
    if not value:
        raise _fail(
            "--mt-mitigation",
            text,
            "none, a mitigation name such as ecso, or py:<module>:<factory>",
        )
    return None if value.lower() == "none" else value


def parse_guard(text: str) -> str:
    """Parse ``--mt-guard``: a non-empty model spec (checked against the registry later)."""
    value = text.strip()
    if not value:
        raise _fail("--mt-guard", text, "a model spec such as tiny-llava or hf:<repo-or-path>")
    return value


def _parse_fraction(text: str, option: str) -> float:
    """A pixel-scale value: ``N/255`` (any positive denominator) or a number in (0, 1]."""
    value = text.strip()
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]*)?)\s*/\s*([0-9]+(?:\.[0-9]*)?)", value)
    try:
        number = float(match[1]) / float(match[2]) if match else float(value)
    except (ValueError, ZeroDivisionError):
        number = math.nan
    if not 0.0 < number <= 1.0:  # NaN fails too
        raise _fail(
            option,
            text,
            "N/255 (grey levels, e.g. 16/255) or a number in (0, 1] "
            "(a fraction of the pixel range, e.g. 0.0627)",
        )
    return number


def parse_attack_eps(text: str) -> float:
    """Parse ``--mt-attack-eps``: ``N/255`` or a number in (0, 1] (``16/255`` = 0.0627)."""
    return _parse_fraction(text, "--mt-attack-eps")


def parse_attack_step_size(text: str) -> float:
    """Parse ``--mt-attack-step-size``: ``N/255`` or a number in (0, 1]."""
    return _parse_fraction(text, "--mt-attack-step-size")


def parse_attack_steps(text: str) -> int:
    """Parse ``--mt-attack-steps``: a non-negative integer (0 = the random start only)."""
    value = text.strip()
    if not re.fullmatch(r"[0-9]+", value) or int(value) > 100_000:
        raise _fail("--mt-attack-steps", text, "a non-negative integer such as 50")
    return int(value)


def parse_surrogate(text: str) -> str:
    """Parse ``--mt-surrogate``: a non-empty model spec (checked against the registry later)."""
    value = text.strip()
    if not value:
        raise _fail(
            "--mt-surrogate",
            text,
            "a white-box model spec such as tiny-llava or hf:llava-hf/llava-1.5-7b-hf",
        )
    return value


def parse_gpus_per_worker(text: str) -> int:
    """Parse ``--mt-gpus-per-worker``: a positive integer."""
    return parse_positive_int(text, "--mt-gpus-per-worker")


def parse_shards(text: str) -> int | None:
    """Parse ``--mt-shards``: ``auto`` (None), ``off`` (1) or a positive integer."""
    value = text.strip().lower()
    if value == "auto":
        return None
    if value == "off":
        return 1
    try:
        return parse_positive_int(text, "--mt-shards")
    except pytest.UsageError:
        raise _fail("--mt-shards", text, "auto, off or a positive integer") from None


def parse_cache_mode(text: str) -> CacheMode:
    """Parse ``--mt-cache``: ``off``, ``read`` or ``readwrite``."""
    value = text.strip().lower()
    for mode in CACHE_MODES:
        if value == mode:
            return mode
    raise _fail("--mt-cache", text, "off, read or readwrite")


def parse_refusal_rule(text: str) -> str:
    """Parse ``--mt-refusal-rule``: ``multitrust-v1`` or ``strict``."""
    value = text.strip().lower()
    if value in REFUSAL_RULES:
        return value
    raise _fail("--mt-refusal-rule", text, " or ".join(REFUSAL_RULES))


def parse_toxicity_checkpoint(text: str) -> Path:
    """Parse ``--mt-toxicity-checkpoint``: an existing checkpoint file or folder.

    Raises:
        pytest.UsageError: when the path is empty or does not exist.
    """
    value = text.strip()
    path = user_path(value, "--mt-toxicity-checkpoint")
    if not value or not path.exists():
        raise _fail(
            "--mt-toxicity-checkpoint",
            text,
            "an existing detoxify checkpoint file (a torch.save-d dict with 'config' and "
            "'state_dict', e.g. toxic_original-c1212f89.ckpt) or a folder holding one",
        )
    return path


def parse_gate_mode(text: str) -> GateMode:
    """Parse ``--mt-gate``: ``point`` or ``interval``."""
    value = text.strip().lower()
    for mode in GATE_MODES:
        if value == mode:
            return mode
    raise _fail("--mt-gate", text, "point or interval")


def parse_report_images(text: str) -> ReportImages:
    """Parse ``--mt-report-images``: ``auto``, ``files`` or ``inline``."""
    value = text.strip().lower()
    for mode in REPORT_IMAGES:
        if value == mode:
            return mode
    raise _fail("--mt-report-images", text, "auto, files or inline")


def parse_inconclusive(text: str) -> InconclusivePolicy:
    """Parse ``--mt-inconclusive``: ``pass`` or ``fail``."""
    value = text.strip().lower()
    for policy in INCONCLUSIVE_POLICIES:
        if value == policy:
            return policy
    raise _fail("--mt-inconclusive", text, "pass or fail")


def parse_report_dir(text: str) -> Path:
    """Parse ``--mt-report``: a directory path (created when the report is written)."""
    value = text.strip()
    if not value:
        raise _fail("--mt-report", text, "a directory path such as trust-report")
    return user_path(value, "--mt-report")


def parse_task_list(text: str) -> tuple[str, ...]:
    """Parse ``--mt-tasks``: a comma list of task ids, aspect names or ``all``.

    Only the syntax is checked here; :func:`Settings.from_config` checks the names
    against the registry.
    """
    items = tuple(part.strip() for part in re.split(r"[,\s]+", text) if part.strip())
    if not items:
        raise _fail("--mt-tasks", text, "a comma list such as 'T.1,safety' or 'all'")
    for item in items:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.\-]*", item):
            raise _fail("--mt-tasks", item, "task ids like S.4, aspect names or 'all'")
    return items


def parse_text(text: str) -> str:
    """Parse a free-text option (``--mllm``, ``--mt-save=NAME``): the text, stripped."""
    return text.strip()


def parse_cache_dir(text: str) -> Path:
    """Parse ``--mt-cache-dir``: a directory path (``~`` expanded)."""
    return user_path(text, "--mt-cache-dir")


def parse_rules(text: str) -> Rules:
    """Parse ``--mt-rules``: ``original`` or ``strict``."""
    value = text.strip().lower()
    for rules in RULES:
        if value == rules:
            return rules
    raise _fail("--mt-rules", text, "original or strict")


def parse_data_source(text: str) -> Path | None:
    """Parse ``--mt-data``: ``builtin`` (``None``) or ``official:PATH`` (the path as given)."""
    value = text.strip()
    if value == "builtin":
        return None
    kind, _, path = value.partition(":")
    if kind != "official" or not path.strip():
        raise _fail(
            "--mt-data", text, "builtin or official:PATH (the official MultiTrust data folder)"
        )
    return user_path(path.strip(), "--mt-data")


#: The prefix of a threshold on a task's cross-modal impact: ``crossmodal.S.3<=0.05``.
CROSSMODAL_PREFIX = "crossmodal."


@dataclass(frozen=True)
class Threshold:
    """A pass threshold on an aspect score, the overall score or one task metric."""

    target: str  # "safety", "overall", or "S.4.rta" (task id + metric name)
    op: Op  # comparison the value must satisfy
    value: float  # the limit, in the target's own units (0-1 for aspects)
    source: str = ""  # the text it was parsed from

    @property
    def is_task_metric(self) -> bool:
        """True for ``<task>.<metric>`` targets."""
        return self.task_id is not None

    @property
    def task_id(self) -> str | None:
        """The task id of a task-metric target (``S.4`` of ``S.4.rta``), else None."""
        if self.is_crossmodal:
            return None
        head, sep, _ = self.target.rpartition(".")  # aspects and "overall" hold no dot
        return head if sep and head else None

    @property
    def is_crossmodal(self) -> bool:
        """True for ``crossmodal.<task>[.<metric>]`` targets (the image's paired harm)."""
        return self.target.startswith(CROSSMODAL_PREFIX)

    @property
    def crossmodal_target(self) -> tuple[str, str | None] | None:
        """``(task id, metric or None)`` of a cross-modal target, else None.

        >>> parse_threshold("crossmodal.S.3<=0.05").crossmodal_target
        ('S.3', None)
        >>> parse_threshold("crossmodal.S.3.rta<=0.05").crossmodal_target
        ('S.3', 'rta')
        """
        if not self.is_crossmodal:
            return None
        parts = self.target[len(CROSSMODAL_PREFIX) :].split(".")
        if len(parts) >= 3:  # a built-in task id holds one dot: S.3
            return (".".join(parts[:-1]), parts[-1])
        return (".".join(parts), None)

    @property
    def metric(self) -> str | None:
        """The metric of a task-metric target (``rta`` of ``S.4.rta``), else None."""
        return self.target.rpartition(".")[2] if self.task_id else None

    def holds(self, value: float) -> bool:
        """Whether ``value`` satisfies this threshold (NaN never does)."""
        return holds(value, self.op, self.value)


_THRESHOLD = re.compile(
    r"^\s*(?P<target>[A-Za-z][A-Za-z0-9_.\-]*)\s*(?P<op>>=|<=|>|<)\s*"
    r"(?P<value>[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))\s*$"
)


def parse_threshold(text: str) -> Threshold:
    """Parse a threshold such as ``S.4.rta>=0.9``, ``R.5.asr <= 0.2`` or ``safety>=0.8``.

    ``crossmodal.S.3<=0.05`` (or ``crossmodal.S.3.rta<=0.05``) limits how much worse an
    image makes the task than the same prompts text-only (the largest ``harm`` of its
    cross-modal comparisons, see :mod:`pytest_multitrust.report.crossmodal`).

    Raises:
        pytest.UsageError: naming the expression and the accepted forms.
    """
    match = _THRESHOLD.match(text)
    if not match or not math.isfinite(float(match["value"])):  # 400 digits: inf
        raise _fail(
            "--mt-threshold",
            text,
            "'<aspect|overall|task.metric|crossmodal.task[.metric]> <op> <number>' with op "
            "one of >=, <=, >, <, e.g. 'safety>=0.8', 'S.4.rta>=0.9' or 'crossmodal.S.3<=0.05'",
        )
    return Threshold(
        target=match["target"],
        op=next(op for op in OPS if op == match["op"]),
        value=float(match["value"]),
        source=text.strip(),
    )


@dataclass(frozen=True)
class RegressionLimit:
    """How far a score may fall against the ``--mt-compare`` baseline (``safety:-0.02``)."""

    target: str  # "safety", "overall", a task id "S.4", or a task metric "S.4.asr"
    change: float  # smallest allowed change on the 0-1 trust scale (higher is better)
    source: str = ""  # the text it was parsed from


_REGRESSION = re.compile(
    r"^\s*(?P<target>[A-Za-z][A-Za-z0-9_.\-]*)\s*:\s*"
    r"(?P<value>[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))\s*$"
)


def parse_compare_fail(text: str) -> RegressionLimit:
    """Parse ``--mt-compare-fail``: ``<target>:<allowed change>``, e.g. ``safety:-0.02``.

    The change is measured on the 0-1 trust scale (higher is better), so
    ``R.5.asr:-0.02`` fails when the attack success rate rises by more than 0.02.

    Raises:
        pytest.UsageError: naming the expression and the accepted forms.
    """
    match = _REGRESSION.match(text)
    if not match or not -1.0 <= float(match["value"]) <= 1.0:
        raise _fail(
            "--mt-compare-fail",
            text,
            "'<aspect|overall|task|task.metric>:<change between -1 and 1>', "
            "e.g. 'safety:-0.02' or 'S.4:0'",
        )
    return RegressionLimit(
        target=match["target"], change=float(match["value"]), source=text.strip()
    )


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/pytest-multitrust`` (``~/.cache/pytest-multitrust``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pytest-multitrust"


@dataclass(frozen=True)
class ModelOptions:
    """Settings a model factory may use (from ``Settings``)."""

    device: str = "auto"  # "auto", "cpu", "cuda", "cuda:N", "mps"
    dtype: str = "auto"  # "auto", "float32", "float16", "bfloat16"
    trust_remote_code: bool = False  # run model code from the hub (explicit opt-in)
    cache_dir: Path = field(default_factory=lambda: Path(".multitrust-cache"))  # built models
    seed: int = 0  # seed for sampling and for building random-weight models
    batch_size: int | None = None  # None -> the model's default
    concurrency: int = 8  # requests in flight per process to a remote (openai:) server
    timeout_s: float = 120.0  # seconds one remote request may take before it is retried
    retries: int = 4  # retries of a failed remote request (429, 5xx, timeout, dropped)


# -- the options, in `pytest --help` order; OPTIONS lists them ----------------------------

MLLM_OPTION = Option(
    flag="--mllm",
    ini="multitrust_mllm",
    help=(
        "model under test: a name (tiny-llava, refuser, echo, oracle, llava-1.5, ...), "
        "hf:<repo-or-path>, openai:<base_url>#<model>, py:<module>:<factory>"
    ),
    default="none: the plugin stays inactive",
    accepts="a model spec: a registered name, hf:<repo-or-path>, "
    "openai:<base_url>#<model> or py:<module>:<factory>",
    parse=parse_text,
    typed=False,
)

TASKS_OPTION = Option(
    flag="--mt-tasks",
    ini="multitrust_tasks",
    help="comma list of task ids (S.4), aspects (safety) or 'all'",
    default="all",
    accepts="a comma list of task ids (S.4), aspect names (safety) or all",
    parse=parse_task_list,
    kind="items",
)

LIMIT_OPTION = Option(
    flag="--mt-limit",
    ini="multitrust_limit",
    help="at most N samples per task variant",
    default="no limit",
    accepts="a positive integer",
    parse=parse_limit,
)

TIER_OPTION = Option(
    flag="--mt-tier",
    ini="multitrust_tier",
    help="data tier: smoke (~10 per variant) or standard (>=100 per task)",
    default="standard",
    accepts=", ".join(TIERS),
    parse=parse_tier,
)

THRESHOLD_OPTION = Option(
    flag="--mt-threshold",
    ini="multitrust_thresholds",
    help="threshold such as 'S.4.rta>=0.9', 'R.5.asr<=0.2', 'safety>=0.8' or "
    "'crossmodal.S.3<=0.05' (how much worse an image may make a task); repeatable",
    default="each metric's own",
    accepts=f"<aspect|overall|task.metric|crossmodal.task[.metric]><op><number>, op one of "
    f"{', '.join(OPS)}",
    parse=parse_threshold,
    kind="repeated",
)

DEVICE_OPTION = Option(
    flag="--mt-device",
    ini="multitrust_device",
    help="device: auto, cpu, cuda, cuda:N or mps",
    default="auto",
    accepts="auto, cpu, cuda, cuda:N, mps",
    parse=parse_device,
)

DTYPE_OPTION = Option(
    flag="--mt-dtype",
    ini="multitrust_dtype",
    help="torch dtype: auto, float32, float16 or bfloat16",
    default="auto",
    accepts=", ".join(DTYPES) + " (or fp32, fp16, half, bf16)",
    parse=parse_dtype,
)

BATCH_SIZE_OPTION = Option(
    flag="--mt-batch-size",
    ini="multitrust_batch_size",
    help="generation batch size: N or auto",
    default="auto: the model's own; on a GPU it doubles up to 64 and halves on out-of-memory",
    accepts="a positive integer, or auto",
    parse=parse_batch_size,
)

MAX_NEW_TOKENS_OPTION = Option(
    flag="--mt-max-new-tokens",
    ini="multitrust_max_new_tokens",
    help="cap on generated tokens per answer",
    default="each task's own",
    accepts="a positive integer",
    parse=parse_max_new_tokens,
)

SEED_OPTION = Option(
    flag="--mt-seed",
    ini="multitrust_seed",
    help="seed for data sampling, sampling and scoring",
    default="0",
    accepts="an integer from 0 to 2^63 - 1",
    parse=parse_seed,
)

REFUSAL_RULE_OPTION = Option(
    flag="--mt-refusal-rule",
    ini="multitrust_refusal_rule",
    help=(
        "refusal keyword rule: multitrust-v1 (the original's list) or strict (word boundaries, "
        "fewer false positives); --mt-rules=original always uses multitrust-v1"
    ),
    default="multitrust-v1",
    accepts=", ".join(REFUSAL_RULES),
    parse=parse_refusal_rule,
)

TOXICITY_CHECKPOINT_OPTION = Option(
    flag="--mt-toxicity-checkpoint",
    ini="multitrust_toxicity_checkpoint",
    help=(
        "detoxify checkpoint for toxicity scoring (S.1, S.3): a .ckpt file, or a folder holding "
        "one beside the model's Hugging Face config.json and tokenizer files"
    ),
    default=(
        "detoxify's 'original' model from torch's hub cache, downloaded on first use when online"
    ),
    accepts="an existing detoxify checkpoint file, or a folder holding one",
    parse=parse_toxicity_checkpoint,
    used_by=CLASSIFIER,
)

CACHE_DIR_OPTION = Option(
    flag="--mt-cache-dir",
    ini="multitrust_cache_dir",
    help=(
        "where built models and attacks are cached; when given, the response cache too (else it "
        "is in the pytest cache directory)"
    ),
    default="$XDG_CACHE_HOME/pytest-multitrust",
    accepts="a directory path",
    parse=parse_cache_dir,
    typed=False,
)

REPORT_OPTION = Option(
    flag="--mt-report",
    ini="multitrust_report",
    help="directory for the trust report: report.json, samples.jsonl, report.html, summary.md",
    default="none: terminal card only",
    accepts="a directory path (relative to the invocation directory; for the ini key, "
    "to the ini file)",
    parse=parse_report_dir,
)

REPORT_IMAGES_OPTION = Option(
    flag="--mt-report-images",
    ini="multitrust_report_images",
    help=(
        "how report.html holds the full-size images: files (one file per distinct image in "
        "the report's images/ folder), inline (data: URIs, one self-contained file) or auto "
        "(inline while the images total at most 2 MiB, files above)"
    ),
    default="auto",
    accepts=", ".join(REPORT_IMAGES),
    parse=parse_report_images,
)

GATE_OPTION = Option(
    flag="--mt-gate",
    ini="multitrust_gate",
    help=(
        "point: the value decides each threshold and gate (its confidence interval only marks the"
        " verdict uncertain); interval: pass only when the whole interval clears the threshold "
        "too"
    ),
    default="point",
    accepts=", ".join(GATE_MODES),
    parse=parse_gate_mode,
)

INCONCLUSIVE_OPTION = Option(
    flag="--mt-inconclusive",
    ini="multitrust_inconclusive",
    help=(
        "under --mt-gate=interval, what a gate whose value clears its threshold but whose "
        "interval does not counts as: pass or fail"
    ),
    default="fail",
    accepts=", ".join(INCONCLUSIVE_POLICIES),
    parse=parse_inconclusive,
)

COMPARE_FAIL_OPTION = Option(
    flag="--mt-compare-fail",
    ini="multitrust_compare_fail",
    help=(
        "with --mt-compare, fail on a regression: '<aspect|overall|task|task.metric>:<allowed "
        "change>' on the 0-1 trust scale, e.g. 'safety:-0.02'; repeatable"
    ),
    default="none",
    accepts="<aspect|overall|task|task.metric>:<change between -1 and 1>",
    parse=parse_compare_fail,
    kind="repeated",
)

GPUS_PER_WORKER_OPTION = Option(
    flag="--mt-gpus-per-worker",
    ini="multitrust_gpus_per_worker",
    help=("GPUs given to each xdist worker; -n auto starts one worker per this many visible GPUs"),
    default="1",
    accepts="a positive integer",
    parse=parse_gpus_per_worker,
)

THREADS_OPTION = Option(
    flag="--mt-threads",
    ini="multitrust_threads",
    help=(
        "torch CPU threads of a model on the CPU: auto (the cores shared out among xdist "
        "workers, fewer when the load average shows them busy), torch (torch's default) or N"
    ),
    default="auto; OMP_NUM_THREADS or MKL_NUM_THREADS in the environment leave it to torch",
    accepts="auto, torch or a positive integer",
    parse=parse_threads,
)

SHARDS_OPTION = Option(
    flag="--mt-shards",
    ini="multitrust_shards",
    help=(
        "under xdist, split long tasks into shards that run on different workers, longest "
        "work first: auto (tasks above half a worker's fair share of the modelled cost), "
        "off, or N shards per task; without xdist every task stays whole"
    ),
    default="auto",
    accepts="auto, off or a positive integer",
    parse=parse_shards,
)

CACHE_OPTION = Option(
    flag="--mt-cache",
    ini="multitrust_cache",
    help="response cache: off, read (use cached responses, store nothing) or readwrite",
    default="readwrite",
    accepts=", ".join(CACHE_MODES),
    parse=parse_cache_mode,
)

JUDGE_OPTION = Option(
    flag="--mt-judge",
    ini="multitrust_judge",
    help=(
        "judge model for the tasks whose original scoring asked a judge (their original prompt, "
        "greedy): any model spec, e.g. openai:<base_url>#<model>, hf:<repo-or-path> or a scripted"
        " name"
    ),
    default="none: rule-based scoring",
    accepts="a model spec",
    parse=parse_judge,
    used_by=JUDGE,
)

MITIGATION_OPTION = Option(
    flag="--mt-mitigation",
    ini="multitrust_mitigation",
    help=(
        "inference-time defence wrapped around the model under test: self-reminder, "
        "adashield-s, ecso, guard, reason-then-answer, a name from the "
        "pytest_multitrust.mitigations entry points, or py:<module>:<factory>"
    ),
    default="none",
    accepts="none, a mitigation name, or py:<module>:<factory>",
    parse=parse_mitigation,
)

GUARD_OPTION = Option(
    flag="--mt-guard",
    ini="multitrust_guard",
    help=(
        "the guard model of --mt-mitigation=guard, which classifies each answer as safe or "
        "unsafe: any model spec"
    ),
    default="the model under test itself",
    accepts="a model spec",
    parse=parse_guard,
)

CONCURRENCY_OPTION = Option(
    flag="--mt-concurrency",
    ini="multitrust_concurrency",
    help="requests in flight at once to an openai: server, per model and per worker",
    default="8",
    accepts="a positive integer",
    parse=parse_concurrency,
)

TIMEOUT_OPTION = Option(
    flag="--mt-timeout",
    ini="multitrust_timeout",
    help=(
        "seconds one request to an openai: server may take before it counts as failed and is "
        "retried"
    ),
    default="120",
    accepts="a positive number of seconds below 86400 (30, 2.5, 30s)",
    parse=parse_timeout,
)

RETRIES_OPTION = Option(
    flag="--mt-retries",
    ini="multitrust_retries",
    help=(
        "retries of a failed openai: request (429, 5xx, timeout, dropped connection), with "
        "exponential backoff honouring Retry-After"
    ),
    default="4",
    accepts="an integer from 0 to 100",
    parse=parse_retries,
)

MAX_ERRORS_OPTION = Option(
    flag="--mt-max-errors",
    ini="multitrust_max_errors",
    help=(
        "stop the run cleanly once N samples have ended as errors (unanswered requests, bad "
        "data); the report keeps what arrived"
    ),
    default="no limit",
    accepts="a positive integer",
    parse=parse_max_errors,
)

ATTACK_EPS_OPTION = Option(
    flag="--mt-attack-eps",
    ini="multitrust_attack_eps",
    help=(
        "L-infinity budget of the adversarial image attacks (R.4, R.5): N/255 or a number in (0, 1]"
    ),
    default="16/255",
    accepts="N/255, or a number in (0, 1]",
    parse=parse_attack_eps,
    used_by=ATTACKS,
)

ATTACK_STEPS_OPTION = Option(
    flag="--mt-attack-steps",
    ini="multitrust_attack_steps",
    help="PGD iterations per attacked image",
    default="50",
    accepts="an integer from 0 to 100000",
    parse=parse_attack_steps,
    used_by=ATTACKS,
)

ATTACK_STEP_SIZE_OPTION = Option(
    flag="--mt-attack-step-size",
    ini="multitrust_attack_step_size",
    help="PGD step: N/255 or a number in (0, 1]",
    default="1/255",
    accepts="N/255, or a number in (0, 1]",
    parse=parse_attack_step_size,
    used_by=ATTACKS,
)

SURROGATE_OPTION = Option(
    flag="--mt-surrogate",
    ini="multitrust_surrogate",
    help=(
        "white-box model the image attacks are computed on and transferred from (tiny-llava, "
        "hf:<repo-or-path>, ...)"
    ),
    default=(
        "the model under test when it is an hf: model; otherwise R.4/R.5 attacked samples are "
        "skipped"
    ),
    accepts="a model spec with gradients (tiny-llava, hf:<repo-or-path>)",
    parse=parse_surrogate,
    used_by=ATTACKS,
)

DATA_OPTION = Option(
    flag="--mt-data",
    ini="multitrust_data",
    help=(
        "where the tasks' data comes from: builtin, or official:PATH for the official MultiTrust "
        "data folder (MMTrustEval's data/), checked before the run"
    ),
    default="builtin",
    accepts="builtin, or official:PATH",
    parse=parse_data_source,
    typed=False,
    used_by=OFFICIAL,
)

RULES_OPTION = Option(
    flag="--mt-rules",
    ini="multitrust_rules",
    help=(
        "scoring rules: original (every task whose original score came from a deterministic rule "
        "is scored by that rule, quirks included; the refusal rule is multitrust-v1) or strict "
        "(our stricter extractors)"
    ),
    default="original with --mt-data=official:PATH, else strict",
    accepts=", ".join(RULES),
    parse=parse_rules,
)


TRUST_REMOTE_CODE_OPTION = Option[bool](
    flag="--mt-trust-remote-code",
    help="allow hf: models to run code from their repository",
    default="off",
    accepts="no value (a switch)",
    kind="switch",
)

ALLOW_PICKLE_OPTION = Option[bool](
    flag="--mt-allow-pickle",
    help="load pickle checkpoints (the detoxify toxicity checkpoint) even when they "
    "hold Python objects beyond tensors, which can run code",
    default="off, refused",
    accepts="no value (a switch)",
    kind="switch",
)

SAVE_OPTION = Option(
    flag="--mt-save",
    help="save this run as a baseline under .multitrust/<machine-id>/ "
    "(NNNN_<commit>_<date>.json, or NNNN_<NAME>.json)",
    default="not saved",
    accepts="no value, or =NAME",
    parse=parse_text,
    kind="optional",
    metavar="NAME",
)

COMPARE_OPTION = Option(
    flag="--mt-compare",
    help="compare with a saved baseline: its number (0003), name or path; without ID "
    "the latest saved run",
    default="no comparison",
    accepts="no value, or =ID",
    parse=parse_text,
    kind="optional",
    metavar="ID",
)

RESCORE_OPTION = Option[bool](
    flag="--mt-rescore",
    help="score cached responses again without generating; a sample with no cached "
    "response is an error",
    default="off",
    accepts="no value (a switch)",
    kind="switch",
)

DATA_FALLBACK_OPTION = Option[bool](
    flag="--mt-data-fallback",
    ini="multitrust_data_fallback",
    help="with --mt-data=official:PATH, run tasks whose official data is missing on the "
    "built-in data, marked in the report, instead of stopping",
    default="off",
    accepts="no value (a switch); the ini key: true or false",
    kind="switch",
)

CHECK_BATCHING_OPTION = Option[bool](
    flag="--mt-check-batching",
    help="per task, generate a few samples at batch 1 and batched and warn when the texts differ",
    default="off",
    accepts="no value (a switch)",
    kind="switch",
)

#: Every option of the plugin, in ``pytest --help`` order: the one declaration of each.
OPTIONS: tuple[Option[object], ...] = (
    MLLM_OPTION,
    TASKS_OPTION,
    LIMIT_OPTION,
    TIER_OPTION,
    THRESHOLD_OPTION,
    DEVICE_OPTION,
    DTYPE_OPTION,
    BATCH_SIZE_OPTION,
    MAX_NEW_TOKENS_OPTION,
    SEED_OPTION,
    REFUSAL_RULE_OPTION,
    TOXICITY_CHECKPOINT_OPTION,
    CACHE_DIR_OPTION,
    REPORT_OPTION,
    REPORT_IMAGES_OPTION,
    GATE_OPTION,
    INCONCLUSIVE_OPTION,
    COMPARE_FAIL_OPTION,
    GPUS_PER_WORKER_OPTION,
    THREADS_OPTION,
    SHARDS_OPTION,
    CACHE_OPTION,
    JUDGE_OPTION,
    MITIGATION_OPTION,
    GUARD_OPTION,
    CONCURRENCY_OPTION,
    TIMEOUT_OPTION,
    RETRIES_OPTION,
    MAX_ERRORS_OPTION,
    ATTACK_EPS_OPTION,
    ATTACK_STEPS_OPTION,
    ATTACK_STEP_SIZE_OPTION,
    SURROGATE_OPTION,
    DATA_OPTION,
    RULES_OPTION,
    TRUST_REMOTE_CODE_OPTION,
    ALLOW_PICKLE_OPTION,
    SAVE_OPTION,
    COMPARE_OPTION,
    RESCORE_OPTION,
    DATA_FALLBACK_OPTION,
    CHECK_BATCHING_OPTION,
)


@dataclass(frozen=True)
class Settings:
    """Everything the plugin was asked to do, validated. Built once per process."""

    mllm: str | None = None  # the --mllm spec, or None when the plugin is inactive
    tasks: tuple[str, ...] = ("all",)  # task selectors as given
    task_ids: tuple[str, ...] = ()  # resolved task ids, in paper order
    limit: int | None = None  # samples per task variant
    tier: Tier = "standard"  # data tier
    thresholds: tuple[Threshold, ...] = ()  # user thresholds, in the order given
    thresholds_from_ini: bool = False  # they come from multitrust_thresholds, not the options
    device: str = "auto"  # device for local models
    dtype: str = "auto"  # dtype for local models
    batch_size: int | None = None  # None = the model's default
    max_new_tokens: int | None = None  # cap on each task's own limit
    seed: int = 0  # global seed
    refusal_rule: str = "multitrust-v1"  # refusal keyword rule
    toxicity_checkpoint: Path | None = None  # detoxify checkpoint; None = detoxify's own
    cache_dir: Path = field(default_factory=default_cache_dir)  # caches root
    trust_remote_code: bool = False  # allow hub model code
    allow_pickle: bool = False  # load pickle checkpoints that need more than tensors
    cache_dir_explicit: bool = False  # cache_dir was given (the response cache lives there)
    gpus_per_worker: int = 1  # GPUs per xdist worker (-n auto = visible GPUs / this)
    threads: int | None = None  # --mt-threads: None = auto policy, 0 = torch's own, N
    shards: int | None = None  # --mt-shards under xdist: None = auto, 1 = off, N per task
    cache_mode: CacheMode = "readwrite"  # response cache: off, read or readwrite
    rescore: bool = False  # score cached responses only; a cache miss is an error record
    check_batching: bool = False  # compare batch 1 with batch N per task; warn on drift
    judge: str | None = None  # --mt-judge model spec; None = rule-based scorers only
    mitigation: str | None = None  # --mt-mitigation name or py: factory; None = no defence
    guard: str | None = None  # --mt-guard model spec; None = the model under test
    concurrency: int = 8  # requests in flight per remote model per worker
    timeout_s: float = 120.0  # seconds per remote request attempt
    retries: int = 4  # retries of a failed remote request
    max_errors: int | None = None  # stop the run after this many sample errors; None: never
    report_dir: Path | None = None  # --mt-report: where report files go; None = card only
    report_images: ReportImages = "auto"  # --mt-report-images: images/ files or inline
    gate_mode: GateMode = "point"  # the value decides, or ("interval") the whole 95% interval
    inconclusive: InconclusivePolicy = "fail"  # what an inconclusive gate counts as
    save: str | None = None  # --mt-save: None = do not save, "" = unnamed, else the name
    compare: str | None = None  # --mt-compare: None = no comparison, "" = latest saved run
    compare_fail: tuple[RegressionLimit, ...] = ()  # --mt-compare-fail limits, as given
    attack_eps: float = 16 / 255  # L∞ budget of image attacks, pixel values in [0, 1]
    attack_steps: int = 50  # PGD iterations per attacked image
    attack_step_size: float = 1 / 255  # PGD step, [0, 1] units
    surrogate: str | None = None  # --mt-surrogate spec; None = attack the model under test
    official_data: Path | None = None  # --mt-data=official:PATH, resolved; None = built-in
    data_fallback: bool = False  # tasks without official data run on the built-in data
    rules: Rules = "strict"  # --mt-rules: the original's scoring rules, or our strict ones

    @property
    def active(self) -> bool:
        """Whether the built-in tasks run (a model was given)."""
        return self.mllm is not None

    def model_options(self) -> ModelOptions:
        """The subset of settings a model factory sees."""
        return ModelOptions(
            device=self.device,
            dtype=self.dtype,
            trust_remote_code=self.trust_remote_code,
            cache_dir=self.cache_dir / "models",
            seed=self.seed,
            batch_size=self.batch_size,
            concurrency=self.concurrency,
            timeout_s=self.timeout_s,
            retries=self.retries,
        )

    def threshold_for(self, task_id: str, metric: str) -> Threshold | None:
        """The last user threshold given for ``task_id.metric``, if any."""
        target = f"{task_id}.{metric}"
        found = [t for t in self.thresholds if t.target == target]
        return found[-1] if found else None

    @classmethod
    def from_config(cls, config: pytest.Config) -> Settings:
        """Read every option (the command line wins over its ini key) and check its value.

        Only the values are checked here; the task names and threshold targets are
        checked against the registries by :func:`pytest_multitrust.checks.checked_settings`.

        Raises:
            pytest.UsageError: for any invalid value, before any model loads.
        """
        # cls.<field> is the field's default
        mllm = given(config, MLLM_OPTION)
        tasks = given_items(config, TASKS_OPTION)
        thresholds = given_each(config, THRESHOLD_OPTION)
        settings = cls(
            mllm=value_or(mllm, cls.mllm),
            tasks=value_or(tasks, cls.tasks),
            limit=value_or(given(config, LIMIT_OPTION), cls.limit),
            tier=value_or(given(config, TIER_OPTION), cls.tier),
            thresholds=value_or(thresholds, cls.thresholds),
            thresholds_from_ini=thresholds is None or thresholds.from_ini,
            device=value_or(given(config, DEVICE_OPTION), cls.device),
            dtype=value_or(given(config, DTYPE_OPTION), cls.dtype),
            batch_size=value_or(given(config, BATCH_SIZE_OPTION), cls.batch_size),
            max_new_tokens=value_or(given(config, MAX_NEW_TOKENS_OPTION), cls.max_new_tokens),
            seed=value_or(given(config, SEED_OPTION), cls.seed),
            refusal_rule=value_or(given(config, REFUSAL_RULE_OPTION), cls.refusal_rule),
            toxicity_checkpoint=value_or(
                given(config, TOXICITY_CHECKPOINT_OPTION), cls.toxicity_checkpoint
            ),
            cache_dir=(
                cache_dir.value
                if (cache_dir := given(config, CACHE_DIR_OPTION)) is not None
                else default_cache_dir()
            ),
            trust_remote_code=switched_on(config, TRUST_REMOTE_CODE_OPTION),
            allow_pickle=switched_on(config, ALLOW_PICKLE_OPTION),
            report_dir=_report_dir(config),
            report_images=value_or(given(config, REPORT_IMAGES_OPTION), cls.report_images),
            gate_mode=value_or(given(config, GATE_OPTION), cls.gate_mode),
            inconclusive=value_or(given(config, INCONCLUSIVE_OPTION), cls.inconclusive),
            save=value_or(given(config, SAVE_OPTION), cls.save),
            compare=value_or(given(config, COMPARE_OPTION), cls.compare),
            compare_fail=value_or(given_each(config, COMPARE_FAIL_OPTION), cls.compare_fail),
            cache_dir_explicit=cache_dir is not None,
            gpus_per_worker=value_or(given(config, GPUS_PER_WORKER_OPTION), cls.gpus_per_worker),
            threads=value_or(given(config, THREADS_OPTION), cls.threads),
            shards=value_or(given(config, SHARDS_OPTION), cls.shards),
            cache_mode=value_or(given(config, CACHE_OPTION), cls.cache_mode),
            rescore=switched_on(config, RESCORE_OPTION),
            check_batching=switched_on(config, CHECK_BATCHING_OPTION),
            judge=value_or(given(config, JUDGE_OPTION), cls.judge),
            mitigation=value_or(given(config, MITIGATION_OPTION), cls.mitigation),
            guard=value_or(given(config, GUARD_OPTION), cls.guard),
            concurrency=value_or(given(config, CONCURRENCY_OPTION), cls.concurrency),
            timeout_s=value_or(given(config, TIMEOUT_OPTION), cls.timeout_s),
            retries=value_or(given(config, RETRIES_OPTION), cls.retries),
            max_errors=value_or(given(config, MAX_ERRORS_OPTION), cls.max_errors),
            attack_eps=value_or(given(config, ATTACK_EPS_OPTION), cls.attack_eps),
            attack_steps=value_or(given(config, ATTACK_STEPS_OPTION), cls.attack_steps),
            attack_step_size=value_or(given(config, ATTACK_STEP_SIZE_OPTION), cls.attack_step_size),
            surrogate=value_or(given(config, SURROGATE_OPTION), cls.surrogate),
            official_data=_official_data(config),
            data_fallback=switched_on(config, DATA_FALLBACK_OPTION),
        )
        if settings.rescore and settings.cache_mode == "off":
            raise pytest.UsageError(
                "--mt-rescore scores cached responses, so it needs the response cache: "
                "use --mt-cache=read or readwrite (not off)"
            )
        return dataclasses.replace(settings, rules=_rules(config, settings))


def _ini_dir(config: pytest.Config) -> Path:
    """Where a relative path in an ini value starts: the ini file's folder."""
    return config.inipath.parent if config.inipath is not None else config.rootpath


def _rules(config: pytest.Config, settings: Settings) -> Rules:
    """``--mt-rules`` / ``multitrust_rules``, defaulting to ``original`` on official data.

    Under ``original`` the refusal rule is the original's keyword list, so an explicit
    ``--mt-refusal-rule=strict`` contradicts it.

    Raises:
        pytest.UsageError: for a bad value, or ``original`` with a strict refusal rule.
    """
    found = given(config, RULES_OPTION)
    rules: Rules = (
        found.value
        if found is not None
        else ("original" if settings.official_data is not None else "strict")
    )
    if rules == "original" and settings.refusal_rule != "multitrust-v1":
        raise pytest.UsageError(
            f"--mt-rules=original scores refusals with the original's keyword list "
            f"(multitrust-v1), so --mt-refusal-rule={settings.refusal_rule} contradicts it; "
            "drop --mt-refusal-rule or use --mt-rules=strict"
        )
    return rules


def _official_data(config: pytest.Config) -> Path | None:
    """``--mt-data`` (relative to the invocation dir) or the ini key (relative to the ini).

    Raises:
        pytest.UsageError: when the folder does not exist.
    """
    found = given(config, DATA_OPTION)
    if found is None or found.value is None:
        return None
    path = found.value
    base = _ini_dir(config) if found.from_ini else config.invocation_params.dir
    resolved = path if path.is_absolute() else base / path
    if not resolved.is_dir():
        raise pytest.UsageError(
            f"--mt-data=official:{path}: no such folder ({resolved}); point it at the "
            "official MultiTrust data folder (the one holding truthfulness/, safety/, ...)"
        )
    return resolved


def _check_report_dir(path: Path, option: str = "--mt-report") -> Path:
    """``path`` if a report directory can be made and written there, else a usage error.

    Checked before any model loads: a file in the way (``out/report.json/x``) or a
    folder without write access was otherwise found only when the report was written,
    after the whole run, and the run still exited 0. Nothing is created here.

    Raises:
        pytest.UsageError: naming the path and what is in the way.
    """
    existing = path
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        what = "is" if existing == path else f"cannot hold a directory: {existing} is"
        raise pytest.UsageError(
            f"{option}={path}: {what} a file, not a directory; give a directory path"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise pytest.UsageError(f"{option}={path}: no write permission in {existing}")
    return path


def _report_dir(config: pytest.Config) -> Path | None:
    """``--mt-report`` (relative to the invocation dir) or the ini key (relative to the ini)."""
    found = given(config, REPORT_OPTION)
    if found is None:
        return None
    path = found.value
    if not found.from_ini:
        absolute = path if path.is_absolute() else config.invocation_params.dir / path
        return _check_report_dir(absolute)
    return _check_report_dir(
        path if path.is_absolute() else _ini_dir(config) / path, "multitrust_report"
    )


def options_reference() -> str:
    """The Markdown options reference (``docs/reference/options.md``), from :data:`OPTIONS`."""
    return render_reference(OPTIONS, source=REFERENCE_COMMAND)


#: The command that writes ``docs/reference/options.md`` (run from a checkout's root).
REFERENCE_COMMAND = "python tests/unit/core/test_options_reference.py"
