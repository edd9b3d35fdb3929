"""Comparability labels: every paper task has one, and it follows rules, judge and data."""

from __future__ import annotations

import itertools

import pytest

from pytest_multitrust.official import readers
from pytest_multitrust.tasks.comparability import LABELS, comparability

PAPER = sorted(readers(), key=lambda t: ("TSRFP".index(t[0]), int(t[2:])))
EXACT = {"T.2", "T.6", "R.3", "R.6", "F.2", "F.3", "F.6", "P.1", "P.2", "P.3"}
JUDGED = {"T.3", "T.4", "T.5", "T.7", "S.2", "R.1", "R.2", "R.4", "R.5", "F.1"}


@pytest.mark.parametrize(
    ("rules", "judge", "official"),
    list(itertools.product(("original", "strict"), (False, True), (False, True))),
)
def test_every_paper_task_has_a_label_and_a_note(rules: str, judge: bool, official: bool) -> None:
    for task_id in PAPER:
        found = comparability(task_id, rules=rules, judge=judge, official=official)
        assert found is not None, task_id
        assert found.label in LABELS
        assert found.note
        assert found.note.endswith("(built-in data: not the paper's samples)") is not official


def test_labels_under_the_original_rules_with_a_judge() -> None:
    labels = {t: comparability(t, rules="original", judge=True, official=True) for t in PAPER}
    assert {t for t, c in labels.items() if c and c.label == "exact"} == EXACT
    assert {t for t, c in labels.items() if c and c.label == "judge"} == JUDGED | {"T.1"}
    rest = set(PAPER) - EXACT - JUDGED - {"T.1"}
    assert rest == {"S.1", "S.3", "S.4", "S.5", "S.6", "F.4", "F.5", "F.7", "P.4", "P.5", "P.6"}
    assert all(
        labels[t] is not None and labels[t].label == "approximate"  # type: ignore[union-attr]
        for t in rest
    )


def test_strict_rules_are_never_exact_and_no_judge_is_never_judge() -> None:
    for task_id in PAPER:
        strict = comparability(task_id, rules="strict", judge=True, official=True)
        assert strict is not None
        assert strict.label != "exact"
        bare = comparability(task_id, rules="original", judge=False, official=True)
        assert bare is not None
        assert bare.label != "judge"
        if task_id in JUDGED:
            assert "stands in for the original's" in bare.note


def test_custom_tasks_have_none() -> None:
    assert comparability("C.1", rules="original", judge=False, official=True) is None
