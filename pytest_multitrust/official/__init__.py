"""Paper-comparable runs on the official MultiTrust data (``--mt-data=official:PATH``).

Before any test runs, :func:`check_official` reads every selected task's official files
(the layout of MMTrustEval's ``data/`` folder), maps each to our task and variants with
the original prompts, and lists which tasks were found, which files are missing or
unreadable, and a SHA-256 of what was found. :func:`apply_official` then swaps the
selected tasks' data for the official samples; tasks without official data stop the run
with that listing, or fall back to the built-in data under ``--mt-data-fallback`` (the
report marks them). Official runs score by the original's rules by default
(``--mt-rules=original``, :mod:`pytest_multitrust.tasks.original`: the ``multitrust-v1``
refusal list, the original yes/no, contain and rating rules as the score, the original
judge prompts under ``--mt-judge``); the report notes every place where a rule stands in
for the original's GPT-4 judge, classifier or API, and labels each task's
comparability (:mod:`pytest_multitrust.tasks.comparability`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.official.layout import Layout, MissingData, UnreadableData
from pytest_multitrust.reliability import terminal_safe

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from pytest_multitrust.settings import Settings
    from pytest_multitrust.tasks.base import Sample, TaskSpec
    from pytest_multitrust.tasks.manifest import DataVersion

__all__ = [
    "OFFICIAL_KEY",
    "ORIGINAL_MAX_NEW_TOKENS",
    "OfficialCheck",
    "OfficialData",
    "TaskCheck",
    "apply_official",
    "check_official",
    "data_versions",
    "official_spec",
    "readers",
    "report_notes",
    "stand_in_note",
]

#: Missing files shown per task before "(+N more)".
SHOWN_MISSING = 3


def readers() -> dict[str, Callable[[Layout], list[Sample]]]:
    """Task id -> official-data reader, for all 32 tasks."""
    from pytest_multitrust.official import robustness_fairness_privacy as rfp
    from pytest_multitrust.official import truthfulness_safety as ts

    return {**ts.READERS, **rfp.READERS}


@dataclass(frozen=True)
class TaskCheck:
    """What the check found for one task."""

    task_id: str  # e.g. "T.1"
    samples: tuple[Sample, ...]  # the official samples (empty when not found)
    sha256: str  # digest of the annotation files and image names/sizes ("" when not found)
    files: tuple[str, ...]  # annotation files read, relative to the data root
    images: int  # image files used
    missing: tuple[str, ...]  # files or folders that are not there, relative to the root
    problem: str  # why a present file could not be read ("" when none)
    skipped: tuple[str, ...] = ()  # absent images whose samples were skipped, as the
    # original's loader skipped them (T.1, T.5, T.6, P.1, P.2, P.4, P.5)

    @property
    def found(self) -> bool:
        """Every file is there and readable, and at least one sample came out."""
        return not self.missing and not self.problem and bool(self.samples)

    def reason(self) -> str:
        """Why the task was not found, in words ("" when it was)."""
        if self.found:
            return ""
        if self.problem:
            return f"unreadable: {self.problem}"
        if not self.missing:
            return "its files hold no samples" + (
                f" ({self.skipped_text()})" if self.skipped else ""
            )
        more = len(self.missing) - SHOWN_MISSING
        return (
            "missing "
            + ", ".join(self.missing[:SHOWN_MISSING])
            + (f" (+{more} more)" if more > 0 else "")
        )

    def skipped_text(self, shown: int = SHOWN_MISSING) -> str:
        """How many samples were skipped for a missing image, naming ``shown`` images."""
        names = ", ".join(self.skipped[:shown])
        more = len(self.skipped) - shown
        return (
            f"{len(self.skipped)} sample(s) skipped, image missing (as the original "
            f"skipped them): {names}" + (f" (+{more} more)" if more > 0 else "")
        )

    def line(self) -> str:
        """One line of the listing."""
        if self.found:
            return (
                f"  found        {self.task_id:<4} {len(self.samples)} samples from "
                f"{len(self.files)} file(s) and {self.images} image(s), sha256 "
                f"{self.sha256[:16]}" + (f"; {self.skipped_text()}" if self.skipped else "")
            )
        if self.problem:
            return f"  unreadable   {self.task_id:<4} {self.problem}"
        if not self.missing:
            return f"  empty        {self.task_id:<4} {self.reason()}"
        shown = ", ".join(self.missing[:SHOWN_MISSING])
        more = len(self.missing) - SHOWN_MISSING
        return f"  missing      {self.task_id:<4} {shown}" + (
            f" (+{more} more)" if more > 0 else ""
        )


@dataclass(frozen=True)
class OfficialCheck:
    """The pre-run check of the official data for the selected tasks."""

    root: Path  # the official data folder
    tasks: tuple[TaskCheck, ...]  # one per selected built-in task, paper order
    fallback: bool  # --mt-data-fallback: tasks not found use the built-in data

    @property
    def absent(self) -> list[TaskCheck]:
        """Selected tasks whose official data is missing, unreadable or empty."""
        return [c for c in self.tasks if not c.found]

    def get(self, task_id: str) -> TaskCheck | None:
        """The check of ``task_id`` (``None`` for tasks not checked, e.g. custom ones)."""
        return next((c for c in self.tasks if c.task_id == task_id), None)

    def listing(self) -> list[str]:
        """The listing shown before the run: a headline, then one line per task."""
        found = len(self.tasks) - len(self.absent)
        lines = [
            f"multitrust official data: {self.root} ({found} of {len(self.tasks)} "
            "selected tasks found)"
        ]
        lines += [c.line() for c in self.tasks]
        if self.absent and self.fallback:
            lines.append(
                "  --mt-data-fallback: "
                + ", ".join(c.task_id for c in self.absent)
                + " use the built-in data (marked in the report)"
            )
        return lines

    def error(self) -> str:
        """The message that stops a run whose tasks lack official data (no fallback)."""
        ids = ", ".join(c.task_id for c in self.absent)
        return terminal_safe(
            "\n".join(
                [  # printed raw by pytest; the paths are the user's
                    f"--mt-data=official:{self.root}: no usable official data for {ids}. Add the "
                    "missing files (layout: docs/how-to/official-data.md), select only the "
                    "tasks you have with --mt-tasks, or pass --mt-data-fallback to run those tasks "
                    "on the built-in data (the report marks them).",
                    *self.listing(),
                ]
            )
        )


def check_official(
    root: Path, task_ids: Sequence[str], seed: int, fallback: bool = False
) -> OfficialCheck:
    """Read the official data of ``task_ids`` under ``root`` and say what was found.

    Never raises for missing or malformed files: they are recorded per task. Task ids
    without an official reader (custom tasks) are not checked.
    """
    table = readers()
    checks: list[TaskCheck] = []
    for task_id in task_ids:
        reader = table.get(task_id)
        if reader is None:
            continue
        layout = Layout(root, seed, task_id)
        samples: list[Sample] = []
        missing: list[str] = []
        problem = ""
        try:
            samples = reader(layout)
        except MissingData as error:
            missing.append(error.path)
        except UnreadableData as error:
            problem = str(error)
        missing += sorted(set(layout.missing))
        ok = not missing and not problem and samples
        checks.append(
            TaskCheck(
                task_id=task_id,
                samples=tuple(samples) if ok else (),
                sha256=layout.digest() if ok else "",
                files=tuple(sorted(layout.files)),
                images=len(layout.images),
                missing=tuple(missing),
                problem=problem,
                skipped=tuple(layout.skipped),
            )
        )
    return OfficialCheck(root=root, tasks=tuple(checks), fallback=fallback)


#: Where a rule of ours stands in for the original's judge, classifier or API, per task:
#: (without --mt-judge, with --mt-judge). Tasks scored by the original's own rules have none.
_NOTES: dict[str, tuple[str, str]] = {
    "T.1": (
        "OCR by normalised exact match and grounding by a box parser stand in for the "
        "original's GPT-4 judge",
        "OCR asked --mt-judge the original GPT-4 prompt; "
        "grounding: under --mt-rules=original the GPT-4 box normaliser prompt too, else "
        "our box parser stands in for it",
    ),
    "S.1": ("detoxify stands in for the Perspective API and OpenAI moderation",) * 2,
    "S.2": (
        "keyword and risk-statement rules stand in for the original's GPT-4 judge",
        "--mt-judge asked the original GPT-4 prompt",
    ),
    "S.3": ("detoxify stands in for the Perspective API and OpenAI moderation",) * 2,
    "R.1": (
        "object keyword match stands in for the original's GPT-4 judge",
        "--mt-judge asked the original GPT-4 prompt",
    ),
    "R.2": (
        "exact-answer match stands in for the original's GPT-4 0-100 rater",
        "--mt-judge asked the original GPT-4 rater prompt (exact answers score 100 "
        "without asking, as in the original)",
    ),
    "R.4": (
        "object keyword and noise-mention match stand in for the original's GPT-4 judge",
        "--mt-judge asked the original GPT-4 prompt",
    ),
    "R.5": (
        "target keyword and noise-mention match stand in for the original's GPT-4 judge",
        "--mt-judge asked the original GPT-4 prompt",
    ),
    "F.1": (
        "a stereotype lexicon stands in for the original's GPT-4 judge",
        "--mt-judge asked the original GPT-4 prompt",
    ),
}
for _task in ("T.3", "T.4", "T.5", "T.7"):
    _NOTES[_task] = (
        "short-answer and final-number matching stand in for the original's "
        "GPT-4 consistency judge",
        "--mt-judge asked the original GPT-4 consistency prompt",
    )
for _task in ("S.4", "S.5", "S.6"):
    _NOTES[_task] = (
        "the refusal rule (an answer not refused counts as a success) stands "
        "in for the "
        "HarmBench-Llama-2-13b classifier",
        "--mt-judge asked the HarmBench "
        "classifier prompt (the original used cais/HarmBench-Llama-2-13b-cls)",
    )
for _task in ("F.4", "F.5", "F.7", "P.4", "P.5", "P.6"):
    _NOTES[_task] = (
        "refusal by the original's keyword list only; the original also counted "
        "the LibrAI/longformer-action-ro classifier's refusals",
    ) * 2
#: The refusal tasks under --mt-rules=strict: our cues besides the keywords.
_STRICT_REFUSAL = (
    "refusal by the keyword rule plus our push-back, neutrality or leak "
    "checks (--mt-rules=strict); the original counted its keywords and the "
    "LibrAI/longformer-action-ro classifier's refusals"
)


def stand_in_note(task_id: str, judge: bool, rules: str = "original") -> str:
    """Where a rule stands in for the original's judge or API in ``task_id`` ("" if none)."""
    notes = _NOTES.get(task_id)
    if notes is None:
        return ""
    if rules != "original" and task_id in ("F.4", "F.5", "F.7", "P.4", "P.5", "P.6"):
        return _STRICT_REFUSAL
    return notes[1] if judge else notes[0]


#: The original's ``max_new_tokens`` per task (``generation_kwargs`` of its task configs,
#: ``mmte/configs/task/<aspect>/*.yaml``); official runs use these.
ORIGINAL_MAX_NEW_TOKENS: dict[str, int] = {
    "T.1": 100,
    "T.2": 100,
    "T.3": 500,
    "T.4": 100,
    "T.5": 100,
    "T.6": 100,
    "T.7": 100,
    "S.1": 150,
    "S.2": 150,
    "S.3": 512,
    "S.4": 512,
    "S.5": 512,
    "S.6": 512,
    "R.1": 300,
    "R.2": 200,
    "R.3": 200,
    "R.4": 300,
    "R.5": 300,
    "R.6": 200,
    "F.1": 100,
    "F.2": 100,
    "F.3": 100,
    "F.4": 100,
    "F.5": 100,
    "F.6": 100,
    "F.7": 100,
    "P.1": 50,
    "P.2": 50,
    "P.3": 50,
    "P.4": 200,
    "P.5": 150,
    "P.6": 150,
}


def official_spec(task: TaskSpec, check: TaskCheck, root: Path) -> TaskSpec:
    """``task`` reading ``check``'s official samples, with the original's token limit.

    R.4 and R.5's official images are already attacked, so no attack runs on them.
    """
    samples = check.samples
    return dataclasses.replace(
        task,
        loader=lambda: samples,
        data=f"official:{root}",
        transform_image=None,
        max_new_tokens=ORIGINAL_MAX_NEW_TOKENS.get(task.id, task.max_new_tokens),
    )


def data_versions(check: OfficialCheck, tasks: Sequence[TaskSpec]) -> tuple[DataVersion, ...]:
    """Provenance entries: official data per task found, built-in data marked as fallback."""
    from pytest_multitrust.tasks.manifest import DataVersion, load_manifest

    entries: list[DataVersion] = []
    for task in tasks:
        found = check.get(task.id)
        if found is None:
            continue
        if found.found:
            entries.append(
                DataVersion(
                    task_id=task.id,
                    path=f"official:{check.root}",
                    version="official",
                    sha256=found.sha256,
                    samples=len(found.samples),
                )
            )
            continue
        entry = load_manifest().get(task.data) if task.data else None
        if entry is not None:
            entries.append(
                DataVersion(
                    task_id=task.id,
                    path=entry.path,
                    version=f"{entry.version} (built-in fallback: no official data)",
                    sha256=entry.sha256,
                    samples=entry.samples,
                )
            )
    return tuple(entries)


def report_notes(
    check: OfficialCheck, judge: bool, rules: str = "original"
) -> tuple[tuple[str, str], ...]:
    """``(key, text)`` notes for the report: data source, fallbacks, rule stand-ins."""
    notes: list[tuple[str, str]] = [("official_data", str(check.root))]
    for task in check.tasks:
        if not task.found:
            notes.append(
                (
                    f"data {task.task_id}",
                    f"built-in data (--mt-data-fallback; official data {task.reason()})",
                )
            )
        elif task.skipped:
            notes.append((f"skipped {task.task_id}", task.skipped_text(shown=len(task.skipped))))
        note = stand_in_note(task.task_id, judge, rules)
        if note:
            notes.append((f"stand-in {task.task_id}", note))
    return tuple(notes)


OFFICIAL_KEY = pytest.StashKey[OfficialCheck]()


class OfficialDataHeader:
    """Shows the check's listing in the session header (controller only)."""

    def __init__(self, check: OfficialCheck) -> None:
        self.check = check

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        """The listing of found and missing official data."""
        return self.check.listing()


@dataclass(frozen=True)
class OfficialData:
    """The selected tasks pointed at the official data, and what the report says of it."""

    tasks: tuple[TaskSpec, ...]  # the selected tasks, official data where it was found
    data_versions: tuple[DataVersion, ...]  # provenance of the official files
    notes: tuple[tuple[str, str], ...]  # (key, text) notes for the report


def apply_official(
    config: pytest.Config, settings: Settings, tasks: Sequence[TaskSpec]
) -> OfficialData | None:
    """Check the official data; the selected tasks pointed at it (None: not asked for).

    Raises:
        pytest.UsageError: listing what is missing, when a selected task has no usable
            official data and ``--mt-data-fallback`` is off.
    """
    root = settings.official_data
    if root is None:
        return None
    check = check_official(
        root, [t.id for t in tasks], settings.seed, fallback=settings.data_fallback
    )
    if check.absent and not settings.data_fallback:
        raise pytest.UsageError(check.error())
    config.stash[OFFICIAL_KEY] = check
    if not hasattr(config, "workerinput"):
        from pytest_multitrust.errors import MultitrustWarning

        for task in check.tasks:
            if task.found and task.skipped:
                config.issue_config_time_warning(
                    MultitrustWarning(f"--mt-data=official: {task.task_id}: {task.skipped_text()}"),
                    stacklevel=2,
                )
    official = tuple(
        official_spec(task, found, root) if (found := check.get(task.id)) and found.found else task
        for task in tasks
    )
    data = OfficialData(
        tasks=official,
        data_versions=data_versions(check, official),
        notes=report_notes(check, judge=settings.judge is not None, rules=settings.rules),
    )
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(OfficialDataHeader(check), "multitrust-official-data")
    return data
