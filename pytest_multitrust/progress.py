"""Progress of the long steps of a run, as events handed to a callable.

The engine, the judge client and the model loader do the slow work of a run (building the
model, attacking images, generating answers, asking the judge); they report how far they
are as :class:`ProgressEvent` records through a :data:`ProgressSink` handed in, never by
importing the pytest layer that shows them. :class:`ProgressStep` is what a loop uses to
emit them: one event when the step starts, one per unit of work done, one when it ends.

Example:
    >>> events: list[ProgressEvent] = []
    >>> step = ProgressStep(events.append, "generation", "T.3", total=2, unit="answers")
    >>> step.advance(2)
    >>> step.finish()
    >>> [(e.done, e.total, e.finished) for e in events]
    [(0, 2, False), (2, 2, False), (2, 2, True)]
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

__all__ = ["ProgressEvent", "ProgressSink", "ProgressStep", "ignore_progress"]


@dataclass(frozen=True)
class ProgressEvent:
    """How far one step of the run is.

    A step is one stretch of slow work (``step``) for one subject (``label``): the model's
    build, one task's generation. Its events share ``step`` and ``label``; the last one has
    ``finished`` set.
    """

    step: str  # what is being done: "model files", "model load", "attack", "generation", "judge"
    label: str  # what it is done for: a task id, a model spec
    done: int  # units done so far
    total: int  # units to do (0: unknown, a step without countable units)
    unit: str  # what a unit is: "answers", "images", "verdicts" ("" without units)
    elapsed_s: float  # seconds since the step started
    finished: bool  # the step's last event
    detail: str = ""  # more about the step ("3 cached", a batch size), may be empty

    @property
    def rate(self) -> float:
        """Units done per second so far (0.0 before any time has passed)."""
        return self.done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def describe(self) -> str:
        """The event as one line of text, without its worker.

        Example:
            >>> ProgressEvent("generation", "T.3", 8, 8, "answers", 4.0, True).describe()
            'T.3 generation: 8/8 answers in 4.0 s (2.0 answers/s)'
        """
        head = f"{self.label} {self.step}" if self.label else self.step
        if self.total or self.unit:
            count = f"{self.done}/{self.total}" if self.total else f"{self.done}"
            count = f"{count} {self.unit}".rstrip()
            verb = "in" if self.finished else "after"
            text = f"{head}: {count} {verb} {self.elapsed_s:.1f} s"
            if self.done and self.elapsed_s > 0:
                text += f" ({self.rate:.1f} {self.unit or 'units'}/s)"
        else:
            text = f"{head}: {'done in' if self.finished else 'running for'} {self.elapsed_s:.1f} s"
        return text + (f", {self.detail}" if self.detail else "")

    def to_json(self) -> str:
        """The event as one line of JSON (how an xdist worker hands it to the controller).

        Example:
            >>> event = ProgressEvent("attack", "R.4", 3, 8, "images", 1.5, False)
            >>> ProgressEvent.from_json(event.to_json()) == event
            True
        """
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, line: str) -> ProgressEvent | None:
        """Read :meth:`to_json`'s line back; None for anything else (a torn or foreign line).

        Example:
            >>> ProgressEvent.from_json('{"step": "attack"')  # cut short by a crash
            >>> ProgressEvent.from_json('{"step": 1}') is None
            True
        """
        try:
            data = json.loads(line)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        texts = ("step", "label", "unit", "detail")
        counts = ("done", "total")
        if not all(isinstance(data.get(k), str) for k in texts):
            return None
        if not all(type(data.get(k)) is int and data[k] >= 0 for k in counts):
            return None
        elapsed = data.get("elapsed_s")
        if not isinstance(elapsed, int | float) or isinstance(elapsed, bool):
            return None
        if not math.isfinite(elapsed) or elapsed < 0:
            return None
        if type(data.get("finished")) is not bool:
            return None
        return cls(
            step=data["step"],
            label=data["label"],
            done=data["done"],
            total=data["total"],
            unit=data["unit"],
            elapsed_s=float(elapsed),
            finished=data["finished"],
            detail=data["detail"],
        )


#: Receives the progress events of a run (the terminal, a test's list, nothing).
ProgressSink = Callable[[ProgressEvent], None]


def ignore_progress(event: ProgressEvent) -> None:
    """A sink that drops every event (the default where nobody watches)."""


class ProgressStep:
    """Emits the events of one step: started on creation, then :meth:`advance`, :meth:`finish`.

    Args:
        sink: where the events go.
        step: what is being done (``"generation"``).
        label: what it is done for (a task id).
        total: units to do (0: unknown).
        unit: what a unit is (``"answers"``).
        detail: more about the step, shown with every event.
        clock: the clock (seconds), for tests.
    """

    def __init__(
        self,
        sink: ProgressSink,
        step: str,
        label: str,
        *,
        total: int = 0,
        unit: str = "",
        detail: str = "",
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        """Start the step: emit its first event (nothing done yet)."""
        self._sink = sink
        self._step = step
        self._label = label
        self._total = total
        self._unit = unit
        self._detail = detail
        self._clock = clock
        self._started = clock()
        self._done = 0
        self._finished = False
        self._emit()

    @property
    def done(self) -> int:
        """Units done so far."""
        return self._done

    def advance(self, count: int = 1) -> None:
        """Count ``count`` more units done and emit an event."""
        self._done += count
        self._emit()

    def finish(self, detail: str | None = None) -> None:
        """Emit the step's last event (once; later calls do nothing).

        Args:
            detail: replaces the step's detail in the last event, when given.
        """
        if self._finished:
            return
        self._finished = True
        if detail is not None:
            self._detail = detail
        self._emit()

    def _emit(self) -> None:
        self._sink(
            ProgressEvent(
                step=self._step,
                label=self._label,
                done=self._done,
                total=self._total,
                unit=self._unit,
                elapsed_s=max(0.0, self._clock() - self._started),
                finished=self._finished,
                detail=self._detail,
            )
        )
