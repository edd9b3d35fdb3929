from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import math
import re

import pytest
from mt_report import (
    markdown_verdicts,
    metric,
    page_data,
    page_samples,
    report,
    sample,
    scripts_of,
)

from pytest_multitrust.errors import DataError
from pytest_multitrust.records import WorstSample
from pytest_multitrust.reliability import terminal_safe
from pytest_multitrust.report.card import card_lines, fmt, gate_lines, metric_line
from pytest_multitrust.report.html import ROWS_PER_TASK, aspect_chart_svg, render_html
from pytest_multitrust.report.json_report import (
    dumps,
    load_schema,
    samples_jsonl,
    validate_report,
)
from pytest_multitrust.report.markdown import append_step_summary, md_text, render_markdown
from pytest_multitrust.report.model import TrustReport, report_from_dict, report_to_dict

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">[x](javascript:alert(3))'


def _report(**kwargs: object) -> TrustReport:
    bad = WorstSample("s-1", 0.0, XSS, "matched <b>nothing</b>")
    metrics = [
        dataclasses.replace(
            metric("S.4", "rta", 0.5, ci=(0.3, 0.7), threshold=0.9, verdict="fail", passed=False),
            worst=(bad,),
        ),
        metric(
            "T.1",
            "accuracy",
            0.95,
            ci=(0.9, 0.99),
            threshold=0.5,
            verdict="pass",
            aspect="truthfulness",
            sub_aspect="inherent deficiency",
        ),
        metric(
            "T.1",
            "accuracy_v1",
            0.6,
            ci=(0.45, 0.75),
            threshold=0.5,
            verdict="inconclusive",
            aspect="truthfulness",
            sub_aspect="inherent deficiency",
        ),
    ]
    samples = [
        sample("S.4", "s-0", 1.0),
        sample("S.4", "s-1", 0.0, response=XSS, verdict="miss", prompt="say <b>hi</b>"),
        sample("T.1", "t-0", 1.0, metric_name="accuracy", image=None),
    ]
    return report(metrics, samples, thresholds=("safety>=0.8", "overall>=0.5"), **kwargs)  # type: ignore[arg-type]


def test_report_json_round_trips_and_follows_the_schema() -> None:
    r = _report()
    data = json.loads(dumps(r))
    validate_report(data)
    assert data["schema_version"] == "1.3"
    settings = data["provenance"]["settings"]  # typed, not text
    assert (settings["seed"], settings["limit"], settings["rescore"]) == (0, None, False)
    assert settings["thresholds"] == ["safety>=0.8", "overall>=0.5"]
    assert settings["timeout_s"] == 120.0
    assert data["counts"] == {"pass": 2, "miss": 1, "error": 0}
    back = report_from_dict(data)
    assert report_to_dict(back) == report_to_dict(r)
    assert back.scores.overall.score == pytest.approx(r.scores.overall.score)
    lines = samples_jsonl(r).splitlines()
    assert [json.loads(x)["sample_id"] for x in lines] == ["s-0", "s-1", "t-0"]


def test_schema_rejects_what_the_writer_never_writes() -> None:
    data = json.loads(dumps(_report()))
    broken = dict(data, schema_version="2.0")
    with pytest.raises(DataError, match="schema_version"):
        validate_report(broken, "x.json")
    del data["provenance"]["versions"]["torch"]
    with pytest.raises(DataError, match=r"x\.json: provenance/versions: 'torch' is a required"):
        validate_report(data, "x.json")
    assert load_schema()["$schema"].endswith("2020-12/schema")


def test_card_groups_aspects_and_puts_worst_tasks_first() -> None:
    text = [t for t, _ in card_lines(_report())]
    assert text[0].startswith("trust scores")
    assert text[1].startswith("overall")
    assert "partial: 2 of 32 tasks" in text[1]
    safety = text.index(next(t for t in text if t.startswith("safety ")))
    truth = text.index(next(t for t in text if t.startswith("truthfulness")))
    assert safety < truth  # safety (0.5) is worse than truthfulness (0.95)
    assert text[safety + 1].strip().startswith("S.4   rta")
    assert "not run: robustness, fairness, privacy" in text
    [line] = [t for t in text if "accuracy_v1" in t]
    assert "INCONCLUSIVE  n=30  95% CI [0.450, 0.750]" in line


def test_metric_line_layout_is_stable() -> None:
    line, colour = metric_line(
        metric(
            "S.4",
            "asr",
            0.0,
            direction="lower",
            ci=(0.0, 0.114),
            threshold=0.1,
            verdict="inconclusive",
        ),
        4,
    )
    assert line == (
        "S.4   asr   0.000  <= 0.1    INCONCLUSIVE  n=30  95% CI [0.000, 0.114]  (task S.4)"
    )
    assert colour == "yellow"


@pytest.mark.parametrize(
    ("value", "ci", "verdict", "flag"),
    [
        (1.0, (0.886, 1.0), "pass", True),  # the value passes, the interval reaches below 0.9
        (0.95, (0.91, 0.99), "pass", False),  # the whole interval passes
        (0.6, (0.306, 0.894), "fail", False),  # the interval never reaches the threshold 0.9
        (0.85, (0.7, 0.95), "fail", True),  # fails on its value, the interval reaches past
        (0.95, (0.85, 1.0), "inconclusive", False),  # INCONCLUSIVE says it already
    ],
)
def test_metric_line_marks_a_verdict_its_interval_reaches_across(
    value: float, ci: tuple[float, float], verdict: str, flag: bool
) -> None:
    line, _ = metric_line(metric("S.4", "rta", value, ci=ci, threshold=0.9, verdict=verdict), 4)
    assert ("  uncertain  (task S.4)" in line) is flag, line


def test_card_aligns_long_custom_task_ids() -> None:
    metrics = [
        metric("S.4", "rta", 0.9, aspect="safety"),
        metric("team.prompt-injection", "resisted", 1.0, aspect="safety"),
    ]
    lines = [text.strip() for text, _ in card_lines(report(metrics))]
    rows = [line for line in lines if line.startswith(("S.4 ", "team.prompt-injection "))]
    assert len(rows) == 2
    value_columns = {
        row.index(" 0.900") if row.startswith("S.4") else row.index(" 1.000") for row in rows
    }
    assert len(value_columns) == 1, rows


def test_unscored_builtin_task_stays_in_its_aspect_not_custom() -> None:
    nan = math.nan
    metrics = [
        metric("S.4", "rta", 0.9),
        metric(
            "S.1",
            "toxicity",
            nan,
            direction="lower",
            ci=(nan, nan),
            n=0,
            passed=False,
            verdict="fail",
            trust=nan,
        ),
        metric(
            "F.2",
            "agreement",
            nan,
            direction="lower",
            ci=(nan, nan),
            n=0,
            passed=False,
            verdict="fail",
            trust=nan,
        ),
    ]
    text = "\n".join(t for t, _ in card_lines(report(metrics)))
    assert "custom" not in text
    safety = text.split("safety ", 1)[1]
    assert "S.1" in safety.split("\n\n", 1)[0]  # in the safety block, beside S.4
    assert re.search(r"^fairness .*\n  F\.2 ", text, re.MULTILINE)  # its own block, no score
    assert "not run: truthfulness, robustness, privacy" in text
    html = render_html(report(metrics))
    assert "no score</span>" in html
    assert ">custom</span>" not in html


def test_comparable_with_the_paper_names_only_tasks_with_a_score() -> None:
    from pytest_multitrust.tasks.comparability import comparability

    nan = math.nan
    metrics = [
        metric("S.4", "rta", 0.9),
        metric("P.1", "accuracy", nan, ci=(nan, nan), n=0, trust=nan, aspect="privacy"),
    ]
    labels = tuple(
        c
        for t in ("S.4", "P.1", "P.4")  # P.4 selected, deselected with -k: never reported
        if (c := comparability(t, rules="strict", judge=False, official=False)) is not None
    )
    card = [t for t, _ in card_lines(dataclasses.replace(report(metrics), comparability=labels))]
    start = card.index("comparable with the paper (--mt-rules=strict):")
    assert card[start + 1 : start + 4] == [
        "  approximate S.4",
        "  not comparable, ran without a score: P.1",
        "  not comparable, did not run: P.4",
    ]


def test_gate_section_names_the_failed_gates() -> None:
    lines = gate_lines(_report())
    text = "\n".join(t for t, _ in lines)
    assert re.search(r"safety >= 0\.8\s+0\.500\s+\[0\.300, 0\.700\]\s+FAIL", text)
    assert (
        "task metric thresholds (threshold tests): 1 pass, 1 fail, 1 inconclusive "
        "(counted as pass)" in text
    )
    assert lines[-1] == ("FAILED: 1 gate(s) not met (safety >= 0.8): exit status 1", "red")


def test_markdown_escapes_model_output_and_carries_verdicts() -> None:
    md = render_markdown(_report())
    assert "<script" not in md.lower()
    assert set(re.findall(r"<\s*/?\s*([a-zA-Z]+)", md)) == {"details", "summary"}  # ours only
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in md
    assert "\\[x\\]\\(javascript:alert\\(3\\)\\)" in md
    assert markdown_verdicts(md) == {
        "S.4.rta": "FAIL",
        "T.1.accuracy": "PASS",
        "T.1.accuracy_v1": "INCONCLUSIVE",
    }
    assert "| safety >= 0\\.8 |" not in md  # labels are escaped but dots need no escape
    assert "| safety >= 0.8 | 0.500 | [0.300, 0.700] | ❌ FAIL |" in md.replace("&gt;", ">")


@pytest.mark.parametrize("text", ["a|b", "`x`", "*y*", "<i>", "[l](u)", "line\nbreak"])
def test_md_text_leaves_no_markup(text: str) -> None:
    out = md_text(text)
    assert "\n" not in out
    assert "<" not in out
    assert not re.search(r"(?<!\\)[|`*\[\]()]", out)


def test_step_summary_is_appended(tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "summary"
    target.write_text("before\n")
    assert append_step_summary("## now", {"GITHUB_STEP_SUMMARY": str(target)}) == target
    assert target.read_text() == "before\n## now\n"
    assert append_step_summary("x", {}) is None


def test_html_is_self_contained_and_escapes_everything() -> None:
    png = "data:image/png;base64," + base64.b64encode(b"\x89PNG fake").decode()
    page = render_html(_report(), {"ab" * 32: png, "cd" * 32: "javascript:alert(4)"})
    found = scripts_of(page)
    assert len(found.executed) == 1
    assert "alert" not in found.executed[0]
    assert found.handlers == []
    assert list(found.blocks) == ["mt-samples"]  # the packed samples: data, never run
    assert "<script>alert(1)" not in page  # the answers are packed, not markup
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing from the network
    digest = base64.b64encode(hashlib.sha256(found.executed[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page  # only our own script may run
    assert page.count(f'url("{png}")') == 1  # the image once, as its class's background
    assert "javascript:" not in page.split("<script")[0]
    shown = page_samples(page)
    # the rows' text, exactly, for the script to show as text
    assert [(s["task_id"], s["sample_id"], s["verdict"]) for s in shown] == [
        ("S.4", "s-0", "pass"),
        ("S.4", "s-1", "miss"),
        ("T.1", "t-0", "pass"),
    ]
    assert (shown[1]["prompt"], shown[1]["response"]) == ("say <b>hi</b>", XSS)
    assert [s["image"] for s in shown] == [["ab" * 32, ""], ["ab" * 32, ""], None]
    assert page_data(page)["images"] == [["ab" * 32, ""]]  # the image named once
    assert 'data-filter="sample"' in page


def test_chart_has_a_bar_per_aspect_and_marks_gates() -> None:
    svg = aspect_chart_svg(_report())
    for name in ("truthfulness", "safety", "robustness", "fairness", "privacy", "overall"):
        assert f">{name}</text>" in svg
    assert svg.count(">not run</text>") == 3
    assert svg.count('stroke-dasharray="3 2"') == 2  # safety and overall gates
    assert "#cf222e" in svg  # the failed safety gate's bar


def test_html_says_how_many_rows_a_task_draws_at_first() -> None:
    """The script draws a task's first matches (the page says how many), then the others."""
    assert f'<section id="tasks" data-page="{ROWS_PER_TASK}">' in render_html(_report(), {})
    assert '<section id="tasks" data-page="3">' in render_html(_report(), {}, rows_per_task=3)
    with pytest.raises(ValueError, match="rows_per_task must be at least 1"):
        render_html(_report(), {}, rows_per_task=0)


def test_nan_values_render_as_na() -> None:
    r = report([metric("S.4", "rta", math.nan, ci=(math.nan, math.nan))])
    assert "n/a" in render_markdown(r)
    assert json.loads(dumps(r))["scores"]["tasks"][0]["score"] is None


def test_html_opens_the_worst_task_samples_only_when_some_did_not_pass() -> None:
    page = render_html(_report(), {})
    # S.4 fails and has a missed sample: it comes first, its samples open
    assert page.index('id="task-S.4"') < page.index('id="task-T.1"')
    assert page.count('<details class="samples" open>') == 1
    assert "2 samples: 1 pass, 1 miss, 0 error</summary>" in page
    passing = [metric("T.1", "accuracy", 0.95, ci=(0.9, 0.99), threshold=0.5, verdict="pass")]
    quiet = render_html(report(passing, [sample("T.1", "t-0", 1.0, metric_name="accuracy")]), {})
    assert '<details class="samples">' in quiet
    assert '<details class="samples" open>' not in quiet  # every sample passed
    assert 'data-value="skip"' not in page
    skipped = dataclasses.replace(
        sample("T.1", "t-1", 0.0, metric_name="accuracy", verdict="skip"),
        skip_reason="no surrogate",
    )
    with_skip = render_html(
        report(passing, [sample("T.1", "t-0", 1.0, metric_name="accuracy"), skipped]), {}
    )
    assert "2 samples: 1 pass, 0 miss, 0 error, 1 skip</summary>" in with_skip
    assert 'data-filter="sample" data-value="skip"' in with_skip


def test_generation_time_counts_only_answers_generated_in_this_run() -> None:
    fresh = dataclasses.replace(sample("S.4", "s-0"), latency_s=2.0)
    cached = dataclasses.replace(sample("S.4", "s-1"), latency_s=500.0, cached=True)
    r = report([metric("S.4", "rta", 1.0)], [fresh, cached])
    assert r.provenance.generation_s == 2.0  # a warm run's cached answers took no time


def test_the_packed_samples_round_trip_to_the_reports_samples() -> None:
    """report.html's data block holds exactly report.json's samples, task by task."""
    long_prompt = " ".join(f"word{i * 7919 % 1000}" for i in range(2000))  # ~16 kB
    samples = [
        dataclasses.replace(
            sample(
                "S.4",
                f"s-{i}",
                0.0 if i % 3 else 1.0,
                verdict="miss" if i % 3 else "pass",
                image=("ab", "cd", "ef")[i % 3] * 32,
            ),
            variant=("typographic", "plain")[i % 2],
            prompt=long_prompt,  # one prompt asked 60 times: stored once
            expected="a refusal",
            detail=f"matched rule {i % 4}",
        )
        for i in range(60)
    ]
    samples += [
        dataclasses.replace(
            sample("T.1", "t-0", 1.0, metric_name="accuracy", image=None),
            response="  Oui, \u00e7a \U0001f600 \x1b[31mred\x1b[0m  \n",
        ),
        dataclasses.replace(
            sample("T.1", "t-1", math.nan, metric_name="accuracy", verdict="error"),
            response="",
            error="timed out \ud83d",
        ),
        dataclasses.replace(
            sample("T.1", "t-2", metric_name="accuracy", verdict="skip"), values={}
        ),
        sample("X.9", "x-0"),  # a task with no score: not on the page
    ]
    r = report(
        [
            metric("S.4", "rta", 0.3, threshold=0.9, verdict="fail", passed=False),
            metric("T.1", "accuracy", 0.9, aspect="truthfulness", sub_aspect="hallucination"),
        ],
        samples,
    )
    images = {"ab" * 32: f"images/{'ab' * 32}.webp", "cd" * 32: "data:image/webp;base64,AAAA"}
    page = render_html(r, images)
    assert render_html(r, images) == page  # the same page byte for byte (no timestamp)
    data = page_data(page)
    assert data["v"] == 1
    assert len(set(data["strings"])) == len(data["strings"])  # each distinct string once
    assert len(scripts_of(page).blocks["mt-samples"]) < len(long_prompt)  # not 60 copies
    order = [t.task_id for t in r.scores.worst_first()]
    assert [task for task, _ in data["tasks"]] == order == ["S.4", "T.1"]
    wanted = [
        {
            "task_id": s.task_id,
            "sample_id": s.sample_id,
            "variant": s.variant,
            "verdict": s.verdict,
            "values": ", ".join(f"{k}={fmt(v, 2)}" for k, v in sorted(s.values.items())),
            "prompt": terminal_safe(s.prompt.strip()),
            "response": terminal_safe(s.response.strip()),
            "expected": s.expected,
            "detail": s.detail,
            "error": terminal_safe(s.error or ""),
            "image": None
            if s.image_sha256 is None
            else [s.image_sha256, {"ab": "webp", "cd": ""}.get(s.image_sha256[:2])],
        }
        for task in order
        for s in r.samples
        if s.task_id == task
    ]
    assert page_samples(page) == wanted
    shown = page_samples(page)
    assert shown[60]["response"] == "Oui, \u00e7a \U0001f600 \\x1b[31mred\\x1b[0m"
    assert shown[61]["values"] == "accuracy=n/a"
    assert shown[61]["error"] == "timed out \\ud83d"
