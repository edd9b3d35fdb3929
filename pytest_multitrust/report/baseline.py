"""Saved runs and comparison against a baseline, the way pytest-benchmark does it.

* ``--mt-save[=NAME]`` stores the report as
  ``.multitrust/<machine-id>/NNNN_<commit>_<date>.json`` (or ``NNNN_<NAME>.json``) under
  the rootdir; ``<machine-id>`` is ``<system>-<implementation>-<python>-<bits>bit``.
* ``--mt-compare[=ID]`` reads a saved run (the latest of this machine, or by number,
  name or path) and shows the change of the overall, aspect and task scores.
* ``--mt-compare-fail=safety:-0.02`` fails the run when a score fell by more than 0.02,
  judged on the **paired change**: the card's own score (task trust score, aspect,
  overall, or one task metric on the 0-1 trust scale) recomputed on the samples both runs
  scored (same task, sample id, prompt and image), current minus baseline, with a
  paired, variant-stratified bootstrap of that statistic (2000 resamples, fixed seed) for
  its 95 % interval (:mod:`~pytest_multitrust.report.paired`).
  :func:`~pytest_multitrust.report.gates.judge` then decides, as for every other gate.

The runs' differences in model fingerprint, data versions and environment are listed
(and warned about by the collector).
"""

from __future__ import annotations

import json
import math
import platform
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.errors import DataError
from pytest_multitrust.reliability import terminal_safe
from pytest_multitrust.report.gates import (
    GateResult,
    counts_as_passed,
    judge,
    judged_on,
    qualifier,
)
from pytest_multitrust.report.model import SCHEMA_VERSION, Comparison, Delta, report_from_dict
from pytest_multitrust.report.scores import target_weights
from pytest_multitrust.settings import user_path
from pytest_multitrust.tasks.base import ASPECTS

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime
    from pathlib import Path

    from pytest_multitrust.report.model import TrustReport
    from pytest_multitrust.report.paired import BootstrapMemo, ScoreRule
    from pytest_multitrust.settings import RegressionLimit
    from pytest_multitrust.tasks.base import Sample, TaskSpec

__all__ = [
    "STORAGE_DIR",
    "SavedRun",
    "compare",
    "differences",
    "find_baseline",
    "load_baseline",
    "machine_id",
    "regression_gates",
    "save_path",
    "saved_runs",
    "validate_name",
]

STORAGE_DIR = ".multitrust"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_STEM = re.compile(r"^(?P<number>[0-9]{4})_(?P<rest>.+)$")
#: Settings whose difference makes two runs' numbers hard to compare.
COMPARED_SETTINGS = (
    "tier",
    "limit",
    "seed",
    "refusal_rule",
    "rules",
    "max_new_tokens",
    "dtype",
    "mitigation",
    "guard",
)


def machine_id() -> str:
    """``Linux-CPython-3.11-64bit``: the folder of this machine's saved runs."""
    bits = "64bit" if sys.maxsize > 2**32 else "32bit"
    major, minor = sys.version_info[:2]
    return f"{platform.system()}-{platform.python_implementation()}-{major}.{minor}-{bits}"


@dataclass(frozen=True)
class SavedRun:
    """One saved run on disk."""

    machine: str  # the machine-id folder it lives in
    number: int  # its NNNN
    stem: str  # file name without .json, e.g. "0003_1a2b3c4d_20261123_101500"
    path: Path  # the file


def saved_runs(root: Path) -> list[SavedRun]:
    """Every saved run under ``root`` (the ``.multitrust`` folder), by machine and number."""
    runs: list[SavedRun] = []
    if not root.is_dir():
        return runs
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(folder.glob("*.json")):
            match = _STEM.match(path.stem)
            if match:
                runs.append(SavedRun(folder.name, int(match["number"]), path.stem, path))
    return sorted(runs, key=lambda r: (r.machine, r.number, r.stem))


def validate_name(name: str) -> str:
    """Check a ``--mt-save`` name: letters, digits, ``.``, ``_``, ``-`` (at most 64).

    Raises:
        pytest.UsageError: naming the bad value.
    """
    if not _NAME.match(name):
        raise pytest.UsageError(
            f"--mt-save: invalid name {name!r}; use letters, digits, '.', '_' and '-' "
            "(at most 64), e.g. --mt-save=before-upgrade"
        )
    return name


def save_path(root: Path, machine: str, name: str, commit: str | None, when: datetime) -> Path:
    """Where the next saved run goes: the next free ``NNNN`` in this machine's folder."""
    existing = [r.number for r in saved_runs(root) if r.machine == machine]
    number = max(existing, default=0) + 1
    if name:
        stem = f"{number:04d}_{name}"
    else:
        stem = f"{number:04d}_{(commit or 'nocommit')[:8]}_{when.strftime('%Y%m%d_%H%M%S')}"
    return root / machine / f"{stem}.json"


def find_baseline(root: Path, ident: str, machine: str, cwd: Path) -> Path:
    """Resolve ``--mt-compare[=ID]`` to a saved run.

    ``ID`` may be empty (the latest run of this machine), a number (``3`` or ``0003``), a
    name or file stem (``before-upgrade``), or a path to a report JSON file. This
    machine's runs are preferred; other machines' runs match too.

    Raises:
        pytest.UsageError: when nothing matches, listing what is saved.
    """
    runs = saved_runs(root)
    local = [r for r in runs if r.machine == machine]
    if not ident:
        if local:
            return local[-1].path
        raise pytest.UsageError(
            f"--mt-compare: no saved run in {root / machine}; save one first with --mt-save"
        )
    as_path = user_path(ident, "--mt-compare")
    for candidate in (as_path, cwd / as_path):
        if candidate.suffix == ".json" and candidate.is_file():
            return candidate
    if ident.isdigit():
        found = [r for r in runs if r.number == int(ident)]
    else:
        found = [
            r for r in runs if r.stem == ident or r.stem[5:] == ident or r.stem.startswith(ident)
        ]
    if found:
        return ([r for r in found if r.machine == machine] or found)[-1].path
    saved = ", ".join(f"{r.machine}/{r.stem}" for r in runs[-10:]) or "none"
    raise pytest.UsageError(
        terminal_safe(  # pytest prints it raw: the value is the user's
            f"--mt-compare={ident}: no saved run matches (by number, name or path) under {root}; "
            f"saved runs: {saved}"
        )
    )


def load_baseline(path: Path) -> TrustReport:
    """Read and validate a saved run.

    Raises:
        DataError: naming the file when it is unreadable, not a report (no
            ``schema_version``), of another major schema version, or does not follow
            the schema (a newer minor version that does not is named as such).
    """
    from pytest_multitrust.report.json_report import validate_report

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: cannot read the saved run ({error})") from None
    version = data.get("schema_version") if isinstance(data, dict) else None
    if not isinstance(version, str):
        raise DataError(
            f"{path}: not a pytest-multitrust report (it has no schema_version); "
            "expected a report.json or a run saved with --mt-save"
        )
    ours = SCHEMA_VERSION.split(".")
    theirs = version.split(".")
    if theirs[0] != ours[0]:
        raise DataError(
            f"{path}: report schema version {terminal_safe(version)} cannot be read by this "
            f"pytest-multitrust (it reads {ours[0]}.x, up to {SCHEMA_VERSION})"
        )
    try:
        validate_report(data, str(path))
    except DataError as error:
        newer = len(theirs) > 1 and theirs[1].isdigit() and int(theirs[1]) > int(ours[1])
        if newer:
            raise DataError(
                f"{error} (written with report schema {version}, newer than this "
                f"pytest-multitrust's {SCHEMA_VERSION}: upgrade pytest-multitrust)"
            ) from None
        raise
    return report_from_dict(data)


# -- differences ----------------------------------------------------------------------------


def differences(current: TrustReport, baseline: TrustReport) -> list[str]:
    """How two runs differ in ways that make their numbers hard to compare."""
    found: list[str] = []
    cur, base = current.provenance, baseline.provenance
    if (
        cur.model is not None
        and base.model is not None
        and cur.model.fingerprint != base.model.fingerprint
    ):
        found.append(
            f"model fingerprint differs: {base.model.fingerprint} (baseline) vs "
            f"{cur.model.fingerprint} (now)"
        )
    if cur.model_spec != base.model_spec:
        found.append(f"model spec differs: {base.model_spec!r} vs {cur.model_spec!r}")
    base_data = {d.task_id: d for d in base.data}
    for data in cur.data:
        old = base_data.get(data.task_id)
        if old is not None and (old.version, old.sha256) != (data.version, data.sha256):
            found.append(
                f"data of {data.task_id} differs: version {old.version} "
                f"({old.sha256[:12]}) vs {data.version} ({data.sha256[:12]})"
            )
    versions = ("plugin", "python", "torch", "transformers")
    for name in versions:
        old_v, new_v = getattr(base.versions, name), getattr(cur.versions, name)
        if old_v != new_v:
            found.append(f"{name} version differs: {old_v} vs {new_v}")
    if cur.machine_id != base.machine_id:
        found.append(f"machine differs: {base.machine_id} vs {cur.machine_id}")
    from pytest_multitrust.report.assemble import setting_text

    # text on both sides: a baseline written before settings were typed holds "0" for 0
    old_settings = {k: setting_text(v) for k, v in base.settings}
    new_settings = {k: setting_text(v) for k, v in cur.settings}
    for key in COMPARED_SETTINGS:
        if old_settings.get(key) != new_settings.get(key):
            # an unset setting (no limit, no mitigation) reads "none"
            found.append(
                f"setting {key} differs: {old_settings.get(key) or 'none'} vs "
                f"{new_settings.get(key) or 'none'}"
            )
    return found


# -- paired comparison ----------------------------------------------------------------------


def _directions(report: TrustReport, other: TrustReport, task_id: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for run in (report, other):
        task = run.scores.task(task_id)
        for m in task.metrics if task is not None else ():
            found.setdefault(m.metric, m.direction)
    return found


def _score_of(report: TrustReport, target: str) -> float:
    node = report.scores.node(target)
    if node is not None:
        return node.score
    task = report.scores.task(target)
    if task is not None:
        return task.score
    task_id, _, metric = target.rpartition(".")
    found = report.scores.task(task_id)
    if found is not None:
        for m in found.metrics:
            if m.metric == metric:
                return _oriented(m.value, m.direction)
    return math.nan


def _oriented(value: float, direction: str) -> float:
    return value if direction == "higher" else 1.0 - value


def _default_samples(task: TaskSpec) -> Sequence[Sample]:
    from pytest_multitrust.tasks.data import read_samples

    return task.loader() if task.loader else read_samples(task.data)


def compare(
    current: TrustReport,
    baseline: TrustReport,
    baseline_path: Path,
    limits: Sequence[RegressionLimit] = (),
    seed: int = 0,
    tasks: Sequence[TaskSpec] | None = None,
    samples_of: Callable[[TaskSpec], Sequence[Sample]] | None = None,
    memo: BootstrapMemo | None = None,
) -> Comparison:
    """Deltas of overall, aspects, tasks (and limited task metrics) against ``baseline``.

    ``change`` compares the two runs' full card scores; ``paired_change`` is the change of
    the same score recomputed on the samples both runs scored, with a paired bootstrap
    interval (see :mod:`pytest_multitrust.report.paired`).

    Args:
        current: this run's report.
        baseline: the saved run.
        baseline_path: where the saved run was read from.
        limits: the ``--mt-compare-fail`` limits (their task-metric targets get a delta).
        seed: the bootstrap seed.
        tasks: the task specs whose rules recompute the scores (default: the registry's);
            a task without a spec (a custom ``@pytest.mark.trust`` task) uses the mean of
            its metrics per variant, as its threshold tests do.
        samples_of: a task's samples (default: its loader, else its built-in data file).
        memo: keeps each run's resampled scores across calls (a board compares each run
            with many; :class:`~pytest_multitrust.report.paired.BootstrapMemo`): the same
            numbers, computed once per run. One memo per set of ``tasks`` and samples.
    """
    from pytest_multitrust.report.paired import (
        PairedChange,
        combine,
        paired_change,
        percentile_interval,
        records_rule,
        shared_pairs,
        spec_rule,
        unit_seed,
    )
    from pytest_multitrust.tasks.registry import all_tasks

    specs = {t.id: t for t in (all_tasks() if tasks is None else tasks)}
    load = samples_of or _default_samples
    loaded: dict[str, dict[str, Sample]] = {}
    task_ids = sorted(
        {t.task_id for t in (*current.scores.tasks, *baseline.scores.tasks)},
        key=_task_key,
    )
    metric_targets = sorted(
        {
            lim.target
            for lim in limits
            if lim.target not in ASPECTS and lim.target != "overall" and lim.target not in task_ids
        },
        key=_task_key,
    )
    notes = differences(current, baseline)

    def rule_for(task_id: str, metric: str | None) -> ScoreRule:
        spec = specs.get(task_id)
        if spec is None:
            return records_rule(_directions(current, baseline, task_id), metric)
        if task_id not in loaded:
            try:
                loaded[task_id] = {s.id: s for s in load(spec)}
            except DataError as error:
                notes.append(f"{task_id}: samples not loaded for the paired change ({error})")
                loaded[task_id] = {}
        return spec_rule(spec, loaded[task_id], metric)

    changes: dict[str, PairedChange] = {}
    for unit in (*task_ids, *metric_targets):
        task_id, metric = (unit, None) if unit in task_ids else unit.rsplit(".", 1)
        pairs = shared_pairs(current.samples, baseline.samples, task_id)
        sides: tuple[object, object] = (None, None)
        if memo is not None:
            rule_key: tuple[object, ...] = (task_id, metric)
            if task_id not in specs:  # a custom task's rule depends on both runs' metrics
                rule_key += tuple(sorted(_directions(current, baseline, task_id).items()))
            sides = ((memo.run_key(current), *rule_key), (memo.run_key(baseline), *rule_key))
        try:
            changes[unit] = paired_change(
                pairs,
                rule_for(task_id, metric),
                unit_seed(seed, unit),
                memo=memo,
                sides=sides,
            )
        except Exception as error:  # a task's own aggregate may be user code: it
            # must not cost the report; the unit gets no paired change and a note
            notes.append(f"{unit}: no paired change ({type(error).__name__}: {error})")
            changes[unit] = PairedChange(math.nan, (), len(pairs))
    members = {
        t.task_id: (t.aspect, t.sub_aspect)
        for t in current.scores.tasks
        if t.in_aggregate and not math.isnan(changes[t.task_id].change)
    }
    targets = [
        "overall",
        *[a for a in ASPECTS if _has_any(current, baseline, a)],
        *task_ids,
        *metric_targets,
    ]
    deltas: list[Delta] = []
    for target in targets:
        if target in changes:
            found = changes[target]
        else:
            found = combine(changes, target_weights(target, members))
        low, high = percentile_interval(found.change, found.draws)
        new, old = _score_of(current, target), _score_of(baseline, target)
        change = new - old if not (math.isnan(new) or math.isnan(old)) else math.nan
        deltas.append(Delta(target, old, new, change, found.change, low, high, found.shared))
    for task_id in task_ids:
        if (
            current.scores.task(task_id)
            and baseline.scores.task(task_id)
            and not changes[task_id].shared
        ):
            notes.append(
                f"{task_id}: no shared samples (ids, prompts or images changed), "
                "so no paired change"
            )
    return Comparison(
        baseline_id=baseline_path.stem,
        baseline_path=str(baseline_path),
        baseline_created=baseline.created,
        baseline_commit=baseline.provenance.git_commit,
        deltas=tuple(deltas),
        differences=tuple(notes),
    )


def _has_any(current: TrustReport, baseline: TrustReport, aspect: str) -> bool:
    return any(
        not math.isnan(r.scores.node(aspect).score)  # type: ignore[union-attr]
        for r in (current, baseline)
    )


def _task_key(task_id: str) -> tuple[int, int, str]:
    letter, _, rest = task_id.partition(".")
    number, _, _ = rest.partition(".")
    rank = "TSRFP".index(letter) if len(letter) == 1 and letter in "TSRFP" else 99
    return (rank, int(number) if number.isdigit() else 0, task_id)


def regression_gates(
    comparison: Comparison, limits: Sequence[RegressionLimit], mode: str, inconclusive: str
) -> list[GateResult]:
    """Judge each ``--mt-compare-fail`` limit on the paired change of its target.

    A limit whose target has no paired change (no shared samples, or a score undefined on
    them) fails whatever ``--mt-inconclusive`` says: nothing was measured, and NaN never
    passes a gate (as an aspect gate without a score fails).
    """
    by_target = {d.target: d for d in comparison.deltas}
    gates: list[GateResult] = []
    for limit in limits:
        delta = by_target.get(limit.target)
        if delta is None or math.isnan(delta.paired_change):
            gates.append(
                GateResult(
                    target=limit.target,
                    kind="regression",
                    op=">=",
                    limit=limit.change,
                    value=math.nan,
                    ci_low=math.nan,
                    ci_high=math.nan,
                    mode=mode,
                    verdict="fail",
                    passed=False,
                    note=f"no paired change: no shared samples with {comparison.baseline_id} "
                    "(or the score is undefined on them)",
                    source=limit.source,
                )
            )
            continue
        verdict = judge(
            delta.paired_change, delta.paired_low, delta.paired_high, ">=", limit.change, mode
        )
        extra = qualifier(
            delta.paired_change, delta.paired_low, delta.paired_high, ">=", limit.change
        )
        gates.append(
            GateResult(
                target=limit.target,
                kind="regression",
                op=">=",
                limit=limit.change,
                value=delta.paired_change,
                ci_low=delta.paired_low,
                ci_high=delta.paired_high,
                mode=judged_on(mode, delta.paired_low, delta.paired_high),
                verdict=verdict,
                passed=counts_as_passed(verdict, inconclusive),
                n=delta.shared,
                note=f"paired, {delta.shared} shared samples vs {comparison.baseline_id}"
                + (f"; {extra}" if extra else ""),
                source=limit.source,
            )
        )
    return gates
