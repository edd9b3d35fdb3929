"""Saved runs and comparison against a baseline, the way pytest-benchmark does it.

* ``--mt-save[=NAME]`` stores the report as
  ``.multitrust/<machine-id>/NNNN_<commit>_<date>.json`` (or ``NNNN_<NAME>.json``) under
  the rootdir; ``<machine-id>`` is ``<system>-<implementation>-<python>-<bits>bit``.
* ``--mt-compare[=ID]`` reads a saved run (the latest of this machine, or by number,
  name or path) and shows the change of the overall, aspect and task scores.
* ``--mt-compare-fail=safety:-0.02`` fails the run when a score fell by more than 0.02,
  judged by a **paired test on the samples both runs share** (same task, sample id,
  prompt and image): the per-sample change of the trust value (the mean of the sample's
  metric values, oriented so that higher is better) is averaged per task, tasks are
  combined with the MultiTrust weights, and a stratified paired bootstrap (2000
  resamples, fixed seed) gives its 95 % interval. :func:`~pytest_multitrust.report.gates.judge`
  then decides, as for every other gate.

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
from pytest_multitrust.report.gates import GateResult, counts_as_passed, judge, judged_on
from pytest_multitrust.report.model import Comparison, Delta, report_from_dict
from pytest_multitrust.report.scores import target_weights
from pytest_multitrust.settings import user_path
from pytest_multitrust.tasks.base import ASPECTS

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime
    from pathlib import Path

    from pytest_multitrust.records import SampleRecord
    from pytest_multitrust.report.model import TrustReport
    from pytest_multitrust.settings import RegressionLimit

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
BOOTSTRAP_RESAMPLES = 2000
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_STEM = re.compile(r"^(?P<number>[0-9]{4})_(?P<rest>.+)$")
#: Settings whose difference makes two runs' numbers hard to compare.
COMPARED_SETTINGS = ("tier", "limit", "seed", "refusal_rule", "rules", "max_new_tokens", "dtype")


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
        found = [r for r in runs
                 if r.stem == ident or r.stem[5:] == ident or r.stem.startswith(ident)]
    if found:
        return ([r for r in found if r.machine == machine] or found)[-1].path
    saved = ", ".join(f"{r.machine}/{r.stem}" for r in runs[-10:]) or "none"
    raise pytest.UsageError(
        f"--mt-compare={ident}: no saved run matches (by number, name or path) under {root}; "
        f"saved runs: {saved}"
    )


def load_baseline(path: Path) -> TrustReport:
    """Read and validate a saved run.

    Raises:
        DataError: naming the file when it is unreadable or does not follow the schema.
    """
    from pytest_multitrust.report.json_report import validate_report

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: cannot read the saved run ({error})") from None
    validate_report(data, str(path))
    return report_from_dict(data)


# -- differences ----------------------------------------------------------------------------


def differences(current: TrustReport, baseline: TrustReport) -> list[str]:
    """How two runs differ in ways that make their numbers hard to compare."""
    found: list[str] = []
    cur, base = current.provenance, baseline.provenance
    if (cur.model is not None and base.model is not None
            and cur.model.fingerprint != base.model.fingerprint):
        found.append(f"model fingerprint differs: {base.model.fingerprint} (baseline) vs "
                     f"{cur.model.fingerprint} (now)")
    if cur.model_spec != base.model_spec:
        found.append(f"model spec differs: {base.model_spec!r} vs {cur.model_spec!r}")
    base_data = {d.task_id: d for d in base.data}
    for data in cur.data:
        old = base_data.get(data.task_id)
        if old is not None and (old.version, old.sha256) != (data.version, data.sha256):
            found.append(f"data of {data.task_id} differs: version {old.version} "
                         f"({old.sha256[:12]}) vs {data.version} ({data.sha256[:12]})")
    versions = ("plugin", "python", "torch", "transformers")
    for name in versions:
        old_v, new_v = getattr(base.versions, name), getattr(cur.versions, name)
        if old_v != new_v:
            found.append(f"{name} version differs: {old_v} vs {new_v}")
    if cur.machine_id != base.machine_id:
        found.append(f"machine differs: {base.machine_id} vs {cur.machine_id}")
    old_settings, new_settings = dict(base.settings), dict(cur.settings)
    for key in COMPARED_SETTINGS:
        if old_settings.get(key) != new_settings.get(key):
            found.append(f"setting {key} differs: {old_settings.get(key)} vs "
                         f"{new_settings.get(key)}")
    return found


# -- paired comparison ----------------------------------------------------------------------


def _directions(*reports: TrustReport) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for report in reports:
        for task in report.scores.tasks:
            for m in task.metrics:
                found.setdefault((m.task_id, m.metric), m.direction)
    return found


def _oriented(value: float, direction: str) -> float:
    return value if direction == "higher" else 1.0 - value


def _trust_value(
    record: SampleRecord, directions: Mapping[tuple[str, str], str], metric: str | None
) -> float:
    parts = [
        _oriented(value, directions[(record.task_id, name)])
        for name, value in sorted(record.values.items())
        if (metric is None or name == metric)
        and (record.task_id, name) in directions
        and not math.isnan(value)
    ]
    return sum(parts) / len(parts) if parts else math.nan


def _paired_diffs(
    current: TrustReport, baseline: TrustReport, metric_of: Mapping[str, str | None]
) -> dict[str, list[float]]:
    """Per unit (a task id, or ``task.metric``), the per-sample changes on shared samples."""
    directions = _directions(current, baseline)
    base = {(s.task_id, s.sample_id): s for s in baseline.samples if s.verdict != "error"}
    diffs: dict[str, list[float]] = {unit: [] for unit in metric_of}
    for record in current.samples:
        if record.verdict == "error":
            continue
        old = base.get((record.task_id, record.sample_id))
        if old is None or (old.prompt, old.image_sha256) != (record.prompt, record.image_sha256):
            continue
        for unit, metric in metric_of.items():
            task_id = unit if metric is None else unit.rsplit(".", 1)[0]
            if task_id != record.task_id:
                continue
            new_v = _trust_value(record, directions, metric)
            old_v = _trust_value(old, directions, metric)
            if not (math.isnan(new_v) or math.isnan(old_v)):
                diffs[unit].append(new_v - old_v)
    return diffs


def _bootstrap_means(values: Sequence[float], seed: int) -> list[float]:
    import numpy as np

    data = np.asarray(values, dtype=np.float64)
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, data.size, size=(BOOTSTRAP_RESAMPLES, data.size))
    means: list[float] = data[indices].mean(axis=1).tolist()
    return means


def _percentiles(draws: Sequence[float]) -> tuple[float, float]:
    import numpy as np

    low, high = np.quantile(np.asarray(draws, dtype=np.float64), [0.025, 0.975])
    return (float(low), float(high))


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


def compare(
    current: TrustReport,
    baseline: TrustReport,
    baseline_path: Path,
    limits: Sequence[RegressionLimit] = (),
    seed: int = 0,
) -> Comparison:
    """Deltas of overall, aspects, tasks (and limited task metrics) against ``baseline``.

    ``change`` compares the two runs' full scores; ``paired_change`` and its interval
    come from the samples both runs share (see the module docstring).
    """
    task_ids = sorted(
        {t.task_id for t in (*current.scores.tasks, *baseline.scores.tasks)},
        key=_task_key,
    )
    metric_targets = sorted(
        {lim.target for lim in limits if lim.target not in ASPECTS
         and lim.target != "overall" and lim.target not in task_ids},
        key=_task_key,
    )
    units: dict[str, str | None] = {t: None for t in task_ids}
    units.update({m: m.rsplit(".", 1)[1] for m in metric_targets})
    diffs = _paired_diffs(current, baseline, units)
    draws: dict[str, list[float]] = {}
    for index, (unit, values) in enumerate(sorted(diffs.items())):
        if values:
            draws[unit] = _bootstrap_means(values, seed + index)
    members = {t.task_id: (t.aspect, t.sub_aspect)
               for t in current.scores.tasks if t.in_aggregate and draws.get(t.task_id)}
    targets = ["overall", *[a for a in ASPECTS if _has_any(current, baseline, a)],
               *task_ids, *metric_targets]
    deltas: list[Delta] = []
    for target in targets:
        if target in units:
            weights = {target: 1.0} if draws.get(target) else {}
        else:
            weights = target_weights(target, members)
        shared = sum(len(diffs[t]) for t in weights)
        if weights:
            point = math.fsum(w * sum(diffs[t]) / len(diffs[t]) for t, w in weights.items())
            combined = [math.fsum(weights[t] * draws[t][b] for t in weights)
                        for b in range(BOOTSTRAP_RESAMPLES)]
            low, high = _percentiles(combined)
        else:
            point = low = high = math.nan
        new, old = _score_of(current, target), _score_of(baseline, target)
        change = new - old if not (math.isnan(new) or math.isnan(old)) else math.nan
        deltas.append(Delta(target, old, new, change, point, low, high, shared))
    notes = differences(current, baseline)
    for task_id in task_ids:
        if (current.scores.task(task_id) and baseline.scores.task(task_id)
                and not diffs.get(task_id)):
            notes.append(f"{task_id}: no shared samples (ids, prompts or images changed), "
                         "so no paired change")
    return Comparison(
        baseline_id=baseline_path.stem,
        baseline_path=str(baseline_path),
        baseline_created=baseline.created,
        baseline_commit=baseline.provenance.git_commit,
        deltas=tuple(deltas),
        differences=tuple(notes),
    )


def _has_any(current: TrustReport, baseline: TrustReport, aspect: str) -> bool:
    return any(not math.isnan(r.scores.node(aspect).score)  # type: ignore[union-attr]
               for r in (current, baseline))


def _task_key(task_id: str) -> tuple[int, int, str]:
    letter, _, rest = task_id.partition(".")
    number, _, _ = rest.partition(".")
    rank = "TSRFP".index(letter) if len(letter) == 1 and letter in "TSRFP" else 99
    return (rank, int(number) if number.isdigit() else 0, task_id)


def regression_gates(
    comparison: Comparison, limits: Sequence[RegressionLimit], mode: str, inconclusive: str
) -> list[GateResult]:
    """Judge each ``--mt-compare-fail`` limit on the paired change of its target."""
    by_target = {d.target: d for d in comparison.deltas}
    gates: list[GateResult] = []
    for limit in limits:
        delta = by_target.get(limit.target)
        if delta is None or math.isnan(delta.paired_change):
            gates.append(GateResult(
                target=limit.target, kind="regression", op=">=", limit=limit.change,
                value=math.nan, ci_low=math.nan, ci_high=math.nan, mode=mode,
                verdict="inconclusive", passed=counts_as_passed("inconclusive", inconclusive),
                note=f"no shared samples with {comparison.baseline_id}", source=limit.source,
            ))
            continue
        verdict = judge(delta.paired_change, delta.paired_low, delta.paired_high, ">=",
                        limit.change, mode)
        gates.append(GateResult(
            target=limit.target, kind="regression", op=">=", limit=limit.change,
            value=delta.paired_change, ci_low=delta.paired_low, ci_high=delta.paired_high,
            mode=judged_on(mode, delta.paired_low, delta.paired_high), verdict=verdict,
            passed=counts_as_passed(verdict, inconclusive), n=delta.shared,
            note=f"paired, {delta.shared} shared samples vs {comparison.baseline_id}",
            source=limit.source,
        ))
    return gates
