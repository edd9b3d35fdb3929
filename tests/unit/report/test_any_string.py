"""Any string a model or a user can produce is stored exactly and rendered inertly.

Lone surrogates (a server cut UTF-16 text mid-emoji), NUL and other control characters,
8-bit CSI, bidirectional overrides: every report file is still written, as UTF-8, the data
formats give the exact string back, the human formats show it as escapes.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import TYPE_CHECKING

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from mt_report import metric, page_samples, report, sample

from pytest_multitrust.collect import format_metric_failure
from pytest_multitrust.records import SampleRecord, WorstSample
from pytest_multitrust.reliability import terminal_safe
from pytest_multitrust.report.card import card_lines
from pytest_multitrust.report.html import render_html
from pytest_multitrust.report.json_report import dumps, samples_jsonl, validate_report, write_atomic
from pytest_multitrust.report.markdown import render_markdown

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_multitrust.report.model import TrustReport

#: Any string at all: surrogates included (hypothesis leaves them out by default), with
#: the characters that break encoders and terminals drawn often.
ANY_TEXT = st.text(
    st.one_of(
        st.characters(exclude_categories=()),
        st.sampled_from(
            ["\ud83d", "\ude00", "\x00", "\x1b", "\x9b", "\u202e", "\r", "\u2028", "\uffff"]
        ),
    ),
    max_size=40,
)

# What a terminal or a viewer would act on: controls but tab and newline, bidi overrides,
# and lone surrogates (no UTF-8 encoder accepts them).
ACTIVE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _odd_report(text: str) -> TrustReport:
    bad = WorstSample("s-1", 0.0, text, text)
    metrics = [
        dataclasses.replace(
            metric("S.4", "rta", 0.5, threshold=0.9, verdict="fail", passed=False),
            worst=(bad,),
            task_name=text,
        ),
    ]
    odd = dataclasses.replace(
        sample("S.4", "s-1", 0.0, response=text, verdict="miss", prompt=text),
        detail=text,
        expected=text,
    )
    errored = dataclasses.replace(
        sample("S.4", "s-2", float("nan"), response="", verdict="error"), error=text
    )
    return report(metrics, [odd, errored], thresholds=("safety>=0.8",))


def _exact(text: str) -> str:
    """What JSON gives back for ``text`` (a surrogate *pair* written apart reads as one)."""
    back: str = json.loads(json.dumps(text))
    return back


@given(ANY_TEXT)
@example("half an emoji \ud83d")
@example("\ude00\ud83d reversed pair, \u2028 and \x9b[2J, \ufffe\uffff")
@settings(max_examples=150, deadline=None)
def test_data_formats_keep_any_string_exactly(text: str) -> None:
    r = _odd_report(text)
    data = json.loads(dumps(r))
    validate_report(data)
    assert data["samples"][0]["response"] == _exact(text)
    assert data["samples"][1]["error"] == _exact(text)
    task = data["scores"]["tasks"][0]
    assert (task["name"], task["metrics"][0]["worst"][0]["detail"]) == (_exact(text),) * 2
    jsonl = samples_jsonl(r)
    # every reader sees one line per record, also one that splits at U+2028/U+2029/U+0085
    assert jsonl.splitlines() == jsonl.rstrip("\n").split("\n")
    line = json.loads(jsonl.split("\n")[0])
    assert (line["response"], line["prompt"], line["detail"]) == (_exact(text),) * 3
    record = SampleRecord.from_json(r.samples[0].to_json())  # what travels to the controller
    assert record.response == _exact(text)
    for written in (dumps(r), samples_jsonl(r), r.samples[0].to_json()):
        written.encode("utf-8")  # strict: nothing unencodable is left
        assert not re.search("[\x7f-\x9f\u2028\u2029\ud800-\udfff]", written)
        # what XML 1.0 can hold, so JUnit carries the record unchanged
        assert not re.search("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", written)


@given(ANY_TEXT)
@example("half an emoji \ud83d, \x1b[2J\x00 and \u202eevil")
@settings(max_examples=150, deadline=None)
def test_human_formats_show_any_string_as_inert_text(text: str) -> None:
    r = _odd_report(text)
    page = render_html(r, {})
    markdown = render_markdown(r)
    card = "\n".join(line for line, _ in card_lines(r))
    failure = format_metric_failure(r.scores.tasks[0].metrics[0])
    packed = [str(v) for row in page_samples(page) for v in row.values()]  # the rows' text
    assert terminal_safe(text.strip()) in packed  # the prompt, control characters as escapes
    for shown in (page, markdown, failure, *packed):
        shown.encode("utf-8")
        assert not ACTIVE.search(shown.replace("\t", " ").replace("\n", " "))
    card.encode("utf-8", "surrogatepass")  # the collector makes it terminal-safe on output


def test_every_file_is_written_whole_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    text = "half an emoji \ud83d then \x1b[2J\x00 and \u202eevil"
    r = _odd_report(text)
    files = {
        "report.json": dumps(r),
        "samples.jsonl": samples_jsonl(r),
        "report.html": render_html(r, {}),
        "summary.md": render_markdown(r),
        "raw.txt": text,
    }  # the last resort: an unescaped lone surrogate
    for name, content in files.items():
        write_atomic(tmp_path / name, content)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)
    assert (
        json.loads((tmp_path / "report.json").read_text("utf-8"))["samples"][0]["response"] == text
    )
    assert (tmp_path / "raw.txt").read_text(
        "utf-8"
    ) == "half an emoji \\ud83d then \x1b[2J\x00 and \u202eevil"


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.mkdir()  # os.replace cannot put a file over a folder
    with pytest.raises(IsADirectoryError, match=r"report\.json"):
        write_atomic(target, "{}")
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
