"""The MISS skip reason holds any answer a model gives as plain, sendable text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_multitrust.records import SAMPLE_PROPERTY, VERDICT_PROPERTY, SampleRecord
from pytest_multitrust.report.miss import MISS_PREFIX, miss_reason


def _report(detail: str, expected: str) -> pytest.TestReport:
    record = SampleRecord(
        task_id="T.1",
        sample_id="scene-0001",
        variant="scene",
        prompt="Is there a dog?",
        image_sha256=None,
        response=detail,
        values={"accuracy": 0.0},
        verdict="miss",
        expected=expected,
        detail=f'read no explicit yes/no from "{detail}"',
    )
    return pytest.TestReport(
        nodeid="multitrust/truthfulness/T.1::sample[scene-0001]",
        location=("multitrust/truthfulness/T.1", 0, "sample[scene-0001]"),
        keywords={},
        outcome="passed",
        longrepr=None,
        when="call",
        user_properties=[(SAMPLE_PROPERTY, record.to_json()), (VERDICT_PROPERTY, "miss")],
    )


@given(
    answer=st.text(st.characters(exclude_categories=()), max_size=20).map(
        lambda text: "\ud83d\x1b[2J" + text  # a lone surrogate and a terminal sequence, always
    ),
    expected=st.text(st.characters(exclude_categories=()), max_size=8),
)
def test_a_missed_answer_of_any_text_gives_a_utf8_reason_without_control_characters(
    answer: str, expected: str
) -> None:
    reason = miss_reason(_report(answer, expected))
    assert reason.startswith(MISS_PREFIX + "T.1 scene-0001; ")
    reason.encode("utf-8")  # what xdist's execnet and the JUnit writer need; was a crash
    assert not any(ord(c) < 32 and c not in "\t\n" for c in reason)
    assert "\\ud83d\\x1b[2J" in reason  # shown as escapes, not dropped
