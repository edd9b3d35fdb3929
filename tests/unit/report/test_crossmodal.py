"""Cross-modal impact: pairing, the paired difference, McNemar and the bootstrap, rendering."""

from __future__ import annotations

import dataclasses
import math
from math import comb

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_multitrust.records import SampleRecord
from pytest_multitrust.report.crossmodal import (
    CrossModalEffect,
    crossmodal_card_lines,
    crossmodal_effects,
    crossmodal_html,
    mcnemar_p,
    record_index,
)


def rec(
    variant: str,
    index: int,
    values: dict[str, float],
    *,
    image: bool,
    prompt: str | None = None,
    verdict: str = "pass",
    task: str = "S.3",
) -> SampleRecord:
    return SampleRecord(
        task_id=task,
        sample_id=f"{variant}-{index:04d}",
        variant=variant,
        prompt=prompt if prompt is not None else f"question {index}",
        image_sha256=f"{variant}{index}" if image else None,
        response="",
        values=values,
        verdict=verdict,  # type: ignore[arg-type]
    )


def binomial_two_sided(k: int, n: int) -> float:
    """The exact two-sided binomial p at 1/2, from the definition (no scipy)."""
    if n == 0:
        return 1.0
    probs = [comb(n, i) / 2**n for i in range(n + 1)]
    return min(1.0, math.fsum(p for p in probs if p <= probs[k] * (1 + 1e-7)))


@settings(deadline=None)  # the first call imports scipy
@given(st.integers(0, 40), st.integers(0, 40))
def test_mcnemar_p_is_the_exact_binomial_on_discordant_pairs(worse: int, better: int) -> None:
    assert math.isclose(mcnemar_p(worse, better), binomial_two_sided(worse, worse + better))


_PAIRS = st.lists(
    st.tuples(st.integers(0, 1), st.integers(0, 1), st.booleans()), min_size=1, max_size=30
)


@settings(max_examples=60, deadline=None)
@given(_PAIRS, st.sampled_from(["higher", "lower"]))
def test_binary_change_and_mcnemar_match_a_hand_computation(
    pairs: list[tuple[int, int, bool]], direction: str
) -> None:
    # (text value, image value, whether the image record errored: an error pairs nothing)
    records = []
    for i, (text, image, errored) in enumerate(pairs):
        records.append(rec("text", i, {"m": float(text)}, image=False))
        records.append(
            rec("image", i, {"m": float(image)}, image=True, verdict="error" if errored else "miss")
        )
    (effect,) = crossmodal_effects(records, {"S.3": [("m", direction)]}, seed=1) or (None,)
    kept = [(t, i) for t, i, errored in pairs if not errored]
    if not kept:
        assert effect is None
        return
    assert effect is not None
    assert effect.pairs == len(kept)
    text_mean = sum(t for t, _ in kept) / len(kept)
    image_mean = sum(i for _, i in kept) / len(kept)
    assert math.isclose(effect.text_value, text_mean)
    assert math.isclose(effect.image_value, image_mean)
    assert math.isclose(effect.change, image_mean - text_mean, abs_tol=1e-12)
    assert math.isclose(effect.harm, (1 if direction == "lower" else -1) * effect.change)
    up = sum(i > t for t, i in kept)
    down = sum(i < t for t, i in kept)
    worse, better = (up, down) if direction == "lower" else (down, up)
    assert (effect.worse_pairs, effect.better_pairs) == (worse, better)
    assert effect.test == "mcnemar"
    assert math.isclose(effect.p_value, binomial_two_sided(worse, worse + better))
    assert effect.worse == (effect.p_value < 0.05 and worse > better)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 1, allow_subnormal=False), st.floats(0, 1, allow_subnormal=False)),
        min_size=2,
        max_size=25,
    ),
    st.sampled_from(["higher", "lower"]),
)
def test_continuous_change_is_the_mean_paired_difference_in_its_interval(
    pairs: list[tuple[float, float]], direction: str
) -> None:
    pairs = [(t, i) for t, i in pairs]
    pairs[0] = (0.25, 0.5)  # one value that is neither 0 nor 1: the bootstrap
    records = [rec("text", n, {"m": t}, image=False) for n, (t, _) in enumerate(pairs)]
    records += [rec("unrelated-noise", n, {"m": i}, image=True) for n, (_, i) in enumerate(pairs)]
    (effect,) = crossmodal_effects(records, {"S.3": [("m", direction)]}, seed=3)
    by_hand = sum(i for _, i in pairs) / len(pairs) - sum(t for t, _ in pairs) / len(pairs)
    assert math.isclose(effect.change, by_hand, abs_tol=1e-9)
    assert effect.test == "bootstrap"
    assert math.isnan(effect.p_value)
    assert effect.ci_low <= effect.change <= effect.ci_high
    assert effect.relevance == "irrelevant"
    assert effect.worse == (effect.ci_low > 0 if direction == "lower" else effect.ci_high < 0)
    again = crossmodal_effects(records, {"S.3": [("m", direction)]}, seed=3)
    assert again == (effect,)  # seeded: the same interval every time


def test_pairs_need_the_same_index_and_prompt_and_one_text_only_record() -> None:
    records = [
        rec("text", 0, {"m": 1.0}, image=False),
        rec("image", 0, {"m": 0.0}, image=True),
        rec("image", 1, {"m": 0.0}, image=True),  # no text-only record with index 1
        rec("text", 2, {"m": 1.0}, image=False),
        rec("image", 2, {"m": 0.0}, image=True, prompt="another question"),  # other prompt
        rec("text", 3, {"m": math.nan}, image=False),  # no value: not counted
        rec("image", 3, {"m": 0.0}, image=True),
        rec("plain-text", 4, {"m": 1.0}, image=False),
        rec("force-text", 4, {"m": 1.0}, image=False),  # two text-only answers: ambiguous
        rec("plain-image", 4, {"m": 0.0}, image=True),
    ]
    (effect,) = crossmodal_effects(records, {"S.3": [("m", "higher")]}, seed=0)
    assert (effect.variant, effect.text_variant, effect.pairs) == ("image", "text", 1)
    assert crossmodal_effects(records, {"T.1": [("m", "higher")]}, seed=0) == ()


def test_record_index_strips_the_variant() -> None:
    assert record_index(rec("unrelated-color", 7, {}, image=True)) == "0007"
    odd = SampleRecord("X", "custom", "text", "", None, "", {}, "pass")
    assert record_index(odd) == ""


def test_effects_follow_task_metric_and_variant_order() -> None:
    records = []
    for i in range(5):
        records.append(rec("text", i, {"rta": 1.0, "toxicity": 0.0}, image=False))
        records.append(rec("image", i, {"rta": 0.0, "toxicity": 0.5}, image=True))
        records.append(rec("unrelated-color", i, {"rta": 1.0, "toxicity": 0.0}, image=True))
    effects = crossmodal_effects(
        records, {"S.3": [("rta", "higher"), ("toxicity", "lower")]}, seed=0
    )
    assert [(e.metric, e.variant) for e in effects] == [
        ("rta", "image"),
        ("rta", "unrelated-color"),
        ("toxicity", "image"),
        ("toxicity", "unrelated-color"),
    ]
    assert [e.worse for e in effects] == [False, False, True, False]  # 5 pairs: p = 0.0625
    assert effects[0].p_value == 0.0625
    assert effects[1].p_value == 1.0


def _effect(worse: bool) -> CrossModalEffect:
    return CrossModalEffect(
        "S.3", "rta", "higher", "image", "text", "relevant", 10, 1.0, 0.1, -0.9, 0.9,
        "mcnemar", 0.0039 if worse else 0.5, math.nan, math.nan, 9, 0, worse,
    )  # fmt: skip


def test_card_block_tallies_and_gives_one_line_per_worse_task() -> None:
    assert crossmodal_card_lines(()) == []
    worst = dataclasses.replace(
        _effect(True), variant="unrelated-noise", image_value=0.0, change=-1.0, harm=1.0
    )
    other = dataclasses.replace(_effect(True), task_id="F.4")
    lines = crossmodal_card_lines((_effect(True), worst, _effect(False), other))
    assert "4 comparison(s) over 2 task(s), 3 significantly worse" in lines[1][0]
    assert lines[1][1] == "red"
    s3, f4 = lines[2:]
    assert s3 == (
        "  S.3  2 of 3 worse; worst: rta text 1.000 -> unrelated-noise 0.000  change -1.000  "
        "McNemar p=0.0039 (9 worse / 0 better)  n=10",
        "red",
    )
    assert f4[0].startswith("  F.4  1 of 1 worse; worst: rta text 1.000 -> image 0.100")
    assert crossmodal_card_lines((_effect(False),))[2:] == []


def test_html_section_escapes_and_marks_the_worse_rows() -> None:
    assert crossmodal_html(()) == ""
    bad = CrossModalEffect(
        "<b>X</b>", "m", "lower", "image", "text", "relevant", 3, 0.0, 0.5, 0.5, 0.5,
        "bootstrap", math.nan, 0.1, 0.9, 0, 0, True,
    )  # fmt: skip
    page = crossmodal_html((bad, _effect(False)))
    assert "<b>X</b>" not in page
    assert "&lt;b&gt;X&lt;/b&gt;" in page
    assert page.count('class="pill bad">worse<') == 1
    assert "[+0.100, +0.900]" in page
    assert "p=0.5000" in page


def test_summary_block_numbers_match_a_hand_computation() -> None:
    """summary.md's block from raw records: means, change and p worked out here, not read back."""
    from mt_report import metric, report

    from pytest_multitrust.report.markdown import crossmodal_markdown, render_markdown

    # S.3 (RtA, higher is better): 10 prompts refused text-only; with the relevant image
    # 8 are answered, with the noise image 1 is
    text = [1.0] * 10
    image = [0.0] * 8 + [1.0] * 2
    noise = [0.0] + [1.0] * 9
    records = [rec("text", i, {"rta": v}, image=False) for i, v in enumerate(text)]
    records += [rec("image", i, {"rta": v}, image=True) for i, v in enumerate(image)]
    records += [rec("unrelated-noise", i, {"rta": v}, image=True) for i, v in enumerate(noise)]
    # P.3 (agreement, higher is better): each image answer agrees 0.25 more: better, so
    # a degenerate bootstrap interval [+0.25, +0.25] whatever the resamples
    for i in range(4):
        records.append(rec("text", i, {"agreement": 0.5}, image=False, task="P.3"))
        records.append(rec("image", i, {"agreement": 0.75}, image=True, task="P.3"))
    effects = crossmodal_effects(
        records, {"S.3": [("rta", "higher")], "P.3": [("agreement", "higher")]}, seed=0
    )
    lines = crossmodal_markdown(effects)
    # S.3's worst comparison is the relevant image: 8 pairs worse, none better
    s3_text, s3_image = sum(text) / 10, sum(image) / 10
    p_image = binomial_two_sided(8, 8)  # = 2 / 2**8
    assert f"{p_image:.4f}" == "0.0078"
    assert (
        f"| S.3 | 2 | ❌ 1 | rta, image | {s3_text:.3f} | {s3_image:.3f} | "
        f"{s3_image - s3_text:+.3f} | McNemar p={p_image:.4f} \\(8 worse / 0 better\\) | 10 |"
    ) in lines  # Markdown's syntax characters escaped
    assert binomial_two_sided(1, 1) == 1.0  # the noise image: one pair, not significant
    assert (
        "| P.3 | 1 | 0 | agreement, image | 0.500 | 0.750 | +0.250 | bootstrap 95% CI "
        "\\[+0.250, +0.250\\] | 4 |"
    ) in lines
    assert "3 comparison(s) over 2 task(s), **1 significantly worse with the image**" in lines[3]
    assert crossmodal_markdown(()) == []
    # in summary.md after the task metrics; a run without any has no block
    bare = report([metric("S.3", "rta", 0.6, threshold=0.5, verdict="pass")])
    assert "Cross-modal" not in render_markdown(bare)
    text_md = render_markdown(dataclasses.replace(bare, crossmodal=effects))
    assert text_md.index("### Task metrics") < text_md.index("### Cross-modal impact")
    assert "\n".join(lines) in text_md


def test_a_report_without_crossmodal_reads_back_with_none() -> None:
    from mt_full_report import representative

    from pytest_multitrust.report.json_report import validate_report
    from pytest_multitrust.report.model import report_from_dict, report_to_dict

    data = report_to_dict(representative())
    assert len(data.pop("crossmodal")) == 2
    data["schema_version"] = "1.1"  # written before cross-modal impact was reported
    validate_report(data)
    assert report_from_dict(data).crossmodal == ()


def test_crossmodal_threshold_targets_name_a_task_and_maybe_a_metric() -> None:
    from pytest_multitrust.settings import parse_threshold

    whole = parse_threshold("crossmodal.S.3<=0.05")
    one = parse_threshold("crossmodal.S.3.toxicity < 0.1")
    assert (whole.crossmodal_target, one.crossmodal_target) == (("S.3", None), ("S.3", "toxicity"))
    assert whole.is_crossmodal
    assert not whole.is_task_metric  # not a threshold test of a task metric
    assert whole.task_id is None
    assert parse_threshold("S.3.rta>=0.5").crossmodal_target is None


def _harm(task: str, metric: str, variant: str, harm: float, worse: bool) -> CrossModalEffect:
    return CrossModalEffect(
        task, metric, "higher", variant, "text", "relevant", 12, 0.5, 0.5 - harm, -harm, harm,
        "mcnemar", 0.01 if worse else 0.6, math.nan, math.nan, 6, 1, worse,
    )  # fmt: skip


def test_a_crossmodal_gate_judges_the_largest_harm_of_its_task() -> None:
    from pytest_multitrust.report.crossmodal import crossmodal_gates
    from pytest_multitrust.settings import parse_threshold

    effects = (
        _harm("S.3", "rta", "image", 0.3, True),
        _harm("S.3", "rta", "unrelated-noise", -0.1, False),
        _harm("S.3", "toxicity", "image", 0.02, False),
        _harm("F.4", "rta", "image", 0.5, True),
    )
    thresholds = [
        parse_threshold(text)
        for text in (
            "crossmodal.S.3<=0.05",
            "crossmodal.S.3.toxicity<=0.05",
            "crossmodal.S.3.rta<0.3",
            "crossmodal.R.3<=0.5",
            "safety>=0.5",  # not cross-modal: judged elsewhere
        )
    ]
    gates = crossmodal_gates(effects, thresholds, "fail")
    assert [(g.target, g.value, g.verdict, g.passed) for g in gates[:3]] == [
        ("crossmodal.S.3", 0.3, "fail", False),
        ("crossmodal.S.3.toxicity", 0.02, "pass", True),
        ("crossmodal.S.3.rta", 0.3, "fail", False),  # 0.3 < 0.3 does not hold
    ]
    assert {g.kind for g in gates} == {"crossmodal"}
    assert {g.mode for g in gates} == {"point"}
    assert gates[0].label == "crossmodal.S.3 <= 0.05"
    assert gates[0].note.startswith("worst: rta with image vs text, McNemar p=0.0100")
    assert gates[0].note.endswith("significantly worse")
    assert gates[1].note.endswith("not significantly worse")
    assert gates[0].n == 12
    missing = gates[3]  # R.3 did not run: nothing measured fails
    assert (missing.verdict, missing.passed) == ("fail", False)
    assert math.isnan(missing.value)
    assert missing.note.startswith("no cross-modal comparison")
    assert len(gates) == 4
