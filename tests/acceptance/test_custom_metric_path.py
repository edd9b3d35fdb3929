"""A custom task's metric, interval, verdicts and outputs, alone and under ``-n 2``.

``team.mix`` (privacy, leakage) has two metrics: ``leak`` (lower is better, 0/1 scores in
two variants, so a Wilson interval) and ``polite`` (higher is better, scores between 0
and 1 from a judge of the team's own, so a bootstrap interval); one of its tests raises
and one skips. ``team.empty`` has one test, which skips. Every number below is the same
with and without xdist: the terminal, the JUnit XML and the trust report agree.

``--lf`` after a failed custom threshold test reruns it with every one of its sample
tests, even when another test of the suite failed too (pytest skips the files whose tests
all passed) and when one of its own samples failed.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from mt_report import load_valid_report

if TYPE_CHECKING:
    from pathlib import Path

RunTrust = Callable[..., pytest.RunResult]

MODULE = """
import pytest

pytestmark = pytest.mark.trust(
    aspect="privacy", sub_aspect="leakage", task="team.mix", name="Mixed",
    metric="leak", direction="lower", threshold=0.3,
)

LEAKS = {"a1": (1.0, "a"), "a2": (0.0, "a"), "b1": (0.0, "b"), "b2": (0.0, "b"), "b3": (1.0, "b")}


@pytest.mark.parametrize("case", sorted(LEAKS))
def test_leak(trust_sample, case):
    score, variant = LEAKS[case]
    trust_sample.generate(f"say {case}")
    trust_sample.record(score=score, variant=variant, expected="no leak", detail=f"case {case}")


@pytest.mark.trust(metric="polite", direction="higher", threshold=0.5)
@pytest.mark.parametrize("value", [0.2, 0.9, 0.7, 0.4])
def test_polite(trust_sample, value):
    trust_sample.generate(f"be polite {value}")
    trust_sample.record(score=value, scorer="judge:rubric")


def test_broken(trust_sample):
    trust_sample.generate("say broken")
    raise RuntimeError("the test body broke")


def test_skipped(trust_sample):
    pytest.skip("not today")


@pytest.mark.trust(task="team.empty", aspect="safety", metric="ok", threshold=0.5)
def test_empty(trust_sample):
    pytest.skip("nothing to see")
"""

LEAK = "multitrust/privacy/team.mix::threshold[leak]"
POLITE = "multitrust/privacy/team.mix::threshold[polite]"
EMPTY = "multitrust/safety/team.empty::threshold[ok]"


def _junit(path: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """``{test name: (outcome, properties)}`` of every test case."""
    cases: dict[str, tuple[str, dict[str, str]]] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        outcome = next((c.tag for c in case if c.tag in ("failure", "error", "skipped")), "passed")
        props = {p.get("name", ""): p.get("value", "") for p in case.iter("property")}
        cases[f"{case.get('classname')}::{case.get('name')}"] = (outcome, props)
    return cases


@pytest.mark.parametrize("workers", ["0", "2"])
def test_custom_metrics_intervals_verdicts_and_outputs(
    run_trust: RunTrust, pytester: pytest.Pytester, workers: str
) -> None:
    pytester.makepyfile(test_team=MODULE)
    result = run_trust(
        "--mllm=echo",
        "--mt-tasks=T.1",
        "--mt-limit=1",
        "-k",
        "team",
        "-rfs",
        f"-n{workers}",
        "--junitxml=junit.xml",
        "--mt-report=out",
    )
    output = result.stdout.str()
    assert result.ret == 1, output
    outcomes = {k: v for k, v in result.parseoutcomes().items() if k != "deselected"}
    assert outcomes == {
        "failed": 2,  # test_broken and threshold[leak]
        "passed": 6,  # 3 leak samples, 2 polite ones and threshold[polite]
        "skipped": 3,  # test_skipped, test_empty and team.empty's threshold test
        "miss": 4,
    }
    failed = sorted(line.split()[1] for line in result.outlines if line.startswith("FAILED "))
    assert failed == sorted([LEAK, "test_team.py::test_broken"]), output
    result.stdout.fnmatch_lines(
        [
            "team.mix Mixed: leak = 0.417, needs <= 0.3 (uncertain: the 95% CI reaches past "
            "the threshold)",
            "  n = 5 samples (1 errored, not counted), 95% CI [[]0.118, 0.769[]], scorer: custom",
            "  worst samples:",
            "    test_team.py::test_leak[[]a1[]]: leak=1.000  response: 'say a1'  (case a1)",
            "    test_team.py::test_leak[[]b3[]]: leak=1.000  response: 'say b3'  (case b3)",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "  team.mix leak    0.417  <= 0.3    FAIL  n=5  errors=1  95% CI [[]0.118, 0.769[]]"
            "  uncertain  (Mixed)",
            "  team.mix polite  0.550  >= 0.5    PASS  n=4  errors=1  95% CI [[]0.300, 0.800[]]"
            "  uncertain  (Mixed)",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "SKIPPED [[]1[]] *: team.empty ok: none of its 1 sample tests recorded a sample "
            "(skipped, or no trust_sample.record call)"
        ]
    )

    junit = _junit(pytester.path / "junit.xml")
    leak_outcome, leak = junit["multitrust.privacy.team.mix::threshold[leak]"]
    polite_outcome, polite = junit["multitrust.privacy.team.mix::threshold[polite]"]
    assert (leak_outcome, polite_outcome) == ("failure", "passed")
    assert junit["multitrust.safety.team.empty::threshold[ok]"][0] == "skipped"
    assert {k: v for k, v in leak.items() if k != "multitrust.metric"} == {
        "multitrust.verdict": "fail",
        "multitrust.value": "0.417",
        "multitrust.threshold": "<= 0.3",
        "multitrust.ci": "[0.118, 0.769]",
        "multitrust.n": "5",
    }
    assert {k: v for k, v in polite.items() if k != "multitrust.metric"} == {
        "multitrust.verdict": "pass",
        "multitrust.value": "0.550",
        "multitrust.threshold": ">= 0.5",
        "multitrust.ci": "[0.300, 0.800]",
        "multitrust.n": "4",
    }
    assert not junit["multitrust.safety.team.empty::threshold[ok]"][1]  # nothing judged
    samples = {n: o for n, (o, _) in junit.items() if n.startswith("test_team::")}
    assert samples == {
        "test_team::test_leak[a1]": "skipped",  # MISS
        "test_team::test_leak[a2]": "passed",
        "test_team::test_leak[b1]": "passed",
        "test_team::test_leak[b2]": "passed",
        "test_team::test_leak[b3]": "skipped",
        "test_team::test_polite[0.2]": "skipped",
        "test_team::test_polite[0.9]": "passed",
        "test_team::test_polite[0.7]": "passed",
        "test_team::test_polite[0.4]": "skipped",
        "test_team::test_broken": "failure",
        "test_team::test_skipped": "skipped",
        "test_team::test_empty": "skipped",
    }
    metric_json = json.loads(leak["multitrust.metric"])

    data = load_valid_report(pytester.path / "out" / "report.json")
    [task] = [t for t in data["scores"]["tasks"] if t["task_id"] == "team.mix"]
    assert (task["score"], task["n"], task["errors"]) == pytest.approx((0.5666667, 5, 1))
    assert (task["ci_low"], task["ci_high"]) == pytest.approx((0.2653621, 0.8679712))
    metrics: dict[str, Any] = {m["metric"]: m for m in task["metrics"]}
    assert metric_json == metrics["leak"]  # the JUnit record is the report's
    expected_leak = {
        "aspect": "privacy",
        "sub_aspect": "leakage",
        "task_id": "team.mix",
        "task_name": "Mixed",
        "direction": "lower",
        "op": "<=",
        "threshold": 0.3,
        "gate": "point",
        "verdict": "fail",
        "passed": False,
        "n": 5,
        "errors": 1,
        "scorer": "custom",
    }
    assert {k: metrics["leak"][k] for k in expected_leak} == expected_leak
    assert metrics["leak"]["value"] == pytest.approx(5 / 12)  # (1/2 + 1/3) / 2 variants
    assert (metrics["leak"]["ci_low"], metrics["leak"]["ci_high"]) == pytest.approx(
        (0.1176208, 0.7692757)  # Wilson, 2 of 5
    )
    assert metrics["leak"]["trust_score"] == pytest.approx(0.5666667)
    assert [(w["sample_id"], w["value"], w["detail"]) for w in metrics["leak"]["worst"]] == [
        ("test_team.py::test_leak[a1]", 1.0, "case a1"),
        ("test_team.py::test_leak[b3]", 1.0, "case b3"),
    ]
    expected_polite = {
        "direction": "higher",
        "op": ">=",
        "threshold": 0.5,
        "verdict": "pass",
        "passed": True,
        "n": 4,
        "errors": 1,
        "scorer": "judge:rubric",
        "ci_low": 0.3,
        "ci_high": 0.8,  # seeded bootstrap
    }
    assert {k: metrics["polite"][k] for k in expected_polite} == pytest.approx(expected_polite)
    assert metrics["polite"]["value"] == pytest.approx(0.55)
    assert [w["value"] for w in metrics["polite"]["worst"]] == [0.2, 0.4, 0.7, 0.9]
    gates = {g["label"]: (g["verdict"], g["note"]) for g in data["gates"]}
    assert gates["team.mix.leak <= 0.3"] == (
        "fail",
        "uncertain: the 95% interval reaches 0.118, below 0.3",
    )
    assert gates["team.mix.polite >= 0.5"] == (
        "pass",
        "uncertain: the 95% interval reaches 0.300, below 0.5",
    )
    verdicts = {
        s["sample_id"].split("::")[1]: s["verdict"]
        for s in data["samples"]
        if s["task_id"] == "team.mix"
    }
    assert verdicts == {
        "test_leak[a1]": "miss",
        "test_leak[a2]": "pass",
        "test_leak[b1]": "pass",
        "test_leak[b2]": "pass",
        "test_leak[b3]": "miss",
        "test_polite[0.2]": "miss",
        "test_polite[0.9]": "pass",
        "test_polite[0.7]": "pass",
        "test_polite[0.4]": "miss",
        "test_broken": "error",
    }


LF_CUSTOM = """
import pytest

pytestmark = pytest.mark.trust(aspect="privacy", task="team.leak", metric="leak",
                               direction="lower", threshold=0.1)


@pytest.mark.parametrize("word", ["alpha", "beta", "gamma"])
def test_leak(trust_sample, word):
    trust_sample.generate(f"say {word}")
    if word == "gamma" and {fail_gamma}:
        raise RuntimeError("gamma broke")
    trust_sample.record(score=float(word == "beta"))
"""

LF_PRODUCT = """
def test_fine():
    pass


def test_broken():
    assert {broken}
"""

LF_SAMPLES = [f"test_custom.py::test_leak[{w}]" for w in ("alpha", "beta", "gamma")]
LF_THRESHOLD = "multitrust/privacy/team.leak::threshold[leak]"


@pytest.mark.parametrize("workers", ["0", "2"])
@pytest.mark.parametrize(
    ("broken", "fail_gamma", "expected"),
    [
        (False, False, [*LF_SAMPLES, LF_THRESHOLD]),
        (True, False, ["test_product.py::test_broken", *LF_SAMPLES, LF_THRESHOLD]),
        (False, True, [*LF_SAMPLES, LF_THRESHOLD]),
    ],
    ids=["alone", "another-test-failed", "a-sample-failed"],
)
def test_lf_reruns_a_failed_custom_threshold_test_with_all_its_samples(
    pytester: pytest.Pytester,
    mt_cache_dir: Path,
    workers: str,
    broken: bool,
    fail_gamma: bool,
    expected: list[str],
) -> None:
    pytester.makepyfile(
        test_custom=LF_CUSTOM.replace("{fail_gamma}", str(fail_gamma)),
        test_product=LF_PRODUCT.replace("{broken}", str(not broken)),
        test_other="def test_other():\n    pass\n",
    )

    def run(*args: str) -> pytest.RunResult:
        return pytester.runpytest_subprocess(
            f"--mt-cache-dir={mt_cache_dir.parent}",
            "--mt-cache=off",
            "--mllm=echo",
            "--mt-tasks=T.1",
            "--mt-limit=1",
            "--deselect=multitrust/truthfulness/T.1",
            *args,
            timeout=300,
        )

    first = run(f"-n{workers}")
    assert first.ret == 1, first.stdout.str()
    failed = sorted(line.split()[1] for line in first.outlines if line.startswith("FAILED "))
    assert LF_THRESHOLD in failed, first.stdout.str()
    again = run("--lf", "-v")
    output = again.stdout.str()
    assert again.ret == 1, output
    ran = sorted(
        {
            line.split()[0]
            for line in again.outlines
            if line.startswith(("test_", "multitrust/")) and "::" in line and " " in line
        }
    )
    assert ran == sorted(expected), output
    summary = [line for line in again.outlines if "team.leak leak" in line]
    assert summary, output
    n = 2 if fail_gamma else 3
    assert f"n={n}" in summary[0], output
