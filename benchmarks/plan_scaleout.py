"""The modelled wall time of the standard tier on 1 and N xdist workers (GPUs), and the ratio.

The plan is the plugin's own (:mod:`pytest_multitrust.engine.shards`, the same functions
``--mt-shards auto`` uses): each task's modelled cost from its samples, its token limit
and the PGD steps of its attacked images; long tasks split into shards; the work handed
out longest first, each unit to the worker free first. Three schedules are compared on
N workers: *today* (whole tasks, in xdist's ``--loadscope-reorder`` order: most tests
first, which put R.5 26th of 32), *whole tasks longest first*, and *shards longest
first* (``--mt-shards auto``).

Cost models (seconds per sample, per new token allowed, per PGD step), printed with the
results:

* ``7b-h100-low`` / ``7b-h100-high``: a 7B LLaVA on one H100, from the estimate in issue
  25 (the standard tier on one GPU takes 30-55 min, of which 19-37 min is the PGD of R.4
  and R.5), split as :data:`~pytest_multitrust.engine.shards.GPU_7B_H100` says;
* ``--measure``: the embedded tiny-llava on this CPU, measured now: PGD seconds per step
  on R.4 images, and generation seconds per sample and per token at batch 8 (two token
  limits; the random model always uses them all).

Example:
    python benchmarks/plan_scaleout.py --workers 8 --load-s 60 --measure --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pytest_multitrust.engine.shards import (
    GPU_7B_H100,
    CostModel,
    TaskLoad,
    WorkUnit,
    assign,
    shard_counts,
    task_load,
    work_units,
)
from pytest_multitrust.tasks.data import read_samples, samples_for_tier
from pytest_multitrust.tasks.registry import all_tasks

#: The high end of the issue's estimate: 37 min of PGD (0.132 s a step over 336 x 50),
#: 18 min for the rest (0.05 s a sample, 0.000558 s a token allowed).
GPU_7B_H100_HIGH = CostModel(sample_s=0.05, token_s=0.000558, attack_step_s=0.132)


def standard_loads(model: CostModel, steps: int) -> list[TaskLoad]:
    """Every built-in task's modelled work in the standard tier, paper order."""
    loads = []
    for task in all_tasks():
        loaded = task.loader() if task.loader else read_samples(task.data)
        samples = samples_for_tier(loaded, "standard", None)
        loads.append(task_load(task, samples, model, attack_steps=steps))
    return loads


def schedules(loads: list[TaskLoad], workers: int, load_s: float) -> dict[str, Any]:
    """Makespans of the three schedules on ``workers`` and of one worker."""
    whole = work_units(loads, {})
    by_tests = sorted(whole, key=lambda u: -u.samples)  # xdist's loadscope reorder
    counts = shard_counts(loads, workers, None)
    shards = work_units(loads, counts)
    one = assign(whole, 1, start_s=load_s).makespan_s
    today = assign(by_tests, workers, start_s=load_s)
    longest = assign(whole, workers, start_s=load_s)
    sharded = assign(shards, workers, start_s=load_s)
    r5 = next(i for i, u in enumerate(by_tests) if u.task_id == "R.5") + 1
    return {
        "one_worker_s": round(one, 1),
        "today_s": round(today.makespan_s, 1),
        "today_speedup": round(one / today.makespan_s, 2),
        "today_r5_position": r5,
        "whole_longest_first_s": round(longest.makespan_s, 1),
        "whole_longest_first_speedup": round(one / longest.makespan_s, 2),
        "sharded_s": round(sharded.makespan_s, 1),
        "sharded_speedup": round(one / sharded.makespan_s, 2),
        "shards": {k: v for k, v in counts.items() if v > 1},
        "largest_unit": _unit(shards[0]),
        "worker_finish_s": [round(f, 1) for f in sharded.finish_s],
    }


def _unit(unit: WorkUnit) -> str:
    return f"{unit.task_id} shard {unit.shard + 1}/{unit.shards}: {unit.cost_s:.1f} s"


def measure_tiny(steps: int) -> tuple[CostModel, float]:
    """tiny-llava on this CPU: the cost model, and its load seconds."""
    import torch

    from pytest_multitrust.imaging import render
    from pytest_multitrust.imaging.adversarial import AttackConfig, pgd_attack
    from pytest_multitrust.models.base import GenerationConfig, Message, Request
    from pytest_multitrust.models.hf import HFModel
    from pytest_multitrust.models.registry import ModelOptions
    from pytest_multitrust.models.tiny import ensure_tiny_llava

    torch.set_num_threads(1)
    path = ensure_tiny_llava(Path(tempfile.gettempdir()) / "multitrust-bench-models")
    started = time.process_time()
    model = HFModel.load(
        str(path), options=ModelOptions(device="cpu", dtype="float32"), spec="tiny-llava"
    )
    load_s = time.process_time() - started
    attacked = [s for s in read_samples("robustness/R.4.jsonl") if s.extra.get("attack")][:2]
    spent = 0.0
    for sample in attacked:
        assert sample.image is not None
        image = render(sample.image)
        config = AttackConfig(mode="untargeted", prompt=sample.prompt, steps=steps)
        started = time.process_time()
        pgd_attack(model, image, config)
        spent += time.process_time() - started
    step_s = spent / (len(attacked) * steps)
    pictures = [s for s in read_samples("truthfulness/T.1.jsonl") if s.image][:8]
    requests = [
        Request(messages=(Message("user", s.prompt, images=(render(s.image),)),))
        for s in pictures
        if s.image is not None
    ]
    seconds: dict[int, float] = {}
    for tokens in (8, 8, 24):  # the first call warms up
        started = time.process_time()
        model.generate(requests, GenerationConfig(max_new_tokens=tokens))
        seconds[tokens] = time.process_time() - started
    token_s = (seconds[24] - seconds[8]) / (16 * len(requests))
    sample_s = max(0.0, seconds[8] / len(requests) - 8 * token_s)
    return CostModel(sample_s=sample_s, token_s=token_s, attack_step_s=step_s), load_s


def main(argv: list[str] | None = None) -> int:
    """Print the modelled makespans; ``--json`` also writes them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=8, help="xdist workers (GPUs)")
    parser.add_argument("--steps", type=int, default=50, help="PGD steps (--mt-attack-steps)")
    parser.add_argument("--load-s", type=float, default=60.0, help="7B load per worker, s")
    parser.add_argument("--measure", action="store_true", help="also tiny-llava on this CPU")
    parser.add_argument("--measure-steps", type=int, default=5, help="PGD steps measured")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args(argv)

    models: dict[str, tuple[CostModel, float]] = {
        "7b-h100-low": (GPU_7B_H100, args.load_s),
        "7b-h100-high": (GPU_7B_H100_HIGH, args.load_s),
    }
    if args.measure:
        models["tiny-llava-cpu"] = measure_tiny(args.measure_steps)
    results: dict[str, Any] = {"workers": args.workers, "attack_steps": args.steps}
    for name, (model, load_s) in models.items():
        loads = standard_loads(model, args.steps)
        result = schedules(loads, args.workers, load_s)
        result["assumptions"] = {
            "sample_s": round(model.sample_s, 6),
            "token_s": round(model.token_s, 7),
            "attack_step_s": round(model.attack_step_s, 5),
            "load_s_per_worker": round(load_s, 2),
            "samples": sum(load.samples for load in loads),
        }
        results[name] = result
        print(
            f"{name}: {result['assumptions']}\n"
            f"  1 worker {result['one_worker_s'] / 60:.1f} min; {args.workers} workers: "
            f"today {result['today_s'] / 60:.1f} min ({result['today_speedup']}x, R.5 "
            f"scheduled {result['today_r5_position']}th), whole tasks longest first "
            f"{result['whole_longest_first_s'] / 60:.1f} min "
            f"({result['whole_longest_first_speedup']}x), shards longest first "
            f"{result['sharded_s'] / 60:.1f} min ({result['sharded_speedup']}x)\n"
            f"  shards {result['shards']}; largest unit {result['largest_unit']}"
        )
    results["load_average"] = os.getloadavg()[0]
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
