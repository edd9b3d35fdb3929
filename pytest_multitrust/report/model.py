"""The trust report as typed records, and their JSON form (``report.json``).

:class:`TrustReport` is what every renderer reads (terminal card, JSON, HTML, Markdown)
and what ``pytest_multitrust_update_report`` implementations may change. Its JSON form
carries ``schema_version`` and is checked against ``report.schema.json`` (shipped in
the package); :func:`report_from_dict` reads it back, e.g. for baselines.

NaN (nothing counted, no interval) is written as ``null`` and read back as NaN.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_multitrust.records import MetricResult, SampleRecord
from pytest_multitrust.report.gates import GateResult
from pytest_multitrust.report.scores import ScoreNode, Scores, TaskScore
from pytest_multitrust.tasks.comparability import Comparability
from pytest_multitrust.tasks.manifest import DataVersion

if TYPE_CHECKING:
    from pytest_multitrust.models.base import ModelInfo
    from pytest_multitrust.report.assemble import SettingValue

__all__ = [
    "SCHEMA_VERSION",
    "Comparison",
    "DataVersion",
    "Delta",
    "ModelFacts",
    "Provenance",
    "RunStatus",
    "TrustReport",
    "Versions",
    "WorkerFacts",
    "report_from_dict",
    "report_to_dict",
]

#: Version of the report.json layout; bump the major part on incompatible changes.
SCHEMA_VERSION = "1.1"  # 1.1: settings hold typed values (were all text)


def _num(value: float) -> float | None:
    return None if math.isnan(value) else value


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class ModelFacts:
    """The model under test as a worker loaded it."""

    spec: str  # the --mllm value
    backend: str  # "hf", "openai", "scripted", "py", ...
    name: str  # human-readable name
    fingerprint: str  # content hash of weights, processor, template and dtype
    device: str  # where it ran, e.g. "cuda:0", "cpu", "n/a"
    dtype: str  # torch dtype name or "n/a"

    @classmethod
    def from_info(cls, info: ModelInfo) -> ModelFacts:
        """The facts of a loaded model's :class:`~pytest_multitrust.ModelInfo`."""
        return cls(
            spec=info.spec,
            backend=info.backend,
            name=info.name,
            fingerprint=info.fingerprint,
            device=info.device,
            dtype=info.dtype,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "spec": self.spec,
            "backend": self.backend,
            "name": self.name,
            "fingerprint": self.fingerprint,
            "device": self.device,
            "dtype": self.dtype,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelFacts:
        """Read :meth:`to_dict` output."""
        return cls(
            **{
                k: str(data[k])
                for k in ("spec", "backend", "name", "fingerprint", "device", "dtype")
            }
        )


@dataclass(frozen=True)
class WorkerFacts:
    """What one process that ran trust tests reports about itself (``workeroutput``)."""

    worker: str  # xdist worker id ("gw0"), or "main" without xdist
    model: ModelFacts | None  # None when the model was never loaded there
    load_s: float  # seconds the model load took (0 when not loaded)
    peak_rss_mb: float | None  # peak resident memory of the process, MiB (None: unknown)
    peak_gpu_mb: float | None = None  # peak CUDA memory allocated, MiB (None: no CUDA)
    crashed: bool = False  # the worker went down with an error (set on the controller)
    cuda_visible_devices: str | None = None  # the process's CUDA_VISIBLE_DEVICES; None: unset

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "worker": self.worker,
            "model": None if self.model is None else self.model.to_dict(),
            "load_s": self.load_s,
            "peak_rss_mb": self.peak_rss_mb,
            "peak_gpu_mb": self.peak_gpu_mb,
            "crashed": self.crashed,
            "cuda_visible_devices": self.cuda_visible_devices,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorkerFacts:
        """Read :meth:`to_dict` output."""
        model = data.get("model")
        return cls(
            worker=str(data["worker"]),
            model=None if model is None else ModelFacts.from_dict(model),
            load_s=float(data.get("load_s", 0.0)),
            peak_rss_mb=_opt_float(data.get("peak_rss_mb")),
            peak_gpu_mb=_opt_float(data.get("peak_gpu_mb")),
            crashed=bool(data.get("crashed", False)),
            cuda_visible_devices=_opt_str(data.get("cuda_visible_devices")),
        )


@dataclass(frozen=True)
class Versions:
    """Versions of what produced the numbers (None: not installed)."""

    plugin: str  # pytest-multitrust
    python: str  # e.g. "3.11.7"
    pytest: str | None  # pytest
    xdist: str | None  # pytest-xdist
    torch: str | None  # torch (read from metadata; torch is not imported for it)
    transformers: str | None  # transformers


@dataclass(frozen=True)
class Provenance:
    """Where the numbers come from: versions, model, machine, settings, data, commit, time."""

    versions: Versions  # package versions
    platform: str  # platform.platform()
    machine_id: str  # "<system>-<implementation>-<python>-<bits>bit", as baselines use
    model_spec: str  # the --mllm value
    model: ModelFacts | None  # the loaded model (None when no worker loaded it)
    device: str  # where the model ran ("cpu", "cuda:0", "cuda:0,cuda:1", "n/a", "unknown")
    workers: tuple[WorkerFacts, ...]  # one per process that reported, by worker id
    settings: tuple[tuple[str, SettingValue], ...]  # (setting, typed value), Settings order
    data: tuple[DataVersion, ...]  # data files of the selected tasks, paper order
    git_commit: str | None  # commit of the suite's repository (None outside git)
    git_dirty: bool | None  # uncommitted changes to tracked files (None outside git)
    started: str  # ISO 8601 UTC time the session started
    finished: str  # ISO 8601 UTC time the report was made
    duration_s: float  # wall time of the session, seconds
    model_load_s: float  # longest model load over the workers, seconds
    generation_s: float  # model time summed over the answers generated in this run (cached
    # answers excluded), seconds; concurrent requests and workers overlap, so it can exceed
    # the wall time


@dataclass(frozen=True)
class RunStatus:
    """How complete the run was."""

    exit_status: int  # pytest's exit status after the gates
    interrupted: bool  # Ctrl-C, -x/--maxfail stop, or a worker crash cut the run short
    reason: str  # why it was cut short ("" when it was not)
    missing_tasks: tuple[str, ...]  # selected tasks whose metrics never arrived
    crashed_workers: tuple[str, ...]  # xdist workers that went down with an error


@dataclass(frozen=True)
class Delta:
    """The change of one score against the baseline."""

    target: str  # "overall", "safety", "S.4" or "S.4.rta"
    baseline: float  # the baseline's score (NaN when it has none)
    current: float  # this run's score (NaN when it has none)
    change: float  # current - baseline on the full runs (NaN when either is missing)
    paired_change: float  # change of the same score recomputed on the shared samples
    paired_low: float  # 95 % paired-bootstrap interval of paired_change (contains it), low
    paired_high: float  # ... high end
    shared: int  # samples both runs scored with the same prompt and image


@dataclass(frozen=True)
class Comparison:
    """This run against a saved baseline (``--mt-compare``)."""

    baseline_id: str  # the baseline file's stem, e.g. "0003_1a2b3c4d_20261123_101500"
    baseline_path: str  # where it was read from
    baseline_created: str  # when the baseline report was made (ISO 8601)
    baseline_commit: str | None  # the baseline's git commit
    deltas: tuple[Delta, ...]  # overall, aspects, then tasks and their metrics
    differences: tuple[str, ...]  # how the runs differ (model, data, environment)


@dataclass(frozen=True)
class TrustReport:
    """Everything the report renderers show."""

    schema_version: str  # SCHEMA_VERSION of the writer
    created: str  # ISO 8601 UTC time the report was made
    provenance: Provenance  # where the numbers come from
    status: RunStatus  # how complete the run was
    scores: Scores  # task, sub-aspect, aspect and overall scores
    gates: tuple[GateResult, ...]  # aspect/overall, regression and task-metric gates
    comparison: Comparison | None  # against --mt-compare's baseline
    samples: tuple[SampleRecord, ...]  # every per-sample record that arrived, paper order
    extra: tuple[tuple[str, str], ...] = field(default=())  # free (key, value) from hooks
    comparability: tuple[Comparability, ...] = field(default=())  # per paper task: label

    @property
    def failed_gates(self) -> list[GateResult]:
        """Gates that make the run fail (metric gates fail their threshold tests instead)."""
        return [g for g in self.gates if g.kind != "metric" and not g.passed]


# -- JSON -----------------------------------------------------------------------------------


def metric_to_dict(m: MetricResult) -> dict[str, Any]:
    """JSON form of a metric result: its own record JSON (NaN as null)."""
    data: dict[str, Any] = json.loads(m.to_json())
    return data


def metric_from_dict(d: dict[str, Any]) -> MetricResult:
    """Read :func:`metric_to_dict` output."""
    return MetricResult.from_json(json.dumps(d))


def sample_to_dict(s: SampleRecord) -> dict[str, Any]:
    """JSON form of a sample record: its own record JSON (NaN values as null)."""
    data: dict[str, Any] = json.loads(s.to_json())
    return data


def sample_from_dict(d: dict[str, Any]) -> SampleRecord:
    """Read :func:`sample_to_dict` output."""
    return SampleRecord.from_json(json.dumps(d))


def _node_to_dict(n: ScoreNode) -> dict[str, Any]:
    return {
        "level": n.level,
        "name": n.name,
        "score": _num(n.score),
        "ci_low": _num(n.ci_low),
        "ci_high": _num(n.ci_high),
        "tasks": list(n.tasks),
        "missing": list(n.missing),
        "partial": n.partial,
        "n": n.n,
    }


def _node_from_dict(d: dict[str, Any]) -> ScoreNode:
    return ScoreNode(
        level=d["level"],
        name=d["name"],
        score=_float(d["score"]),
        ci_low=_float(d["ci_low"]),
        ci_high=_float(d["ci_high"]),
        tasks=tuple(d["tasks"]),
        missing=tuple(d["missing"]),
        n=int(d["n"]),
    )


def _task_to_dict(t: TaskScore) -> dict[str, Any]:
    return {
        "task_id": t.task_id,
        "name": t.name,
        "aspect": t.aspect,
        "sub_aspect": t.sub_aspect,
        "score": _num(t.score),
        "ci_low": _num(t.ci_low),
        "ci_high": _num(t.ci_high),
        "n": t.n,
        "errors": t.errors,
        "in_aggregate": t.in_aggregate,
        "metrics": [metric_to_dict(m) for m in t.metrics],
    }


def _task_from_dict(d: dict[str, Any]) -> TaskScore:
    return TaskScore(
        task_id=d["task_id"],
        name=d["name"],
        aspect=d["aspect"],
        sub_aspect=d["sub_aspect"],
        score=_float(d["score"]),
        ci_low=_float(d["ci_low"]),
        ci_high=_float(d["ci_high"]),
        n=int(d["n"]),
        errors=int(d["errors"]),
        in_aggregate=bool(d["in_aggregate"]),
        metrics=tuple(metric_from_dict(m) for m in d["metrics"]),
    )


def _gate_to_dict(g: GateResult) -> dict[str, Any]:
    return {
        "target": g.target,
        "kind": g.kind,
        "label": g.label,
        "op": g.op,
        "limit": g.limit,
        "value": _num(g.value),
        "ci_low": _num(g.ci_low),
        "ci_high": _num(g.ci_high),
        "mode": g.mode,
        "verdict": g.verdict,
        "passed": g.passed,
        "n": g.n,
        "note": g.note,
        "source": g.source,
    }


def _gate_from_dict(d: dict[str, Any]) -> GateResult:
    return GateResult(
        target=d["target"],
        kind=d["kind"],
        op=d["op"],
        limit=float(d["limit"]),
        value=_float(d["value"]),
        ci_low=_float(d["ci_low"]),
        ci_high=_float(d["ci_high"]),
        mode=d["mode"],
        verdict=d["verdict"],
        passed=bool(d["passed"]),
        n=int(d["n"]),
        note=d["note"],
        source=d.get("source", ""),
    )


def _delta_to_dict(d: Delta) -> dict[str, Any]:
    return {
        "target": d.target,
        "baseline": _num(d.baseline),
        "current": _num(d.current),
        "change": _num(d.change),
        "paired_change": _num(d.paired_change),
        "paired_low": _num(d.paired_low),
        "paired_high": _num(d.paired_high),
        "shared": d.shared,
    }


def _delta_from_dict(d: dict[str, Any]) -> Delta:
    return Delta(
        target=d["target"],
        baseline=_float(d["baseline"]),
        current=_float(d["current"]),
        change=_float(d["change"]),
        paired_change=_float(d["paired_change"]),
        paired_low=_float(d["paired_low"]),
        paired_high=_float(d["paired_high"]),
        shared=int(d["shared"]),
    )


def _provenance_to_dict(p: Provenance) -> dict[str, Any]:
    v = p.versions
    return {
        "versions": {
            "plugin": v.plugin,
            "python": v.python,
            "pytest": v.pytest,
            "xdist": v.xdist,
            "torch": v.torch,
            "transformers": v.transformers,
        },
        "platform": p.platform,
        "machine_id": p.machine_id,
        "model_spec": p.model_spec,
        "model": None if p.model is None else p.model.to_dict(),
        "device": p.device,
        "workers": [w.to_dict() for w in p.workers],
        "settings": {k: list(v) if isinstance(v, tuple) else v for k, v in p.settings},
        "data": [
            {
                "task_id": d.task_id,
                "path": d.path,
                "version": d.version,
                "sha256": d.sha256,
                "samples": d.samples,
            }
            for d in p.data
        ],
        "git": None if p.git_commit is None else {"commit": p.git_commit, "dirty": p.git_dirty},
        "timings": {
            "started": p.started,
            "finished": p.finished,
            "duration_s": p.duration_s,
            "model_load_s": p.model_load_s,
            "generation_s": p.generation_s,
        },
    }


def _provenance_from_dict(d: dict[str, Any]) -> Provenance:
    v = d["versions"]
    git = d.get("git")
    t = d["timings"]
    return Provenance(
        versions=Versions(
            plugin=v["plugin"],
            python=v["python"],
            pytest=v.get("pytest"),
            xdist=v.get("xdist"),
            torch=v.get("torch"),
            transformers=v.get("transformers"),
        ),
        platform=d["platform"],
        machine_id=d["machine_id"],
        model_spec=d["model_spec"],
        model=None if d.get("model") is None else ModelFacts.from_dict(d["model"]),
        device=d["device"],
        workers=tuple(WorkerFacts.from_dict(w) for w in d.get("workers", ())),
        settings=tuple(
            (str(k), tuple(str(x) for x in val) if isinstance(val, list) else val)
            for k, val in d.get("settings", {}).items()
        ),
        data=tuple(
            DataVersion(
                task_id=x["task_id"],
                path=x["path"],
                version=x["version"],
                sha256=x["sha256"],
                samples=int(x["samples"]),
            )
            for x in d.get("data", ())
        ),
        git_commit=None if git is None else git["commit"],
        git_dirty=None if git is None else git.get("dirty"),
        started=t["started"],
        finished=t["finished"],
        duration_s=float(t["duration_s"]),
        model_load_s=float(t["model_load_s"]),
        generation_s=float(t["generation_s"]),
    )


def report_to_dict(report: TrustReport) -> dict[str, Any]:
    """The JSON document of a report (what ``report.json`` holds)."""
    s = report.status
    counts = {"pass": 0, "miss": 0, "error": 0}
    for sample in report.samples:
        counts[sample.verdict] = counts.get(sample.verdict, 0) + 1
    c = report.comparison
    return {
        "schema_version": report.schema_version,
        "created": report.created,
        "status": {
            "exit_status": s.exit_status,
            "interrupted": s.interrupted,
            "reason": s.reason,
            "missing_tasks": list(s.missing_tasks),
            "crashed_workers": list(s.crashed_workers),
            "partial": report.scores.overall.partial or s.interrupted,
        },
        "provenance": _provenance_to_dict(report.provenance),
        "scores": {
            "overall": _node_to_dict(report.scores.overall),
            "aspects": [_node_to_dict(n) for n in report.scores.aspects],
            "sub_aspects": [_node_to_dict(n) for n in report.scores.sub_aspects],
            "tasks": [_task_to_dict(t) for t in report.scores.tasks],
        },
        "gates": [_gate_to_dict(g) for g in report.gates],
        "comparison": None
        if c is None
        else {
            "baseline_id": c.baseline_id,
            "baseline_path": c.baseline_path,
            "baseline_created": c.baseline_created,
            "baseline_commit": c.baseline_commit,
            "deltas": [_delta_to_dict(d) for d in c.deltas],
            "differences": list(c.differences),
        },
        "counts": counts,
        "samples": [sample_to_dict(x) for x in report.samples],
        "extra": dict(report.extra),
        "comparability": [
            {"task_id": x.task_id, "label": x.label, "note": x.note} for x in report.comparability
        ],
    }


def report_from_dict(data: dict[str, Any]) -> TrustReport:
    """Read a report document back (validate it against the schema first).

    Raises:
        KeyError, TypeError, ValueError: for a document that does not follow the schema.
    """
    s = data["status"]
    scores = data["scores"]
    c = data.get("comparison")
    return TrustReport(
        schema_version=data["schema_version"],
        created=data["created"],
        provenance=_provenance_from_dict(data["provenance"]),
        status=RunStatus(
            exit_status=int(s["exit_status"]),
            interrupted=bool(s["interrupted"]),
            reason=s["reason"],
            missing_tasks=tuple(s["missing_tasks"]),
            crashed_workers=tuple(s["crashed_workers"]),
        ),
        scores=Scores(
            tasks=tuple(_task_from_dict(t) for t in scores["tasks"]),
            sub_aspects=tuple(_node_from_dict(n) for n in scores["sub_aspects"]),
            aspects=tuple(_node_from_dict(n) for n in scores["aspects"]),
            overall=_node_from_dict(scores["overall"]),
        ),
        gates=tuple(_gate_from_dict(g) for g in data["gates"]),
        comparison=None
        if c is None
        else Comparison(
            baseline_id=c["baseline_id"],
            baseline_path=c["baseline_path"],
            baseline_created=c["baseline_created"],
            baseline_commit=c.get("baseline_commit"),
            deltas=tuple(_delta_from_dict(d) for d in c["deltas"]),
            differences=tuple(c["differences"]),
        ),
        samples=tuple(sample_from_dict(x) for x in data["samples"]),
        extra=tuple((str(k), str(v)) for k, v in data.get("extra", {}).items()),
        comparability=tuple(
            Comparability(task_id=x["task_id"], label=x["label"], note=x["note"])
            for x in data.get("comparability", ())
        ),
    )
