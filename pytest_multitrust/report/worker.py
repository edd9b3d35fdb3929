"""Per-process facts for the report, and how xdist workers send them to the controller.

The model under test is loaded only where tests run: in each xdist worker, or in the
single process without xdist. :func:`worker_facts` describes that process (model info,
load time, peak memory); :class:`WorkerReporter` puts it, with the image thumbnails, on
``config.workeroutput`` when a worker's session finishes, and the controller's collector
reads it in ``pytest_testnodedown``.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

from pytest_multitrust.report.model import ModelFacts, WorkerFacts
from pytest_multitrust.report.thumbs import kept_thumbnails

if TYPE_CHECKING:
    import pytest

    from pytest_multitrust.session import PluginState

__all__ = ["FACTS_KEY", "THUMBNAILS_OUTPUT", "WorkerReporter", "peak_rss_mb", "worker_facts"]

#: ``workeroutput`` key of a worker's :class:`WorkerFacts` (JSON text).
FACTS_KEY = "multitrust_worker"
#: ``workeroutput`` key of a worker's thumbnails (image sha256 -> data URI).
THUMBNAILS_OUTPUT = "multitrust_thumbnails"


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


def worker_facts(state: PluginState, worker: str) -> WorkerFacts:
    """What this process knows: the loaded model (if any), load time, peak memory, GPUs."""
    model = ModelFacts.from_info(state.holder.get().info) if state.holder.loaded else None
    return WorkerFacts(
        worker=worker,
        model=model,
        load_s=state.holder.load_seconds,
        peak_rss_mb=peak_rss_mb(),
        peak_gpu_mb=_peak_gpu_mb(),
        # a worker's own GPUs: pytest-multitrust set them in pytest_configure
        cuda_visible_devices=os.environ.get("CUDA_VISIBLE_DEVICES"),
    )


class WorkerReporter:
    """Registered in xdist workers: sends this worker's facts to the controller."""

    def __init__(self, config: pytest.Config, state: PluginState) -> None:
        self.config = config
        self.state = state

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Put the facts and thumbnails on ``workeroutput`` (xdist sends it on)."""
        output: dict[str, Any] | None = getattr(self.config, "workeroutput", None)
        if output is None:
            return
        worker = str(getattr(self.config, "workerinput", {}).get("workerid", "worker"))
        output[FACTS_KEY] = json.dumps(worker_facts(self.state, worker).to_dict())
        output[THUMBNAILS_OUTPUT] = kept_thumbnails(self.config)
