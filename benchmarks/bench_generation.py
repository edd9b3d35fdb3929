"""Generation speed of the plugin against a bare ``generate`` loop, on the embedded tiny-llava.

Run from the repository root::

    python benchmarks/bench_generation.py --quick            # about 2 minutes on 2 idle cores
    python benchmarks/bench_generation.py --json bench.json  # the fuller run
    python benchmarks/bench_generation.py --quick --device cuda   # on a GPU

Every figure comes from this one run, on the same samples (the ``--tasks``, ``--tier``
and ``--limit`` selection, exactly as the plugin selects them) and the same decoding
settings (each task's own ``max_new_tokens``, capped by ``--max-new-tokens``; greedy).
Timings that are compared run in pairs, alternating, so that a change of load during the
benchmark (other work starting or stopping) moves both halves of a pair alike; each
ratio is the median of the pairs' ratios (``*_pairs``). ``--warmup`` pairs (default 1)
run first and are discarded: the first pair of a process pays first-call costs (lazy
imports, allocator growth) that a second does not. Images are drawn inside the timed
runs: the renderer's in-memory cache (the 64 most recent images) is emptied before each
timed run, as a fresh process starts with it empty. The figures:

``bare_draw_s`` + ``bare_s``
    A hand-written loop: the images drawn and the requests built (``bare_draw_s``, with
    the renderer's cache emptied first), then ``model.generate`` called on the plugin's
    batches (each task's requests, longest first, ``--batch-size`` at a time;
    ``bare_s``, only the ``generate`` calls). It calls the same loaded ``HFModel`` the
    plugin calls, so both pay the same per-batch work: the processor, the frame-stack
    headroom of :mod:`pytest_multitrust.models.framestack` and the decoding.
``plugin_s``
    ``pytest.main`` in this process on the same selection with ``--mt-cache=off``, timing
    its test loop (``pytest_runtestloop``): drawing images, building requests, generation,
    scoring, records, and pytest's own work for every sample and threshold test.
    Collection and the model load are outside it: both loops use the same loaded model.
    The benchmark checks that the plugin called ``generate`` on exactly the bare loop's
    batches (``same_batches``).
``overhead_ratio``
    The median over the pairs of ``plugin_s / (bare_draw_s + bare_s)``: what the plugin
    costs on top of the same drawing and generation done by hand.
    ``overhead_ratio_generate_only`` divides by ``bare_s`` alone (drawing counted as
    overhead). ``plugin_generate_s`` is the time the median pair's plugin run spent in
    ``generate``; ``plugin_other_s`` the rest.
``overhead_own_ratio``
    ``plugin_s / plugin_generate_s`` of the same plugin run: everything the plugin does
    (pytest, drawing, requests, scoring, records) on top of the generation it asked for.
``batch_speedup``
    The bare loop at batch size 1 divided by the bare loop at ``--batch-size``, on the
    first ``--batch-subset`` requests of the selection.
``cache_speedup``
    Pairs of ``pytest.main`` runs with the response cache on (``--mt-cache=readwrite``):
    a cold run on a fresh file, then a warm re-run; the median over the pairs of the cold
    test loop divided by the warm one. This process has torch imported and the model
    loaded, so it is the test loops only.
``rerun_speedup``
    The re-run as a user pays it: ``--repeat`` pairs of whole ``pytest`` subprocesses
    with the response cache on, a cold one on a fresh cache file and the same command
    again; the median of cold wall time divided by re-run wall time. Each includes the
    interpreter start, the imports (torch's included), configuration, collection and, in
    the cold run only, the weights' load (a re-run whose answers are all cached loads
    none). ``rerun_*_test_phase_s`` are their test phases.
``threads_policy_wall_ratio``
    ``--thread-pairs`` pairs of whole cold subprocess runs (cache off): one with the
    pinned ``--torch-threads``, one with the thread variables removed, so the plugin's
    default policy (``--mt-threads=auto``) decides, as it does for a user who sets
    nothing; the median of default wall time divided by pinned (and of CPU time,
    ``threads_policy_cpu_ratio``).
``xdist_speedup``
    Two ``pytest`` subprocesses over the tasks (at least 4), ``-n 0`` and ``-n 2``, cache
    off, each timed as a whole (interpreter start, imports, model load in every worker,
    collection: what a user waits for). ``xdist_test_phase_speedup`` compares only their
    test phases (first test started to last test reported, model loads included).
``collect_s``
    ``pytest --collect-only --mt-tasks=all`` (every registered task, standard tier) in a
    fresh subprocess, timing its ``pytest_collection`` hook (reading every task's data
    and building every test item). ``collect_wall_s`` is that subprocess's whole wall
    time: interpreter start, imports, configuration and collection.
``peak_rss_mb``
    Peak resident memory of this process (MiB), which ran the model and the in-process
    runs; ``peak_rss_children_mb`` is the largest subprocess (the xdist runs).

Every in-process timing is also taken as CPU time of this process (``*_cpu`` figures and
raw times; with one torch thread they count the same work as the wall times), and every
subprocess's CPU time is its user + system time with its workers. On a machine shared with
other work the wall times grow with the load while the CPU times barely move; the load
average before and after the run is part of the result.

Subprocesses run as a user's would on a second run: bytecode is written and read
(``PYTHONDONTWRITEBYTECODE`` is dropped) and an untimed ``--collect-only`` run goes
first. They run without the ``hypothesis`` and ``anyio`` pytest plugins, which come with
this project's test dependencies, not with the plugin.

Every process uses ``--torch-threads`` CPU threads (default 1; ``OMP_NUM_THREADS`` for
the subprocesses, so each ``-n 2`` worker gets one of the two cores either way), except
the default-policy half of the ``threads_policy`` pairs, which sets none.
tiny-llava's matrices are 64 wide: intra-op threads only add synchronisation, and on a
machine whose cores are busy with other work a second thread that has to wait for a core
makes every matrix product wait with it (measured here at load 9 on 2 cores: 8 requests
at batch 1 took 16.9 s with 2 threads and 2.8 s with 1).

Models are built once into ``--models-dir`` (default: the plugin's own model cache,
``~/.cache/pytest-multitrust/models``) and reused; the response cache of every run is a
fresh file in a temporary directory, removed at the end. Progress goes to stderr; the
machine's load average is part of the result.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest

from pytest_multitrust.engine.batching import length_order, request_length
from pytest_multitrust.engine.cache import CACHE_FILE
from pytest_multitrust.engine.runner import build_request
from pytest_multitrust.models.base import (
    MLLM,
    GenerationConfig,
    ModelInfo,
    Request,
    Response,
)

if TYPE_CHECKING:
    from collections.abc import Generator, Sequence

    from pytest_multitrust.tasks.base import TaskSpec

#: One ``generate`` call, as compared between the bare loop and the plugin.
Batch = tuple[GenerationConfig, tuple[tuple[str, str], ...]]

#: Per task: its decoding config and its requests.
Work = list[tuple[GenerationConfig, list[Request]]]


@dataclass(frozen=True)
class Preset:
    """A selection of samples and settings to measure on."""

    tasks: str  # comma list of task ids (at least 4 for the xdist comparison)
    tier: str  # data tier
    limit: int | None  # samples per task variant; None = the whole tier
    max_new_tokens: int  # cap on each task's own max_new_tokens
    batch_subset: int  # requests of the batch 1 vs batch N comparison
    repeat: int  # timings of bare loop and plugin run (paired; the median ratio is kept)


QUICK = Preset(
    tasks="T.1,T.2,T.5,T.6", tier="smoke", limit=3, max_new_tokens=48, batch_subset=16, repeat=3
)
FULL = Preset(
    tasks="T.1,T.2,T.4,T.5,T.6,T.7",
    tier="smoke",
    limit=None,
    max_new_tokens=64,
    batch_subset=32,
    repeat=3,
)


def signature(requests: Sequence[Request], config: GenerationConfig) -> Batch:
    """What identifies one ``generate`` call: the config and the (task, sample) ids."""
    return config, tuple((r.task_id, r.sample_id) for r in requests)


class TimedModel:
    """The loaded model, timing and recording every ``generate`` call."""

    def __init__(self, model: MLLM) -> None:
        self.model = model
        self.generate_s = 0.0
        self.generate_cpu_s = 0.0
        self.batches: list[Batch] = []

    @property
    def info(self) -> ModelInfo:
        return self.model.info

    def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return self.model.generate(requests, config)
        finally:
            self.generate_s += time.perf_counter() - started
            self.generate_cpu_s += time.process_time() - cpu
            self.batches.append(signature(requests, config))


class Timer:
    """A pytest plugin for in-process runs: serves the loaded model, times the test loop."""

    def __init__(self, model: MLLM | None) -> None:
        self.model = model
        self.loop_s = 0.0
        self.loop_cpu_s = 0.0

    @pytest.hookimpl(tryfirst=True)
    def pytest_multitrust_make_model(
        self, spec: object, options: object, config: pytest.Config
    ) -> MLLM | None:
        return self.model

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Generator[None, object, object]:
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return (yield)
        finally:
            self.loop_s = time.perf_counter() - started
            self.loop_cpu_s = time.process_time() - cpu


def run_inprocess(args: list[str], workdir: Path, model: MLLM | None) -> Timer:
    """``pytest.main(args)`` in ``workdir``, output captured; raises when it fails."""
    timer = Timer(model)
    out = io.StringIO()
    old = Path.cwd()
    os.chdir(workdir)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = pytest.main(args, plugins=[timer])
    finally:
        os.chdir(old)
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise RuntimeError(f"pytest {' '.join(args)} exited {code}:\n{out.getvalue()[-3000:]}")
    return timer


def selected_requests(
    tasks: Sequence[TaskSpec], tier: str, limit: int | None, cap: int | None
) -> Work:
    """Per task: its decoding config and its requests, as the plugin builds them."""
    from pytest_multitrust.imaging import render
    from pytest_multitrust.tasks.data import read_samples, samples_for_tier

    built = []
    for task in tasks:
        loaded = task.loader() if task.loader else read_samples(task.data)
        samples = samples_for_tier(loaded, tier, limit)
        tokens = min(task.max_new_tokens, cap) if cap else task.max_new_tokens
        requests = [
            build_request(s, task, render(s.image) if s.image is not None else None)
            for s in samples
        ]
        built.append((GenerationConfig(max_new_tokens=tokens, seed=0), requests))
    return built


def bare_batches(work: Work, batch_size: int) -> list[tuple[GenerationConfig, list[Request]]]:
    """The plugin's batches: each task's requests, longest first, ``batch_size`` at a time."""
    batches = []
    for config, requests in work:
        order = length_order([request_length(r) for r in requests])
        for start in range(0, len(order), batch_size):
            batches.append((config, [requests[i] for i in order[start : start + batch_size]]))
    return batches


@dataclass(frozen=True)
class Seconds:
    """A timing: wall-clock and CPU seconds of the same stretch of work."""

    wall: float  # wall-clock seconds
    cpu: float  # CPU seconds of the process (all its threads)


def bare_loop(model: MLLM, work: Work, batch_size: int) -> Seconds:
    """Seconds spent in ``generate`` over the plugin's batches."""
    wall = cpu = 0.0
    for config, batch in bare_batches(work, batch_size):
        started, cpu_started = time.perf_counter(), time.process_time()
        model.generate(batch, config)
        wall += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
    return Seconds(wall, cpu)


def subset(work: Work, count: int) -> Work:
    """The first ``count`` requests of the selection, with their configs."""
    kept: Work = []
    left = count
    for config, requests in work:
        if left <= 0:
            break
        kept.append((config, requests[:left]))
        left -= len(requests[:left])
    return kept


#: A plugin module for subprocess runs (``-p mt_bench_timer``): writes, as JSON, the
#: seconds of ``pytest_collection`` and of the test phase as the main process sees it.
SUBPROCESS_TIMER = """
import json, os, time
import pytest

_times = {"collect_s": None, "collect_cpu_s": None, "items": 0, "first_start": None,
          "last_report": None}

@pytest.hookimpl(wrapper=True)
def pytest_collection(session):
    started, cpu = time.perf_counter(), time.process_time()
    try:
        return (yield)
    finally:
        _times["collect_s"] = time.perf_counter() - started
        _times["collect_cpu_s"] = time.process_time() - cpu
        _times["items"] = len(session.items)

def pytest_runtest_logstart(nodeid, location):
    if _times["first_start"] is None:
        _times["first_start"] = time.perf_counter()

def pytest_runtest_logreport(report):
    _times["last_report"] = time.perf_counter()

def pytest_sessionfinish(session):
    if hasattr(session.config, "workerinput"):
        return
    start, end = _times.pop("first_start"), _times.pop("last_report")
    _times["test_phase_s"] = end - start if start is not None and end is not None else None
    with open(os.environ["MT_BENCH_TIMES"], "w") as out:
        json.dump(_times, out)
"""


@dataclass(frozen=True)
class SubprocessRun:
    """The timings of one ``pytest`` subprocess."""

    wall_s: float  # the whole subprocess
    cpu_s: float  # its user + system CPU time, workers included
    collect_s: float | None  # its pytest_collection hook (None under xdist's controller)
    collect_cpu_s: float | None  # CPU time of that hook
    items: int  # items it collected (0 under xdist's controller)
    test_phase_s: float | None  # first test started to last test reported


def run_subprocess(args: list[str], workdir: Path, env: dict[str, str]) -> SubprocessRun:
    """``python -m pytest -p mt_bench_timer args`` in ``workdir``; raises when it fails."""
    times = workdir / "times.json"
    times.unlink(missing_ok=True)
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "mt_bench_timer",
            "-p",
            "no:hypothesispytest",
            "-p",
            "no:anyio",
            *args,
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
        env={**env, "MT_BENCH_TIMES": str(times)},
    )
    wall_s = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        raise RuntimeError(
            f"pytest {' '.join(args)} exited {done.returncode}:\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    raw = json.loads(times.read_text(encoding="utf-8"))
    return SubprocessRun(
        wall_s=wall_s,
        cpu_s=cpu_s,
        collect_s=raw["collect_s"],
        collect_cpu_s=raw["collect_cpu_s"],
        items=int(raw["items"]),
        test_phase_s=raw["test_phase_s"],
    )


def log(message: str, started: float) -> None:
    """A progress line on stderr, with the seconds since ``started``."""
    sys.stderr.write(f"[bench {time.perf_counter() - started:6.1f} s] {message}\n")
    sys.stderr.flush()


def peak_rss_mb(who: int) -> float:
    peak = resource.getrusage(who).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def ratio(numerator: float | None, denominator: float | None, digits: int = 2) -> float | None:
    """``numerator / denominator`` rounded, or None when either is missing or zero."""
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, digits)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument(
        "--quick", action="store_true", help="small selection: about a minute on 2 idle CPU cores"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--tasks", help="comma list of task ids (at least 4 for xdist)")
    parser.add_argument("--tier", choices=("smoke", "standard"))
    parser.add_argument("--limit", type=int, help="samples per task variant")
    parser.add_argument("--max-new-tokens", type=int, help="cap on each task's own limit")
    parser.add_argument("--batch-size", type=int, default=8, help="batched size (default 8)")
    parser.add_argument("--batch-subset", type=int, help="requests for the batch-1 comparison")
    parser.add_argument(
        "--repeat", type=int, help="bare loop + plugin run pairs (the median ratio is kept)"
    )
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N")
    parser.add_argument(
        "--models-dir",
        type=Path,
        help="where tiny-llava is built once and reused (default: the "
        "plugin's model cache, ~/.cache/pytest-multitrust/models)",
    )
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=1,
        help="CPU threads of every process (default 1; 0 = torch's default)",
    )
    parser.add_argument(
        "--warmup", type=int, default=1, help="pairs run first and discarded (default 1)"
    )
    parser.add_argument(
        "--thread-pairs",
        type=int,
        default=1,
        help="whole cold runs, pinned threads beside the default policy (default 1; 0 skips)",
    )
    parser.add_argument("--no-xdist", action="store_true", help="skip the xdist comparison")
    return parser.parse_args(argv)


def drawn_requests(
    tasks: Sequence[TaskSpec], tier: str, limit: int | None, cap: int | None
) -> tuple[Work, Seconds]:
    """:func:`selected_requests` with the renderer's cache emptied first, and its time.

    Every image is drawn and encoded again, as a run in a fresh process draws it.
    """
    from pytest_multitrust.imaging import render

    render.cache_clear()
    started, cpu = time.perf_counter(), time.process_time()
    work = selected_requests(tasks, tier, limit, cap)
    return work, Seconds(time.perf_counter() - started, time.process_time() - cpu)


def forget_images() -> None:
    """Empty the renderer's in-memory cache, so the next run draws its images again."""
    from pytest_multitrust.imaging import render

    render.cache_clear()


def median_pair(values: Sequence[float]) -> int:
    """The index of the median value (the lower middle of an even count)."""
    return sorted(range(len(values)), key=lambda i: values[i])[(len(values) - 1) // 2]


def thread_env(env: dict[str, str], threads: int) -> dict[str, str]:
    """``env`` with the thread variables removed (``threads`` 0: the plugin's policy
    decides) or pinned to ``threads``."""
    cleared = {k: v for k, v in env.items() if k not in THREAD_ENV}
    if threads > 0:
        cleared.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    return cleared


#: The environment variables a user sets to choose torch's threads themselves.
THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY")


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    opts = parse_args(argv)
    preset = QUICK if opts.quick else FULL
    tasks_arg: str = opts.tasks or preset.tasks
    tier: str = opts.tier or preset.tier
    limit: int | None = opts.limit if opts.limit is not None else preset.limit
    cap: int = opts.max_new_tokens or preset.max_new_tokens
    batch_subset: int = opts.batch_subset or preset.batch_subset
    repeat: int = max(1, opts.repeat or preset.repeat)
    warmup = max(0, opts.warmup)

    started_all = time.perf_counter()
    load_before = os.getloadavg()
    scratch = Path(tempfile.mkdtemp(prefix="mt-bench-"))
    cache_dir = scratch / "cache"
    workdir = scratch / "project"
    workdir.mkdir()
    (workdir / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (workdir / "mt_bench_timer.py").write_text(SUBPROCESS_TIMER, encoding="utf-8")
    base_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    base_env["PYTHONPATH"] = os.pathsep.join(
        [str(workdir), *filter(None, [os.environ.get("PYTHONPATH", "")])]
    )
    sub_env = thread_env(base_env, opts.torch_threads)
    policy_env = thread_env(base_env, 0)

    def clear_cache_file() -> None:
        for suffix in ("", "-wal", "-shm"):
            (cache_dir / (CACHE_FILE + suffix)).unlink(missing_ok=True)

    try:
        import torch

        from pytest_multitrust.models.hf import HFModel
        from pytest_multitrust.models.registry import ModelOptions
        from pytest_multitrust.models.tiny import ensure_tiny_llava
        from pytest_multitrust.settings import default_cache_dir
        from pytest_multitrust.tasks.registry import select_tasks

        if opts.torch_threads > 0:
            torch.set_num_threads(opts.torch_threads)
        models_dir = (opts.models_dir or default_cache_dir() / "models").resolve()
        models_dir.mkdir(parents=True, exist_ok=True)
        cache_dir.mkdir()
        (cache_dir / "models").symlink_to(models_dir, target_is_directory=True)
        options = ModelOptions(device=opts.device, cache_dir=cache_dir / "models")
        path = ensure_tiny_llava(options.cache_dir, seed=0)
        model = HFModel.load(str(path), options=options, spec="tiny-llava")
        log(f"model ready on {model.info.device} ({path})", started_all)
        tasks = select_tasks(tasks_arg.split(","))
        if not opts.no_xdist and len(tasks) < 4:
            raise SystemExit("the xdist comparison needs at least 4 tasks (--tasks)")
        work = selected_requests(tasks, tier, limit, cap)
        samples = sum(len(r) for _, r in work)
        common = [
            "-p",
            "no:cacheprovider",
            "-q",
            "--mllm=tiny-llava",
            f"--mt-tasks={tasks_arg}",
            f"--mt-tier={tier}",
            f"--mt-cache-dir={cache_dir}",
            f"--mt-device={opts.device}",
            f"--mt-batch-size={opts.batch_size}",
            f"--mt-max-new-tokens={cap}",
        ]
        if limit is not None:
            common.append(f"--mt-limit={limit}")
        # The in-process runs share this process's torch with the bare loop: the same threads
        # for both (without it the plugin's policy gives an idle machine's cores to torch,
        # and the comparison would time two thread counts, not the plugin's overhead).
        inprocess = [
            *common,
            f"--mt-threads={opts.torch_threads}"
            if opts.torch_threads > 0
            else "--mt-threads=torch",
        ]
        log(f"{samples} samples of {tasks_arg} built", started_all)

        model.generate(work[0][1][:2], work[0][0])  # warm-up: first-call allocations
        expected = [signature(b, c) for c, b in bare_batches(work, opts.batch_size)]

        # -- overhead: warm-up pairs discarded, images drawn inside both timings ----------
        draw_times: list[Seconds] = []
        bare_times: list[Seconds] = []
        plugin_runs: list[tuple[Seconds, TimedModel]] = []
        for index in range(warmup + repeat):
            drawn, drawing = drawn_requests(tasks, tier, limit, cap)
            generating = bare_loop(model, drawn, opts.batch_size)
            timed = TimedModel(model)
            forget_images()
            run = run_inprocess([*inprocess, "--mt-cache=off"], workdir, timed)
            kept = index >= warmup
            log(
                f"{'pair' if kept else 'warm-up pair'}: bare draw {drawing.wall:.2f} s + "
                f"generate {generating.wall:.2f} s; plugin test loop {run.loop_s:.2f} s "
                f"({timed.generate_s:.2f} s in generate)",
                started_all,
            )
            if kept:
                draw_times.append(drawing)
                bare_times.append(generating)
                plugin_runs.append((Seconds(run.loop_s, run.loop_cpu_s), timed))
        pairs = [
            run.wall / (d.wall + b.wall)
            for d, b, (run, _) in zip(draw_times, bare_times, plugin_runs, strict=True)
        ]
        cpu_pairs = [
            run.cpu / (d.cpu + b.cpu)
            for d, b, (run, _) in zip(draw_times, bare_times, plugin_runs, strict=True)
        ]
        generate_only_pairs = [
            run.wall / b.wall for b, (run, _) in zip(bare_times, plugin_runs, strict=True)
        ]
        middle = median_pair(pairs)
        drawing, bare = draw_times[middle], bare_times[middle]
        plugin, timed = plugin_runs[middle]
        same_batches = all(t.batches == expected for _, t in plugin_runs)

        few = subset(work, batch_subset)
        batch1 = bare_loop(model, few, 1)
        batched = bare_loop(model, few, opts.batch_size)
        log(
            f"batch 1: {batch1.wall:.2f} s, batch {opts.batch_size}: {batched.wall:.2f} s",
            started_all,
        )

        # -- cache, in this process: test loops of a cold run and its warm re-run ----------
        cache_runs: list[tuple[Timer, Timer]] = []
        for index in range(warmup + repeat):
            clear_cache_file()
            forget_images()
            cold = run_inprocess([*inprocess, "--mt-cache=readwrite"], workdir, model)
            forget_images()
            warm = run_inprocess([*inprocess, "--mt-cache=readwrite"], workdir, model)
            kept = index >= warmup
            log(
                f"{'cache' if kept else 'warm-up cache'}: cold {cold.loop_s:.2f} s, warm "
                f"{warm.loop_s:.3f} s (test loops)",
                started_all,
            )
            if kept:
                cache_runs.append((cold, warm))
        cache_pairs = [c.loop_s / w.loop_s for c, w in cache_runs]
        cache_cpu_pairs = [c.loop_cpu_s / w.loop_cpu_s for c, w in cache_runs]
        cold, warm = cache_runs[median_pair(cache_pairs)]

        collect_args = [
            "-p",
            "no:cacheprovider",
            "-q",
            "--collect-only",
            "--mllm=tiny-llava",
            "--mt-tasks=all",
            f"--mt-cache-dir={cache_dir}",
        ]
        run_subprocess(collect_args, workdir, sub_env)  # untimed: writes the bytecode
        collect = run_subprocess(collect_args, workdir, sub_env)
        log(f"collection: {collect.collect_s:.2f} s ({collect.wall_s:.2f} s wall)", started_all)

        # -- the re-run as a whole command: a cold pytest, then the same command again -----
        rerun_runs: list[tuple[SubprocessRun, SubprocessRun]] = []
        for _ in range(repeat):
            clear_cache_file()
            first = run_subprocess([*common, "--mt-cache=readwrite"], workdir, sub_env)
            again = run_subprocess([*common, "--mt-cache=readwrite"], workdir, sub_env)
            rerun_runs.append((first, again))
            log(
                f"whole command: cold {first.wall_s:.2f} s, re-run {again.wall_s:.2f} s "
                f"(test phases {first.test_phase_s:.2f} s, {again.test_phase_s:.3f} s)",
                started_all,
            )
        rerun_pairs = [a.wall_s / b.wall_s for a, b in rerun_runs]
        rerun_cpu_pairs = [a.cpu_s / b.cpu_s for a, b in rerun_runs]
        rerun_cold, rerun_warm = rerun_runs[median_pair(rerun_pairs)]

        # -- the user's default thread policy beside the pinned threads, cold, cache off ---
        thread_runs: list[tuple[SubprocessRun, SubprocessRun]] = []
        for _ in range(opts.thread_pairs):
            pinned = run_subprocess([*common, "--mt-cache=off"], workdir, sub_env)
            policy = run_subprocess([*common, "--mt-cache=off"], workdir, policy_env)
            thread_runs.append((pinned, policy))
            log(
                f"threads: pinned {pinned.wall_s:.2f} s ({pinned.cpu_s:.1f} s CPU), default "
                f"policy {policy.wall_s:.2f} s ({policy.cpu_s:.1f} s CPU)",
                started_all,
            )
        policy_pairs = [p.wall_s / n.wall_s for n, p in thread_runs]
        policy_cpu_pairs = [p.cpu_s / n.cpu_s for n, p in thread_runs]

        n0: SubprocessRun | None = None
        n2: SubprocessRun | None = None
        if not opts.no_xdist:
            n0 = run_subprocess([*common, "--mt-cache=off", "-n", "0"], workdir, sub_env)
            log(f"-n 0: {n0.wall_s:.2f} s", started_all)
            n2 = run_subprocess([*common, "--mt-cache=off", "-n", "2"], workdir, sub_env)
            log(f"-n 2: {n2.wall_s:.2f} s", started_all)

        n0_wall, n2_wall = (n0.wall_s if n0 else None), (n2.wall_s if n2 else None)
        n0_phase, n2_phase = (n0.test_phase_s if n0 else None), (n2.test_phase_s if n2 else None)

        def seconds(value: float | None, digits: int = 3) -> float | None:
            return None if value is None else round(value, digits)

        def median_or_none(values: Sequence[float], digits: int = 3) -> float | None:
            return round(statistics.median(values), digits) if values else None

        figures: dict[str, Any] = {
            "overhead_ratio": round(statistics.median(pairs), 3),
            "overhead_ratio_cpu": round(statistics.median(cpu_pairs), 3),
            "overhead_ratio_generate_only": round(statistics.median(generate_only_pairs), 3),
            "overhead_own_ratio": ratio(plugin.wall, timed.generate_s, 3),
            "overhead_own_ratio_cpu": ratio(plugin.cpu, timed.generate_cpu_s, 3),
            "batch_speedup": ratio(batch1.wall, batched.wall),
            "batch_speedup_cpu": ratio(batch1.cpu, batched.cpu),
            "cache_speedup": round(statistics.median(cache_pairs), 2),
            "cache_speedup_cpu": round(statistics.median(cache_cpu_pairs), 2),
            "rerun_speedup": round(statistics.median(rerun_pairs), 2),
            "rerun_speedup_cpu": round(statistics.median(rerun_cpu_pairs), 2),
            "threads_policy_wall_ratio": median_or_none(policy_pairs),
            "threads_policy_cpu_ratio": median_or_none(policy_cpu_pairs),
            "xdist_speedup": ratio(n0_wall, n2_wall),
            "xdist_test_phase_speedup": ratio(n0_phase, n2_phase),
            "xdist_cpu_ratio": ratio(n2.cpu_s if n2 else None, n0.cpu_s if n0 else None),
            "collect_s": seconds(collect.collect_s),
            "collect_cpu_s": seconds(collect.collect_cpu_s),
            "peak_rss_mb": round(peak_rss_mb(resource.RUSAGE_SELF), 1),
            "peak_rss_children_mb": round(peak_rss_mb(resource.RUSAGE_CHILDREN), 1),
        }
        raw: dict[str, Any] = {
            "bare_draw_s": round(drawing.wall, 3),
            "bare_draw_cpu_s": round(drawing.cpu, 3),
            "bare_s": round(bare.wall, 3),
            "bare_cpu_s": round(bare.cpu, 3),
            "bare_draw_s_all": [round(t.wall, 3) for t in draw_times],
            "bare_s_all": [round(t.wall, 3) for t in bare_times],
            "plugin_s": round(plugin.wall, 3),
            "plugin_cpu_s": round(plugin.cpu, 3),
            "plugin_s_all": [round(t.wall, 3) for t, _ in plugin_runs],
            "plugin_generate_s": round(timed.generate_s, 3),
            "plugin_generate_cpu_s": round(timed.generate_cpu_s, 3),
            "plugin_other_s": round(plugin.wall - timed.generate_s, 3),
            "overhead_ratio_pairs": [round(r, 3) for r in pairs],
            "overhead_ratio_cpu_pairs": [round(r, 3) for r in cpu_pairs],
            "overhead_ratio_generate_only_pairs": [round(r, 3) for r in generate_only_pairs],
            "plugin_batches": len(timed.batches),
            "same_batches": same_batches,
            "batch1_s": round(batch1.wall, 3),
            "batched_s": round(batched.wall, 3),
            "batch1_cpu_s": round(batch1.cpu, 3),
            "batched_cpu_s": round(batched.cpu, 3),
            "batch_subset": sum(len(r) for _, r in few),
            "cache_cold_s": round(cold.loop_s, 3),
            "cache_warm_s": round(warm.loop_s, 3),
            "cache_cold_cpu_s": round(cold.loop_cpu_s, 3),
            "cache_warm_cpu_s": round(warm.loop_cpu_s, 3),
            "cache_speedup_pairs": [round(r, 2) for r in cache_pairs],
            "cache_speedup_cpu_pairs": [round(r, 2) for r in cache_cpu_pairs],
            "rerun_cold_s": round(rerun_cold.wall_s, 2),
            "rerun_warm_s": round(rerun_warm.wall_s, 2),
            "rerun_cold_cpu_s": round(rerun_cold.cpu_s, 2),
            "rerun_warm_cpu_s": round(rerun_warm.cpu_s, 2),
            "rerun_cold_test_phase_s": seconds(rerun_cold.test_phase_s),
            "rerun_warm_test_phase_s": seconds(rerun_warm.test_phase_s),
            "rerun_speedup_pairs": [round(r, 2) for r in rerun_pairs],
            "rerun_speedup_cpu_pairs": [round(r, 2) for r in rerun_cpu_pairs],
            "threads_pinned_s": [round(n.wall_s, 2) for n, _ in thread_runs],
            "threads_pinned_cpu_s": [round(n.cpu_s, 2) for n, _ in thread_runs],
            "threads_policy_s": [round(p.wall_s, 2) for _, p in thread_runs],
            "threads_policy_cpu_s": [round(p.cpu_s, 2) for _, p in thread_runs],
            "xdist_n0_s": seconds(n0_wall, 2),
            "xdist_n2_s": seconds(n2_wall, 2),
            "xdist_n0_test_phase_s": seconds(n0_phase, 2),
            "xdist_n2_test_phase_s": seconds(n2_phase, 2),
            "xdist_n0_cpu_s": seconds(n0.cpu_s if n0 else None, 2),
            "xdist_n2_cpu_s": seconds(n2.cpu_s if n2 else None, 2),
            "collect_items": collect.items,
            "collect_wall_s": round(collect.wall_s, 2),
            "total_s": round(time.perf_counter() - started_all, 1),
        }
        result = {
            "figures": figures,
            "raw": raw,
            "setup": {
                "model": "tiny-llava",
                "device": model.info.device,
                "tasks": tasks_arg,
                "tier": tier,
                "limit": limit,
                "max_new_tokens_cap": cap,
                "samples": samples,
                "batch_size": opts.batch_size,
                "repeat": repeat,
                "warmup": warmup,
                "thread_pairs": opts.thread_pairs,
                "torch_threads": torch.get_num_threads(),
                "quick": opts.quick,
            },
            "machine": {
                "python": platform.python_version(),
                "torch": torch.__version__,
                "cpus": len(os.sched_getaffinity(0))
                if hasattr(os, "sched_getaffinity")
                else os.cpu_count(),
                "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
                "platform": platform.platform(),
                "load_avg_1min": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
            },
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report(result)
    if opts.json:
        opts.json.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", "utf-8")
    return result


def report(result: dict[str, Any]) -> None:
    """Print the figures with their raw times, then the whole result as JSON."""
    f, r, s, m = result["figures"], result["raw"], result["setup"], result["machine"]
    lines = [
        f"tiny-llava on {s['device']} ({s['torch_threads']} torch threads; load average "
        f"{m['load_avg_1min'][0]} -> {m['load_avg_1min'][1]} on {m['cpus']} cores): "
        f"{s['samples']} samples of {s['tasks']} ({s['tier']}, limit {s['limit']}, "
        f"max_new_tokens <= {s['max_new_tokens_cap']}), batch {s['batch_size']}; "
        f"median of {s['repeat']} pairs after {s['warmup']} warm-up pair(s)",
        f"overhead_ratio {f['overhead_ratio']!s:>7}  plugin test loop {r['plugin_s']} s "
        f"(generate {r['plugin_generate_s']} s + other {r['plugin_other_s']} s) / bare "
        f"draw {r['bare_draw_s']} s + generate {r['bare_s']} s; pairs "
        f"{r['overhead_ratio_pairs']}; same batches: {r['same_batches']}   target <= 1.05",
        f"  cpu          {f['overhead_ratio_cpu']!s:>7}  pairs {r['overhead_ratio_cpu_pairs']}",
        f"  vs generate  {f['overhead_ratio_generate_only']!s:>7}  plugin test loop / bare "
        f"generate only (drawing counted as overhead); pairs "
        f"{r['overhead_ratio_generate_only_pairs']}",
        f"  own          {f['overhead_own_ratio']!s:>7}  plugin test loop / its own generate "
        f"time; cpu {f['overhead_own_ratio_cpu']}",
        f"batch_speedup  {f['batch_speedup']!s:>7}  batch 1 {r['batch1_s']} s / batch "
        f"{s['batch_size']} {r['batched_s']} s on {r['batch_subset']} requests   target >= 3",
        f"cache_speedup  {f['cache_speedup']!s:>7}  cold {r['cache_cold_s']} s / warm "
        f"{r['cache_warm_s']} s (test loops); pairs {r['cache_speedup_pairs']}   target >= 20",
        f"  cpu          {f['cache_speedup_cpu']!s:>7}  pairs {r['cache_speedup_cpu_pairs']}",
        f"rerun_speedup  {f['rerun_speedup']!s:>7}  whole command: cold {r['rerun_cold_s']} s "
        f"/ re-run {r['rerun_warm_s']} s; pairs {r['rerun_speedup_pairs']}; CPU "
        f"{r['rerun_cold_cpu_s']} s / {r['rerun_warm_cpu_s']} s",
        f"threads policy {f['threads_policy_wall_ratio']!s:>7}  default policy / pinned, "
        f"whole cold runs: wall {r['threads_policy_s']} s / {r['threads_pinned_s']} s, CPU "
        f"{r['threads_policy_cpu_s']} s / {r['threads_pinned_cpu_s']} s "
        f"(cpu ratio {f['threads_policy_cpu_ratio']})",
        f"xdist_speedup  {f['xdist_speedup']!s:>7}  -n 0 {r['xdist_n0_s']} s / -n 2 "
        f"{r['xdist_n2_s']} s (whole runs); test phases {r['xdist_n0_test_phase_s']} s / "
        f"{r['xdist_n2_test_phase_s']} s = {f['xdist_test_phase_speedup']}",
        f"collect_s      {f['collect_s']!s:>7}  {r['collect_items']} items, every registered "
        f"task (whole --collect-only process {r['collect_wall_s']} s)   target < 2",
        f"peak_rss_mb    {f['peak_rss_mb']!s:>7}  (largest subprocess {f['peak_rss_children_mb']})",
        f"total {r['total_s']} s",
    ]
    sys.stdout.write("\n".join(lines) + "\n" + json.dumps(result, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
