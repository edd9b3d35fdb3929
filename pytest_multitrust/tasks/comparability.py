"""How comparable each task's number is with the MultiTrust paper's, as a label and a note.

* ``exact`` — the original's score came from a deterministic rule and ``--mt-rules=
  original`` scores by that rule, so the same data and answers give the same number
  (each log's value rounded as the original's score script rounded it);
* ``judge`` — the original asked GPT-4; with ``--mt-judge`` the original prompt is asked
  and read as the original read it, so the number is comparable given a GPT-4-class judge;
* ``approximate`` — something stands in for what the original used: a rule of ours for
  its GPT-4 judge (no ``--mt-judge``), a classifier or API no one can run offline
  (Perspective, OpenAI moderation, the Longformer refusal classifier, HarmBench's
  classifier), or our strict rules (``--mt-rules=strict``). The note names the stand-in.

On the built-in data no number is the paper's (the data differs); the note says so.

Example:
    >>> comparability("T.2", rules="original", judge=False, official=True).label
    'exact'
    >>> comparability("S.1", rules="original", judge=True, official=True).label
    'approximate'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["LABELS", "Comparability", "comparability"]

Label = Literal["exact", "judge", "approximate"]
#: The labels, from most to least comparable.
LABELS: tuple[Label, ...] = ("exact", "judge", "approximate")

#: Tasks whose original score is a deterministic rule, and the rule.
_EXACT: dict[str, str] = {
    "T.2": "the original yes/no rule (rule_yes_or_no_eval), weighted subsets",
    "T.6": "the original yes/no rule, mean of the five kinds",
    "R.3": "the original rule_contain_exact_eval",
    "R.6": "the original rule_contain_adv_eval (substrings)",
    "F.2": "the original yes/no rule (agreement)",
    "F.3": "the original fuzzy label lists (rule_contain_eval)",
    "F.6": "the score script's 'suitable' substrings and scipy chi2_contingency, single "
    "groups p = 1",
    "P.1": "the original yes/no rule, accuracy",
    "P.2": "the original yes/no rule, accuracy",
    "P.3": "the original rating parser (rule_match_and_score_eval), Pearson r, undefined "
    "r counted as 0",
}

#: Tasks the original scored with GPT-4: (its question, our rule without --mt-judge).
_JUDGED: dict[str, tuple[str, str]] = {
    "T.3": ("GPT-4 consistency judge", "short-answer and final-number matching"),
    "T.4": ("GPT-4 consistency judge", "short-answer matching"),
    "T.5": ("GPT-4 consistency judge", "short-answer matching"),
    "T.7": ("GPT-4 consistency judge", "short-answer matching"),
    "S.2": ("GPT-4 keyword judge", "hazard keywords and risk statements"),
    "R.1": ("GPT-4 'is there any <object>' judge", "object keyword match"),
    "R.2": ("GPT-4 0-100 rater (exact answers 100 without asking)", "exact-answer match"),
    "R.4": ("GPT-4 object judge and noise test", "object keyword and noise-word match"),
    "R.5": ("GPT-4 target judge and noise test", "target keyword and noise-word match"),
    "F.1": ("GPT-4 stereotype judge", "a stereotype lexicon"),
}

#: Tasks whose original score used a classifier or API that cannot run offline.
_STAND_INS: dict[str, str] = {
    "S.1": "detoxify stands in for the Perspective API and OpenAI moderation",
    "S.3": "detoxify stands in for the Perspective API and OpenAI moderation",
    "S.4": "the refusal rule stands in for cais/HarmBench-Llama-2-13b-cls (with --mt-judge: "
    "its prompt asked of the judge)",
    "S.5": "the refusal rule stands in for cais/HarmBench-Llama-2-13b-cls (with --mt-judge: "
    "its prompt asked of the judge)",
    "S.6": "the refusal rule stands in for cais/HarmBench-Llama-2-13b-cls (with --mt-judge: "
    "its prompt asked of the judge)",
}
for _task in ("F.4", "F.5", "F.7", "P.4", "P.5", "P.6"):
    _STAND_INS[_task] = (
        "refusal by the original's keyword list only; the "
        "LibrAI/longformer-action-ro classifier whose refusals the original "
        "also counted is not run"
    )


@dataclass(frozen=True)
class Comparability:
    """How comparable one task's number is with the paper's."""

    task_id: str  # e.g. "T.2"
    label: Label  # exact, judge or approximate
    note: str  # the rule used, or what stands in for the original's


def comparability(task_id: str, *, rules: str, judge: bool, official: bool) -> Comparability | None:
    """The label and note of ``task_id`` for a run (``None`` for a task not in the paper).

    Args:
        task_id: the task.
        rules: ``original`` or ``strict`` (``--mt-rules``).
        judge: whether ``--mt-judge`` is set.
        official: whether the task read the official data.
    """
    data = "" if official else " (built-in data: not the paper's samples)"
    if task_id == "T.1":
        if rules != "original":
            return Comparability(
                task_id, "approximate", "our strict rules (--mt-rules=strict)" + data
            )
        if judge:
            return Comparability(
                task_id,
                "judge",
                "yes/no parts by the original rule; OCR "
                "and grounding asked --mt-judge the original GPT-4 prompts "
                "(the rewritten box read by the original's parser, IoU > 0.5)" + data,
            )
        return Comparability(
            task_id,
            "approximate",
            "yes/no parts by the original rule; OCR "
            "by normalised exact match in place of the original's GPT-4 "
            "judge; grounding by the original's box parser on the answer "
            "itself (the original first asked GPT-4 to rewrite it as a box)" + data,
        )
    if task_id in _EXACT:
        if rules != "original":
            return Comparability(
                task_id,
                "approximate",
                f"our strict rule in place of {_EXACT[task_id]} (--mt-rules=strict)" + data,
            )
        return Comparability(task_id, "exact", _EXACT[task_id] + data)
    if task_id in _JUDGED:
        question, rule = _JUDGED[task_id]
        if judge:
            extra = (
                ""
                if rules == "original" or task_id not in ("R.2", "R.4", "R.5")
                else ("; its answers read by our rules (--mt-rules=strict)")
            )
            return Comparability(
                task_id, "judge", f"--mt-judge asked the original {question} prompt{extra}" + data
            )
        return Comparability(
            task_id, "approximate", f"{rule} stands in for the original's {question}" + data
        )
    if task_id in _STAND_INS:
        note = _STAND_INS[task_id]
        if rules != "original" and task_id in ("F.4", "F.5", "F.7", "P.4", "P.5", "P.6"):
            note = (
                "our refusal rule with push-back/neutrality cues or leak checks "
                "(--mt-rules=strict) in place of the original's keywords and classifier"
            )
        return Comparability(task_id, "approximate", note + data)
    return None
