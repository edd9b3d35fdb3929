"""Per-process facts for the report, and how an xdist worker sends them to the controller.

The model under test is loaded only where tests run: in each xdist worker, or in the
single process without xdist. :func:`worker_facts` describes that process (model info,
load time, peak memory); :class:`WorkerReporter` puts it, with the process's placement
(:class:`PlacementFacts`), in one :class:`WorkerRecord` on
``config.workeroutput[WORKER_OUTPUT_KEY]`` when a worker's session finishes, and the
controller's collector (:mod:`pytest_multitrust.report.collector`) reads it in
``pytest_testnodedown``.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

import pytest

from pytest_multitrust.report.model import ModelFacts, WorkerFacts

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from pytest_multitrust.engine.runner import ModelHolder

__all__ = [
    "PLACEMENT_KEY",
    "WORKER_OUTPUT_KEY",
    "PlacementFacts",
    "WorkerRecord",
    "WorkerReporter",
    "peak_rss_mb",
    "worker_facts",
]

#: ``workeroutput`` key of a worker's :class:`WorkerRecord` (JSON text).
WORKER_OUTPUT_KEY = "multitrust_worker"


@dataclass(frozen=True)
class PlacementFacts:
    """Where one worker (or the single process) ran, and what its response cache did."""

    worker_id: str  # xdist id ("gw0"), or "main" without xdist
    cuda_visible_devices: str | None  # the value this worker was given; None = untouched
    device: str = ""  # the model's device ("cuda:0", "cpu"); "" when no model loaded
    torch_threads: int = 0  # torch CPU threads set for this worker; 0 = left as it was
    cache_hits: int = 0  # responses served from the response cache
    cache_misses: int = 0  # cacheable responses not found in the cache
    cache_writes: int = 0  # responses written to the cache

    def to_json(self) -> str:
        """Serialise to one JSON string."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> PlacementFacts:
        """Parse :meth:`to_json` output (unknown keys are ignored).

        Raises:
            ValueError: when ``text`` is not such a record.
        """
        return cls.from_dict(json.loads(text), text)

    @classmethod
    def from_dict(cls, raw: object, text: str = "") -> PlacementFacts:
        """Read the JSON form (unknown keys are ignored); ``text`` names it in the error.

        Raises:
            ValueError: when ``raw`` is not such a record.
        """
        names = {f.name for f in fields(cls)}
        if not isinstance(raw, dict) or "worker_id" not in raw:
            raise ValueError(f"not a placement record: {(text or repr(raw))[:80]!r}")
        return cls(**{k: v for k, v in raw.items() if k in names})


#: Placement of every worker that reported (or of the single process), on the controller.
PLACEMENT_KEY = pytest.StashKey[list[PlacementFacts]]()


@dataclass(frozen=True)
class WorkerRecord:
    """All that one xdist worker sends the controller about itself, on one key."""

    facts: WorkerFacts  # model, load time, peak memory (the report's worker entry)
    placement: PlacementFacts  # devices, torch threads, response-cache counts
    # the custom trust-test tasks it collected: (task id, aspect, sub-aspect), reported or not
    custom_tasks: tuple[tuple[str, str, str], ...] = ()

    def to_json(self) -> str:
        """Serialise to one JSON string (what travels in ``workeroutput``)."""
        return json.dumps(
            {
                "facts": self.facts.to_dict(),
                "placement": asdict(self.placement),
                "custom_tasks": [list(t) for t in self.custom_tasks],
            }
        )

    @classmethod
    def from_json(cls, text: str) -> WorkerRecord:
        """Parse :meth:`to_json` output.

        Raises:
            ValueError: when ``text`` is not such a record.
        """
        raw = json.loads(text)
        if not isinstance(raw, dict) or not isinstance(raw.get("facts"), dict):
            raise ValueError(f"not a worker record: {text[:80]!r}")
        custom = raw.get("custom_tasks") or []
        if not all(isinstance(t, list) and len(t) == 3 for t in custom):
            raise ValueError(f"not a worker record (custom tasks): {text[:80]!r}")
        return cls(
            facts=WorkerFacts.from_dict(raw["facts"]),
            placement=PlacementFacts.from_dict(raw.get("placement")),
            custom_tasks=tuple((str(i), str(a), str(s)) for i, a, s in custom),
        )


def peak_rss_mb() -> float | None:
    """Peak resident memory of this process in MiB (None where the OS does not say)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    peak = float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    # Linux reports KiB, macOS bytes.
    return peak / (2**20) if sys.platform == "darwin" else peak / 1024.0


def _peak_gpu_mb() -> float | None:
    torch: Any = sys.modules.get("torch")  # never import torch just to ask
    if torch is None:
        return None
    try:
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            return float(torch.cuda.max_memory_allocated()) / 2**20
    except Exception:  # a broken CUDA setup must not break the report
        return None
    return None


def worker_facts(holder: ModelHolder, worker: str) -> WorkerFacts:
    """What this process knows: the loaded model (if any), load time, peak memory, GPUs."""
    # a re-run whose answers were all cached opened the model without loading its weights
    model = ModelFacts.from_info(holder.open().info) if holder.opened else None
    return WorkerFacts(
        worker=worker,
        model=model,
        load_s=holder.load_seconds,
        peak_rss_mb=peak_rss_mb(),
        peak_gpu_mb=_peak_gpu_mb(),
        # a worker's own GPUs: pytest-multitrust set them in pytest_configure
        cuda_visible_devices=os.environ.get("CUDA_VISIBLE_DEVICES"),
    )


class WorkerReporter:
    """Registered in xdist workers: sends this worker's record to the controller."""

    def __init__(
        self,
        config: pytest.Config,
        holder: ModelHolder,
        placement: Callable[[], PlacementFacts],
        custom_tasks: Callable[[], Mapping[str, tuple[str, str]]] = dict,
    ) -> None:
        """The reporter of the worker whose model is ``holder``.

        Args:
            config: the worker's pytest config.
            holder: the worker's model under test.
            placement: the worker's placement facts, asked for at the end of the session.
            custom_tasks: the custom trust-test tasks the worker collected (task id →
                (aspect, sub-aspect)), asked for at the end of the session.
        """
        self.config = config
        self.holder = holder
        self.placement = placement
        self.custom_tasks = custom_tasks

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Put the worker's record on ``workeroutput`` (xdist sends it on)."""
        output: dict[str, Any] | None = getattr(self.config, "workeroutput", None)
        if output is None:
            return
        worker = str(getattr(self.config, "workerinput", {}).get("workerid", "worker"))
        record = WorkerRecord(
            facts=worker_facts(self.holder, worker),
            placement=self.placement(),
            custom_tasks=tuple((i, a, s) for i, (a, s) in self.custom_tasks().items()),
        )
        output[WORKER_OUTPUT_KEY] = record.to_json()
