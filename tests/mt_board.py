"""Synthetic saved runs for the board tests (on sys.path via the pythonpath ini key).

Each run is a :class:`TrustReport` built by the report's own assembler from metric and
sample records of real task specs (their metric names, directions and variants, and
their data's sample ids and prompts), so ``compare`` recomputes the paired changes with
the tasks' own rules, as it does for runs that a model produced.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pytest_multitrust.records import MetricResult, SampleRecord
from pytest_multitrust.report.assemble import build_report
from pytest_multitrust.report.json_report import dumps
from pytest_multitrust.report.model import ModelFacts, TrustReport, WorkerFacts
from pytest_multitrust.settings import Settings
from pytest_multitrust.tasks.base import TaskSpec, oriented
from pytest_multitrust.tasks.data import read_samples
from pytest_multitrust.tasks.registry import get_task

MACHINE = "Linux-CPython-3.11-64bit"


def _interval(p: float, n: int) -> tuple[float, float]:
    half = 1.96 * math.sqrt(max(p * (1 - p), 0.01) / max(n, 1))
    return (max(0.0, p - half), min(1.0, p + half))


def synthetic_run(
    model: str,
    skill: float,
    task_ids: list[str],
    per_task: int,
    seed: int,
    when: datetime | None = None,
    mt_seed: int = 0,
) -> TrustReport:
    """A run of ``model`` on the first ``per_task`` samples of each task.

    Args:
        model: the model's name (and spec).
        skill: the chance that a sample's metric is good (1 for higher-is-better, 0 else).
        task_ids: the tasks run.
        per_task: samples per task.
        seed: the random seed of the outcomes.
        when: when the run was made.
        mt_seed: the run's ``--mt-seed``.
    """
    rng = random.Random(seed)
    metrics: list[MetricResult] = []
    samples: list[SampleRecord] = []
    for task_id in task_ids:
        spec: TaskSpec = get_task(task_id)
        data = read_samples(spec.data)[:per_task]
        records = []
        for s in data:
            values = {
                m.name: float((rng.random() < skill) == (m.direction == "higher"))
                for m in spec.metrics
            }
            records.append(
                SampleRecord(task_id, s.id, s.variant, s.prompt, None, "answer", values, "pass")
            )
        samples += records
        means = {
            m.name: sum(r.values[m.name] for r in records) / len(records) for m in spec.metrics
        }
        scored = [oriented(means[m.name], m.direction) for m in spec.metrics if m.in_score]
        trust = sum(scored) / len(scored)
        for m in spec.metrics:
            low, high = _interval(means[m.name], len(records))
            metrics.append(
                MetricResult(
                    task_id=task_id,
                    task_name=spec.name,
                    aspect=spec.aspect,
                    sub_aspect=spec.sub_aspect,
                    metric=m.name,
                    direction=m.direction,
                    value=means[m.name],
                    threshold=0.5,
                    op=">=" if m.direction == "higher" else "<=",
                    passed=True,
                    n=len(records),
                    errors=0,
                    ci_low=low,
                    ci_high=high,
                    scorer="rule",
                    trust_score=trust,
                )
            )
    now = when or datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
    facts = ModelFacts(model, "scripted", model, f"fp-{model}", "n/a", "n/a")
    return build_report(
        settings=Settings(mllm=model, seed=mt_seed),
        tasks=[],
        metrics=metrics,
        samples=samples,
        workers=[WorkerFacts("main", facts, 0.1, 50.0)],
        started=now,
        finished=now,
        root=Path("/"),
        machine=MACHINE,
        exit_status=0,
        interrupted=False,
        reason="",
    )


def save_runs(
    root: Path, count: int, task_ids: list[str], per_task: int, models: int = 3
) -> list[Path]:
    """``count`` runs of ``models`` models saved as ``root/<machine>/NNNN_<name>.json``."""
    paths = []
    start = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
    for i in range(count):
        model = f"model-{i % models}"
        run = synthetic_run(
            model, 0.3 + 0.6 * (i % 7) / 6, task_ids, per_task, i, start + timedelta(hours=i)
        )
        path = root / MACHINE / f"{i + 1:04d}_v{i // models}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dumps(run), encoding="utf-8")
        paths.append(path)
    return paths
