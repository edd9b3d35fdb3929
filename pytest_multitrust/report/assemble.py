"""Assembling a :class:`~pytest_multitrust.report.model.TrustReport` on the controller.

Provenance (versions read from package metadata — torch is never imported for its
version —, git commit, data manifest entries, settings) and the run's scores and gates.
"""

from __future__ import annotations

import math
import platform
import subprocess
from dataclasses import fields
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from pytest_multitrust.models.redact import redact_spec
from pytest_multitrust.report.crossmodal import crossmodal_effects, crossmodal_gates
from pytest_multitrust.report.gates import metric_gate, score_gates, unselected_thresholds
from pytest_multitrust.report.model import (
    SCHEMA_VERSION,
    DataVersion,
    Provenance,
    RunStatus,
    SettingValue,
    TrustReport,
    Versions,
)
from pytest_multitrust.report.scores import aggregate

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from pytest_multitrust.records import MetricResult, SampleRecord
    from pytest_multitrust.report.gates import GateResult
    from pytest_multitrust.report.model import TaskTiming, WorkerFacts
    from pytest_multitrust.settings import Settings
    from pytest_multitrust.tasks.base import TaskSpec
    from pytest_multitrust.tasks.comparability import Comparability

__all__ = [
    "build_report",
    "data_versions",
    "git_info",
    "iso",
    "package_versions",
    "setting_text",
    "settings_items",
]


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, to the second: ``2026-11-23T10:15:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dist_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def package_versions() -> Versions:
    """Versions of the plugin, Python and the packages that shape the numbers."""
    return Versions(
        plugin=_dist_version("pytest-multitrust") or "unknown",
        python=platform.python_version(),
        pytest=_dist_version("pytest"),
        xdist=_dist_version("pytest-xdist"),
        torch=_dist_version("torch"),
        transformers=_dist_version("transformers"),
    )


def git_info(root: Path) -> tuple[str | None, bool | None]:
    """``(commit, dirty)`` of the git repository holding ``root``; ``(None, None)`` outside."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if commit.returncode != 0:
            return (None, None)
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return (None, None)
    dirty = bool(status.stdout.strip()) if status.returncode == 0 else None
    return (commit.stdout.strip(), dirty)


def data_versions(tasks: Sequence[TaskSpec]) -> tuple[DataVersion, ...]:
    """The manifest entry of each selected task's data file (tasks with a loader have none)."""
    from pytest_multitrust.errors import DataError
    from pytest_multitrust.tasks.manifest import load_manifest

    found: list[DataVersion] = []
    try:
        manifest = load_manifest()
    except DataError:
        return ()
    for task in tasks:
        entry = manifest.get(task.data) if task.data and task.loader is None else None
        if entry is not None:
            found.append(
                DataVersion(
                    task_id=task.id,
                    path=entry.path,
                    version=entry.version,
                    sha256=entry.sha256,
                    samples=entry.samples,
                )
            )
    return tuple(found)


#: A setting's value in ``report.json``: typed JSON (paths as text, lists of text).
def settings_items(settings: Settings) -> tuple[tuple[str, SettingValue], ...]:
    """Every setting as ``(name, typed value)``, in :class:`Settings` field order.

    Numbers, flags and ``None`` keep their type; paths are text; thresholds and
    ``--mt-compare-fail`` limits are their expressions as written, and other sequences
    tuples of text. Credentials in URLs (an ``openai:`` spec of ``--mllm`` or
    ``--mt-judge``) are masked.
    """
    items: list[tuple[str, SettingValue]] = []
    for f in fields(settings):
        value = getattr(settings, f.name)
        typed: SettingValue
        if f.name == "thresholds":
            typed = tuple(redact_spec(t.source or f"{t.target}{t.op}{t.value:g}") for t in value)
        elif f.name == "compare_fail":
            typed = tuple(redact_spec(lim.source) for lim in value)
        elif isinstance(value, tuple):
            typed = tuple(redact_spec(str(v)) for v in value)
        elif value is None or isinstance(value, bool | int | float):
            typed = value
        else:
            typed = redact_spec(str(value))
        items.append((f.name, typed))
    return tuple(items)


def setting_text(value: object) -> str:
    """A setting's value as text (how it read before settings were typed, for comparing).

    >>> setting_text(("T.1", "S.4")), setting_text(None), setting_text(0), setting_text("0")
    ('T.1,S.4', '', '0', '0')
    """
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)


def _device(workers: Sequence[WorkerFacts]) -> str:
    devices = sorted({w.model.device for w in workers if w.model is not None})
    return ",".join(devices) if devices else "unknown"


def build_report(
    *,
    settings: Settings,
    tasks: Sequence[TaskSpec],
    metrics: Sequence[MetricResult],
    samples: Sequence[SampleRecord],
    workers: Sequence[WorkerFacts],
    started: datetime,
    finished: datetime,
    root: Path,
    machine: str,
    exit_status: int,
    interrupted: bool,
    reason: str,
    data: Sequence[DataVersion] | None = None,
    notes: Sequence[tuple[str, str]] = (),
    timings: Sequence[TaskTiming] = (),
    custom: Mapping[str, tuple[str, str]] | None = None,
) -> TrustReport:
    """Scores, gates (aspect/overall and task metrics), cross-modal impact and provenance.

    The comparison with a baseline and its regression gates are added by the caller.
    ``data`` replaces the built-in data entries of the provenance (``--mt-data=official``);
    ``notes`` go to the report's ``extra``; ``timings`` (one per task that ran; under
    ``--mt-shards`` one per shard of a split task) are put in paper order. ``custom``:
    the custom trust-test tasks collected in this process (task id → (aspect,
    sub-aspect)); they and the selected ``tasks`` count in the scores' ``partial: k of n
    tasks`` whether they reported or not.
    """
    specs = {t.id: t for t in tasks}

    def in_score(task_id: str, metric: str) -> bool:
        spec = specs.get(task_id)
        if spec is None:
            return True
        try:
            return spec.metric(metric).in_score
        except KeyError:
            return True

    expected = {t.id: (t.aspect, t.sub_aspect) for t in tasks}
    scores = aggregate(metrics, in_score, {**expected, **(custom or {})})
    gates: list[GateResult] = score_gates(
        scores,
        settings.thresholds,
        settings.gate_mode,
        settings.inconclusive,
        settings.task_ids or None,
        {t.aspect for t in tasks},
    )
    gates += [metric_gate(m) for t in scores.tasks for m in t.metrics]
    reported = {m.task_id for m in metrics}
    order = {t.id: i for i, t in enumerate(tasks)}
    ordered_samples = sorted(samples, key=lambda s: (order.get(s.task_id, len(order)), s.task_id))
    effects = crossmodal_effects(
        ordered_samples,
        {t.id: [(m.name, m.direction) for m in t.metrics if m.in_score] for t in tasks},
        settings.seed,
    )
    skipped = set(
        unselected_thresholds(
            settings.thresholds, settings.task_ids or None, {t.aspect for t in tasks}
        )
    )
    gates += crossmodal_gates(
        effects, [t for t in settings.thresholds if t not in skipped], settings.inconclusive
    )
    commit, dirty = git_info(root)
    model = next((w.model for w in workers if w.model is not None), None)
    prov = Provenance(
        versions=package_versions(),
        platform=platform.platform(),
        machine_id=machine,
        model_spec=redact_spec(settings.mllm or ""),
        model=model,
        device=_device(workers),
        workers=tuple(sorted(workers, key=lambda w: w.worker)),
        settings=settings_items(settings),
        data=data_versions(tasks) if data is None else tuple(data),
        git_commit=commit,
        git_dirty=dirty,
        started=iso(started),
        finished=iso(finished),
        duration_s=max(0.0, (finished - started).total_seconds()),
        model_load_s=max((w.load_s for w in workers), default=0.0),
        generation_s=math.fsum(s.latency_s for s in samples if not s.cached),
    )
    status = RunStatus(
        exit_status=exit_status,
        interrupted=interrupted,
        reason=reason,
        missing_tasks=tuple(t.id for t in tasks if t.id not in reported),
        crashed_workers=tuple(sorted(w.worker for w in workers if w.crashed)),
    )
    return TrustReport(
        schema_version=SCHEMA_VERSION,
        created=iso(finished),
        provenance=prov,
        status=status,
        scores=scores,
        gates=tuple(gates),
        comparison=None,
        samples=tuple(ordered_samples),
        extra=tuple(notes),
        comparability=_comparability(settings, tasks, data),
        crossmodal=effects,
        timings=tuple(sorted(timings, key=lambda t: (order.get(t.task_id, len(order)), t.task_id))),
    )


def _comparability(
    settings: Settings, tasks: Sequence[TaskSpec], data: Sequence[DataVersion] | None
) -> tuple[Comparability, ...]:
    """The comparability label of every selected paper task (custom tasks have none)."""
    from pytest_multitrust.tasks.comparability import comparability

    official = {d.task_id for d in data or () if d.version == "official"}
    found = (
        comparability(
            t.id, rules=settings.rules, judge=settings.judge is not None, official=t.id in official
        )
        for t in tasks
    )
    return tuple(c for c in found if c is not None)
