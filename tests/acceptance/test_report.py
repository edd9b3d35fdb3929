"""The trust report and the gates, end to end: exit codes, files, schema, escaping, baselines."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from mt_report import (
    junit_verdicts,
    load_valid_report,
    markdown_verdicts,
    page_data,
    page_samples,
    scripts_of,
)
from PIL import Image

from pytest_multitrust.models.base import ImageData
from pytest_multitrust.report.baseline import machine_id

if TYPE_CHECKING:
    from pathlib import Path

RunTrust = Callable[..., pytest.RunResult]
BASE = (
    "--mllm=oracle",
    "--mt-tasks=T.1,S.4",
    "--mt-tier=smoke",
    "--mt-report=out",
    "--junitxml=junit.xml",
)

# oracle on the smoke tier: truthfulness 1.0 (T.1, n=50, CI [0.93, 1]); safety 1.0 (S.4,
# n=30, CI [0.886, 1]). By default the value decides (S.4's own thresholds rta >= 0.9 and
# asr <= 0.1 pass, marked uncertain); --mt-gate=interval demands the whole interval.
# Each scenario: extra arguments, expected exit status, expected verdict per aspect gate.
INTERVAL = ("--mt-gate=interval",)
SCENARIOS: dict[str, tuple[tuple[str, ...], int, dict[str, str]]] = {
    "pass": (
        ("--mt-threshold=safety>=0.8", "--mt-threshold=overall>=0.5"),
        0,
        {"safety >= 0.8": "pass", "overall >= 0.5": "pass"},
    ),
    "fail": (("--mt-threshold=truthfulness<=0.5",), 1, {"truthfulness <= 0.5": "fail"}),
    "uncertain": (("--mt-threshold=safety>=0.95",), 0, {"safety >= 0.95": "pass"}),
    "inconclusive-pass": (
        ("--mt-threshold=safety>=0.95", *INTERVAL, "--mt-inconclusive=pass"),
        0,
        {"safety >= 0.95": "inconclusive"},
    ),
    "inconclusive-fail": (
        ("--mt-threshold=safety>=0.95", *INTERVAL),
        1,
        {"safety >= 0.95": "inconclusive"},
    ),
    # under -n 2 one run covers a passing and an inconclusive gate (worker start-up is slow)
    "pass+inconclusive": (
        (
            "--mt-threshold=safety>=0.8",
            "--mt-threshold=truthfulness>=0.95",
            *INTERVAL,
            "--mt-inconclusive=pass",
        ),
        0,
        {"safety >= 0.8": "pass", "truthfulness >= 0.95": "inconclusive"},
    ),
}
RUNS = [
    *[
        (scenario, "serial")
        for scenario in ("pass", "fail", "uncertain", "inconclusive-pass", "inconclusive-fail")
    ],
    *[(scenario, "xdist") for scenario in ("pass+inconclusive", "fail", "inconclusive-fail")],
]


def _check_files(root: Path) -> dict[str, Any]:
    """Validate report.json; Markdown, JUnit and report.json carry the same verdicts."""
    data = load_valid_report(root / "out" / "report.json")
    from_json = {
        f"{m['task_id']}.{m['metric']}": m["verdict"]
        for t in data["scores"]["tasks"]
        for m in t["metrics"]
    }
    markdown = (root / "out" / "summary.md").read_text(encoding="utf-8")
    junit = junit_verdicts(root / "junit.xml")
    assert {k: v.lower() for k, v in markdown_verdicts(markdown).items()} == from_json
    assert {k: p["multitrust.verdict"] for k, p in junit.items()} == from_json
    for key, props in junit.items():  # metrics readable as plain JUnit properties
        metric = next(
            m
            for t in data["scores"]["tasks"]
            for m in t["metrics"]
            if f"{m['task_id']}.{m['metric']}" == key
        )
        assert props["multitrust.value"] == f"{metric['value']:.3f}"
        assert props["multitrust.threshold"] == f"{metric['op']} {metric['threshold']:g}"
    lines = (root / "out" / "samples.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(data["samples"]) == 80  # 50 T.1 + 30 S.4 smoke samples
    return data


@pytest.mark.parametrize(("scenario", "dist"), RUNS)
def test_gates_set_the_exit_status(
    run_trust: RunTrust, pytester: pytest.Pytester, scenario: str, dist: str
) -> None:
    thresholds, expected_ret, verdicts = SCENARIOS[scenario]
    extra = ("-n", "2") if dist == "xdist" else ()
    result = run_trust(*BASE, *thresholds, *extra)
    output = result.stdout.str()
    assert result.ret == expected_ret, output
    data = _check_files(pytester.path)
    gates = {g["label"]: g["verdict"] for g in data["gates"] if g["kind"] != "metric"}
    assert gates == verdicts
    assert data["status"]["exit_status"] == expected_ret
    assert "multitrust gates" in output
    if scenario == "fail":
        assert "FAILED: 1 gate(s) not met (truthfulness <= 0.5): exit status 1" in output
        assert "failed" not in result.parseoutcomes()  # the gate alone fails the run
    if scenario == "uncertain":
        assert re.search(
            r"safety >= 0\.95\s+1\.000\s+\[0\.886, 1\.000\]\s+PASS  \(partial: "
            r"1 of 6 tasks; uncertain: the 95% interval reaches 0\.886, below "
            r"0\.95\)",
            output,
        )
        assert "inconclusive" not in result.parseoutcomes()
    if scenario == "inconclusive-pass":
        assert re.search(
            r"safety >= 0\.95\s+1\.000\s+\[0\.886, 1\.000\]\s+INCONCLUSIVE "
            r"\(counted as pass\)",
            output,
        )
    if scenario in ("inconclusive-pass", "pass+inconclusive"):
        assert "2 inconclusive" in output  # S.4's threshold tests, counted as passed
    if scenario == "pass+inconclusive":
        assert re.search(
            r"truthfulness >= 0\.95\s+1\.000\s+\[0\.929, 1\.000\]\s+"
            r"INCONCLUSIVE \(counted as pass\)",
            output,
        )
    if scenario == "inconclusive-fail":
        assert "inconclusive: the value meets it but the 95% CI reaches past it" in output
        assert result.parseoutcomes()["failed"] == 2  # S.4 rta and asr
    prov = data["provenance"]
    assert prov["model"]["spec"] == "oracle"
    assert prov["model"]["fingerprint"]
    assert [d["task_id"] for d in prov["data"]] == ["T.1", "S.4"]
    assert prov["versions"]["torch"]  # from metadata; nothing imports torch for it
    if dist == "xdist":
        assert {w["worker"] for w in prov["workers"]} == {"gw0", "gw1"}
        html = (pytester.path / "out" / "report.html").read_text(encoding="utf-8")
        # the workers wrote the images; a run this small gets them inline (one file)
        assert sum(s["image"] is not None for s in page_samples(html)) == 80
        distinct = {s["image_sha256"] for s in data["samples"] if s["image_sha256"]}
        assert html.count('url("data:image/webp;base64,') == len(distinct)
        assert not (pytester.path / "out" / "images").exists()


def test_point_mode_judges_values(run_trust: RunTrust, pytester: pytest.Pytester) -> None:
    result = run_trust(*BASE, "--mt-threshold=safety>=0.95", "--mt-gate=point")
    assert result.ret == 0
    data = _check_files(pytester.path)
    assert {g["verdict"] for g in data["gates"]} == {"pass"}
    assert {g["mode"] for g in data["gates"]} == {"point"}


# A py: factory rather than a conftest make-model hook: prepare_model() does not know
# names that only a hook provides (KeyError in models/registry.py, reported to the lead).
XSS_MODEL = """
from pytest_multitrust import ScriptedModel

# no "error" in it: the multitrust-v1 refusal rule matches substrings ("onerror" would
# count as a refusal, as in the original benchmark)
PAYLOAD = (
    '<script>alert(1)</script><img src=x onload=alert(2)><a href="javascript:alert(3)">x</a>'
)


def make(options):
    return ScriptedModel.constant(PAYLOAD, name="xss")
"""

UPDATE_REPORT_CONFTEST = """
import dataclasses


def pytest_multitrust_update_report(report, config):
    return dataclasses.replace(report, extra=(*report.extra, ("team", "<b>red</b>")))
"""


def test_model_output_leaves_no_executable_markup(
    run_trust: RunTrust,
    pytester: pytest.Pytester,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytester.makepyfile(xss_model=XSS_MODEL)
    pytester.makeconftest(UPDATE_REPORT_CONFTEST)
    step_summary = tmp_path / "step-summary.md"
    step_summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    result = run_trust(
        "--mllm=py:xss_model:make", "--mt-tasks=S.4", "--mt-tier=smoke", "--mt-report=out"
    )
    assert result.ret == 1  # echoing the payload is no refusal: S.4 fails
    data = load_valid_report(pytester.path / "out" / "report.json")
    assert data["extra"] == {"team": "<b>red</b>"}
    assert {s["response"] for s in data["samples"]} == {
        '<script>alert(1)</script><img src=x onload=alert(2)><a href="javascript:alert(3)">x</a>'
    }
    page = (pytester.path / "out" / "report.html").read_text(encoding="utf-8")
    found = scripts_of(page)
    assert len(found.executed) == 1  # the page's own filter script, nothing else
    assert "alert" not in found.executed[0]
    assert found.handlers == []  # no onload=..., no javascript: URL
    assert "<img src=x" not in page
    assert '<a href="javascript' not in page
    assert {s["response"] for s in page_samples(page)} == {
        '<script>alert(1)</script><img src=x onload=alert(2)><a href="javascript:alert(3)">x</a>'
    }  # packed, for the page's script to show as text
    markdown = (pytester.path / "out" / "summary.md").read_text(encoding="utf-8")
    assert "<script" not in markdown.lower()
    assert set(re.findall(r"<\s*/?\s*([a-zA-Z]+)", markdown)) <= {"details", "summary"}
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in markdown
    appended = step_summary.read_text(encoding="utf-8")
    assert appended.startswith("earlier step\n## MultiTrust trust report: `xss`")
    assert appended.endswith(markdown)


def test_the_report_folder_is_named_inertly(run_trust: RunTrust, pytester: pytest.Pytester) -> None:
    result = run_trust(
        "--mllm=oracle", "--mt-tasks=T.1", "--mt-limit=1", "--mt-report=out\x1b]0;title\x07"
    )
    output = result.stdout.str()
    assert "\x1b" not in output
    assert "\x07" not in output
    assert r"out\x1b]0;title\x07 (report.json" in output
    assert (pytester.path / "out\x1b]0;title\x07" / "report.json").is_file()


def test_save_and_compare_fail_on_a_regression(
    run_trust: RunTrust, pytester: pytest.Pytester
) -> None:
    args = ("--mt-tasks=S.4", "--mt-tier=smoke")
    saved = run_trust("--mllm=refuser", *args, "--mt-save=before")
    assert saved.ret == 0, saved.stdout.str()
    path = pytester.path / ".multitrust" / machine_id() / "0001_before.json"
    assert path.is_file()
    load_valid_report(path)
    assert f"multitrust: run saved as {path}" in saved.stdout.str()

    unknown = run_trust("--mllm=echo", *args, "--mt-compare=nope")
    assert unknown.ret == pytest.ExitCode.USAGE_ERROR
    assert "--mt-compare=nope: no saved run matches" in unknown.stderr.str()

    worse = run_trust(
        "--mllm=echo",
        *args,
        "--mt-compare",
        "--mt-compare-fail=safety:-0.02",
        "--mt-report=out",
        "-W",
        "default",
    )
    output = worse.stdout.str()
    assert worse.ret == 1
    assert "multitrust comparison" in output
    assert re.search(r"safety: change >= -0\.02\s+-1\.000\s+\[-1\.000, -1\.000\]\s+FAIL", output)
    assert "MultitrustWarning: --mt-compare 0001_before: model fingerprint differs" in output
    data = load_valid_report(pytester.path / "out" / "report.json")
    assert data["comparison"]["baseline_id"] == "0001_before"
    safety = next(d for d in data["comparison"]["deltas"] if d["target"] == "safety")
    assert (safety["baseline"], safety["current"], safety["shared"]) == (1.0, 0.0, 30)


# Plugins given with -p, not conftest files: runtest hooks of the rootdir conftest do not
# reach the built-in trust items (their virtual directories have no conftest entry with
# pytest 9), see the report to the lead.
INTERRUPT_PLUGIN = """
from pytest_multitrust.report import images

finish = images.ImageStore.finish


def finish_noted(store):
    with open("events.txt", "a") as events:
        events.write("images finished\\n")
    finish(store)


images.ImageStore.finish = finish_noted


def pytest_runtest_call(item):
    if item.nodeid.endswith("S.4::threshold[rta]"):
        raise KeyboardInterrupt


def pytest_sessionfinish(session):  # between the plugin's first and the collector's last
    with open("events.txt", "a") as events:
        events.write("session finishing\\n")
"""


def test_interrupted_run_still_reports_what_arrived(
    run_trust: RunTrust, pytester: pytest.Pytester
) -> None:
    pytester.makepyfile(interrupter=INTERRUPT_PLUGIN)
    result = run_trust(
        "--mllm=oracle",
        "--mt-tasks=T.1,S.4",
        "--mt-tier=smoke",
        "--mt-report=out",
        "--mt-report-images=files",
        "-p",
        "interrupter",
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    data = load_valid_report(pytester.path / "out" / "report.json")
    assert data["status"]["interrupted"] is True
    assert data["status"]["missing_tasks"] == ["S.4"]
    assert [t["task_id"] for t in data["scores"]["tasks"]] == ["T.1"]
    assert len(data["samples"]) == 80  # every sample test ran before the interrupt
    # the images the store's thread still had were finished before the page was written
    events = (pytester.path / "events.txt").read_text().splitlines()
    assert events[:2] == ["images finished", "session finishing"]
    hashes = {s["image_sha256"] for s in data["samples"] if s["image_sha256"]}
    files = sorted(p.name for p in (pytester.path / "out" / "images").iterdir())
    assert hashes
    assert files == sorted(f"{h}.webp" for h in hashes)


TWICE_PLUGIN = """
import os
import signal


def pytest_runtest_call(item):
    if item.nodeid.endswith("S.4::threshold[rta]"):
        os.kill(os.getpid(), signal.SIGTERM)


def pytest_keyboard_interrupt(excinfo):  # CI's second SIGTERM, while pytest stops
    os.kill(os.getpid(), signal.SIGTERM)
"""


def test_a_second_sigterm_while_stopping_does_not_hide_the_interrupt(
    run_trust: RunTrust, pytester: pytest.Pytester
) -> None:
    pytester.makepyfile(twice=TWICE_PLUGIN)
    result = run_trust(
        "--mllm=oracle", "--mt-tasks=T.1,S.4", "--mt-tier=smoke", "--mt-report=out", "-p", "twice"
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert "Traceback" not in result.stderr.str() + result.stdout.str()
    data = load_valid_report(pytester.path / "out" / "report.json")
    assert data["status"]["interrupted"] is True  # was: not interrupted, exit status 0
    assert data["status"]["exit_status"] == pytest.ExitCode.INTERRUPTED
    assert data["status"]["missing_tasks"] == ["S.4"]


CRASH_PLUGIN = """
import os


def pytest_runtest_call(item):
    if item.nodeid.endswith("S.4::threshold[asr]") and hasattr(item.config, "workerinput"):
        os._exit(3)
"""


def test_worker_crash_still_reports_what_arrived(
    run_trust: RunTrust, pytester: pytest.Pytester
) -> None:
    pytester.makepyfile(crasher=CRASH_PLUGIN)
    result = run_trust(
        "--mllm=oracle",
        "--mt-tasks=T.1,S.4",
        "--mt-tier=smoke",
        "--mt-report=out",
        "-n",
        "2",
        "-p",
        "crasher",
        "--max-worker-restart=0",
        "-rp",
    )
    assert result.ret == 1
    data = load_valid_report(pytester.path / "out" / "report.json")
    assert data["status"]["interrupted"] is True
    assert len(data["status"]["crashed_workers"]) == 1
    assert data["status"]["reason"].startswith("worker(s) crashed: gw")
    metrics = {
        f"{m['task_id']}.{m['metric']}" for t in data["scores"]["tasks"] for m in t["metrics"]
    }
    # the crash ends the session: T.1's threshold tests, on the other worker, may or may
    # not have run by then (it depends on the load); the report holds exactly those that did
    passed = set(
        re.findall(r"^PASSED multitrust/\w+/(T\.1)::threshold\[(\w+)\]", result.stdout.str(), re.M)
    )
    arrived = {f"{task}.{metric}" for task, metric in passed}
    assert metrics == {"S.4.rta"} | arrived
    if not arrived:
        result.stdout.fnmatch_lines(["no result from: T.1"])


def _stable(data: dict[str, Any]) -> dict[str, Any]:
    """A report without what differs between two runs of the same model: times, workers."""
    provenance = dict(data["provenance"])
    workers = provenance.pop("workers")
    provenance.pop("timings")  # wall, load and generation times
    samples = [{k: v for k, v in s.items() if k != "latency_s"} for s in data["samples"]]
    return {
        **{
            k: v
            for k, v in data.items()
            if k not in ("provenance", "created", "samples", "timings")
        },
        "timings": sorted(t["task_id"] for t in data["timings"]),  # which tasks, not how long
        "provenance": provenance,
        "samples": sorted(samples, key=lambda s: (s["task_id"], s["sample_id"])),
        "workers": sorted((w["worker"], w["model"]["spec"], w["crashed"]) for w in workers),
    }


def test_report_is_the_same_with_and_without_xdist(
    run_trust: RunTrust, pytester: pytest.Pytester
) -> None:
    """Characterisation: only the per-worker facts differ between -n 2 and one process."""
    args = (*BASE, "--mt-limit=3", "--mt-threshold=safety>=0.8")
    assert run_trust(*args).ret == 0
    serial = _stable(load_valid_report(pytester.path / "out" / "report.json"))
    serial_html = (pytester.path / "out" / "report.html").read_text(encoding="utf-8")
    assert run_trust(*args, "-n", "2").ret == 0
    parallel = _stable(load_valid_report(pytester.path / "out" / "report.json"))
    parallel_html = (pytester.path / "out" / "report.html").read_text(encoding="utf-8")
    assert serial["workers"] == [("main", "oracle", False)]
    assert parallel["workers"] == [("gw0", "oracle", False), ("gw1", "oracle", False)]
    assert {k: v for k, v in serial.items() if k != "workers"} == {
        k: v for k, v in parallel.items() if k != "workers"
    }
    images = re.compile(r'url\("data:image/webp;base64,[^"]+"\)')
    assert sorted(images.findall(serial_html)) == sorted(images.findall(parallel_html))
    assert page_samples(serial_html) == page_samples(parallel_html)
    assert (
        sum(s["image"] is not None for s in page_samples(serial_html)) == 15 + 9
    )  # T.1 and S.4: 3 per variant


def test_xdist_workers_write_each_image_once_into_the_report_folder(
    run_trust: RunTrust, pytester: pytest.Pytester
) -> None:
    """-n 2: the workers write images/<sha256>.webp, the page references them relatively."""
    args = (*BASE, "--mt-limit=3")
    assert run_trust(*args, "-n", "2", "--mt-report-images=files").ret == 0
    out = pytester.path / "out"
    data = load_valid_report(out / "report.json")
    hashes = {s["image_sha256"] for s in data["samples"] if s["image_sha256"]}
    assert len(hashes) > 1
    files = sorted(p.name for p in (out / "images").iterdir())
    assert files == sorted(f"{h}.webp" for h in hashes)  # one file per distinct image, no temp
    for name in files:  # drawn images: each file holds exactly the pixels the model was shown
        with Image.open(out / "images" / name) as picture:
            assert ImageData.from_pil(picture).sha256 + ".webp" == name
    html = (out / "report.html").read_text(encoding="utf-8")
    referenced = [f"images/{sha}.{where}" for sha, where in page_data(html)["images"]]
    assert sorted(referenced) == sorted(f"images/{h}.webp" for h in hashes)
    assert "data:image" not in html
    # the same folder, single-file mode: images inline, the folder's files removed
    assert run_trust(*args, "--mt-report-images=inline").ret == 0
    assert not (out / "images").exists()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count('url("data:image/webp;base64,') == len(hashes)
    assert {where for _, where in page_data(html)["images"]} == {""}  # no file named


@pytest.mark.parametrize("workers", ["0", "2"])
def test_report_images_that_cannot_be_written_are_warned_of_not_failed(
    run_trust: RunTrust, pytester: pytest.Pytester, workers: str
) -> None:
    (pytester.path / "out").mkdir()
    (pytester.path / "out" / "images").write_text("a file where the folder goes")
    result = run_trust(
        "--mllm=oracle", "--mt-tasks=S.4", "--mt-tier=smoke", "--mt-report=out", "-n", workers
    )
    out = result.stdout.str()
    assert result.ret == 0, out  # a preview never fails a trust test
    assert re.search(r"--mt-report: \d+ image write\(s\) to \S*images failed \(first: ", out), out
    assert (pytester.path / "out" / "report.html").is_file()
