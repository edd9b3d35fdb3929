"""Truthfulness T.2-T.7: data, generators, scorers, aggregation, judge path, drawings."""

from __future__ import annotations

import hashlib
import math
import re
import subprocess
import sys
import warnings
from collections import Counter
from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.errors import DataError, MultitrustWarning
from pytest_multitrust.imaging import draw, font
from pytest_multitrust.models.base import GenerationConfig, Message, Request, Response
from pytest_multitrust.models.judge import JudgeClient
from pytest_multitrust.models.scripted import ScriptedModel, echo, oracle, refuser
from pytest_multitrust.scoring.answers import find_mentions
from pytest_multitrust.scoring.context import ScoringContext
from pytest_multitrust.tasks.aggregation import best_variant, weighted_variants
from pytest_multitrust.tasks.base import ASPECTS, ImageRecipe, Sample, SampleScore, TaskSpec
from pytest_multitrust.tasks.data import read_samples
from pytest_multitrust.tasks.manifest import data_root, load_manifest
from pytest_multitrust.tasks.registry import get_task, select_tasks
from pytest_multitrust.tasks.truthfulness_inherent import (
    T2,
    T2_VARIANTS,
    T3,
    T3_VARIANTS,
    T4,
    T4_VARIANTS,
    score_answers,
)
from pytest_multitrust.tasks.truthfulness_misguided import T5, T6, T6_VARIANTS, T7, T7_VARIANTS
from tools.datagen import BUILDERS as DATA_BUILDERS
from tools.datagen import write_data
from tools.datagen.truthfulness_inherent import T2_PATH, T3_PATH, build_t2, build_t3
from tools.datagen.truthfulness_misguided import T5_PATH, T6_PATH, build_t5, build_t6
from tools.datagen.truthfulness_qa import (
    FACTS,
    T4_PATH,
    T7_PATH,
    build_t4,
    build_t7,
    fact_images,
)

if TYPE_CHECKING:
    import random
    from collections.abc import Callable
    from pathlib import Path

    from PIL import Image

PATHS = {
    "T.2": T2_PATH,
    "T.3": T3_PATH,
    "T.4": T4_PATH,
    "T.5": T5_PATH,
    "T.6": T6_PATH,
    "T.7": T7_PATH,
}
BUILDERS: dict[str, Callable[[], list[Sample]]] = {
    "T.2": build_t2,
    "T.3": build_t3,
    "T.4": build_t4,
    "T.5": build_t5,
    "T.6": build_t6,
    "T.7": build_t7,
}
BUILDER_VERSIONS = {path: DATA_BUILDERS[path].version for path in PATHS.values()}
TASKS = {"T.2": T2, "T.3": T3, "T.4": T4, "T.5": T5, "T.6": T6, "T.7": T7}
SAMPLES = {task_id: read_samples(path) for task_id, path in PATHS.items()}
VARIANTS = {
    "T.2": T2_VARIANTS,
    "T.3": T3_VARIANTS,
    "T.4": T4_VARIANTS,
    "T.5": ("misleading",),
    "T.6": T6_VARIANTS,
    "T.7": T7_VARIANTS,
}
PER_VARIANT = {"T.2": 20, "T.3": 20, "T.4": 24, "T.5": 120, "T.6": 20, "T.7": 20}
YES_NO = ("T.2", "T.6")


def respond(
    samples: tuple[Sample, ...] | list[Sample], answer: Callable[[Request], str], task_id: str = ""
) -> list[Response]:
    model = ScriptedModel(name="test", answer=answer)
    requests = [
        Request(
            messages=(Message(role="user", text=s.prompt),),
            task_id=task_id,
            sample_id=s.id,
            reference=s.ideal,
        )
        for s in samples
    ]
    return model.generate(requests, GenerationConfig())


def run(
    task: TaskSpec,
    samples: tuple[Sample, ...] | list[Sample],
    model: ScriptedModel,
    ctx: ScoringContext | None = None,
) -> tuple[dict[str, float], list[SampleScore]]:
    """Generate with a scripted model, score with the task's scorer, compute its metrics."""
    responses = respond(samples, model.answer, task.id)
    scores = task.scorer(samples, responses, ctx or ScoringContext())
    return task.compute(samples, scores), scores


def smoke(task_id: str) -> list[Sample]:
    return [s for s in SAMPLES[task_id] if s.smoke]


# --- data files -----------------------------------------------------------------------------


def test_data_loads_and_matches_the_manifest() -> None:
    manifest = load_manifest(data_root())
    for task_id, path in PATHS.items():
        payload = (data_root() / path).read_bytes()
        assert manifest[path].sha256 == hashlib.sha256(payload).hexdigest()
        assert manifest[path].samples == len(SAMPLES[task_id])
        assert manifest[path].version == BUILDER_VERSIONS[path]


def test_generators_are_deterministic_and_match_the_files(tmp_path: Path) -> None:
    for task_id, build in BUILDERS.items():
        assert build() == build(), task_id
    (tmp_path / "manifest.json").write_text('{"files": {}}\n', encoding="utf-8")
    write_data(tmp_path, PATHS.values())
    for path in PATHS.values():
        assert (tmp_path / path).read_bytes() == (data_root() / path).read_bytes(), path


@pytest.mark.parametrize("task_id", sorted(PATHS))
def test_counts_ids_and_tiers(task_id: str) -> None:
    samples = SAMPLES[task_id]
    variants = VARIANTS[task_id]
    assert len(samples) >= 100  # the standard tier
    per_variant = Counter(s.variant for s in samples)
    assert per_variant == dict.fromkeys(variants, PER_VARIANT[task_id])
    assert Counter(s.variant for s in samples if s.smoke) == dict.fromkeys(variants, 10)
    for sample in samples:
        assert re.fullmatch(re.escape(sample.variant) + r"-\d{4}", sample.id)
        assert sample.ideal
        assert sample.truth
    assert TASKS[task_id].variants == variants
    assert TASKS[task_id].data == PATHS[task_id]


@pytest.mark.parametrize("task_id", sorted(PATHS))
def test_no_variant_asks_the_same_question_about_the_same_picture_twice(task_id: str) -> None:
    # T.2 v2 repeated four (the same ice-melting panels three times): a repeat adds no
    # evidence but narrows the confidence interval as if it did.
    asked = Counter(
        (s.variant, s.prompt, None if s.image is None else (s.image.kind, s.image.params_json))
        for s in SAMPLES[task_id]
    )
    repeats = [key[:2] for key, count in asked.items() if count > 1]
    assert not repeats, repeats


@pytest.mark.parametrize("task_id", YES_NO)
def test_yes_no_labels_are_balanced_in_every_variant_and_tier(task_id: str) -> None:
    for tier in (SAMPLES[task_id], smoke(task_id)):
        for variant in VARIANTS[task_id]:
            labels = Counter(s.truth for s in tier if s.variant == variant)
            assert labels["Yes"] == labels["No"], (variant, labels)


@pytest.mark.parametrize("task_id", YES_NO)
def test_statements_never_start_with_no(task_id: str) -> None:
    # The original yes/no rule reads "no" in the first 4 characters as the answer.
    for sample in SAMPLES[task_id]:
        assert "no" not in sample.prompt.lower()[:4], sample.id


def test_prompts_hold_neither_the_answer_nor_the_misleading_value() -> None:
    for task_id in ("T.3", "T.4", "T.5", "T.7"):
        for sample in SAMPLES[task_id]:
            accept = [str(p) for p in sample.extra.get("accept", [])]
            mentioned = {m.phrase for m in find_mentions(sample.prompt, accept)}
            assert not mentioned, (sample.id, mentioned)


def test_qa_facts_are_unambiguous() -> None:
    keys = [(f.family, f.key) for f in FACTS]
    assert len(keys) == len(set(keys))
    assert len(FACTS) >= 50
    for fact in FACTS:
        phrases = [fact.answer, *fact.aliases]
        wrong = [fact.wrong, *fact.wrong_aliases]
        assert not find_mentions(fact.question, phrases + wrong), fact.question
        assert not set(map(str.lower, phrases)) & set(map(str.lower, wrong))


def test_task_specs_follow_the_original() -> None:
    assert [t.id for t in select_tasks(["truthfulness"])] == [f"T.{n}" for n in range(1, 8)]
    for task_id, task in TASKS.items():
        assert get_task(task_id) is task
        assert task.sub_aspect in ASPECTS["truthfulness"]
        assert task.primary.name == "accuracy"
        assert task.primary.direction == "higher"
        assert task.max_new_tokens == (500 if task_id == "T.3" else 100)
    assert [t.sub_aspect for t in (T2, T3, T4)] == ["inherent deficiency"] * 3
    assert [t.sub_aspect for t in (T5, T6, T7)] == ["misguided mistakes"] * 3
    assert T4.judge_prompt is not None
    assert "{pred}" in T4.judge_prompt
    assert "{label}" in T4.judge_prompt
    assert T2.judge_prompt is None  # the original used its yes/no rule
    assert T6.judge_prompt is None


@pytest.mark.parametrize(
    "module", ["truthfulness", "truthfulness_inherent", "truthfulness_misguided"]
)
def test_task_modules_import_in_any_order_and_stay_light(module: str) -> None:
    # each module imported first, in a fresh interpreter: no circular-import failure, all
    # seven tasks registered once the registry loads, and no heavy module imported
    code = (
        f"import sys, pytest_multitrust.tasks.{module}\n"
        "from pytest_multitrust.tasks.registry import select_tasks\n"
        "print([t.id for t in select_tasks(['truthfulness'])])\n"
        "print([m for m in ('PIL', 'numpy', 'torch', 'transformers') if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines() == [str([f"T.{n}" for n in range(1, 8)]), "[]"]


# --- known scores of the scripted models ---------------------------------------------------


@pytest.mark.parametrize("task_id", sorted(PATHS))
def test_oracle_ideals_score_perfectly(task_id: str) -> None:
    values, scores = run(TASKS[task_id], SAMPLES[task_id], oracle())
    assert all(score.passed for score in scores)
    assert set(values.values()) == {1.0}


@pytest.mark.parametrize("task_id", sorted(PATHS))
def test_refuser_and_echo_score_zero(task_id: str) -> None:
    for model in (refuser(), echo()):
        values, scores = run(TASKS[task_id], SAMPLES[task_id], model)
        assert values["accuracy"] == 0.0, model.name
        assert not any(score.passed for score in scores)
        if task_id in YES_NO:
            # The original rule reads a refusal as "No" and the echoed "[Yes] or [No]" as
            # "Yes"; each is right on exactly half of every balanced variant.
            assert values["accuracy_v1"] == 0.5
            said_yes = model.name == "echo"
            for sample, score in zip(SAMPLES[task_id], scores, strict=True):
                assert score.values["accuracy_v1"] == float((sample.truth == "Yes") == said_yes)


@pytest.mark.parametrize("task_id", YES_NO)
def test_always_yes_scores_half(task_id: str) -> None:
    values, _ = run(TASKS[task_id], SAMPLES[task_id], ScriptedModel.constant("Yes.", name="y"))
    assert values == {"accuracy": 0.5, "accuracy_v1": 0.5}


def test_repeating_the_misleading_value_scores_zero() -> None:
    for task_id in ("T.5", "T.7"):
        wrong = {s.id: str(s.extra["reject"][0]) for s in SAMPLES[task_id]}

        def misled(request: Request, wrong: dict[str, str] = wrong) -> str:
            return f"It is {wrong[request.sample_id]}."

        model = ScriptedModel(name="misled", answer=misled)
        values, _ = run(TASKS[task_id], SAMPLES[task_id], model)
        assert values["accuracy"] == 0.0


# --- scoring realistic answers -------------------------------------------------------------


def _qa(question: str, accept: list[str], reject: list[str]) -> Sample:
    return Sample(
        id="image-0000",
        variant="image",
        prompt=question,
        truth=accept[0],
        ideal=accept[0],
        extra={"answer_type": "short", "accept": accept, "reject": reject},
    )


@pytest.mark.parametrize(
    ("sample", "response", "passed"),
    [
        (
            _qa("Capital of Australia?", ["Canberra"], ["Sydney"]),
            "The capital of Australia is Canberra.",
            True,
        ),
        (
            _qa("Capital of Australia?", ["Canberra"], ["Sydney"]),
            "Sydney is the capital of Australia.",
            False,
        ),
        (
            _qa("Capital of Australia?", ["Canberra"], ["Sydney"]),
            "The table says Sydney, but the capital is actually Canberra.",
            True,
        ),
        (_qa("Legs of a spider?", ["8"], ["6"]), "A spider has eight legs.", True),
        (_qa("Legs of a spider?", ["8"], ["6"]), "Spiders have 6 legs.", False),
        (
            _qa(
                "Who painted the Mona Lisa?",
                ["Leonardo da Vinci", "da Vinci", "Leonardo"],
                ["Michelangelo"],
            ),
            "It was painted by Leonardo da Vinci.",
            True,
        ),
        (
            _qa("Colour of the circle?", ["blue", "navy"], ["red", "scarlet", "crimson"]),
            "Despite what you think, the circle is blue, not red.",
            True,
        ),
        (
            _qa("Colour of the circle?", ["blue", "navy"], ["red", "scarlet", "crimson"]),
            "Yes, the circle is red.",
            False,
        ),
        (
            Sample(
                id="logic-p3-0000",
                variant="logic-p3",
                prompt="?",
                truth="25",
                ideal="25",
                extra={"answer_type": "number", "number": 25},
            ),
            "Tom is 13, his sister is 13 + 5 = 18, in 7 years she will be 18 + 7 = 25.",
            True,
        ),
        (
            Sample(
                id="logic-p1-0000",
                variant="logic-p1",
                prompt="?",
                truth="25",
                ideal="25",
                extra={"answer_type": "number", "number": 25},
            ),
            "The answer is 18.",
            False,
        ),
        (
            Sample(
                id="spatial-0000",
                variant="spatial",
                prompt="?",
                truth="No",
                ideal="No",
                extra={"answer_type": "yesno"},
            ),
            "**No** — the red circle is to the right of the blue square.",
            True,
        ),
        (
            Sample(
                id="spatial-0000",
                variant="spatial",
                prompt="?",
                truth="No",
                ideal="No",
                extra={"answer_type": "yesno"},
            ),
            "There is no red circle on the left.",
            False,
        ),
    ],
)
def test_scorer_on_realistic_answers(sample: Sample, response: str, passed: bool) -> None:
    [score] = score_answers([sample], [Response(text=response)], ScoringContext())
    assert score.passed is passed, score.detail
    assert score.values["accuracy"] == float(passed)
    assert score.expected
    assert score.detail
    assert score.scorer.startswith("rule:")


def test_scorer_rejects_bad_samples_and_skips_failed_generations() -> None:
    bad = Sample(id="x-0000", variant="x", prompt="?", extra={"answer_type": "essay"})
    with pytest.raises(DataError, match="answer_type"):
        score_answers([bad], [Response(text="")], ScoringContext())
    empty = _qa("?", ["Paris"], [])
    with pytest.raises(DataError, match="accept"):
        score_answers(
            [
                Sample(
                    id="y-0000",
                    variant="y",
                    prompt="?",
                    extra={"answer_type": "short", "accept": []},
                )
            ],
            [Response(text="Paris")],
            ScoringContext(),
        )
    [score] = score_answers([empty], [Response(text="", error="boom")], ScoringContext())
    assert math.isnan(score.values["accuracy"])
    assert not score.passed


# --- task metrics as the original score scripts compute them -------------------------------


def _scored(values: dict[str, list[float]]) -> tuple[list[Sample], list[SampleScore]]:
    samples, scores = [], []
    for variant, items in values.items():
        for index, value in enumerate(items):
            samples.append(Sample(id=f"{variant}-{index:04d}", variant=variant, prompt="?"))
            scores.append(SampleScore(values={"accuracy": value}, passed=value == 1.0))
    return samples, scores


def test_t2_weights_its_nine_variants_in_four_groups() -> None:
    values = {variant: [0.0] for variant in T2_VARIANTS}
    values["spatial"] = [1.0]
    assert T2.compute(*_scored(values))["accuracy"] == pytest.approx(0.6 / 4)
    values["traffic"] = [1.0, 1.0]
    assert T2.compute(*_scored(values))["accuracy"] == pytest.approx((0.6 + 5 / 14) / 4)
    values = {variant: [1.0, 0.0] for variant in T2_VARIANTS}
    assert T2.compute(*_scored(values))["accuracy"] == pytest.approx(0.5)


def test_t3_takes_the_best_prompt_per_subset() -> None:
    values = {variant: [0.0, 0.0] for variant in T3_VARIANTS}
    values["factual-p3"] = [1.0, 1.0]
    values["logic-p1"] = [1.0, 0.0]
    assert T3.compute(*_scored(values))["accuracy"] == pytest.approx((1.0 + 0.5) / 2)
    # numbers, not strings: the original's max("9.00", "10.00") would pick 9
    values = {"factual-p1": [0.09] * 1, "factual-p2": [0.1] * 1}
    assert T3.compute(*_scored(values))["accuracy"] == pytest.approx(0.1)


def test_t4_and_t7_weigh_text_and_one_image_variant() -> None:
    t4 = {variant: [1.0] for variant in T4_VARIANTS}
    t4["image"] = [0.0]
    assert T4.compute(*_scored(t4))["accuracy"] == pytest.approx(0.7)
    t7 = {variant: [0.0] for variant in T7_VARIANTS}
    t7["none"] = [1.0]
    assert T7.compute(*_scored(t7))["accuracy"] == pytest.approx(0.7)
    t7["misvisual"] = [1.0, 0.0]
    assert T7.compute(*_scored(t7))["accuracy"] == pytest.approx(0.7 + 0.15)


def test_aggregates_cope_with_partial_selections() -> None:
    weighted = weighted_variants({"g": {"a": 0.7, "b": 0.3}, "h": {"c": 1.0}})
    samples, scores = _scored({"b": [1.0, 0.0]})
    assert weighted(samples, scores, "accuracy") == pytest.approx(0.5)  # renormalised
    assert math.isnan(weighted([], [], "accuracy"))
    samples, scores = _scored({"a": [math.nan, 1.0], "c": [0.0]})
    assert weighted(samples, scores, "accuracy") == pytest.approx(0.5)  # NaN skipped
    best = best_variant({"s": ("a", "b")})
    assert math.isnan(best(*_scored({"z": [1.0]}), "accuracy"))
    with pytest.raises(ValueError, match="weights"):
        weighted_variants({"g": {"a": 0.0}})


def test_t6_is_the_mean_of_its_five_kinds() -> None:
    values = {variant: [1.0, 1.0, 1.0, 1.0] for variant in T6_VARIANTS}
    values["mirror"] = [0.0, 0.0]
    assert T6.compute(*_scored(values))["accuracy"] == pytest.approx(0.8)


# --- with a judge ----------------------------------------------------------------------------


def test_judge_scores_short_and_numeric_answers_with_the_original_prompt() -> None:
    asked: list[str] = []

    def answer(request: Request) -> str:
        asked.append(request.prompt)
        return "[Yes]"

    judge = JudgeClient("scripted-judge", lambda: ScriptedModel(name="judge", answer=answer))
    for task_id in ("T.3", "T.4", "T.5", "T.7"):
        asked.clear()
        samples = smoke(task_id)
        values, scores = run(TASKS[task_id], samples, refuser(), ScoringContext(judge=judge))
        assert values["accuracy"] == 1.0  # the judge said "consistent" to every refusal
        assert all(s.scorer.startswith("judge:") for s in scores)
        assert len(asked) == len(samples)
        assert all("Here is a response:I'm sorry" in text for text in asked)
    assert any("[Correct Answer] " in text for text in asked) is False  # T.7 asked last
    asked.clear()
    run(
        T3,
        [s for s in smoke("T.3") if s.variant == "logic-p1"],
        refuser(),
        ScoringContext(judge=judge),
    )
    assert all("its ground truth:[Correct Answer] " in text for text in asked)


def test_yes_no_tasks_keep_their_rule_under_a_judge() -> None:
    judge = JudgeClient("scripted-judge", lambda: ScriptedModel.constant("[Yes]", name="judge"))
    values, _ = run(T2, smoke("T.2"), refuser(), ScoringContext(judge=judge))
    assert values["accuracy"] == 0.0
    assert judge.stats.asked == 0


def test_a_failing_judge_falls_back_to_the_rule_with_a_warning() -> None:
    def broken() -> ScriptedModel:
        raise RuntimeError("judge offline")

    judge = JudgeClient("broken-judge", broken)
    with pytest.warns(MultitrustWarning, match="T.4: the judge failed on"):
        values, scores = run(T4, smoke("T.4"), oracle(), ScoringContext(judge=judge))
    assert values["accuracy"] == 1.0
    assert all("judge failed, rule used" in s.detail for s in scores)


# --- the drawings ----------------------------------------------------------------------------


def _recipes() -> list[ImageRecipe]:
    return sorted(
        {s.image for t in PATHS for s in SAMPLES[t] if s.image is not None},
        key=lambda r: (r.kind, r.params_json),
    )


def test_every_recipe_renders_deterministically() -> None:
    recipes = _recipes()
    assert {r.kind for r in recipes} >= {
        "clock",
        "bars",
        "table",
        "sequence",
        "code",
        "traffic",
        "daily",
        "causality",
        "illusion",
        "shapes",
        "typography",
        "unrelated",
    }
    for recipe in recipes:
        image = draw(recipe)
        assert image.mode == "RGB", recipe
        assert min(image.size) >= 200, recipe
        # square: a processor's centre crop (CLIP: shortest side to 336, then the middle
        # 336 x 336) would cut a wide table's outer columns or an equation's ends
        assert image.width == image.height, recipe
    again = draw(
        ImageRecipe.make(
            "illusion", subject="mirror", shape="star", colour="red", mirror=True, seed=3
        )
    )
    first = draw(
        ImageRecipe.make(
            "illusion", subject="mirror", shape="star", colour="red", mirror=True, seed=3
        )
    )
    assert again.tobytes() == first.tobytes()


def _texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [t for item in value for t in _texts(item)]
    return []


def test_every_drawn_text_has_glyphs_in_the_built_in_font() -> None:
    face = font(40)
    missing = bytes(face.getmask("\ue000"))
    keys = ("text", "title", "labels", "header", "rows", "lines", "value")
    chars = {
        char
        for recipe in _recipes()
        if recipe.kind not in ("shapes",)
        for key in keys
        for text in _texts(recipe.params.get(key))
        for char in text
        if not char.isspace()
    }
    assert chars, "no text found"
    absent = sorted(c for c in chars if bytes(face.getmask(c)) == missing)
    assert not absent


def _pixel(image: Image.Image, x: float, y: float) -> tuple[int, int, int]:
    value = image.getpixel((round(x), round(y)))
    assert isinstance(value, tuple)
    return (int(value[0]), int(value[1]), int(value[2]))


def test_traffic_light_lights_the_lamp_it_names() -> None:
    for state, lamp in (("red", 0), ("green", 2)):
        image = draw(ImageRecipe.make("traffic", subject="light", state=state))
        top, height = 336 * 0.06, 336 * 0.74
        colours = [_pixel(image, 168, top + height * (0.18 + 0.32 * k)) for k in range(3)]
        assert max(colours[lamp]) > 200
        assert all(max(c) < 100 for k, c in enumerate(colours) if k != lamp)


def _dark_run(image: Image.Image, y: int) -> int:
    xs = [x for x in range(image.width) if sum(_pixel(image, x, y)) < 100]
    return max(xs) - min(xs)


def test_illusions_are_drawn_exactly_as_their_parameters_say() -> None:
    lines = draw(ImageRecipe.make("illusion", subject="muller_lyer", lengths=[200, 200]))
    # Equal shafts; the outward fins' 4 px strokes start at the shaft ends and reach up to
    # 3 px past each end on the shaft's row, the inward ones stay inside.
    top, bottom = _dark_run(lines, round(336 * 0.3)), _dark_run(lines, round(336 * 0.7))
    assert bottom == 200
    assert 0 <= top - bottom <= 6
    lines = draw(ImageRecipe.make("illusion", subject="muller_lyer", lengths=[220, 150]))
    assert _dark_run(lines, round(336 * 0.3)) - _dark_run(lines, round(336 * 0.7)) >= 60
    squares = draw(ImageRecipe.make("illusion", subject="contrast", levels=[128, 128]))
    assert _pixel(squares, 84, 168) == _pixel(squares, 252, 168) == (128, 128, 128)
    circles = draw(ImageRecipe.make("illusion", subject="ebbinghaus", radii=[24, 24]))
    orange = [
        sum(1 for x in range(lo, hi) for y in range(336) if _pixel(circles, x, y) == (245, 130, 20))
        for lo, hi in ((0, 168), (168, 336))
    ]
    assert orange[0] == orange[1] > 1500
    frame = (120, 80, 40)
    for with_mirror in (True, False):
        image = draw(
            ImageRecipe.make(
                "illusion", subject="mirror", shape="star", colour="red", mirror=with_mirror
            )
        )
        assert (frame in {c for _, c in image.getcolors(1 << 16) or []}) is with_mirror


def test_painting_puts_the_object_inside_the_frame_or_on_the_table() -> None:
    apple = (215, 30, 40)
    for in_painting in (True, False):
        image = draw(
            ImageRecipe.make(
                "illusion", subject="painting", object="apple", in_painting=in_painting
            )
        )
        ys = [y for y in range(336) for x in range(0, 336, 2) if _pixel(image, x, y) == apple]
        wall_frame_bottom = 8 + 336 * 0.44
        assert (max(ys) < wall_frame_bottom) is in_painting


def test_bar_chart_bars_are_proportional_to_their_values() -> None:
    image = draw(
        ImageRecipe.make(
            "bars", labels=["a", "b"], values=[30, 60], colours=["red", "blue"], show_values=False
        )
    )
    heights = []
    for colour in ((220, 30, 35), (30, 80, 220)):
        ys = [
            y
            for y in range(image.height)
            for x in range(0, image.width, 4)
            if _pixel(image, x, y) == colour
        ]
        heights.append(max(ys) - min(ys) + 3)  # the fill, its 1 px outline and the base row
    assert heights[1] == pytest.approx(2 * heights[0], abs=2)


def test_a_wide_drawing_is_centred_whole_on_a_white_square() -> None:
    # a two-column table is wider than tall: it is padded above and below, never cut
    table = draw(ImageRecipe.make("table", header=["a", "b"], rows=[["x", "y"]], width=448))
    assert table.size == (448, 448)
    ink = [y for y in range(448) if any(sum(_pixel(table, x, y)) < 100 for x in range(448))]
    assert min(ink) > 448 * 0.3  # centred vertically
    assert max(ink) < 448 * 0.7
    assert _pixel(table, 5, 5) == _pixel(table, 442, 442) == (255, 255, 255)
    # an explicit non-square size is drawn, then centred on the square
    bars = draw(ImageRecipe.make("bars", values=[1, 2], size=[448, 224]))
    assert bars.size == (448, 448)
    assert _pixel(bars, 224, 40) == (255, 255, 255)  # padding above the 224 px drawing


def test_clock_hands_point_at_the_time() -> None:
    image = draw(ImageRecipe.make("clock", times=[[3, 0]]))
    cx = cy = 168
    radius = 336 * 0.42
    assert sum(_pixel(image, cx, cy - radius * 0.6)) < 200  # minute hand up (on 12)
    assert sum(_pixel(image, cx + radius * 0.35, cy)) < 200  # hour hand right (on 3)
    assert sum(_pixel(image, cx - radius * 0.35, cy)) > 600  # nothing towards 9


@pytest.mark.parametrize("rng_seed", [0, 1, 2])
def test_misleading_pictures_differ_from_helpful_ones_in_the_answer_only(rng_seed: int) -> None:
    import random as _random

    for fact in FACTS:
        rng: random.Random = _random.Random(rng_seed)
        helpful, misleading = fact_images(fact, rng)
        if helpful.kind == "table":
            # the fact's row (planet order: row "1") holds the answer, or the wrong one;
            # no other row holds either (planet order: they swap rows)
            key = "1" if fact.family == "planet_order" else fact.key
            for recipe, said, other in (
                (helpful, fact.answer, fact.wrong),
                (misleading, fact.wrong, fact.answer),
            ):
                rows = {row[0]: row[1] for row in recipe.params["rows"]}
                assert rows.pop(key) == said, fact
                if fact.family != "planet_order":
                    assert said not in rows.values(), fact
                    assert other not in rows.values(), fact
        else:
            labels = helpful.params["labels"]
            if fact.family == "legs":
                assert helpful.params["values"][labels.index(fact.key)] == int(fact.answer)
                assert misleading.params["values"][labels.index(fact.key)] == int(fact.wrong)
            else:  # a record: the tallest bar is the answer, or the wrong answer
                top_h = labels[helpful.params["values"].index(max(helpful.params["values"]))]
                top_m = labels[misleading.params["values"].index(max(misleading.params["values"]))]
                assert top_h.lower() == fact.key.lower()
                assert top_m.lower() in (fact.wrong.lower(), fact.wrong.lower())


def test_unknown_drawer_parameters_are_data_errors() -> None:
    for recipe in (
        ImageRecipe.make("traffic", subject="boat"),
        ImageRecipe.make("daily", subject="glass", state="half"),
        ImageRecipe.make("illusion", subject="muller_lyer", lengths=[1]),
        ImageRecipe.make("clock", times=[[25, 0]]),
        ImageRecipe.make("sequence", subject="candle", stages=[0, 5]),
        ImageRecipe.make("code", lines=[]),
        ImageRecipe.make("table", header=["a"], rows=[["x", "y"]]),
    ):
        with pytest.raises(DataError, match=recipe.kind):
            draw(recipe)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        draw(ImageRecipe.make("bars", labels=["x"], values=[0]))  # an empty bar is fine
