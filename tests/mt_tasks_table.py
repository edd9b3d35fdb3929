"""The "Tasks at a glance" table of the docs (``docs/reference/tasks/index.md``), from the specs.

Every row is read off a built-in :class:`~pytest_multitrust.TaskSpec` (name, aspect and
sub-aspect, each metric with its direction and default threshold, whether it enters the
trust score, the generation limit) and :func:`~pytest_multitrust.tasks.comparability.comparability`
(the label on the official data under ``--mt-rules=original``, without and with
``--mt-judge``). ``tests/unit/test_docs.py`` checks that the page holds exactly this table;
after changing a task, paste the output of ``python tests/mt_tasks_table.py`` over it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_multitrust.tasks.comparability import comparability
from pytest_multitrust.tasks.registry import all_tasks

if TYPE_CHECKING:
    from pytest_multitrust import MetricSpec

#: The page that holds the table, relative to the repository root.
TASKS_PAGE = "docs/reference/tasks/index.md"


def _metric(metric: MetricSpec) -> str:
    """``accuracy`` ≥ 0.5, with "(not scored)" when it does not enter the trust score."""
    op = "≥" if metric.direction == "higher" else "≤"
    scored = "" if metric.in_score else " (not scored)"
    return f"`{metric.name}` {op} {metric.threshold:g}{scored}"


def _label(task_id: str) -> str:
    """``exact``, or ``approximate; judge`` when ``--mt-judge`` changes the label."""
    alone = comparability(task_id, rules="original", judge=False, official=True)
    judged = comparability(task_id, rules="original", judge=True, official=True)
    if alone is None or judged is None:
        return "—"
    if alone.label == judged.label:
        return alone.label
    return f"{alone.label}; {judged.label}"


def tasks_table() -> str:
    """The Markdown table, one row per built-in task, in task order."""
    lines = [
        "| task | name | aspect / sub-aspect | metrics: direction and default threshold | "
        "max new tokens | comparable with the paper (`original`; with `--mt-judge`) |",
        "|---|---|---|---|---|---|",
    ]
    for task in all_tasks():
        metrics = "; ".join(_metric(metric) for metric in task.metrics)
        lines.append(
            f"| {task.id} | {task.name} | {task.aspect} / {task.sub_aspect} | {metrics} | "
            f"{task.max_new_tokens} | {_label(task.id)} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python tests/mt_tasks_table.py: print the table for the docs
    print(tasks_table(), end="")
