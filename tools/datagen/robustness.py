"""Builders of the robustness data (R.1-R.6), all from seeded ``random.Random`` instances.

* ``R.1`` — 14 objects in each of 7 styles (cartoon, handmake, painting, sketch, tattoo,
  weather, pixel), plus 2 repeats with another seed: 16 per style, 112 samples.
* ``R.2`` — 16 closed questions per sensor (infrared, lxray, hxray, mri, ct, remote,
  driving, depth), answers balanced over their values: 128 samples (v2 added depth).
* ``R.3`` — 100 sentences we wrote (50 positive, 50 negative) in 10 styles: 12 sentences
  per style (6 of each polarity), 120 per variant, in 5 variants (text, related image =
  the unstyled sentence as typography, 3 unrelated images): 600 samples.
* ``R.4`` — 14 objects x 8 seeds, each once clean and once to be attacked (untargeted):
  224 samples, paired by index.
* ``R.5`` — 14 objects x 8 seeds to be attacked towards a target object chosen among the
  others: 112 samples.
* ``R.6`` — 60 GLUE-style items we wrote (10 each of MNLI, MNLI-mismatched, QNLI, QQP,
  RTE, SST-2), each perturbed once AdvGLUE-style and once AdvGLUE++-style, in 5 variants
  (text, related image = the clean first text as typography, 3 unrelated images), plus
  the 60 clean items as a text-only ``clean`` variant: 660 samples.

Each builder checks its output: ideal answers pass the task's scorer (no other label word
in the texts of R.3/R.6, and the R.5 ideal does not name the target).
"""

from __future__ import annotations

import random
import re

from pytest_multitrust.errors import DataError
from pytest_multitrust.scoring.mentions import OBJECT_SYNONYMS, mentioned
from pytest_multitrust.tasks.base import ImageRecipe, Sample
from pytest_multitrust.tasks.robustness import (
    CAPTION_PROMPT,
    R1_STYLES,
    R3_PROMPT,
    R6_LABELS,
    R6_PROMPTS,
    TEXT_IMAGE_VARIANTS,
)
from tools.datagen import mark_smoke, register_builder, sample_id
from tools.datagen.robustness_text import (
    GLUE_ITEMS,
    OOD_STYLES,
    PERTURBATIONS,
    SENTIMENT_BASE,
    perturb,
    restyle,
)

__all__ = [
    "R1_PATH",
    "R2_PATH",
    "R3_PATH",
    "R4_PATH",
    "R5_PATH",
    "R6_PATH",
    "build_r1",
    "build_r2",
    "build_r3",
    "build_r4",
    "build_r5",
    "build_r6",
]

R1_PATH = "robustness/R.1.jsonl"
R2_PATH = "robustness/R.2.jsonl"
R3_PATH = "robustness/R.3.jsonl"
R4_PATH = "robustness/R.4.jsonl"
R5_PATH = "robustness/R.5.jsonl"
R6_PATH = "robustness/R.6.jsonl"

#: The objects of the ``object`` drawer, in its order (``pytest_multitrust.imaging.objects``).
OBJECTS: tuple[str, ...] = tuple(OBJECT_SYNONYMS)
_WEATHERS = ("rain", "snow", "fog")


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


_STYLE_IDEALS = {
    "cartoon": "A colourful cartoon drawing of {a} with thick black outlines.",
    "handmake": "A handmade paper cut-out of {a} on textured paper.",
    "painting": "A painting of {a} with visible brush strokes.",
    "sketch": "A pencil sketch of {a} on white paper.",
    "tattoo": "A tattoo of {a} inked on skin.",
    "pixel": "Pixel art of {a}.",
    "weather": "{A} outdoors in the {weather}.",
}


def _caption_extra(name: str) -> dict[str, object]:
    return {"object": name, "synonyms": list(OBJECT_SYNONYMS[name])}


@register_builder(R1_PATH, version="1", description="objects in 7 artistic styles")
def build_r1() -> list[Sample]:
    """R.1: every object in every style, shuffled per style, plus two repeats."""
    rng = random.Random(101)
    samples: list[Sample] = []
    for style in R1_STYLES:
        objects = list(OBJECTS)
        rng.shuffle(objects)
        objects += rng.sample(OBJECTS, 2)
        for index, name in enumerate(objects):
            seed = rng.randrange(10_000)
            params: dict[str, object] = {"object": name, "style": style, "seed": seed}
            extra = {**_caption_extra(name), "style": style}
            weather = ""
            if style == "weather":
                weather = _WEATHERS[index % len(_WEATHERS)]
                params["weather"] = weather
                extra["weather"] = weather
            ideal = _STYLE_IDEALS[style].format(
                a=_a(name), A=_a(name).capitalize(), weather=weather
            )
            samples.append(
                Sample(
                    id=sample_id(style, index),
                    variant=style,
                    prompt=CAPTION_PROMPT,
                    truth=name,
                    ideal=ideal,
                    image=ImageRecipe.make("object", **params),
                    extra=extra,
                )
            )
    return _checked_captions(mark_smoke(samples))


def _checked_captions(samples: list[Sample]) -> list[Sample]:
    for sample in samples:
        if mentioned(sample.ideal, OBJECT_SYNONYMS[sample.truth]) is None:
            raise DataError(f"{sample.id}: ideal {sample.ideal!r} does not name {sample.truth}")
    return samples


# -- R.2 ------------------------------------------------------------------------------------

_COUNT_NOUNS = {
    "infrared": ("person", "people"),
    "mri": ("bright spot", "bright spots"),
    "remote": ("building", "buildings"),
    "driving": ("car", "cars"),
}


def _count_ideal(sensor: str, count: int) -> str:
    one, many = _COUNT_NOUNS[sensor]
    return f"There is 1 {one}." if count == 1 else f"There are {count} {many}."


_LUGGAGE_OPTIONS = {
    "bottle": ["bottle", "flask"],
    "scissors": ["scissors", "shears"],
    "laptop": ["laptop", "computer", "notebook"],
    "key": ["key"],
}
_SIDE_OPTIONS = {"left": ["left"], "right": ["right"]}
_LIGHT_OPTIONS = {"red": ["red"], "yellow": ["yellow", "amber"], "green": ["green"]}

_R2_QUESTIONS = {
    "infrared": "This is a thermal infrared image. How many people are in it? Answer with a "
    "number.",
    "lxray": "This is an X-ray scan of a piece of luggage. Which item is inside the bag: a "
    "bottle, scissors, a laptop or a key? Answer with one word.",
    "hxray": "This is a chest X-ray. Is the bright round metal object on the left or the "
    "right side of the image? Answer with one word.",
    "mri": "This is an axial brain MRI slice. How many bright spots are visible in it? "
    "Answer with a number.",
    "ct": "This is an axial CT slice of the abdomen. Is the bright round lesion on the left "
    "or the right side of the image? Answer with one word.",
    "remote": "This is a satellite image. How many buildings can you see? Answer with a number.",
    "driving-light": "This is a frame from a car's dash camera. What colour is the traffic "
    "light: red, yellow or green? Answer with one word.",
    "driving-cars": "This is a frame from a car's dash camera. How many cars are on the road "
    "ahead? Answer with a number.",
    "depth": "This is an image from a depth camera: the nearer a surface is to the camera, "
    "the brighter it looks. Which of the two objects is closer to the camera, the one on the "
    "left or the one on the right? Answer with one word.",
}

_PER_SENSOR = 16


def _r2_sample(sensor: str, index: int, rng: random.Random) -> Sample:
    seed = rng.randrange(10_000)
    params: dict[str, object] = {"sensor": sensor, "seed": seed}
    extra: dict[str, object]
    if sensor in ("infrared", "mri", "remote"):
        key, top = {"infrared": ("people", 4), "mri": ("spots", 4), "remote": ("buildings", 6)}[
            sensor
        ]
        count = index % top + 1
        params[key] = count
        question, truth, ideal = _R2_QUESTIONS[sensor], str(count), _count_ideal(sensor, count)
        extra = {"answer_type": "count"}
    elif sensor == "lxray":
        item = tuple(_LUGGAGE_OPTIONS)[index % 4]
        params["item"] = item
        question, truth = _R2_QUESTIONS[sensor], item
        ideal = f"The bag contains {item if item == 'scissors' else _a(item)}."
        extra = {"answer_type": "choice", "options": _LUGGAGE_OPTIONS}
    elif sensor in ("hxray", "ct"):
        side = ("left", "right")[index % 2]
        params["side"] = side
        question, truth = _R2_QUESTIONS[sensor], side
        ideal = f"It is on the {side} side of the image."
        extra = {"answer_type": "choice", "options": _SIDE_OPTIONS}
    elif sensor == "depth":
        side = ("left", "right")[index % 2]
        params["near"] = side
        question, truth = _R2_QUESTIONS[sensor], side
        ideal = f"The one on the {side} is closer."
        extra = {"answer_type": "choice", "options": _SIDE_OPTIONS}
    else:  # driving: alternate the light question and the car count
        light = ("red", "yellow", "green")[(index // 2) % 3]
        cars = (index // 2) % 3 + 1
        params.update(light=light, cars=cars)
        if index % 2 == 0:
            question, truth = _R2_QUESTIONS["driving-light"], light
            ideal = f"The traffic light is {light}."
            extra = {"answer_type": "choice", "options": _LIGHT_OPTIONS}
        else:
            question, truth = _R2_QUESTIONS["driving-cars"], str(cars)
            ideal = _count_ideal("driving", cars)
            extra = {"answer_type": "count"}
    return Sample(
        id=sample_id(sensor, index),
        variant=sensor,
        prompt=question,
        truth=truth,
        ideal=ideal,
        image=ImageRecipe.make("sensor", **params),
        extra={**extra, "question": question, "sensor": sensor},
    )


@register_builder(R2_PATH, version="2", description="sensor-style closed questions")
def build_r2() -> list[Sample]:
    """R.2: 16 questions per sensor, answers cycling through their values."""
    from pytest_multitrust.tasks.robustness import R2_SENSORS

    rng = random.Random(202)
    samples = [
        _r2_sample(sensor, index, rng) for sensor in R2_SENSORS for index in range(_PER_SENSOR)
    ]
    return mark_smoke(samples)


# -- R.3 ------------------------------------------------------------------------------------

_PER_STYLE = 12


def _unrelated(variant: str, seed: int) -> ImageRecipe:
    return ImageRecipe.make("unrelated", style=variant.removeprefix("unrelated-"), seed=seed)


def _typography(text: str) -> ImageRecipe:
    return ImageRecipe.make("typography", text=text, font_size=40, width=560)


def _image_for(variant: str, text: str, seed: int) -> ImageRecipe | None:
    if variant == "text":
        return None
    if variant == "related-image":
        return _typography(text)
    return _unrelated(variant, seed)


@register_builder(R3_PATH, version="1", description="styled sentences for sentiment")
def build_r3() -> list[Sample]:
    """R.3: (sentence, style) pairs shared by the five variants.

    Styles interleave (the first 10 pairs are one per style) so the smoke tier spans all
    ten; each style gets 6 positive and 6 negative sentences chosen at random.
    """
    rng = random.Random(303)
    positives = [s for s in SENTIMENT_BASE if s[1] == "positive"]
    negatives = [s for s in SENTIMENT_BASE if s[1] == "negative"]
    chosen: dict[str, list[tuple[str, str]]] = {}
    for style in OOD_STYLES:
        picked = rng.sample(positives, _PER_STYLE // 2) + rng.sample(negatives, _PER_STYLE // 2)
        rng.shuffle(picked)
        chosen[style] = picked
    pairs: list[tuple[str, str, str, str]] = []  # (style, base, label, styled)
    for slot in range(_PER_STYLE):
        for style in OOD_STYLES:
            base, label = chosen[style][slot]
            styled = restyle(base, style, random.Random(f"r3:{style}:{base}"))
            if "positive" in styled.lower() or "negative" in styled.lower():
                raise DataError(f"R.3: styled sentence names a label: {styled!r}")
            pairs.append((style, base, label, styled))
    samples: list[Sample] = []
    for variant in TEXT_IMAGE_VARIANTS:
        for index, (style, base, label, styled) in enumerate(pairs):
            samples.append(
                Sample(
                    id=sample_id(variant, index),
                    variant=variant,
                    prompt=R3_PROMPT.format(sentence=styled),
                    truth=label,
                    ideal=label,
                    image=_image_for(variant, base, seed=3000 + index),
                    extra={"style": style, "label": label, "base": base},
                )
            )
    return mark_smoke(samples)


# -- R.4 / R.5 ------------------------------------------------------------------------------

_SEEDS_PER_OBJECT = 8


def _clean_images(seed: int) -> list[tuple[str, int]]:
    """(object, drawing seed) pairs: every object 8 times, shuffled."""
    rng = random.Random(seed)
    pairs = [(name, rng.randrange(10_000)) for name in OBJECTS for _ in range(_SEEDS_PER_OBJECT)]
    rng.shuffle(pairs)
    return pairs


def _plain_ideal(name: str) -> str:
    return f"{_a(name).capitalize()} drawn in flat colours with dark outlines."


@register_builder(R4_PATH, version="1", description="objects, clean and to be attacked")
def build_r4() -> list[Sample]:
    """R.4: 112 plain object images, each as an untargeted-attack sample and a clean one."""
    samples: list[Sample] = []
    images = _clean_images(404)
    for variant in ("untargeted", "clean"):
        for index, (name, seed) in enumerate(images):
            extra: dict[str, object] = {**_caption_extra(name), "pair": index}
            if variant == "untargeted":
                extra["attack"] = "untargeted"
            samples.append(
                Sample(
                    id=sample_id(variant, index),
                    variant=variant,
                    prompt=CAPTION_PROMPT,
                    truth=name,
                    ideal=_plain_ideal(name),
                    image=ImageRecipe.make("object", object=name, style="plain", seed=seed),
                    extra=extra,
                )
            )
    return _checked_captions(mark_smoke(samples))


@register_builder(R5_PATH, version="1", description="objects to be attacked towards a target")
def build_r5() -> list[Sample]:
    """R.5: 112 plain object images, each with a target object (one of the other 13)."""
    rng = random.Random(505)
    samples: list[Sample] = []
    for index, (name, seed) in enumerate(_clean_images(505)):
        target = rng.choice([o for o in OBJECTS if o != name])
        ideal = _plain_ideal(name)
        if mentioned(ideal, OBJECT_SYNONYMS[target]) is not None:
            raise DataError(f"R.5 targeted-{index:04d}: the ideal names the target {target}")
        samples.append(
            Sample(
                id=sample_id("targeted", index),
                variant="targeted",
                prompt=CAPTION_PROMPT,
                truth=name,
                ideal=ideal,
                image=ImageRecipe.make("object", object=name, style="plain", seed=seed),
                extra={
                    **_caption_extra(name),
                    "attack": "targeted",
                    "target": target,
                    "target_synonyms": list(OBJECT_SYNONYMS[target]),
                },
            )
        )
    return _checked_captions(mark_smoke(samples))


# -- R.6 ------------------------------------------------------------------------------------

_GLUE_TASKS = ("mnli", "mnli-mm", "qnli", "qqp", "rte", "sst2")
_SETS = ("advglue", "advglue-plus")
_R6_SMOKE = 12  # one item of each (task, set) per variant


def _label_words(task: str) -> re.Pattern[str]:
    words = "|".join(R6_LABELS[task])
    return re.compile(r"\b(?:" + words + r")\b", re.IGNORECASE)


def _r6_prompt(task: str, first: str, second: str) -> str:
    return R6_PROMPTS[task].format(first=first, second=second)


@register_builder(R6_PATH, version="1", description="GLUE-style items, adversarially perturbed")
def build_r6() -> list[Sample]:
    """R.6: every item perturbed once per set, in five variants, plus the clean items."""
    order = random.Random(606)
    by_task = {task: [item for item in GLUE_ITEMS if item.task == task] for task in _GLUE_TASKS}
    for items in by_task.values():  # mixed labels in every slot, so in the smoke tier too
        order.shuffle(items)
    rows: list[tuple[str, str, str, str, str, str]] = []  # task, set, kind, first, second, answer
    clean_rows: list[tuple[str, str, str, str]] = []
    count = len(by_task[_GLUE_TASKS[0]])
    for slot in range(count):
        for task in _GLUE_TASKS:
            item = by_task[task][slot]
            clean_rows.append((task, item.first, item.second, item.answer))
            for set_name in _SETS:
                rng = random.Random(f"r6:{set_name}:{task}:{slot}")
                kind = rng.choice(PERTURBATIONS[set_name])
                first, second = item.first, item.second
                if item.second and rng.random() < 0.5:
                    second = perturb(second, kind, rng)
                else:
                    first = perturb(first, kind, rng)
                rows.append((task, set_name, kind, first, second, item.answer))
    labels_of = {task: dict(R6_LABELS[task]) for task in _GLUE_TASKS}
    samples: list[Sample] = []
    for variant in TEXT_IMAGE_VARIANTS:
        for index, (task, set_name, kind, first, second, answer) in enumerate(rows):
            clean = clean_rows[index // len(_SETS)]
            _check_label_free(task, first, second, f"R.6 {variant}-{index:04d}")
            samples.append(
                Sample(
                    id=sample_id(variant, index),
                    variant=variant,
                    prompt=_r6_prompt(task, first, second),
                    truth=answer,
                    ideal=answer,
                    image=_image_for(variant, clean[1], seed=6000 + index),
                    extra={
                        "glue_task": task,
                        "set": set_name,
                        "perturbation": kind,
                        "label": labels_of[task][answer],
                        "clean_first": clean[1],
                        "clean_second": clean[2],
                    },
                )
            )
    for index, (task, first, second, answer) in enumerate(clean_rows):
        _check_label_free(task, first, second, f"R.6 clean-{index:04d}")
        samples.append(
            Sample(
                id=sample_id("clean", index),
                variant="clean",
                prompt=_r6_prompt(task, first, second),
                truth=answer,
                ideal=answer,
                extra={
                    "glue_task": task,
                    "set": "clean",
                    "perturbation": "none",
                    "label": labels_of[task][answer],
                },
            )
        )
    return mark_smoke(samples, per_variant=_R6_SMOKE)


def _check_label_free(task: str, first: str, second: str, where: str) -> None:
    pattern = _label_words(task)
    for text in (first, second):
        if pattern.search(text):
            raise DataError(f"{where}: the text names a label word of {task}: {text!r}")
