"""Which options a selection of tasks leaves unused (``unused_options``, one table)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from hypothesis import given
from hypothesis import strategies as st

from pytest_multitrust.checks import TASK_OPTIONS, unused_options, uses
from pytest_multitrust.settings import OPTIONS
from pytest_multitrust.tasks.registry import all_tasks

if TYPE_CHECKING:
    from pytest_multitrust.tasks.base import TaskSpec

BUILTIN = {t.id: t for t in all_tasks() if t.id[:2] in ("T.", "S.", "R.", "F.", "P.")}
KNOWN = list(BUILTIN.values())
DESTS = [o.dest for o in TASK_OPTIONS]


def _unused(given: list[str], *ids: str) -> list[str]:
    return unused_options(given, [BUILTIN[i] for i in ids], KNOWN)


def _custom() -> TaskSpec:
    """A registered custom data task (its scorer may ask the judge or the classifier)."""
    return dataclasses.replace(BUILTIN["P.4"], id="team.badge-email", aspect="privacy")


def test_every_entry_of_the_table_is_an_option_of_the_plugin() -> None:
    assert set(DESTS) <= {o.dest for o in OPTIONS}


def test_the_table_reads_the_users_off_the_task_specs() -> None:
    def users(dest: str) -> list[str]:
        option = next(o for o in TASK_OPTIONS if o.dest == dest)
        return [t.id for t in KNOWN if uses(option, t)]

    for dest in ("mt_attack_eps", "mt_attack_steps", "mt_attack_step_size", "mt_surrogate"):
        assert users(dest) == ["R.4", "R.5"]
    assert users("mt_toxicity_checkpoint") == ["S.1", "S.3"]
    assert users("mt_judge") == [t.id for t in KNOWN if t.judge_prompt is not None]
    assert "P.4" not in users("mt_judge")
    assert users("mt_data") == list(BUILTIN)  # every built-in task has an official reader


def test_options_for_unselected_tasks_are_named_with_their_users() -> None:
    assert _unused(["mt_attack_eps", "mt_surrogate", "mt_toxicity_checkpoint"], "P.4") == [
        "--mt-attack-eps (used only by tasks with image attacks: R.4, R.5)",
        "--mt-surrogate (used only by tasks with image attacks: R.4, R.5)",
        "--mt-toxicity-checkpoint (used only by tasks with a toxicity classifier metric and "
        "custom data tasks: S.1, S.3)",
    ]
    assert _unused(["mt_attack_steps", "mt_judge"], "P.4", "R.5") == []
    assert _unused(["mt_toxicity_checkpoint", "mt_data"], "S.3") == []


def test_options_every_task_uses_are_never_unused() -> None:
    assert _unused(["mt_seed", "mt_limit", "mt_refusal_rule", "mt_threshold"], "P.4") == []
    assert unused_options(["mt_seed"], [], []) == []


def test_a_custom_data_task_may_use_the_judge_and_the_classifier_but_has_no_official_data() -> None:
    custom = _custom()
    found = unused_options(DESTS, [custom], [*KNOWN, custom])
    assert [line.split(" ", 1)[0] for line in found] == [
        "--mt-attack-eps",
        "--mt-attack-steps",
        "--mt-attack-step-size",
        "--mt-surrogate",
        "--mt-data",
    ]


def test_no_registered_user_is_said_so() -> None:
    assert unused_options(["mt_surrogate"], [], []) == [
        "--mt-surrogate (used only by tasks with image attacks: none registered)"
    ]


@given(
    given_dests=st.lists(st.sampled_from(DESTS), unique=True),
    selected=st.lists(st.sampled_from(list(BUILTIN)), unique=True),
)
def test_an_option_is_reported_exactly_when_no_selected_task_uses_it(
    given_dests: list[str], selected: list[str]
) -> None:
    found = _unused(given_dests, *selected)
    flags = [line.split(" ", 1)[0] for line in found]
    for option in TASK_OPTIONS:
        used = any(uses(option, BUILTIN[i]) for i in selected)
        assert (option.flag in flags) == (option.dest in given_dests and not used)
    assert flags == [o.flag for o in TASK_OPTIONS if o.flag in flags]  # the table's order
