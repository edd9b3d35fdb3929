"""The trust report as typed records, and their JSON form (``report.json``).

:class:`TrustReport` is what every renderer reads (terminal card, JSON, HTML, Markdown)
and what ``pytest_multitrust_update_report`` implementations may change. Its JSON form
carries ``schema_version`` and is checked against ``report.schema.json`` (shipped in
the package); :func:`report_from_dict` reads it back, e.g. for baselines.

NaN (nothing counted, no interval) is written as ``null`` and read back as NaN.

The JSON form, the reading back and the schema all follow the records below and
:data:`REPORT_SHAPES` (what the JSON needs beyond the fields: nested groups, computed
members, key order, bounds) through one :class:`~pytest_multitrust.typedjson.Codec`,
:data:`REPORT`; ``python -m pytest_multitrust.report.schema --write`` regenerates the
shipped schema after a record, its shape or a field comment changed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_multitrust.records import OPS, RECORD_SHAPES, SampleRecord
from pytest_multitrust.report.crossmodal import CrossModalEffect
from pytest_multitrust.report.gates import GateResult
from pytest_multitrust.report.scores import ScoreNode, Scores, TaskScore
from pytest_multitrust.tasks.comparability import Comparability
from pytest_multitrust.tasks.manifest import DataVersion
from pytest_multitrust.typedjson import Codec, Computed, Member, Shape

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_multitrust.models.base import ModelInfo
    from pytest_multitrust.progress import ProgressEvent

__all__ = [
    "REPORT",
    "REPORT_SHAPES",
    "SCHEMA_VERSION",
    "TIMING_PROPERTY",
    "Comparison",
    "CrossModalEffect",
    "DataVersion",
    "Delta",
    "ModelFacts",
    "Provenance",
    "RunStatus",
    "SettingValue",
    "TaskTiming",
    "TrustReport",
    "Versions",
    "WorkerFacts",
    "report_from_dict",
    "report_to_dict",
    "sample_to_dict",
]

#: Version of the report.json layout; bump the major part on incompatible changes.
SCHEMA_VERSION = "1.3"  # 1.1: typed settings (were all text); 1.2: crossmodal; 1.3: timings

#: The ``user_properties`` key of the :class:`TaskTiming` a task's first test carries (JSON).
TIMING_PROPERTY = "multitrust.timing"

#: A setting's value in the report: numbers, flags and None keep their type; paths and
#: specs are text; sequences (tasks, thresholds as written) tuples of text.
SettingValue = str | int | float | bool | None | tuple[str, ...]


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
        return REPORT.encode(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelFacts:
        """Read :meth:`to_dict` output."""
        return REPORT.decode(cls, data)


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
        return REPORT.encode(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorkerFacts:
        """Read :meth:`to_dict` output."""
        return REPORT.decode(cls, data)


@dataclass(frozen=True)
class TaskTiming:
    """Where one task's time went: its work, done once in the setup of its first test.

    A task split into shards under xdist (``--mt-shards``) has one timing per shard, each
    from the worker that ran it.
    """

    task_id: str  # e.g. "R.4"
    worker: str  # the process that ran it: xdist worker id ("gw0"), or "main"
    setup_s: float  # wall seconds of the task's work (everything below, drawing, scoring)
    load_s: float  # model and judge loads that ran meanwhile (the first task to need the
    # model pays its load), seconds
    attack_s: float  # attacking the task's images (a load the attacks needed included)
    generation_s: float  # generating its answers, from the response cache's lookup to the
    # last batch (cached answers cost nothing here; the model load before it is in load_s)
    judge_s: float  # asking the judge for its verdicts

    @classmethod
    def from_steps(
        cls, task_id: str, worker: str, setup_s: float, steps: Sequence[ProgressEvent]
    ) -> TaskTiming:
        """The timing of a task from the steps that finished during its work.

        A step counts for the task when it was done for it (its label is the task's id);
        model and judge loads count whatever they were loaded for.

        Example:
            >>> from pytest_multitrust.progress import ProgressEvent
            >>> steps = [
            ...     ProgressEvent("model load", "hf:x", 0, 0, "", 3.0, True),
            ...     ProgressEvent("attack", "R.4", 8, 8, "images", 2.0, True),
            ...     ProgressEvent("generation", "R.4", 8, 8, "answers", 4.0, True),
            ...     ProgressEvent("generation", "R.5", 8, 8, "answers", 9.0, True),
            ... ]
            >>> timing = TaskTiming.from_steps("R.4", "gw0", 9.5, steps)
            >>> timing.load_s, timing.attack_s, timing.generation_s, timing.judge_s
            (3.0, 2.0, 4.0, 0.0)
        """

        def seconds(step: str, label: str | None = task_id) -> float:
            return math.fsum(
                e.elapsed_s
                for e in steps
                if e.finished and e.step == step and (label is None or e.label == label)
            )

        return cls(
            task_id=task_id,
            worker=worker,
            setup_s=max(0.0, setup_s),
            load_s=seconds("model load", None) + seconds("judge load", None),
            attack_s=seconds("attack"),
            generation_s=seconds("generation"),
            judge_s=seconds("judge"),
        )

    def describe(self) -> str:
        """The timing as one line of text.

        Example:
            >>> TaskTiming("R.4", "gw0", 9.5, 3.0, 2.0, 4.0, 0.0).describe()
            '9.5 s on gw0: load 3.0 s, attack 2.0 s, generation 4.0 s, judge 0.0 s'
        """
        return (
            f"{self.setup_s:.1f} s on {self.worker}: load {self.load_s:.1f} s, attack "
            f"{self.attack_s:.1f} s, generation {self.generation_s:.1f} s, judge "
            f"{self.judge_s:.1f} s"
        )

    def to_json(self) -> str:
        """The timing as one line of JSON (how a test's ``user_properties`` carry it)."""
        import json

        return json.dumps(REPORT.encode(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TaskTiming:
        """Read :meth:`to_json`'s text back.

        Raises:
            KeyError, TypeError, ValueError: for anything else.
        """
        import json

        return REPORT.decode(cls, json.loads(text))


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
    settings: tuple[tuple[str, SettingValue], ...]  # every setting, Settings order: numbers,
    # flags, None when unset, text (paths, specs), text tuples (tasks, thresholds as written)
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
    crossmodal: tuple[CrossModalEffect, ...] = field(default=())  # image vs text-only, paired
    timings: tuple[TaskTiming, ...] = field(default=())  # per task that ran: where its time
    # went, paper order

    @property
    def failed_gates(self) -> list[GateResult]:
        """Gates that make the run fail (metric gates fail their threshold tests instead)."""
        return [g for g in self.gates if g.kind != "metric" and not g.passed]


# -- JSON -----------------------------------------------------------------------------------


def _run_partial(status: RunStatus, report: TrustReport) -> bool:
    return report.scores.overall.partial or status.interrupted


def _counts(report: TrustReport, _outer: object) -> dict[str, int]:
    counts = {"pass": 0, "miss": 0, "error": 0}
    for sample in report.samples:
        counts[sample.verdict] = counts.get(sample.verdict, 0) + 1
    return counts


_COUNT = Member(minimum=0)
_SECONDS = Member(finite=True, minimum=0)
_TIME = Member(group="timings", format="date-time")
_TIMING = Member(group="timings", finite=True, minimum=0)

#: The JSON form of the report's records beyond their fields (with :data:`RECORD_SHAPES`).
REPORT_SHAPES: dict[type, Shape] = {
    **RECORD_SHAPES,
    TrustReport: Shape(
        members={
            "schema_version": Member(pattern="^1\\.[0-9]+$"),
            "created": Member(format="date-time"),
            "comparability": Member(optional=True),
            "crossmodal": Member(optional=True),
            "timings": Member(optional=True),
        },
        computed=(
            Computed(
                "counts",
                dict[str, int],
                _counts,
                "samples per verdict (pass, miss and error always present)",
                after="comparison",
                member=Member(minimum=0, required_keys=("pass", "miss", "error")),
            ),
        ),
        order=(
            "schema_version",
            "created",
            "status",
            "provenance",
            "scores",
            "gates",
            "comparison",
            "counts",
            "samples",
            "extra",
            "comparability",
            "crossmodal",
            "timings",
        ),
    ),
    RunStatus: Shape(
        computed=(
            Computed(
                "partial",
                bool,
                _run_partial,
                "a paper task of the overall score is missing, or the run was cut short",
                after="crashed_workers",
            ),
        )
    ),
    Provenance: Shape(
        members={
            "git_commit": Member(key="commit", group="git", pattern="^[0-9a-f]{7,64}$"),
            "git_dirty": Member(key="dirty", group="git"),
            "started": _TIME,
            "finished": _TIME,
            "duration_s": _TIMING,
            "model_load_s": _TIMING,
            "generation_s": _TIMING,
        },
        nullable_groups=("git",),
    ),
    DataVersion: Shape(members={"sha256": Member(pattern="^[0-9a-f]{64}$"), "samples": _COUNT}),
    ModelFacts: Shape(ref="model"),
    WorkerFacts: Shape(
        members={"load_s": _SECONDS, "cuda_visible_devices": Member(optional=True)},
        ref="worker",
    ),
    Scores: Shape(
        members={
            "aspects": Member(min_items=5, max_items=5),
            "sub_aspects": Member(min_items=10, max_items=10),
        },
        order=("overall", "aspects", "sub_aspects", "tasks"),
    ),
    ScoreNode: Shape(
        members={"level": Member(enum=("sub_aspect", "aspect", "overall")), "n": _COUNT},
        computed=(
            Computed(
                "partial",
                bool,
                lambda node, _: node.partial,
                "some of the node's paper tasks are missing",
                after="missing",
            ),
        ),
        ref="node",
    ),
    TaskScore: Shape(members={"n": _COUNT, "errors": _COUNT}, ref="task"),
    GateResult: Shape(
        members={
            "op": Member(enum=OPS),
            "limit": Member(finite=True),
            "mode": Member(enum=("interval", "point")),
            "n": _COUNT,
        },
        computed=(
            Computed(
                "label",
                str,
                lambda gate, _: gate.label,
                "the gate as written: safety >= 0.8 or safety: change >= -0.02",
                after="kind",
            ),
        ),
        ref="gate",
    ),
    Comparison: Shape(),
    Delta: Shape(members={"shared": _COUNT}, ref="delta"),
    Versions: Shape(),
    TaskTiming: Shape(
        members={
            "setup_s": _SECONDS,
            "load_s": _SECONDS,
            "attack_s": _SECONDS,
            "generation_s": _SECONDS,
            "judge_s": _SECONDS,
        },
        ref="task_timing",
    ),
    Comparability: Shape(),
    CrossModalEffect: Shape(
        members={
            "direction": Member(enum=("higher", "lower")),
            "relevance": Member(enum=("relevant", "irrelevant")),
            "test": Member(enum=("mcnemar", "bootstrap")),
            "pairs": _COUNT,
            "worse_pairs": _COUNT,
            "better_pairs": _COUNT,
        },
        ref="crossmodal_effect",
    ),
}

#: Encodes, decodes and describes ``report.json`` (:class:`TrustReport` and what it holds).
REPORT = Codec(REPORT_SHAPES)


def sample_to_dict(s: SampleRecord) -> dict[str, Any]:
    """JSON form of a sample record: its own record JSON (keys sorted, NaN values as null)."""
    return REPORT.encode(s)


def report_to_dict(report: TrustReport) -> dict[str, Any]:
    """The JSON document of a report (what ``report.json`` holds)."""
    return REPORT.encode(report)


def report_from_dict(data: dict[str, Any]) -> TrustReport:
    """Read a report document back (validate it against the schema first).

    Raises:
        KeyError, TypeError, ValueError: for a document that does not follow the schema.
    """
    return REPORT.decode(TrustReport, data)
