"""Robustness R.1-R.6: data, generators, drawers, scorers and scripted-model scores."""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections import Counter
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from pytest_multitrust.errors import DataError, MultitrustWarning
from pytest_multitrust.imaging import draw, render
from pytest_multitrust.imaging.objects import OBJECTS
from pytest_multitrust.imaging.styles import STYLES
from pytest_multitrust.models.base import GenerationConfig, Message, Request, Response
from pytest_multitrust.models.judge import JudgeClient
from pytest_multitrust.models.scripted import ScriptedModel, echo, oracle, refuser
from pytest_multitrust.scoring.context import ScoringContext
from pytest_multitrust.scoring.mentions import (
    OBJECT_SYNONYMS,
    first_mentioned,
    first_number,
    mentioned,
    mentions_noise,
)
from pytest_multitrust.tasks.base import ImageRecipe, Sample, TaskSpec
from pytest_multitrust.tasks.data import read_samples
from pytest_multitrust.tasks.manifest import data_root, load_manifest
from pytest_multitrust.tasks.registry import get_task
from pytest_multitrust.tasks.robustness import (
    CAPTION_PROMPT,
    R1,
    R2,
    R3,
    R4,
    R5,
    R6,
    R6_LABELS,
    score_caption,
    score_r2_answer,
    score_r3_answer,
    score_r6_answer,
    target_caption,
)
from tools.datagen import write_data
from tools.datagen.robustness import (
    R1_PATH,
    R2_PATH,
    R3_PATH,
    R4_PATH,
    R5_PATH,
    R6_PATH,
)
from tools.datagen.robustness_text import (
    GLUE_ITEMS,
    OOD_STYLES,
    PERTURBATIONS,
    SENTIMENT_BASE,
    perturb,
    restyle,
)

if TYPE_CHECKING:
    from pathlib import Path

PATHS = (R1_PATH, R2_PATH, R3_PATH, R4_PATH, R5_PATH, R6_PATH)
TASKS = (R1, R2, R3, R4, R5, R6)
SAMPLES = {task.id: read_samples(task.data) for task in TASKS}


def run(
    task: TaskSpec,
    samples: tuple[Sample, ...] | list[Sample],
    model: ScriptedModel,
    ctx: ScoringContext | None = None,
) -> tuple[dict[str, float], list[bool]]:
    """Generate with a scripted model (text only), score, compute the task's metrics."""
    requests = [
        Request(
            messages=(Message(role="user", text=s.prompt),),
            task_id=task.id,
            sample_id=s.id,
            reference=s.ideal,
        )
        for s in samples
    ]
    responses = model.generate(requests, GenerationConfig())
    scores = task.scorer(samples, responses, ctx or ScoringContext())
    return task.compute(samples, scores), [score.passed for score in scores]


def reply(text: str) -> Response:
    return Response(text=text)


# --- data files -----------------------------------------------------------------------------


def test_data_loads_and_matches_the_manifest() -> None:
    manifest = load_manifest(data_root())
    for task in TASKS:
        entry = manifest[task.data]
        assert entry.sha256 == hashlib.sha256((data_root() / task.data).read_bytes()).hexdigest()
        assert entry.samples == len(SAMPLES[task.id])


def test_generators_are_deterministic(tmp_path: Path) -> None:
    write_data(tmp_path, list(PATHS))
    for path in PATHS:
        assert (tmp_path / path).read_bytes() == (data_root() / path).read_bytes(), path


@pytest.mark.parametrize(
    ("task", "per_variant", "smoke"),
    [(R1, 16, 10), (R2, 16, 10), (R3, 120, 10), (R4, 112, 10), (R5, 112, 10)],
    ids=["R.1", "R.2", "R.3", "R.4", "R.5"],
)
def test_counts_ids_and_tiers(task: TaskSpec, per_variant: int, smoke: int) -> None:
    samples = SAMPLES[task.id]
    assert len(samples) >= 100
    assert Counter(s.variant for s in samples) == {v: per_variant for v in task.variants}
    assert Counter(s.variant for s in samples if s.smoke) == {v: smoke for v in task.variants}
    for variant in task.variants:
        ids = [s.id for s in samples if s.variant == variant]
        assert ids == [f"{variant}-{i:04d}" for i in range(per_variant)]


def test_r6_counts_sets_and_tasks() -> None:
    samples = SAMPLES["R.6"]
    counts = Counter(s.variant for s in samples)
    assert counts == {**{v: 120 for v in R6.variants if v != "clean"}, "clean": 60}
    assert Counter(s.variant for s in samples if s.smoke) == {v: 12 for v in R6.variants}
    text = [s for s in samples if s.variant == "text"]
    assert Counter(s.extra["set"] for s in text) == {"advglue": 60, "advglue-plus": 60}
    assert Counter(s.extra["glue_task"] for s in text) == {t: 20 for t in R6_LABELS}
    smoke = [s for s in text if s.smoke]  # one item per (task, set) in the smoke tier
    assert len({(s.extra["glue_task"], s.extra["set"]) for s in smoke}) == 12
    for sample in text:  # every perturbed item differs from its clean text
        assert sample.extra["clean_first"] not in sample.prompt or (
            sample.extra["clean_second"] and sample.extra["clean_second"] not in sample.prompt
        )


def test_labels_are_balanced() -> None:
    r3 = [s for s in SAMPLES["R.3"] if s.variant == "text"]
    assert Counter(s.truth for s in r3) == {"positive": 60, "negative": 60}
    assert Counter(s.extra["style"] for s in r3) == {style: 12 for style in OOD_STYLES}
    r1_objects = Counter(s.truth for s in SAMPLES["R.1"])
    assert set(r1_objects) == set(OBJECTS)
    assert min(r1_objects.values()) >= 7
    r4 = SAMPLES["R.4"]
    assert Counter(s.truth for s in r4 if s.variant == "clean") == {o: 8 for o in OBJECTS}
    r5 = SAMPLES["R.5"]
    assert all(s.extra["target"] != s.truth for s in r5)
    assert len({s.extra["target"] for s in r5}) == len(OBJECTS)


def test_r4_pairs_attack_the_clean_images() -> None:
    r4 = SAMPLES["R.4"]
    clean = {s.extra["pair"]: s for s in r4 if s.variant == "clean"}
    attacked = [s for s in r4 if s.variant == "untargeted"]
    assert all(s.extra["attack"] == "untargeted" for s in attacked)
    assert all("attack" not in s.extra for s in clean.values())
    for sample in attacked:
        assert sample.image == clean[sample.extra["pair"]].image
    assert all(s.extra["attack"] == "targeted" for s in SAMPLES["R.5"])


# --- scripted models: exact, predicted scores -----------------------------------------------


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.id)
def test_oracle_ideals_score_perfectly(task: TaskSpec) -> None:
    values, passed = run(task, SAMPLES[task.id], oracle())
    assert all(passed)
    for metric in task.metrics:
        assert values[metric.name] == (1.0 if metric.direction == "higher" else 0.0)


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.id)
def test_refuser_scores(task: TaskSpec) -> None:
    values, passed = run(task, SAMPLES[task.id], refuser())
    for metric in task.metrics:
        assert values[metric.name] == 0.0  # names nothing; an ASR of 0 for R.5
    assert any(passed) == (task.id == "R.5")  # not naming the target passes R.5


def test_echo_scores() -> None:
    """Echo repeats the prompt: predicted from what each prompt names."""
    for task in (R1, R3, R4, R5):  # no object, both sentiment words, no target
        values, _ = run(task, SAMPLES[task.id], echo())
        assert all(v == 0.0 for v in values.values()), task.id
    # R.2: choice questions list every option (0.5: the truth among others), counting
    # questions contain no number (0); per sensor: infrared 0, lxray .5, hxray .5, mri 0,
    # ct .5, remote 0, driving .25 (half light questions), depth .5 -> mean 2.25 / 8.
    values, _ = run(R2, SAMPLES["R.2"], echo())
    assert values["score"] == pytest.approx(2.25 / 8)
    # R.6: the first answer word of each prompt template is the prediction.
    first = {
        "mnli": "yes",
        "mnli-mm": "yes",
        "qnli": "yes",
        "qqp": "yes",
        "rte": "yes",
        "sst2": "positive",
    }
    for smoke in (False, True):
        samples = [s for s in SAMPLES["R.6"] if s.smoke or not smoke]
        values, _ = run(R6, samples, echo())
        text = [s for s in samples if s.variant == "text"]
        per_set = [
            sum(s.truth == first[s.extra["glue_task"]] for s in group) / len(group)
            for name in ("advglue", "advglue-plus")
            for group in [[s for s in text if s.extra["set"] == name]]
        ]
        clean = [s for s in samples if s.variant == "clean"]
        assert values["accuracy"] == pytest.approx(sum(per_set) / 2)
        assert values["clean_accuracy"] == pytest.approx(
            sum(s.truth == first[s.extra["glue_task"]] for s in clean) / len(clean)
        )
        assert 0.2 < values["accuracy"] < 0.6  # labels are mixed, not all "yes"


def test_unrelated_variants_are_averaged_first() -> None:
    samples = [s for s in SAMPLES["R.3"] if s.smoke]
    # right on text only: text 1, related 0, unrelated 0 -> (1 + 0 + 0) / 3
    model = ScriptedModel(
        name="text-only",
        answer=lambda r: (
            r.reference or "" if r.sample_id and r.sample_id.startswith("text-") else ""
        ),
    )
    values, _ = run(R3, samples, model)
    assert values["accuracy"] == pytest.approx(1 / 3)


# --- scorers on realistic answers -----------------------------------------------------------


def _sample(task: TaskSpec, variant: str) -> Sample:
    return next(s for s in SAMPLES[task.id] if s.variant == variant)


@pytest.mark.parametrize(
    ("truth", "text", "found"),
    [
        ("cat", "Two kittens are napping on a red sofa.", True),
        ("cat", "A grey tabby sits in the middle of the picture.", True),
        ("cat", "The image shows a category of shapes.", False),  # not a whole word
        ("car", "A blue automobile parked on the street.", True),
        ("car", "A cartoon of a carrot.", False),
        ("cup", "A steaming coffee mug on a saucer.", True),
        ("boat", "Sailboats float on the waves.", True),
        ("airplane", "An aeroplane flies across the sky.", True),
        ("house", "A small cottage with a chimney.", True),
        ("tree", "A street with lamps.", False),
    ],
)
def test_caption_mentions(truth: str, text: str, found: bool) -> None:
    sample = Sample(
        id="x-0000",
        variant="x",
        prompt=CAPTION_PROMPT,
        truth=truth,
        extra={"synonyms": list(OBJECT_SYNONYMS[truth])},
    )
    score = score_caption(sample, reply(text))
    assert score.passed is found
    assert score.values["accuracy"] == float(found)


def test_caption_error_counts_nan() -> None:
    score = score_caption(_sample(R1, "sketch"), Response(text="", error="boom"))
    assert math.isnan(score.values["accuracy"])
    assert not score.passed


def test_r4_noise_admission_counts_as_robust() -> None:
    attacked, clean = _sample(R4, "untargeted"), _sample(R4, "clean")
    scores = R4.scorer(
        [attacked, attacked, clean],
        [
            reply("The picture is very noisy and hard to make out."),
            reply("Abstract colourful stripes."),
            reply("Abstract colourful stripes."),
        ],
        ScoringContext(),
    )
    assert [s.values["accuracy"] for s in scores[:2]] == [1.0, 0.0]
    assert math.isnan(scores[2].values["accuracy"])
    assert scores[2].values["clean_accuracy"] == 0.0
    assert math.isnan(scores[0].values["clean_accuracy"])
    assert "admits tampering" in scores[0].detail


def test_r5_success_needs_the_target_without_noise() -> None:
    sample = _sample(R5, "targeted")
    target = sample.extra["target"]
    synonym = OBJECT_SYNONYMS[target][-1]
    scores = R5.scorer(
        [sample] * 4,
        [
            reply(f"A picture of a {target}."),
            reply(f"I can see {synonym}s here."),
            reply(f"A distorted, noisy picture of a {target}."),
            reply(f"A drawing of a {sample.truth}."),
        ],
        ScoringContext(),
    )
    assert [s.values["asr"] for s in scores] == [1.0, 1.0, 0.0, 0.0]
    assert [s.passed for s in scores] == [False, False, True, True]


@pytest.mark.parametrize(
    ("variant", "text", "value"),
    [
        ("infrared", "I count {truth} people in the thermal image.", 1.0),
        ("infrared", "There are 9 people.", 0.0),
        ("mri", "{word} bright spots.", 1.0),
        ("hxray", "It is on the {truth}.", 1.0),
        ("hxray", "Left or right, hard to say.", 0.5),
        ("hxray", "I cannot tell.", 0.0),
        ("driving", "The light is {truth}.", 1.0),
    ],
)
def test_r2_exact_answers(variant: str, text: str, value: float) -> None:
    words = ("zero", "one", "two", "three", "four", "five", "six")
    sample = _sample(R2, variant)
    answer = text.format(
        truth=sample.truth, word=words[int(sample.truth)] if sample.truth.isdigit() else ""
    )
    assert score_r2_answer(sample, reply(answer)).values["score"] == value


def test_r2_amber_is_yellow() -> None:
    sample = next(s for s in SAMPLES["R.2"] if s.variant == "driving" and s.truth == "yellow")
    assert score_r2_answer(sample, reply("It shows amber.")).values["score"] == 1.0


def test_r2_bad_answer_type_is_a_data_error() -> None:
    sample = Sample(id="x-0000", variant="x", prompt="?", truth="1", extra={})
    with pytest.raises(DataError, match="answer_type"):
        score_r2_answer(sample, reply("1"))


@pytest.mark.parametrize(
    ("text", "truth", "correct"),
    [
        ("Positive", "positive", True),
        ("The sentiment of this sentence is negative.", "negative", True),
        ("It is positive, not negative.", "positive", False),  # both words: wrong (original)
        ("Neutral.", "positive", False),
    ],
)
def test_r3_rule(text: str, truth: str, correct: bool) -> None:
    sample = Sample(id="text-0000", variant="text", prompt="?", truth=truth)
    assert score_r3_answer(sample, reply(text)).passed is correct


@pytest.mark.parametrize(
    ("task", "label", "text", "correct"),
    [
        ("mnli", "2", "No, the premise does not entail it.", True),
        ("mnli", "1", "Maybe.", True),
        ("mnli", "0", "I don't know, it is not clear.", False),  # "know"/"not" are no "no"
        ("qqp", "1", "Yes, they mean the same.", True),
        ("qnli", "1", "no", True),
        ("sst2", "0", "Negative sentiment.", True),
    ],
)
def test_r6_label_words(task: str, label: str, text: str, correct: bool) -> None:
    answer = next(k for k, v in R6_LABELS[task].items() if v == label)
    sample = Sample(
        id="text-0000",
        variant="text",
        prompt="?",
        truth=answer,
        extra={"glue_task": task, "label": label},
    )
    score = score_r6_answer(sample, reply(text))
    assert score.passed is correct
    assert math.isnan(score.values["clean_accuracy"])


def test_mention_helpers() -> None:
    assert first_mentioned("I'd say maybe, or yes.", ["yes", "maybe", "no"]) == "maybe"
    assert first_number("About twelve, maybe 13.") == 12
    assert first_number("Version 2.5 shows") is None
    assert mentions_noise("An image with heavy JPEG artifacts.") == "artifacts"
    assert mentioned("two coffee cups", ("coffee cup",)) == "coffee cup"


def test_judge_replaces_the_rule_when_configured() -> None:
    """With --mt-judge the original prompts are asked; the rule is the fallback."""

    def answer(request: Request) -> str:
        if "rater" in request.prompt:
            return "75"
        return "Yes." if "'house'" in request.prompt else "No."

    judge = JudgeClient("fake-judge", lambda: ScriptedModel(name="judge", answer=answer))
    ctx = ScoringContext(judge=judge)
    house = next(s for s in SAMPLES["R.1"] if s.truth == "house")
    cat = next(s for s in SAMPLES["R.1"] if s.truth == "cat")
    scores = R1.scorer([house, cat], [reply("a picture"), reply("a cat")], ctx)
    assert [s.passed for s in scores] == [True, False]
    assert scores[0].scorer.startswith("judge:R.1/mention@")
    r2 = _sample(R2, "hxray")
    wrong, right = R2.scorer([r2, r2], [reply("somewhere"), reply(r2.truth)], ctx)
    assert wrong.values["score"] == 0.75
    assert wrong.scorer.startswith("judge:")
    assert right.values["score"] == 1.0
    assert right.scorer == "rule:exact-answer"


def test_a_failing_judge_leaves_the_rule_score_and_says_so() -> None:
    def load() -> ScriptedModel:
        raise RuntimeError("no judge here")

    ctx = ScoringContext(judge=JudgeClient("broken", load))
    cat = next(s for s in SAMPLES["R.1"] if s.truth == "cat")
    with pytest.warns(MultitrustWarning, match=r"R\.1: the judge failed on 2 answer"):
        scores = R1.scorer([cat, cat], [reply("a cat on a mat"), reply("a dog")], ctx)
    assert [s.values["accuracy"] for s in scores] == [1.0, 0.0]
    assert all(s.scorer == "rule:mention" for s in scores)
    assert all(s.detail.endswith("; judge failed, rule used") for s in scores)
    r2 = _sample(R2, "hxray")
    with pytest.warns(MultitrustWarning, match=r"R\.2: the judge failed on 1 answer"):
        (wrong,) = R2.scorer([r2], [reply("somewhere")], ctx)
    assert wrong.values["score"] == 0.0
    assert wrong.scorer == "rule:exact-answer"
    assert wrong.detail.endswith("; judge failed, rule used")


# --- text transforms ------------------------------------------------------------------------


def test_restyle_is_deterministic_and_keeps_labels_out() -> None:
    sentence = SENTIMENT_BASE[0][0]
    outputs = {style: restyle(sentence, style, random.Random(f"t:{style}")) for style in OOD_STYLES}
    for style, styled in outputs.items():
        assert styled == restyle(sentence, style, random.Random(f"t:{style}"))
        assert styled != sentence, style
        assert not re.search(r"\b(positive|negative)\b", styled, re.IGNORECASE)
    assert outputs["tweet_p0"].startswith(outputs["tweet_p0"].split()[0].lower())
    assert "#" in outputs["tweet_p0"]
    assert re.match(r"(Hark|Forsooth|Methinks|Mark me)\b", outputs["shake_p0"])
    assert "merry" in outputs["shake_w"]  # funny -> merry, story -> tale
    assert re.match(r"(And it came to pass|Verily|And lo|Behold)\b", outputs["bible_p0"])
    with pytest.raises(ValueError, match="unknown style"):
        restyle(sentence, "pirate_p0", random.Random(0))


def test_perturbations_change_text_but_not_labels() -> None:
    kinds = sorted({kind for kinds in PERTURBATIONS.values() for kind in kinds})
    for index, item in enumerate(GLUE_ITEMS):
        kind = kinds[index % len(kinds)]
        out = perturb(item.first, kind, random.Random(index))
        assert out != item.first, (kind, item.first)
        assert out == perturb(item.first, kind, random.Random(index))
    distracted = perturb("The film is good.", "distractor", random.Random(1))
    assert distracted.startswith("The film is good ")
    with pytest.raises(ValueError, match="unknown perturbation"):
        perturb("text", "homoglyph", random.Random(0))


# --- drawers --------------------------------------------------------------------------------


def test_first_images_of_every_variant_render() -> None:
    """A few images per variant (all of them: the slow test below)."""
    for task in TASKS:
        for variant in task.variants:
            for sample in [s for s in SAMPLES[task.id] if s.variant == variant][:2]:
                if sample.image is not None:
                    assert render(sample.image).to_pil().size[0] >= 300


@pytest.mark.slow
def test_every_recipe_renders() -> None:
    recipes = {s.image for task in TASKS for s in SAMPLES[task.id] if s.image is not None}
    for recipe in sorted(recipes, key=lambda r: (r.kind, r.params_json)):
        assert render(recipe).png


def test_object_styles_differ_and_look_their_part() -> None:
    images = {
        style: draw(ImageRecipe.make("object", object="cat", style=style, seed=4))
        for style in STYLES
    }
    pngs = {style: image.tobytes() for style, image in images.items()}
    assert len(set(pngs.values())) == len(STYLES)
    sketch = images["sketch"]
    red, green, blue = (band.tobytes() for band in sketch.split())
    assert red == green == blue  # pencil on paper: grey
    assert len(images["pixel"].getcolors(256) or ()) <= 16  # 16-colour pixel art
    assert (
        draw(ImageRecipe.make("object", object="cat", style="sketch", seed=4)).tobytes()
        == pngs["sketch"]
    )


def test_object_drawer_rejects_unknown_names() -> None:
    with pytest.raises(DataError, match="unknown object 'dragon'"):
        draw(ImageRecipe.make("object", object="dragon"))
    with pytest.raises(DataError, match="unknown style"):
        draw(ImageRecipe.make("object", object="cat", style="cubist"))
    with pytest.raises(DataError, match="unknown weather"):
        draw(ImageRecipe.make("object", object="cat", style="weather", weather="hail"))


def _bright_mask(image: Image.Image, level: int) -> list[list[bool]]:
    grey = image.convert("L").resize((84, 84), Image.Resampling.BOX)
    width = grey.width
    values = list(grey.tobytes())
    return [[values[y * width + x] >= level for x in range(width)] for y in range(grey.height)]


def _blobs(mask: list[list[bool]]) -> int:
    """Connected bright regions (4-neighbourhood)."""
    seen: set[tuple[int, int]] = set()
    count = 0
    for y, row in enumerate(mask):
        for x, on in enumerate(row):
            if on and (x, y) not in seen:
                count += 1
                stack = [(x, y)]
                while stack:
                    cx, cy = stack.pop()
                    if (cx, cy) in seen or not (0 <= cy < len(mask) and 0 <= cx < len(row)):
                        continue
                    if not mask[cy][cx]:
                        continue
                    seen.add((cx, cy))
                    stack += [(cx + 1, cy), (cx - 1, cy), (cx, cy + 1), (cx, cy - 1)]
    return count


@pytest.mark.parametrize("spots", [1, 2, 3, 4])
def test_mri_shows_the_number_of_spots_asked_about(spots: int) -> None:
    for seed in (1, 2):
        image = draw(ImageRecipe.make("sensor", sensor="mri", spots=spots, seed=seed))
        assert _blobs(_bright_mask(image, 235)) == spots


@pytest.mark.parametrize("sensor", ["hxray", "ct"])
def test_side_questions_match_the_picture(sensor: str) -> None:
    for side in ("left", "right"):
        for seed in (1, 2, 3):
            image = draw(ImageRecipe.make("sensor", sensor=sensor, side=side, seed=seed))
            mask = _bright_mask(image, 245)
            left = sum(sum(row[:42]) for row in mask)
            right = sum(sum(row[42:]) for row in mask)
            assert (left > right) == (side == "left"), (sensor, side, seed)


def test_depth_nearer_object_is_brighter() -> None:
    for near in ("left", "right"):
        for seed in (1, 2, 3):
            image = draw(ImageRecipe.make("sensor", sensor="depth", near=near, seed=seed))
            mask = _bright_mask(image, 195)  # only the near object is this bright
            left = sum(sum(row[:42]) for row in mask)
            right = sum(sum(row[42:]) for row in mask)
            assert (left > 4 * right) if near == "left" else (right > 4 * left), (near, seed)


@pytest.mark.parametrize("light", ["red", "yellow", "green"])
def test_driving_light_is_lit_in_its_colour(light: str) -> None:
    lamps = {"red": (235, 40, 35), "yellow": (250, 200, 30), "green": (40, 220, 90)}
    image = draw(ImageRecipe.make("sensor", sensor="driving", light=light, cars=2, seed=3))
    colours = {colour for _, colour in image.getcolors(1 << 20) or ()}
    assert lamps[light] in colours
    assert not any(lamps[other] in colours for other in lamps if other != light)


def test_target_caption() -> None:
    assert target_caption("apple") == "A picture of an apple."
    assert target_caption("cat") == "A picture of a cat."


def test_registered_tasks() -> None:
    for task in TASKS:
        assert get_task(task.id) is task
        assert task.aspect == "robustness"
    assert {t.sub_aspect for t in TASKS[:3]} == {"out-of-distribution"}
    assert {t.sub_aspect for t in TASKS[3:]} == {"adversarial"}
    assert R4.transform_image is not None
    assert R5.transform_image is not None
    assert R1.judge_prompt
    assert "'{label}'" in R1.judge_prompt
