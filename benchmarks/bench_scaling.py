"""How a run's cost grows with its size: ``--mt-limit`` 1, 4, 16 and the whole standard tier.

Run from the repository root::

    python benchmarks/bench_scaling.py --quick --json scaling.json   # skips tiny-llava's full tier
    nice python benchmarks/bench_scaling.py --json scaling.json      # everything (long on a CPU)
    python benchmarks/bench_scaling.py --models oracle --limits 1 --no-full   # a smoke run

Each run is a ``pytest`` subprocess over every task of the standard tier, in a fresh
temporary working directory with a fresh ``--mt-cache-dir`` (so every image is drawn and
every answer generated: a cold run), for each model of ``--models``:

``tiny-llava``
    the embedded model (random weights, CPU unless ``--device`` says otherwise): the
    plugin with a real, if tiny, model. Its weights are built once into
    ``~/.cache/pytest-multitrust/models`` and linked into each fresh cache folder, so a
    run pays loading them, not building them.
``oracle``
    the scripted model that answers from each sample's ground truth: no torch, no
    generation, so its cost is the plugin's own (drawing, requests, scoring, records,
    pytest).

and for each size: ``--mt-limit`` of each of ``--limits`` (default 1, 4, 16), then the
whole tier (no limit; ``--quick`` skips it for tiny-llava, ``--no-full`` for both). With
``--warm`` the same command runs again on the cache the cold run left (a re-run).

Each run's figures: ``tests`` (items collected, from a small plugin the run loads),
``wall_s`` (the subprocess start to exit), ``cpu_s`` (its user + system CPU time with its
children, from ``os.wait4``), ``tests_per_s`` (tests ÷ wall), ``cpu_ms_per_test``,
``peak_rss_mb`` (the largest resident size of the process or a child it waited for:
``ru_maxrss`` of ``os.wait4``) and ``exit_code`` (1 is normal: the embedded model fails
thresholds). ``marginal`` has, per model and cache state, the CPU milliseconds per test
added from the smallest run to the largest, and the fixed cost that leaves (interpreter,
imports, collection, model load). The JSON has the machine's load average before and
after each run; other work on the machine stretches wall times, much less CPU times.

Threads: ``OMP_NUM_THREADS`` is passed through as it is in the caller's environment (set
it to 1 to pin torch to one thread, as the figures in the docs were; leave it unset for
the plugin's own policy).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

ROOT = Path(__file__).resolve().parents[1]

#: A plugin module each run loads (``-p mt_scaling_count``): writes how many items it ran.
COUNTER = """
import json, os

def pytest_collection_finish(session):
    with open(os.environ["MT_SCALING_COUNT"], "w") as out:
        json.dump({"tests": len(session.items)}, out)
"""


@dataclass(frozen=True)
class Run:
    """One ``pytest`` subprocess and what it cost."""

    model: str  # --mllm
    limit: int | None  # --mt-limit (None: the whole tier)
    cache: str  # "cold" (fresh cache folder) or "warm" (a re-run on the cold run's cache)
    tests: int  # items collected
    wall_s: float  # subprocess start to exit
    cpu_s: float  # user + system CPU seconds, its children included
    tests_per_s: float  # tests / wall_s
    cpu_ms_per_test: float  # cpu_s / tests, in milliseconds
    peak_rss_mb: float  # ru_maxrss of the process (or the largest child it waited for)
    exit_code: int  # pytest's exit code (1: some tests failed, normal for tiny-llava)
    load_before: float  # 1-minute load average just before the run
    load_after: float  # and just after it


def run_pytest(
    model: str,
    limit: int | None,
    cache: str,
    folder: Path,
    extra: Sequence[str],
    timeout_s: float,
) -> Run:
    """``python -m pytest`` over the standard tier in ``folder``; its cost, from ``wait4``."""
    workdir = folder / "project"
    workdir.mkdir(exist_ok=True)
    (workdir / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (workdir / "mt_scaling_count.py").write_text(COUNTER, encoding="utf-8")
    count_file = folder / "count.json"
    count_file.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(workdir), str(ROOT), *filter(None, [os.environ.get("PYTHONPATH", "")])]
    )
    env["MT_SCALING_COUNT"] = str(count_file)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "mt_scaling_count",
        f"--mllm={model}",
        "--mt-tier=standard",
        f"--mt-cache-dir={folder / 'cache'}",
        *([f"--mt-limit={limit}"] if limit is not None else []),
        *extra,
    ]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    with (folder / "output.txt").open("w", encoding="utf-8") as output:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=output, stderr=output)
        deadline = started + timeout_s
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    tests = (
        int(json.loads(count_file.read_text(encoding="utf-8"))["tests"])
        if count_file.exists()
        else 0
    )
    cpu = usage.ru_utime + usage.ru_stime
    peak = usage.ru_maxrss / (2**20 if sys.platform == "darwin" else 1024)
    return Run(
        model=model,
        limit=limit,
        cache=cache,
        tests=tests,
        wall_s=round(wall, 2),
        cpu_s=round(cpu, 2),
        tests_per_s=round(tests / wall, 1) if wall else 0.0,
        cpu_ms_per_test=round(1000 * cpu / tests, 2) if tests else 0.0,
        peak_rss_mb=round(peak, 1),
        exit_code=process.returncode,
        load_before=round(load_before, 2),
        load_after=round(os.getloadavg()[0], 2),
    )


def plan(
    models: Sequence[str], limits: Sequence[int], *, full: bool, quick: bool
) -> list[tuple[str, int | None]]:
    """The (model, limit) runs, in order: each model's limits, then its whole tier.

    ``quick`` leaves out tiny-llava's whole tier (many minutes on a CPU); ``full`` False
    leaves out every whole tier.
    """
    runs: list[tuple[str, int | None]] = []
    for model in models:
        runs.extend((model, limit) for limit in limits)
        if full and not (quick and model == "tiny-llava"):
            runs.append((model, None))
    return runs


def marginal_costs(runs: Sequence[Run]) -> list[dict[str, Any]]:
    """Per model and cache state: CPU ms per *added* test, smallest run to largest.

    The fixed cost of a run (interpreter, imports, collection, the model load) divides out:
    ``(cpu_largest - cpu_smallest) / (tests_largest - tests_smallest)``.
    """
    found = []
    for model in dict.fromkeys(r.model for r in runs):
        for cache in dict.fromkeys(r.cache for r in runs):
            mine = sorted((r for r in runs if (r.model, r.cache) == (model, cache)), key=_size)
            if len(mine) < 2 or mine[-1].tests == mine[0].tests:
                continue
            small, large = mine[0], mine[-1]
            per_test = 1000 * (large.cpu_s - small.cpu_s) / (large.tests - small.tests)
            fixed = small.cpu_s - per_test * small.tests / 1000
            found.append(
                {
                    "model": model,
                    "cache": cache,
                    "from_tests": small.tests,
                    "to_tests": large.tests,
                    "cpu_ms_per_added_test": round(per_test, 2),
                    "fixed_cpu_s": round(fixed, 2),
                }
            )
    return found


def _size(run: Run) -> int:
    return run.tests


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="skip tiny-llava's whole tier")
    parser.add_argument("--no-full", action="store_true", help="skip every whole tier")
    parser.add_argument("--models", default="tiny-llava,oracle", help="comma list of --mllm")
    parser.add_argument("--limits", default="1,4,16", help="comma list of --mt-limit values")
    parser.add_argument("--warm", action="store_true", help="also re-run each on its cache")
    parser.add_argument("--device", default="cpu", help="--mt-device (default cpu)")
    parser.add_argument("--timeout", type=float, default=7200.0, help="seconds per run")
    parser.add_argument("--json", type=Path, help="also write the result here")
    return parser.parse_args(argv)


def _commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return done.stdout.strip() or None


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the plan, print one line per run and the JSON; return the result."""
    opts = parse_args(argv)
    models = [m.strip() for m in opts.models.split(",") if m.strip()]
    limits = [int(x) for x in opts.limits.split(",") if x.strip()]
    models_dir = Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "pytest-multitrust", "models"
    )
    runs: list[Run] = []
    started = time.perf_counter()
    for model, limit in plan(models, limits, full=not opts.no_full, quick=opts.quick):
        with tempfile.TemporaryDirectory(prefix="mt-scaling-") as scratch:
            folder = Path(scratch)
            (folder / "cache").mkdir()
            if models_dir.is_dir():
                (folder / "cache" / "models").symlink_to(models_dir, target_is_directory=True)
            extra = [f"--mt-device={opts.device}"]
            caches = ("cold", "warm") if opts.warm else ("cold",)
            for cache in caches:
                run = run_pytest(model, limit, cache, folder, extra, opts.timeout)
                runs.append(run)
                sys.stderr.write(
                    f"[scaling {time.perf_counter() - started:7.1f} s] {model} limit "
                    f"{'all' if limit is None else limit} {cache}: {run.tests} tests, "
                    f"{run.wall_s} s wall, {run.cpu_s} s CPU, {run.cpu_ms_per_test} ms CPU "
                    f"per test, {run.peak_rss_mb} MB peak, exit {run.exit_code}\n"
                )
                sys.stderr.flush()
    result: dict[str, Any] = {
        "runs": [asdict(r) for r in runs],
        "marginal": marginal_costs(runs),
        "setup": {
            "models": models,
            "limits": limits,
            "full": not opts.no_full,
            "quick": opts.quick,
            "warm": opts.warm,
            "device": opts.device,
            "tier": "standard",
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
            "commit": _commit(),
        },
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count(),
        },
        "total_s": round(time.perf_counter() - started, 1),
    }
    text = json.dumps(result, indent=2)
    print(text)
    if opts.json is not None:
        opts.json.write_text(text + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
