"""``pytest --mllm=hf:<tiny checkpoint>`` of every supported family runs with no error sample.

The checkpoints come from ``tests/mt_families.py``. The fast test runs PaliGemma (whose
processor refuses text-only input and adds labels and token_type_ids) on a text-only
task and the attacked one; the slow one runs every task of every family.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from mt_families import FAMILIES, family_marks
from mt_families import ensure_family_in_child as ensure_family

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


def _run_family(
    run_trust: Callable[..., pytest.RunResult],
    pytester: pytest.Pytester,
    mt_cache_dir: Path,
    name: str,
    *args: str,
) -> dict[str, object]:
    model_dir = ensure_family(name, mt_cache_dir)
    result = run_trust(
        f"--mllm=hf:{model_dir}",
        "--mt-device=cpu",
        "--mt-dtype=float32",
        "--mt-report=report",
        *args,
        timeout=600,
    )
    assert result.ret in (0, 1), result.stdout.str()[-3000:]  # ran; gates may fail
    report: dict[str, object] = json.loads(
        (pytester.path / "report" / "report.json").read_text(encoding="utf-8")
    )
    return report


def _errors(report: dict[str, object]) -> list[tuple[object, object]]:
    samples = report["samples"]
    assert isinstance(samples, list)
    return [(s.get("sample_id"), s.get("error")) for s in samples if s.get("verdict") == "error"]


def test_paligemma_answers_text_only_and_attacked_samples(
    run_trust: Callable[..., pytest.RunResult], pytester: pytest.Pytester, mt_cache_dir: Path
) -> None:
    report = _run_family(
        run_trust,
        pytester,
        mt_cache_dir,
        "paligemma",
        "--mt-tasks=T.4,R.4",
        "--mt-limit=3",
        "--mt-batch-size=3",
    )
    assert _errors(report) == []
    samples = report["samples"]
    assert isinstance(samples, list)
    attacked = [s for s in samples if s.get("task_id") == "R.4" and s.get("attack")]
    assert attacked, "R.4 attacked no sample"
    assert all(s.get("verdict") in ("pass", "miss") for s in attacked)


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", [pytest.param(f.name, id=f.name, marks=family_marks(f)) for f in FAMILIES]
)
def test_every_task_runs_without_error_samples(
    run_trust: Callable[..., pytest.RunResult],
    pytester: pytest.Pytester,
    mt_cache_dir: Path,
    name: str,
) -> None:
    report = _run_family(run_trust, pytester, mt_cache_dir, name, "--mt-limit=1")
    assert _errors(report) == []
