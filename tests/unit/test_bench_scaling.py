"""The scaling benchmark: its plan, its per-test arithmetic and (slow) the JSON of a run."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_scaling", ROOT / "benchmarks" / "bench_scaling.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_scaling", module)
    spec.loader.exec_module(module)
    return module


bench = _load()


def _run(model: str, limit: int | None, tests: int, cpu_s: float, cache: str = "cold") -> object:
    return bench.Run(
        model=model,
        limit=limit,
        cache=cache,
        tests=tests,
        wall_s=cpu_s,
        cpu_s=cpu_s,
        tests_per_s=tests / cpu_s,
        cpu_ms_per_test=1000 * cpu_s / tests,
        peak_rss_mb=100.0,
        exit_code=0,
        load_before=0.0,
        load_after=0.0,
    )


def test_quick_skips_only_the_embedded_models_whole_tier() -> None:
    quick = bench.plan(["tiny-llava", "oracle"], [1, 4], full=True, quick=True)
    assert quick == [
        ("tiny-llava", 1),
        ("tiny-llava", 4),
        ("oracle", 1),
        ("oracle", 4),
        ("oracle", None),
    ]
    every = bench.plan(["tiny-llava"], [1], full=True, quick=False)
    assert every == [("tiny-llava", 1), ("tiny-llava", None)]
    assert bench.plan(["oracle"], [1, 16], full=False, quick=False) == [
        ("oracle", 1),
        ("oracle", 16),
    ]


def test_marginal_cost_divides_out_the_fixed_cost() -> None:
    # 2 s fixed + 5 ms per test: 100 tests cost 2.5 s, 1,100 tests 7.5 s.
    runs = [
        _run("oracle", 1, 100, 2.5),
        _run("oracle", None, 1100, 7.5),
        _run("oracle", 1, 100, 1.0, cache="warm"),  # one warm run: no slope
    ]
    (found,) = bench.marginal_costs(runs)
    assert found == {
        "model": "oracle",
        "cache": "cold",
        "from_tests": 100,
        "to_tests": 1100,
        "cpu_ms_per_added_test": 5.0,
        "fixed_cpu_s": 2.0,
    }


@pytest.mark.slow
def test_a_smallest_run_writes_the_documented_json(tmp_path: Path) -> None:
    out = tmp_path / "scaling.json"
    bench.main(["--models=oracle", "--limits=1", "--no-full", "--json", str(out)])
    result = json.loads(out.read_text(encoding="utf-8"))
    (run,) = result["runs"]
    assert (run["model"], run["limit"], run["cache"]) == ("oracle", 1, "cold")
    assert run["tests"] > 100
    assert run["exit_code"] in (0, 1)
    assert min(run["wall_s"], run["cpu_s"]) > 0
    assert run["peak_rss_mb"] > 10
    assert set(result) == {"runs", "marginal", "setup", "machine", "total_s"}
