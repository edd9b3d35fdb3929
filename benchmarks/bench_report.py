"""What ``--mt-report`` costs on top of a run: time, memory and the report folder's bytes.

Run from the repository root::

    python benchmarks/bench_report.py                       # oracle, standard tier, all tasks
    python benchmarks/bench_report.py --mt-tasks S.4,R.3 --json out.json

Four runs of ``pytest --mllm=oracle --mt-tier=standard`` (pure plugin cost: the scripted
``oracle`` model answers at once), each a subprocess in a fresh, empty working directory:

``plain-cold``
    without a report, with a fresh, empty cache directory (every image drawn);
``report-cold``
    with ``--mt-report`` into a fresh folder and another fresh cache directory (every
    image drawn and encoded for the report);
``plain-warm``
    the first run's command again, on its now warm cache;
``report-warm``
    the second run's command again, on its warm cache (drawn images and the report's
    encoded images reused), into a fresh report folder.

With ``--pairs N`` (default 3) the four runs are made N times, each time with fresh
folders, alternating which of plain and report goes first (ABBA: a machine that speeds
up or slows down during the invocation favours neither); on these shared cores one
pair's CPU ratio moved between 1.20 and 1.37 within an hour, so the ratios are the median
over the pairs, with every pair's ratio beside it.

Each run's figures: ``wall_s`` (start to exit), ``cpu_s`` (user + system seconds of the
subprocess, from ``os.wait4``), ``peak_rss_mb`` (its ``ru_maxrss``), ``load1`` (the
1-minute load average just before it) and, for the report runs, ``report_bytes`` per file
of the report folder (``images/`` summed, with its file count). ``ratios`` gives
report ÷ plain for wall, CPU and peak RSS, cold and warm: the median of the pairs of this
one invocation (``pair_ratios``: each pair's). The machine's load is printed: on a shared
machine compare CPU seconds, not wall seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

ROOT = Path(__file__).resolve().parents[1]


def _folder_bytes(folder: Path) -> dict[str, int]:
    """Bytes per file of a report folder; ``images/`` summed, with ``images_files``."""
    sizes: dict[str, int] = {}
    for path in sorted(folder.iterdir()):
        if path.is_dir():
            files = [p for p in path.iterdir() if p.is_file()]
            sizes[path.name + "/"] = sum(p.stat().st_size for p in files)
            sizes[path.name + "_files"] = len(files)
        else:
            sizes[path.name] = path.stat().st_size
    return sizes


def run_once(
    name: str, workdir: Path, cache: Path, report: Path | None, extra: Sequence[str]
) -> dict[str, Any]:
    """One pytest run as a subprocess; its wall, CPU, peak RSS and report folder's bytes."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH", "")])]
    )
    env.setdefault("OMP_NUM_THREADS", "1")
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--mllm=oracle",
        "--mt-tier=standard",
        f"--mt-cache-dir={cache}",
        "-q",
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        *extra,
    ]
    if report is not None:
        command.append(f"--mt-report={report}")
    load1 = os.getloadavg()[0]
    log = workdir.parent / f"{name}.log"
    started = time.perf_counter()
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=sink, stderr=sink)
        _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage
        process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    output = log.read_text(encoding="utf-8", errors="replace")
    lines = output.strip().splitlines()
    result: dict[str, Any] = {
        "run": name,
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: KiB
        "load1": round(load1, 2),
        "exit_code": process.returncode,
        "summary": lines[-1] if lines else "",
    }
    if report is not None:
        result["report_bytes"] = _folder_bytes(report)
    return result


def _ratio(a: dict[str, Any], b: dict[str, Any], key: str) -> float:
    return round(a[key] / b[key], 3) if b[key] else float("nan")


def _pair(folder: Path, extra: Sequence[str], *, report_first: bool) -> dict[str, Any]:
    """One cold and one warm pair (plain and report) in fresh folders under ``folder``."""
    workdir = folder / "project"
    workdir.mkdir(parents=True)
    caches = {"plain": folder / "cache-plain", "report": folder / "cache-report"}
    order = ("report", "plain") if report_first else ("plain", "report")
    runs: dict[str, dict[str, Any]] = {}
    for state in ("cold", "warm"):
        for kind in order:
            name = f"{kind}-{state}"
            report = folder / name if kind == "report" else None
            runs[name] = run_once(name, workdir, caches[kind], report, extra)
    ratios = {
        f"{state}_{key}": _ratio(runs[f"report-{state}"], runs[f"plain-{state}"], key)
        for state in ("cold", "warm")
        for key in ("wall_s", "cpu_s", "peak_rss_mb")
    }
    return {"runs": list(runs.values()), "ratios": ratios}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the pairs of runs and print their JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mt-tasks", default="", help="a subset of tasks (default: all)")
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument(
        "--pairs", type=int, default=3, help="cold and warm pairs, alternating order (default 3)"
    )
    opts = parser.parse_args(argv)
    if opts.pairs < 1:
        parser.error("--pairs must be at least 1")
    extra = [f"--mt-tasks={opts.mt_tasks}"] if opts.mt_tasks else []
    scratch = Path(tempfile.mkdtemp(prefix="mt-bench-report-"))
    pairs = [
        _pair(scratch / f"pair-{i}", extra, report_first=i % 2 == 1) for i in range(opts.pairs)
    ]
    keys = [
        f"{state}_{key}" for state in ("cold", "warm") for key in ("wall_s", "cpu_s", "peak_rss_mb")
    ]
    pair_ratios = {key: [p["ratios"][key] for p in pairs] for key in keys}
    result = {
        "command": "pytest --mllm=oracle --mt-tier=standard"
        + "".join(f" {e}" for e in extra)
        + " [--mt-report=DIR]",
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "pairs": opts.pairs,
        "load_before": pairs[0]["runs"][0]["load1"],
        "ratios": {key: round(statistics.median(values), 3) for key, values in pair_ratios.items()},
        "pair_ratios": pair_ratios,
        "runs": [dict(run, pair=i) for i, p in enumerate(pairs) for run in p["runs"]],
        "scratch": str(scratch) if opts.keep else None,
    }
    text = json.dumps(result, indent=2)
    print(text)
    if opts.json is not None:
        opts.json.write_text(text + "\n", encoding="utf-8")
    if not opts.keep:
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)
    return result


if __name__ == "__main__":
    main()
