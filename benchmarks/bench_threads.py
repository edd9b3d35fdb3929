"""What the README quick start costs, cold, under the thread policy and under torch's default.

Run from the repository root::

    python benchmarks/bench_threads.py                      # idle machine, both policies
    python benchmarks/bench_threads.py --busy 2             # with 2 busy-loop processes
    python benchmarks/bench_threads.py --busy 2 --mt-tasks T.1,S.4 --json out.json

Each run is the quick start exactly as a newcomer types it, ``pytest --mllm=tiny-llava
--mt-limit=4``, in a fresh, empty working directory with a fresh cache directory
(``XDG_CACHE_HOME`` in a temporary folder: the embedded model is built, every image drawn,
every answer generated), as a subprocess. ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS`` and
``OMP_WAIT_POLICY`` are removed from its environment, so the plugin's own policy decides.
Two policies are compared:

``policy``
    ``--mt-threads auto`` (the default): the cores shared out, fewer when busy.
``torch``
    ``--mt-threads torch``: torch's own default (one spinning OpenMP thread per core).

``--busy N`` starts N busy-loop processes (``while True: pass``) before the runs and
stops them after, to stand for other CPU-bound work on the machine. Each run's figures:

``wall_s``
    the subprocess's wall time, start to exit.
``cpu_s``
    its user + system CPU seconds, from ``resource.getrusage(RUSAGE_CHILDREN)`` taken just
    before and just after it (the busy loops are reaped only after the last run, so they
    are not counted).
``load1``
    the 1-minute load average just before the run (it includes the busy loops).

The JSON printed (and written to ``--json``) also has the machine's usable cores and
the command. ``--order`` chooses which policy runs first (default: ``policy,torch``);
a run right after another starts on a higher load average.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

ROOT = Path(__file__).resolve().parents[1]

#: The environment a user may set to choose threads themselves: removed for the runs.
_THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY")

_FLAGS = {"policy": "--mt-threads=auto", "torch": "--mt-threads=torch"}


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_quick_start(policy: str, extra: Sequence[str], timeout_s: float) -> dict[str, Any]:
    """One cold quick start under ``policy``, in fresh folders; its wall and CPU seconds."""
    scratch = Path(tempfile.mkdtemp(prefix="mt-bench-threads-"))
    workdir = scratch / "project"
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in _THREAD_ENV}
    env["XDG_CACHE_HOME"] = str(scratch / "xdg-cache")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH", "")])]
    )
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--mllm=tiny-llava",
        "--mt-limit=4",
        _FLAGS[policy],
        "-p",
        "no:randomly",
        *extra,
    ]
    load1 = os.getloadavg()[0]
    cpu_before = _children_cpu_s()
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
        code: int | None = done.returncode
        tail = (done.stdout.strip().splitlines() or [""])[-1]
    except subprocess.TimeoutExpired:
        code, tail = None, f"timed out after {timeout_s:.0f} s"
    wall = time.perf_counter() - started
    cpu = _children_cpu_s() - cpu_before
    return {
        "policy": policy,
        "flag": _FLAGS[policy],
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "load1": round(load1, 2),
        "exit_code": code,
        "summary": tail,
    }


def _busy_loops(count: int) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen([sys.executable, "-c", "while True: pass"], env={"PATH": ""})
        for _ in range(count)
    ]


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the comparison and print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--busy", type=int, default=0, help="busy-loop processes to start")
    parser.add_argument("--order", default="policy,torch", help="policies to run, in order")
    parser.add_argument("--mt-tasks", default="", help="a subset of tasks (default: all)")
    parser.add_argument("--timeout", type=float, default=3000.0, help="seconds per run")
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    opts = parser.parse_args(argv)
    extra = [f"--mt-tasks={opts.mt_tasks}"] if opts.mt_tasks else []
    busy = _busy_loops(opts.busy)
    runs: list[dict[str, Any]] = []
    try:
        if busy:
            time.sleep(5.0)  # let the busy loops show in the load average
        for policy in [p.strip() for p in opts.order.split(",") if p.strip()]:
            runs.append(run_quick_start(policy, extra, opts.timeout))
    finally:
        for process in busy:
            process.kill()
            process.wait()
    result = {
        "command": "pytest --mllm=tiny-llava --mt-limit=4" + "".join(f" {e}" for e in extra),
        "cores": _cores(),
        "busy_processes": opts.busy,
        "runs": runs,
    }
    text = json.dumps(result, indent=2)
    print(text)
    if opts.json is not None:
        opts.json.write_text(text + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
