"""Options and ini keys, parsed once into a frozen :class:`Settings`.

Every ``parse_*`` function takes the raw text of an option or ini value and either
returns a typed value or raises :class:`pytest.UsageError` naming the bad value and the
accepted forms. :meth:`Settings.from_config` is the only code that reads options.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pytest

from pytest_multitrust.models.registry import ModelOptions
from pytest_multitrust.thresholds import holds

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pytest_multitrust.tasks.base import TaskSpec

__all__ = [
    "TASK_OPTIONS",
    "RegressionLimit",
    "Settings",
    "TaskOption",
    "Threshold",
    "parse_attack_eps",
    "parse_attack_step_size",
    "parse_attack_steps",
    "parse_batch_size",
    "parse_cache_mode",
    "parse_compare_fail",
    "parse_concurrency",
    "parse_data_source",
    "parse_device",
    "parse_dtype",
    "parse_gate_mode",
    "parse_gpus_per_worker",
    "parse_inconclusive",
    "parse_judge",
    "parse_max_errors",
    "parse_positive_int",
    "parse_refusal_rule",
    "parse_report_dir",
    "parse_retries",
    "parse_rules",
    "parse_surrogate",
    "parse_task_list",
    "parse_threshold",
    "parse_tier",
    "parse_timeout",
    "parse_toxicity_checkpoint",
    "unused_options",
    "user_path",
    "warn_unused_options",
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
CacheMode = Literal["off", "read", "readwrite"]
CACHE_MODES: tuple[CacheMode, ...] = ("off", "read", "readwrite")

#: (ini key, option dest, help, default shown in help) for every setting.
OPTIONS: tuple[tuple[str, str, str, str], ...] = (
    (
        "multitrust_mllm",
        "mllm",
        "model under test: a name (tiny-llava, refuser, echo, oracle, "
        "llava-1.5, ...), hf:<repo-or-path>, openai:<base_url>#<model>, py:<module>:<factory>",
        "none: the plugin stays inactive",
    ),
    (
        "multitrust_tasks",
        "mt_tasks",
        "comma list of task ids (S.4), aspects (safety) or 'all'",
        "all",
    ),
    ("multitrust_limit", "mt_limit", "at most N samples per task variant", "no limit"),
    (
        "multitrust_tier",
        "mt_tier",
        "data tier: smoke (~10 per variant) or standard (>=100 per task)",
        "standard",
    ),
    (
        "multitrust_thresholds",
        "mt_threshold",
        "threshold such as 'S.4.rta>=0.9', 'R.5.asr<=0.2' or 'safety>=0.8'; repeatable",
        "each metric's own",
    ),
    ("multitrust_device", "mt_device", "device: auto, cpu, cuda, cuda:N or mps", "auto"),
    ("multitrust_dtype", "mt_dtype", "torch dtype: auto, float32, float16 or bfloat16", "auto"),
    (
        "multitrust_batch_size",
        "mt_batch_size",
        "generation batch size: N or auto",
        "auto: the model's own; on a GPU it doubles up to 64 and halves on out-of-memory",
    ),
    (
        "multitrust_max_new_tokens",
        "mt_max_new_tokens",
        "cap on generated tokens per answer",
        "each task's own",
    ),
    ("multitrust_seed", "mt_seed", "seed for data sampling, sampling and scoring", "0"),
    (
        "multitrust_refusal_rule",
        "mt_refusal_rule",
        "refusal keyword rule: multitrust-v1 "
        "(the original's list) or strict (word boundaries, fewer false positives); "
        "--mt-rules=original always uses multitrust-v1",
        "multitrust-v1",
    ),
    (
        "multitrust_toxicity_checkpoint",
        "mt_toxicity_checkpoint",
        "detoxify checkpoint for "
        "toxicity scoring (S.1, S.3): a .ckpt file, or a folder holding one beside the model's "
        "Hugging Face config.json and tokenizer files",
        "detoxify's 'original' model from torch's hub cache, downloaded on first use when online",
    ),
    (
        "multitrust_cache_dir",
        "mt_cache_dir",
        "where built models and attacks are cached; when "
        "given, the response cache too (else it is in the pytest cache directory)",
        "$XDG_CACHE_HOME/pytest-multitrust",
    ),
    (
        "multitrust_report",
        "mt_report",
        "directory for the trust report: report.json, samples.jsonl, report.html, summary.md",
        "none: terminal card only",
    ),
    (
        "multitrust_gate",
        "mt_gate",
        "point: the value decides each threshold and gate (its "
        "confidence interval only marks the verdict uncertain); interval: pass only when the "
        "whole interval clears the threshold too",
        "point",
    ),
    (
        "multitrust_inconclusive",
        "mt_inconclusive",
        "under --mt-gate=interval, what a gate "
        "whose value clears its threshold but whose interval does not counts as: pass or fail",
        "fail",
    ),
    (
        "multitrust_compare_fail",
        "mt_compare_fail",
        "with --mt-compare, fail on a regression: "
        "'<aspect|overall|task|task.metric>:<allowed change>' on the 0-1 trust scale, e.g. "
        "'safety:-0.02'; repeatable",
        "none",
    ),
    (
        "multitrust_gpus_per_worker",
        "mt_gpus_per_worker",
        "GPUs given to each xdist worker; -n auto starts one worker per this many visible GPUs",
        "1",
    ),
    (
        "multitrust_cache",
        "mt_cache",
        "response cache: off, read (use cached responses, store nothing) or readwrite",
        "readwrite",
    ),
    (
        "multitrust_judge",
        "mt_judge",
        "judge model for the tasks whose original scoring asked a "
        "judge (their original prompt, greedy): any model spec, e.g. "
        "openai:<base_url>#<model>, hf:<repo-or-path> or a scripted name",
        "none: rule-based scoring",
    ),
    (
        "multitrust_concurrency",
        "mt_concurrency",
        "requests in flight at once to an openai: server, per model and per worker",
        "8",
    ),
    (
        "multitrust_timeout",
        "mt_timeout",
        "seconds one request to an openai: server may take "
        "before it counts as failed and is retried",
        "120",
    ),
    (
        "multitrust_retries",
        "mt_retries",
        "retries of a failed openai: request (429, 5xx, "
        "timeout, dropped connection), with exponential backoff honouring Retry-After",
        "4",
    ),
    (
        "multitrust_max_errors",
        "mt_max_errors",
        "stop the run cleanly once N samples have ended "
        "as errors (unanswered requests, bad data); the report keeps what arrived",
        "no limit",
    ),
    (
        "multitrust_attack_eps",
        "mt_attack_eps",
        "L-infinity budget of the adversarial image "
        "attacks (R.4, R.5): N/255 or a number in (0, 1]",
        "16/255",
    ),
    ("multitrust_attack_steps", "mt_attack_steps", "PGD iterations per attacked image", "50"),
    (
        "multitrust_attack_step_size",
        "mt_attack_step_size",
        "PGD step: N/255 or a number in (0, 1]",
        "1/255",
    ),
    (
        "multitrust_surrogate",
        "mt_surrogate",
        "white-box model the image attacks are computed "
        "on and transferred from (tiny-llava, hf:<repo-or-path>, ...)",
        "the model under test "
        "when it is an hf: model; otherwise R.4/R.5 attacked samples are skipped",
    ),
    (
        "multitrust_data",
        "mt_data",
        "where the tasks' data comes from: builtin, or "
        "official:PATH for the official MultiTrust data folder (MMTrustEval's data/), checked "
        "before the run",
        "builtin",
    ),
    (
        "multitrust_rules",
        "mt_rules",
        "scoring rules: original (every task whose original "
        "score came from a deterministic rule is scored by that rule, quirks included; the "
        "refusal rule is multitrust-v1) or strict (our stricter extractors)",
        "original with --mt-data=official:PATH, else strict",
    ),
)


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


@dataclass(frozen=True)
class Threshold:
    """A pass threshold on an aspect score, the overall score or one task metric."""

    target: str  # "safety", "overall", or "S.4.rta" (task id + metric name)
    op: Literal[">=", "<=", ">", "<"]  # comparison the value must satisfy
    value: float  # the limit, in the target's own units (0-1 for aspects)
    source: str = ""  # the text it was parsed from

    @property
    def is_task_metric(self) -> bool:
        """True for ``<task>.<metric>`` targets."""
        return self.task_id is not None

    @property
    def task_id(self) -> str | None:
        """The task id of a task-metric target (``S.4`` of ``S.4.rta``), else None."""
        from pytest_multitrust.tasks.base import ASPECTS

        if self.target in ASPECTS or self.target == "overall":
            return None
        head, sep, _ = self.target.rpartition(".")
        return head if sep and head else None

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

    Raises:
        pytest.UsageError: naming the expression and the accepted forms.
    """
    match = _THRESHOLD.match(text)
    if not match or not math.isfinite(float(match["value"])):  # 400 digits: inf
        raise _fail(
            "--mt-threshold",
            text,
            "'<aspect|overall|task.metric> <op> <number>' with op one of >=, <=, >, <, "
            "e.g. 'safety>=0.8' or 'S.4.rta>=0.9'",
        )
    op = match["op"]
    return Threshold(
        target=match["target"],
        op=op,  # type: ignore[arg-type]
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
    cache_mode: CacheMode = "readwrite"  # response cache: off, read or readwrite
    rescore: bool = False  # score cached responses only; a cache miss is an error record
    check_batching: bool = False  # compare batch 1 with batch N per task; warn on drift
    judge: str | None = None  # --mt-judge model spec; None = rule-based scorers only
    concurrency: int = 8  # requests in flight per remote model per worker
    timeout_s: float = 120.0  # seconds per remote request attempt
    retries: int = 4  # retries of a failed remote request
    max_errors: int | None = None  # stop the run after this many sample errors; None: never
    report_dir: Path | None = None  # --mt-report: where report files go; None = card only
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
        """Read options (which win) and ini keys, validate, and resolve task names.

        Raises:
            pytest.UsageError: for any invalid value, before any model loads.
        """
        from pytest_multitrust.tasks.registry import select_tasks

        def raw(ini: str, dest: str) -> object:
            value = config.getoption(dest, default=None)
            if value is not None:
                return value
            ini_value = config.getini(ini)
            return ini_value if ini_value not in ("", [], None) else None

        def text(ini: str, dest: str, parse: object, default: object) -> object:
            value = raw(ini, dest)
            if value is None:
                return default
            if isinstance(value, str) and callable(parse):
                return parse(value)
            return value  # already parsed by argparse

        mllm = raw("multitrust_mllm", "mllm")
        tasks = text("multitrust_tasks", "mt_tasks", parse_task_list, ("all",))
        if isinstance(tasks, list):  # ini linelist
            tasks = tuple(item for line in tasks for item in parse_task_list(line))
        thresholds_raw = raw("multitrust_thresholds", "mt_threshold") or []
        given = thresholds_raw if isinstance(thresholds_raw, list) else [thresholds_raw]
        thresholds = tuple(
            t if isinstance(t, Threshold) else parse_threshold(str(t)) for t in given
        )
        cache_dir_raw = raw("multitrust_cache_dir", "mt_cache_dir")
        settings = cls(
            mllm=str(mllm).strip() if mllm is not None else None,
            tasks=tuple(tasks),  # type: ignore[arg-type]
            limit=text("multitrust_limit", "mt_limit", parse_limit, None),  # type: ignore[arg-type]
            tier=text("multitrust_tier", "mt_tier", parse_tier, "standard"),  # type: ignore[arg-type]
            thresholds=thresholds,
            thresholds_from_ini=config.getoption("mt_threshold", default=None) is None,
            device=text("multitrust_device", "mt_device", parse_device, "auto"),  # type: ignore[arg-type]
            dtype=text("multitrust_dtype", "mt_dtype", parse_dtype, "auto"),  # type: ignore[arg-type]
            batch_size=text(  # type: ignore[arg-type]
                "multitrust_batch_size", "mt_batch_size", parse_batch_size, None
            ),
            max_new_tokens=text(  # type: ignore[arg-type]
                "multitrust_max_new_tokens", "mt_max_new_tokens", parse_max_new_tokens, None
            ),
            seed=text("multitrust_seed", "mt_seed", parse_seed, 0),  # type: ignore[arg-type]
            refusal_rule=text(  # type: ignore[arg-type]
                "multitrust_refusal_rule", "mt_refusal_rule", parse_refusal_rule, "multitrust-v1"
            ),
            toxicity_checkpoint=text(  # type: ignore[arg-type]
                "multitrust_toxicity_checkpoint",
                "mt_toxicity_checkpoint",
                parse_toxicity_checkpoint,
                None,
            ),
            cache_dir=user_path(str(cache_dir_raw), "--mt-cache-dir")
            if cache_dir_raw is not None
            else default_cache_dir(),
            trust_remote_code=bool(config.getoption("mt_trust_remote_code", default=False)),
            allow_pickle=bool(config.getoption("mt_allow_pickle", default=False)),
            report_dir=_report_dir(config),
            gate_mode=text(  # type: ignore[arg-type]
                "multitrust_gate", "mt_gate", parse_gate_mode, "point"
            ),
            inconclusive=text(  # type: ignore[arg-type]
                "multitrust_inconclusive", "mt_inconclusive", parse_inconclusive, "fail"
            ),
            save=_optional_text(config.getoption("mt_save", default=None)),
            compare=_optional_text(config.getoption("mt_compare", default=None)),
            compare_fail=_compare_fail(raw("multitrust_compare_fail", "mt_compare_fail")),
            cache_dir_explicit=cache_dir_raw is not None,
            gpus_per_worker=text(  # type: ignore[arg-type]
                "multitrust_gpus_per_worker", "mt_gpus_per_worker", parse_gpus_per_worker, 1
            ),
            cache_mode=text(  # type: ignore[arg-type]
                "multitrust_cache", "mt_cache", parse_cache_mode, "readwrite"
            ),
            rescore=bool(config.getoption("mt_rescore", default=False)),
            check_batching=bool(config.getoption("mt_check_batching", default=False)),
            judge=text("multitrust_judge", "mt_judge", parse_judge, None),  # type: ignore[arg-type]
            concurrency=text(  # type: ignore[arg-type]
                "multitrust_concurrency", "mt_concurrency", parse_concurrency, 8
            ),
            timeout_s=text("multitrust_timeout", "mt_timeout", parse_timeout, 120.0),  # type: ignore[arg-type]
            retries=text("multitrust_retries", "mt_retries", parse_retries, 4),  # type: ignore[arg-type]
            max_errors=text(  # type: ignore[arg-type]
                "multitrust_max_errors", "mt_max_errors", parse_max_errors, None
            ),
            attack_eps=text(  # type: ignore[arg-type]
                "multitrust_attack_eps", "mt_attack_eps", parse_attack_eps, 16 / 255
            ),
            attack_steps=text(  # type: ignore[arg-type]
                "multitrust_attack_steps", "mt_attack_steps", parse_attack_steps, 50
            ),
            attack_step_size=text(  # type: ignore[arg-type]
                "multitrust_attack_step_size",
                "mt_attack_step_size",
                parse_attack_step_size,
                1 / 255,
            ),
            surrogate=text(  # type: ignore[arg-type]
                "multitrust_surrogate", "mt_surrogate", parse_surrogate, None
            ),
            official_data=_official_data(config),
            data_fallback=bool(config.getoption("mt_data_fallback", default=False))
            or _ini_flag(config, "multitrust_data_fallback"),
        )
        if settings.rescore and settings.cache_mode == "off":
            raise pytest.UsageError(
                "--mt-rescore scores cached responses, so it needs the response cache: "
                "use --mt-cache=read or readwrite (not off)"
            )
        settings = _replace(settings, rules=_rules(config, settings))
        task_ids = tuple(t.id for t in select_tasks(settings.tasks))
        settings = _replace(settings, task_ids=task_ids)
        _check_thresholds(settings.thresholds)
        if not settings.thresholds_from_ini:
            _check_selected(settings.thresholds, task_ids)
        if config.getoption("mt_compare_fail", default=None) is not None:
            # a task target ("S.4") reads as the task's score, a task metric as itself
            _check_selected(
                [
                    Threshold(
                        f"{lim.target}.score"
                        if re.fullmatch(r"[TSRFP]\.[0-9]+", lim.target)
                        else lim.target,
                        ">=",
                        0.0,
                        lim.source,
                    )
                    for lim in settings.compare_fail
                ],
                task_ids,
                "--mt-compare-fail",
            )
        _check_regression_limits(settings.compare_fail, settings.compare)
        return settings


def parse_rules(text: str) -> Rules:
    """Parse ``--mt-rules``: ``original`` or ``strict``."""
    value = text.strip().lower()
    for rules in RULES:
        if value == rules:
            return rules
    raise _fail("--mt-rules", text, "original or strict")


def _rules(config: pytest.Config, settings: Settings) -> Rules:
    """``--mt-rules`` / ``multitrust_rules``, defaulting to ``original`` on official data.

    Under ``original`` the refusal rule is the original's keyword list, so an explicit
    ``--mt-refusal-rule=strict`` contradicts it.

    Raises:
        pytest.UsageError: for a bad value, or ``original`` with a strict refusal rule.
    """
    value = config.getoption("mt_rules", default=None)
    if value is None:
        ini = config.getini("multitrust_rules")
        value = parse_rules(str(ini)) if ini else None
    rules: Rules = (
        value
        if value is not None
        else ("original" if settings.official_data is not None else "strict")
    )
    if rules == "original" and settings.refusal_rule != "multitrust-v1":
        raise pytest.UsageError(
            f"--mt-rules=original scores refusals with the original's keyword list "
            f"(multitrust-v1), so --mt-refusal-rule={settings.refusal_rule} contradicts it; "
            "drop --mt-refusal-rule or use --mt-rules=strict"
        )
    return rules


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


def _official_data(config: pytest.Config) -> Path | None:
    """``--mt-data`` (relative to the invocation dir) or the ini key (relative to the ini).

    Raises:
        pytest.UsageError: when the folder does not exist.
    """
    option = config.getoption("mt_data", default=None)
    if option is not None:
        path = parse_data_source(str(option))
        base = config.invocation_params.dir
    else:
        ini = config.getini("multitrust_data")
        if not ini:
            return None
        path = parse_data_source(str(ini))
        base = config.inipath.parent if config.inipath else config.rootpath
    if path is None:
        return None
    resolved = path if path.is_absolute() else base / path
    if not resolved.is_dir():
        raise pytest.UsageError(
            f"--mt-data=official:{path}: no such folder ({resolved}); point it at the "
            "official MultiTrust data folder (the one holding truthfulness/, safety/, ...)"
        )
    return resolved


def _ini_flag(config: pytest.Config, name: str) -> bool:
    return bool(config.getini(name))  # registered with type="bool": pytest parses it


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value).strip()


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
    option = config.getoption("mt_report", default=None)
    if option is not None:
        path = option if isinstance(option, Path) else parse_report_dir(str(option))
        absolute = path if path.is_absolute() else config.invocation_params.dir / path
        return _check_report_dir(absolute)
    ini_value = config.getini("multitrust_report")
    if not ini_value:
        return None
    path = parse_report_dir(str(ini_value))
    base = config.inipath.parent if config.inipath is not None else config.rootpath
    return _check_report_dir(path if path.is_absolute() else base / path, "multitrust_report")


def _compare_fail(value: object) -> tuple[RegressionLimit, ...]:
    if value is None:
        return ()
    given = value if isinstance(value, list) else [value]
    return tuple(v if isinstance(v, RegressionLimit) else parse_compare_fail(str(v)) for v in given)


def _check_regression_limits(limits: Sequence[RegressionLimit], compare: str | None) -> None:
    """Check each ``--mt-compare-fail`` target exists and that a baseline is compared."""
    from pytest_multitrust.tasks.base import ASPECTS
    from pytest_multitrust.tasks.registry import all_tasks

    if limits and compare is None:
        raise pytest.UsageError(
            f"--mt-compare-fail {limits[0].source!r}: needs a baseline; add --mt-compare "
            "(the latest saved run) or --mt-compare=<id>"
        )
    tasks = {t.id: t for t in all_tasks()}
    for limit in limits:
        target = limit.target
        if target in ASPECTS or target == "overall" or target in tasks:
            continue
        task_id, _, metric_name = target.rpartition(".")
        task = tasks.get(task_id)
        if task is None:
            known = ", ".join([*ASPECTS, "overall", *tasks])
            raise pytest.UsageError(
                f"--mt-compare-fail {limit.source!r}: unknown target {target!r}; use an "
                f"aspect, 'overall', a task id or <task>.<metric>, with task one of: {known}"
            )
        try:
            task.metric(metric_name)
        except KeyError as error:
            raise pytest.UsageError(
                f"--mt-compare-fail {limit.source!r}: {error.args[0]}"
            ) from None


def _replace(settings: Settings, **changes: object) -> Settings:
    from dataclasses import replace

    return replace(settings, **changes)  # type: ignore[arg-type]


def _check_thresholds(thresholds: Sequence[Threshold]) -> None:
    """Check every threshold's target exists and its direction matches the metric."""
    from pytest_multitrust.tasks.base import ASPECTS
    from pytest_multitrust.tasks.registry import all_tasks

    tasks = {t.id: t for t in all_tasks()}
    for threshold in thresholds:
        target = threshold.target
        if target in ASPECTS or target == "overall":
            _check_reachable(threshold, f"{target} (a score)", (0.0, 1.0))
            continue
        task_id, _, metric_name = target.rpartition(".")
        task = tasks.get(task_id)
        if task is None and task_id and not re.fullmatch(r"[TSRFP]\.[0-9]+", task_id):
            continue  # a custom task of @pytest.mark.trust tests: checked after collection
        if task is None:
            known = ", ".join([*ASPECTS, "overall", *tasks])
            raise pytest.UsageError(
                f"--mt-threshold {threshold.source!r}: unknown target {target!r}; use an "
                f"aspect, 'overall', <task>.<metric> with task one of: {known}, or "
                "<custom task>.<metric> for a task of @pytest.mark.trust(task=...) tests"
            )
        try:
            metric = task.metric(metric_name)
        except KeyError as error:
            raise pytest.UsageError(
                f"--mt-threshold {threshold.source!r}: {error.args[0]}"
            ) from None
        wants_high = threshold.op in (">=", ">")
        if wants_high != (metric.direction == "higher"):
            better = "higher" if metric.direction == "higher" else "lower"
            raise pytest.UsageError(
                f"--mt-threshold {threshold.source!r}: {task.id}.{metric.name} is "
                f"{better}-is-better, so use {metric.op}"
            )
        _check_reachable(threshold, f"{task.id}.{metric.name}", metric.bounds)


def _check_selected(
    thresholds: Sequence[Threshold], task_ids: Sequence[str], option: str = "--mt-threshold"
) -> None:
    """A ``--mt-threshold`` on a task or aspect this run does not select is a usage error.

    (Thresholds in the ini file may be shared by several selections: the report notes
    the ones not judged instead.)

    Raises:
        pytest.UsageError: naming the thresholds and the selection.
    """
    from pytest_multitrust.report.gates import unselected_thresholds

    unused = unselected_thresholds(thresholds, task_ids)
    if unused:
        names = ", ".join(repr(t.source or t.target) for t in unused)
        raise pytest.UsageError(
            f"{option} {names}: no selected task is scored by it (selected: "
            f"{', '.join(task_ids) or 'none'}); add its task or aspect to --mt-tasks, or "
            "drop the threshold"
        )


def _check_reachable(threshold: Threshold, what: str, bounds: tuple[float, float]) -> None:
    """Refuse a threshold that no value in ``bounds`` can miss, or none can meet.

    Raises:
        pytest.UsageError: naming the range (``S.4.rta>=2`` can never pass).
    """
    from pytest_multitrust.report.gates import never_decided

    low, high = bounds
    never = never_decided(threshold.op, threshold.value, low, high)
    if not never:
        return
    raise pytest.UsageError(
        f"--mt-threshold {threshold.source!r}: {what} lies between {low:g} and {high:g}, "
        f"so this gate can never {never}; use a limit inside that range"
    )


def _attacks(task: TaskSpec) -> bool:
    return task.transform_image is not None


def _judges(task: TaskSpec) -> bool:
    from pytest_multitrust.custom.declare import is_builtin_id

    # a registered custom task's scorer gets the judge in its ScoringContext: it may use it
    return task.judge_prompt is not None or not is_builtin_id(task.id)


def _classifies(task: TaskSpec) -> bool:
    from pytest_multitrust.custom.declare import is_builtin_id

    # a registered custom task's scorer gets the toxicity classifier: it may use it
    return any(m.scorer == "classifier" for m in task.metrics) or not is_builtin_id(task.id)


def _reads_official(task: TaskSpec) -> bool:
    from pytest_multitrust.official import readers

    return task.id in readers()


@dataclass(frozen=True)
class TaskOption:
    """An option that only the tasks with some property use (``--mt-judge``: a judge prompt)."""

    dest: str  # the option's dest, e.g. "mt_judge"
    what: str  # the tasks that use it, in words: "tasks with a judge prompt"
    uses: Callable[[TaskSpec], bool]  # whether a task uses it

    @property
    def flag(self) -> str:
        """The option as typed: ``--mt-judge``."""
        return "--" + self.dest.replace("_", "-")


#: Every option that only some tasks use, and which: the one table behind
#: :func:`unused_options` (read off the task specs, never a list of task ids).
TASK_OPTIONS: tuple[TaskOption, ...] = (
    TaskOption("mt_attack_eps", "tasks with image attacks", _attacks),
    TaskOption("mt_attack_steps", "tasks with image attacks", _attacks),
    TaskOption("mt_attack_step_size", "tasks with image attacks", _attacks),
    TaskOption("mt_surrogate", "tasks with image attacks", _attacks),
    TaskOption("mt_judge", "tasks with a judge prompt and custom data tasks", _judges),
    TaskOption(
        "mt_toxicity_checkpoint",
        "tasks with a toxicity classifier metric and custom data tasks",
        _classifies,
    ),
    TaskOption("mt_data", "tasks with official data", _reads_official),
)


def unused_options(
    given: Sequence[str], selected: Sequence[TaskSpec], known: Sequence[TaskSpec]
) -> list[str]:
    """Why each given option goes unused: no selected task uses it.

    Args:
        given: dests of the options given (``mt_judge``); dests not in
            :data:`TASK_OPTIONS` apply to every task and are never unused.
        selected: the tasks this run selects.
        known: every registered task, to name the tasks that would use an option.

    Returns:
        One ``"<flag> (used only by <what>: <task ids>)"`` per unused option, in the
        order of :data:`TASK_OPTIONS`.

    >>> unused_options(["mt_seed"], [], [])
    []
    """
    unused: list[str] = []
    for option in TASK_OPTIONS:
        if option.dest not in given or any(option.uses(t) for t in selected):
            continue
        users = [t.id for t in known if option.uses(t)]
        unused.append(
            f"{option.flag} (used only by {option.what}: {', '.join(users) or 'none registered'})"
        )
    return unused


def warn_unused_options(config: pytest.Config, settings: Settings) -> None:
    """Warn once when an option given on the command line applies to no selected task.

    Options from the ini file may serve several selections and are not warned about.
    """
    from pytest_multitrust.errors import MultitrustWarning
    from pytest_multitrust.tasks.registry import all_tasks

    given = [o.dest for o in TASK_OPTIONS if config.getoption(o.dest, default=None) is not None]
    if settings.official_data is None and "mt_data" in given:
        given.remove("mt_data")  # --mt-data=builtin: the default, used by every task
    known = all_tasks()
    chosen = set(settings.task_ids)
    unused = unused_options(given, [t for t in known if t.id in chosen], known)
    if unused:
        config.issue_config_time_warning(
            MultitrustWarning(
                f"no selected task uses {'; '.join(unused)} (selected: "
                f"{', '.join(settings.task_ids) or 'none'}): ignored in this run"
            ),
            stacklevel=2,
        )
