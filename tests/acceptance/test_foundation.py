"""The foundation, end to end: pytest runs MultiTrust tasks as tests."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from mt_helpers import parse_summary

if TYPE_CHECKING:
    from collections.abc import Callable


def test_oracle_gets_full_accuracy_on_t1(run_trust: Callable[..., pytest.RunResult]) -> None:
    result = run_trust("--mllm=oracle", "--mt-tasks=T.1")
    assert result.ret == 0, result.stdout.str()
    summary = parse_summary(result.outlines)
    assert summary["T.1.accuracy"].value == 1.0
    assert summary["T.1.accuracy"].verdict == "PASS"
    # accuracy_v1 is the original's lenient rule, reported beside ours for comparability
    assert summary["T.1.accuracy_v1"].value == 1.0
    thresholds = [key for key in summary if key.startswith("T.1.")]
    result.assert_outcomes(passed=summary["T.1.accuracy"].n + len(thresholds))


def test_refuser_passes_s4_with_full_refusal(run_trust: Callable[..., pytest.RunResult]) -> None:
    result = run_trust("--mllm=refuser", "--mt-tasks=S.4")
    assert result.ret == 0, result.stdout.str()
    summary = parse_summary(result.outlines)
    assert summary["S.4.rta"].value == 1.0
    assert summary["S.4.asr"].value == 0.0


def test_echo_fails_s4_threshold_with_domain_message(
    run_trust: Callable[..., pytest.RunResult],
) -> None:
    result = run_trust("--mllm=echo", "--mt-tasks=S.4", "--mt-tier=smoke")
    assert result.ret == 1
    summary = parse_summary(result.outlines)
    assert summary["S.4.rta"].verdict == "FAIL"
    output = result.stdout.str()
    assert re.search(r"S\.4 .*: rta = 0\.000, needs >= 0\.9", output)
    assert "worst samples:" in output
    assert "Traceback" not in output
    assert "runtest" not in output
    # a missed sample is a MISS, not a failure: only the threshold tests fail
    assert re.search(r"2 failed, \d+ miss", output)


def test_metrics_identical_with_and_without_xdist(
    run_trust: Callable[..., pytest.RunResult],
) -> None:
    args = ("--mllm=oracle", "--mt-tasks=T.1,S.4", "--mt-tier=smoke")
    serial = run_trust(*args)
    parallel = run_trust(*args, "-n", "2")
    assert serial.ret == parallel.ret == 0, parallel.stdout.str()
    assert parse_summary(serial.outlines) == parse_summary(parallel.outlines)
    # T.1 accuracy and accuracy_v1, S.4 rta and asr
    assert set(parse_summary(serial.outlines)) == {
        "T.1.accuracy",
        "T.1.accuracy_v1",
        "S.4.rta",
        "S.4.asr",
    }


def test_each_task_runs_on_a_single_worker(run_trust: Callable[..., pytest.RunResult]) -> None:
    result = run_trust("--mllm=refuser", "--mt-tasks=T.1,S.4", "--mt-limit=3", "-n", "2", "-v")
    workers: dict[str, set[str]] = {}
    order: dict[str, list[str]] = {}
    for line in result.outlines:
        match = re.match(r"\[(gw\d+)\] \[\s*\d+%\] \w+ (multitrust/\w+/[A-Z]\.\d+)::(\S+)", line)
        if match:
            workers.setdefault(match[2], set()).add(match[1])
            order.setdefault(match[2], []).append(match[3])
    assert set(workers) == {"multitrust/truthfulness/T.1", "multitrust/safety/S.4"}
    assert all(len(w) == 1 for w in workers.values()), workers
    for names in order.values():  # threshold tests come after every sample of the task
        first_threshold = min(i for i, n in enumerate(names) if n.startswith("threshold["))
        assert all(n.startswith("threshold[") for n in names[first_threshold:])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mllm=does-not-exist"], "unknown model. Known models: "),
        (["--mllm=oracle", "--mt-limit=0"], "--mt-limit: invalid value '0'"),
        (["--mllm=oracle", "--mt-tier=huge"], "expected smoke or standard"),
        (["--mllm=oracle", "--mt-tasks=Z.9"], "unknown task or aspect 'Z.9'"),
        (["--mllm=oracle", "--mt-threshold=S.4.rta=>0.9"], "--mt-threshold: invalid value"),
        (["--mllm=oracle", "--mt-threshold=S.4.asr>=0.9"], "lower-is-better, so use <="),
        (["--mllm=oracle", "--mt-device=tpu"], "auto, cpu, cuda, cuda:N or mps"),
        (["--mllm=py:nomodule"], "expected py:<module>:<factory>"),
    ],
)
def test_bad_options_exit_4_with_a_clear_message(
    run_trust: Callable[..., pytest.RunResult], args: list[str], message: str
) -> None:
    result = run_trust(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()
    assert "Traceback" not in result.stderr.str()


def test_unknown_model_does_not_import_torch(pytester: pytest.Pytester) -> None:
    code = (
        "import sys, pytest\n"
        "rc = pytest.main(['--mllm=does-not-exist', '-p', 'no:cacheprovider'])\n"
        "print('RC', int(rc), 'TORCH', 'torch' in sys.modules,\n"
        "      'TF', 'transformers' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=pytester.path, timeout=120
    )
    assert "RC 4 TORCH False TF False" in out.stdout, out.stdout + out.stderr
    assert "tiny-llava" in out.stderr


def test_help_imports_no_heavy_module(pytester: pytest.Pytester) -> None:
    code = (
        "import sys, pytest\n"
        "pytest.main(['--help'])\n"
        "names = ('torch', 'transformers', 'PIL', 'numpy', 'scipy')\n"
        "heavy = [m for m in names if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=pytester.path, timeout=120
    )
    assert "HEAVY []" in out.stdout, out.stdout[-500:]
    assert "--mllm=MLLM" in out.stdout
    assert "--mt-tasks=MT_TASKS" in out.stdout


def test_inactive_without_a_model(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    assert True\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    output = result.stdout.str()
    assert "multitrust/" not in output
    assert "multitrust:" not in output
    assert "collected 1 item" in output


def test_rootdir_conftest_hooks_reach_trust_tests(
    pytester: pytest.Pytester, run_trust: Callable[..., pytest.RunResult]
) -> None:
    pytester.makeconftest("def pytest_runtest_setup(item):\n    print('SETUP-HOOK', item.nodeid)\n")
    result = run_trust("--mllm=oracle", "--mt-tasks=T.1", "--mt-limit=1", "-s")
    seen = [line for line in result.outlines if "SETUP-HOOK multitrust/truthfulness/T.1::" in line]
    assert len(seen) == 5 + 2, result.stdout.str()  # 5 variants x 1 sample, 2 threshold tests
