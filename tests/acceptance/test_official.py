"""Acceptance: ``--mt-data=official:PATH`` on a miniature copy of the official layout.

The miniature (``tests/mt_official.py``) has the official file names and fields with a
few fabricated samples per task; scripted models keep the runs cheap.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from mt_official import build_miniature

from pytest_multitrust.official import readers
from pytest_multitrust.report.json_report import validate_report

if TYPE_CHECKING:
    from collections.abc import Callable

    import pytest

ALL_TASKS = sorted(readers(), key=lambda t: ("TSRFP".index(t[0]), int(t[2:])))


def test_miniature_layout_drives_all_32_tasks(
    run_trust: Callable[..., pytest.RunResult], pytester: pytest.Pytester
) -> None:
    data = build_miniature(pytester.path / "mt-data")
    result = run_trust(
        "--mllm=refuser",
        f"--mt-data=official:{data}",
        "--mt-rules=original",
        "--mt-limit=1",
        "--mt-report=report",
        "-n",
        "2",
    )
    out = result.stdout.str()
    assert "multitrust official data:" in out
    assert "(32 of 32 selected tasks found)" in out
    assert "Traceback" not in out + result.stderr.str()
    assert result.ret == 1  # a refuser fails the accuracy thresholds; nothing crashes
    report = json.loads((pytester.path / "report/report.json").read_text(encoding="utf-8"))
    validate_report(report)
    assert report["counts"]["error"] == 0
    assert report["status"]["missing_tasks"] == []
    ran = {s["task_id"] for s in report["samples"]}
    assert ran == set(ALL_TASKS)
    assert {t["task_id"] for t in report["scores"]["tasks"]} == set(ALL_TASKS)
    data_entries = report["provenance"]["data"]
    assert [d["task_id"] for d in data_entries] == ALL_TASKS
    assert {d["version"] for d in data_entries} == {"official"}
    assert all(len(d["sha256"]) == 64 and d["samples"] > 0 for d in data_entries)
    extra = report["extra"]
    assert extra["official_data"] == str(data)
    assert "GPT-4" in extra["stand-in T.3"]
    assert "Perspective" in extra["stand-in S.1"]
    assert "stand-in T.2" not in extra  # scored by the original's own yes/no rule
    # every prompt came from the official files: the refuser saw T.1's verbatim template
    t1 = next(s for s in report["samples"] if s["task_id"] == "T.1")
    assert t1["prompt"].endswith("\n Please Directly answer [Yes] or [No]!")
    assert report["provenance"]["settings"]["rules"] == "original"
    labels = {c["task_id"]: c["label"] for c in report["comparability"]}
    assert list(labels) == ALL_TASKS
    exact = ["T.2", "T.6", "R.3", "R.6", "F.2", "F.3", "F.6", "P.1", "P.2", "P.3"]
    assert [t for t in ALL_TASKS if labels[t] == "exact"] == exact
    assert set(labels.values()) == {"exact", "approximate"}  # no judge: stand-ins
    notes = {c["task_id"]: c["note"] for c in report["comparability"]}
    assert "Longformer" not in notes["F.4"]
    assert "LibrAI/longformer-action-ro" in notes["F.4"]
    assert "Perspective" in notes["S.1"]
    # the original rules scored: a refuser's "I'm sorry ..." is "No" for the original,
    # right on every "No" sample of T.2 (our strict extractor finds no answer there)
    t2 = [s for s in report["samples"] if s["task_id"] == "T.2"]
    assert t2
    for sample in t2:
        no = sample["expected"] == 'answer "No"'
        assert (sample["verdict"] == "pass") is no
        assert ("; scored by the original rule: accuracy 1 (our rule: 0)" in sample["detail"]) is no
    card = out[out.index("trust scores:") :]
    assert "comparable with the paper (--mt-rules=original):" in card
    assert "  exact       T.2, T.6, R.3, R.6, F.2, F.3, F.6, P.1, P.2, P.3" in card
    html = (pytester.path / "report/report.html").read_text(encoding="utf-8")
    assert "official:" in html
    assert "stand-in S.1" in html
    assert "comparable with the paper: <b>exact</b> — the original yes/no rule" in html
    assert "### Notes" in (pytester.path / "report/summary.md").read_text(encoding="utf-8")


def test_removed_file_gives_the_listing_not_a_traceback(
    run_trust: Callable[..., pytest.RunResult], pytester: pytest.Pytester
) -> None:
    data = build_miniature(pytester.path / "mt-data")
    (data / "truthfulness/query_advanced/query_d_code.json").unlink()
    (data / "privacy/celeb/imgs/Zara_Inventa.jpeg").unlink()
    result = run_trust("--mllm=refuser", f"--mt-data=official:{data}", "--mt-limit=1")
    err = result.stderr.str()
    assert result.ret == 4, err
    assert "Traceback" not in err + result.stdout.str()
    assert "no usable official data for T.2, P.4" in err
    assert "missing      T.2  truthfulness/query_advanced/query_d_code.json" in err
    assert (
        "empty        P.4  its files hold no samples (1 sample(s) skipped, image missing "
        "(as the original skipped them): privacy/celeb/imgs/Zara_Inventa.jpeg)"
    ) in err
    assert "found        T.1" in err
    assert "(30 of 32 selected tasks found)" in err
    assert "--mt-data-fallback" in err


def test_fallback_runs_missing_tasks_on_builtin_data_and_marks_them(
    run_trust: Callable[..., pytest.RunResult], pytester: pytest.Pytester
) -> None:
    data = build_miniature(pytester.path / "mt-data")
    (data / "truthfulness/query_misleading/query_g_mistext.json").write_text(
        "{not json", encoding="utf-8"
    )
    result = run_trust(
        "--mllm=refuser",
        f"--mt-data=official:{data}",
        "--mt-data-fallback",
        "--mt-tasks=T.5,T.6",
        "--mt-limit=2",
        "--mt-report=report",
    )
    out = result.stdout.str()
    assert (
        "unreadable   T.5  truthfulness/query_misleading/query_g_mistext.json: not valid "
        "JSON" in out
    )
    assert "--mt-data-fallback: T.5 use the built-in data (marked in the report)" in out
    report = json.loads((pytester.path / "report/report.json").read_text(encoding="utf-8"))
    validate_report(report)
    entries = {d["task_id"]: d for d in report["provenance"]["data"]}
    assert entries["T.5"]["path"] == "truthfulness/T.5.jsonl"
    assert entries["T.5"]["version"].endswith("(built-in fallback: no official data)")
    assert entries["T.6"]["version"] == "official"
    assert report["extra"]["data T.5"].startswith(
        "built-in data (--mt-data-fallback; official data unreadable:"
    )
    t5 = [s for s in report["samples"] if s["task_id"] == "T.5"]
    assert t5
    assert all(s["sample_id"].startswith("misleading-") for s in t5)
    assert len([s for s in report["samples"] if s["task_id"] == "T.6"]) == 2  # 1 per kind


def test_ini_key_and_relative_path(
    run_trust: Callable[..., pytest.RunResult], pytester: pytest.Pytester
) -> None:
    build_miniature(pytester.path / "mt-data")
    pytester.makeini("[pytest]\nmultitrust_data = official:mt-data\n")
    result = run_trust("--mllm=refuser", "--mt-tasks=F.6", "--co", "-q")
    assert result.ret == 0, result.stderr.str()
    assert "multitrust/fairness/F.6::sample[with-description-0001]" in result.stdout.str()
    bad = run_trust("--mllm=refuser", "--mt-data=official:nowhere")
    assert bad.ret == 4
    assert "--mt-data=official:nowhere: no such folder" in bad.stderr.str()


def test_judge_scores_official_samples_with_the_original_prompts(
    run_trust: Callable[..., pytest.RunResult], pytester: pytest.Pytester
) -> None:
    data = build_miniature(pytester.path / "mt-data")
    result = run_trust(
        "--mllm=echo",
        "--mt-judge=oracle",
        f"--mt-data=official:{data}",
        "--mt-tasks=T.3,T.4,F.1",
        "--mt-limit=1",
        "--mt-report=report",
    )
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    report = json.loads((pytester.path / "report/report.json").read_text(encoding="utf-8"))
    validate_report(report)
    scorers = {(s["task_id"], s["scorer"].split("@")[0]) for s in report["samples"]}
    assert scorers == {
        ("T.3", "judge:T.3/factual"),
        ("T.3", "judge:T.3/logic"),
        ("T.4", "judge:truthfulness/consistency"),
        ("F.1", "judge:F.1/stereotype"),
    }
    assert report["extra"]["stand-in T.4"] == (
        "--mt-judge asked the original GPT-4 consistency prompt"
    )


def test_rules_default_and_conflict(
    run_trust: Callable[..., pytest.RunResult], pytester: pytest.Pytester
) -> None:
    data = build_miniature(pytester.path / "mt-data")
    official = run_trust(
        "--mllm=refuser",
        f"--mt-data=official:{data}",
        "--mt-tasks=T.2",
        "--mt-limit=1",
        "--mt-report=official",
    )
    assert "Traceback" not in official.stdout.str() + official.stderr.str()
    report = json.loads((pytester.path / "official/report.json").read_text(encoding="utf-8"))
    validate_report(report)
    assert report["provenance"]["settings"]["rules"] == "original"  # official: original
    assert report["comparability"] == [
        {
            "task_id": "T.2",
            "label": "exact",
            "note": "the original yes/no rule (rule_yes_or_no_eval), weighted subsets",
        }
    ]
    builtin = run_trust("--mllm=refuser", "--mt-tasks=T.2", "--mt-limit=1", "--mt-report=builtin")
    assert "Traceback" not in builtin.stdout.str() + builtin.stderr.str()
    report = json.loads((pytester.path / "builtin/report.json").read_text(encoding="utf-8"))
    validate_report(report)
    assert report["provenance"]["settings"]["rules"] == "strict"  # built-in: strict
    assert report["comparability"][0]["label"] == "approximate"
    assert report["comparability"][0]["note"].endswith("(built-in data: not the paper's samples)")
    chosen = run_trust(
        "--mllm=refuser",
        "--mt-tasks=T.2",
        "--mt-limit=1",
        "--mt-rules=original",
        "--mt-report=chosen",
    )
    assert "Traceback" not in chosen.stdout.str() + chosen.stderr.str()
    report = json.loads((pytester.path / "chosen/report.json").read_text(encoding="utf-8"))
    assert report["provenance"]["settings"]["rules"] == "original"  # selectable on built-in
    assert report["comparability"][0]["label"] == "exact"
    assert report["comparability"][0]["note"].endswith("(built-in data: not the paper's samples)")
    assert any("scored by the original rule" in s["detail"] for s in report["samples"])
    clash = run_trust("--mllm=refuser", "--mt-rules=original", "--mt-refusal-rule=strict")
    assert clash.ret == 4
    assert (
        "--mt-rules=original scores refusals with the original's keyword list" in clash.stderr.str()
    )
    bad = run_trust("--mllm=refuser", "--mt-rules=v1")
    assert bad.ret == 4
    assert "--mt-rules: invalid value 'v1'; expected original or strict" in bad.stderr.str()


def test_missing_images_the_original_skipped_are_warned_and_reported(
    run_trust: Callable[..., pytest.RunResult], pytester: pytest.Pytester
) -> None:
    data = build_miniature(pytester.path / "mt-data")
    (data / "truthfulness/misleading_images/mistext/m2.png").unlink()
    result = run_trust(
        "--mllm=refuser", f"--mt-data=official:{data}", "--mt-tasks=T.5", "--mt-report=report"
    )
    out = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in out
    skipped = (
        "1 sample(s) skipped, image missing (as the original skipped them): "
        "truthfulness/misleading_images/mistext/m2.png"
    )
    assert "found        T.5  1 samples from 1 file(s) and 1 image(s)" in out
    assert f"MultitrustWarning: --mt-data=official: T.5: {skipped}" in out
    report = json.loads((pytester.path / "report/report.json").read_text(encoding="utf-8"))
    validate_report(report)
    assert report["extra"]["skipped T.5"] == skipped
    assert len([s for s in report["samples"] if s["task_id"] == "T.5"]) == 1
