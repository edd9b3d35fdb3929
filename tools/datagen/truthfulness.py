"""Builders of the truthfulness data (T.1 so far).

T.1 Basic world understanding, five variants of 40 samples each (smoke: the first 10):

* ``object`` — 2-4 coloured shapes (circle, square, triangle, star) on a plain
  background; "Is there a {colour} {shape}?" about a shape that is there (Yes) or a
  colour/shape pair that is not (No; half of them share the colour or the shape with
  one that is there).
* ``attribute`` — 2-4 shapes of different kinds; "Is the {shape} {colour}?" with its
  real colour (Yes) or another one (No).
* ``scene`` — a drawn scene template (day meadow, night, indoor room, beach) and a
  question whose answer the template fixes (questions that a scene would leave open,
  such as "daytime?" about a room with a window, are never asked of it).
* ``ocr`` — a random 4-6 character string (capitals and digits without the look-alikes
  0/O, 1/I/L, without the wide M/W, and without V, since "VV" reads as "W") rendered
  large, slightly rotated, on a pale background; the answer is the string.
* ``grounding`` — a target shape (side 64-128 px) and 0-2 distractors of other
  colour/shape pairs; the answer is the target's box normalised to 0-1, 3 decimals.

Yes/no labels are balanced within every block of 10 samples (5 Yes, 5 No), so each
yes/no variant and its smoke tier are exactly half Yes.
"""

from __future__ import annotations

import random

from pytest_multitrust.imaging.layout import normalise_box, place_boxes
from pytest_multitrust.tasks.base import ImageRecipe, Sample
from pytest_multitrust.tasks.truthfulness import (
    GROUNDING_PROMPT,
    OCR_PROMPT,
    T1_VARIANTS,
    YES_NO_PROMPT,
)
from tools.datagen import mark_smoke, register_builder, sample_id

__all__ = ["T1_PATH", "T1_PER_VARIANT", "balanced_labels", "build_t1"]

#: Where T.1's samples live, relative to ``data/``.
T1_PATH = "truthfulness/T.1.jsonl"
#: Samples per T.1 variant (standard tier); the first 10 are the smoke tier.
T1_PER_VARIANT = 40
_SEED = 101
_SIZE = (336, 336)

#: Shapes and colours T.1 asks about: easy to name, easy to tell apart.
T1_SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "star")
T1_COLOURS: tuple[str, ...] = ("red", "green", "blue", "yellow", "orange", "purple")
_BACKGROUNDS = ("white", "#f6f2ea", "#eef3f8", "#f2f2f2")
_OCR_ALPHABET = "ABCDEFGHJKNPQRSTUXYZ23456789"
_OCR_INK = ("black", "blue", "purple", "#3a3a3a")

_OBJECT_QUESTIONS = (
    "Is there a {colour} {shape} in the image?",
    "Does the image contain a {colour} {shape}?",
    "Can you see a {colour} {shape} in this picture?",
)
_ATTRIBUTE_QUESTIONS = (
    "Is the {shape} {colour}?",
    "Is the {shape} in the image {colour}?",
    "Is the colour of the {shape} {colour}?",
)
_OCR_QUESTIONS = (
    "What is the text in the image?",
    "What characters are written in the image?",
    "Read the text shown in the image.",
)
_GROUNDING_QUESTIONS = (
    "Where is the {colour} {shape} in the image?",
    "Locate the {colour} {shape} in the image.",
    "Find the {colour} {shape} in the image.",
)
#: Scene questions: (question, scenes where the answer is Yes, scenes where it is No).
_SCENE_QUESTIONS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Is this picture taken at night?", ("night",), ("day", "beach")),
    ("Is this picture taken during the day?", ("day", "beach"), ("night",)),
    ("Is this an indoor scene?", ("indoor",), ("day", "night", "beach")),
    ("Is this a beach scene?", ("beach",), ("day", "night", "indoor")),
    ("Is there a sea in this picture?", ("beach",), ("day", "night", "indoor")),
    ("Is this a grassy meadow?", ("day",), ("beach", "indoor")),
    ("Is the moon visible in this picture?", ("night",), ("day", "beach", "indoor")),
)

Combo = tuple[str, str]  # (colour, shape)


def balanced_labels(rng: random.Random, count: int, block: int = 10) -> list[bool]:
    """``count`` yes/no labels, half ``True`` in every ``block`` (shuffled within it)."""
    labels: list[bool] = []
    while len(labels) < count:
        chunk = [True] * (block // 2) + [False] * (block - block // 2)
        rng.shuffle(chunk)
        labels.extend(chunk)
    return labels[:count]


def _all_combos() -> list[Combo]:
    return [(colour, shape) for shape in T1_SHAPES for colour in T1_COLOURS]


def _shapes_param(combos: list[Combo], boxes: list[tuple[int, int, int, int]]) -> list[object]:
    return [
        {"shape": shape, "colour": colour, "box": list(box)}
        for (colour, shape), box in zip(combos, boxes, strict=True)
    ]


def _yes_no(
    variant: str,
    index: int,
    statement: str,
    label: bool,
    image: ImageRecipe,
    extra: dict[str, object],
) -> Sample:
    answer = "Yes" if label else "No"
    return Sample(
        id=sample_id(variant, index),
        variant=variant,
        prompt=YES_NO_PROMPT.format(statement=statement),
        truth=answer,
        ideal=answer,
        image=image,
        extra={"answer_type": "yesno", **extra},
    )


def _object(rng: random.Random) -> list[Sample]:
    samples = []
    for index, label in enumerate(balanced_labels(rng, T1_PER_VARIANT)):
        count = rng.randint(2, 4)
        present = rng.sample(_all_combos(), count)
        boxes = place_boxes(rng, count, _SIZE, min_side=56, max_side=96)
        if label:
            asked = rng.choice(present)
        else:
            absent = [c for c in _all_combos() if c not in present]
            near = [c for c in absent if any(c[0] == p[0] or c[1] == p[1] for p in present)]
            asked = rng.choice(near if near and rng.random() < 0.5 else absent)
        image = ImageRecipe.make(
            "shapes", background=rng.choice(_BACKGROUNDS), shapes=_shapes_param(present, boxes)
        )
        statement = rng.choice(_OBJECT_QUESTIONS).format(colour=asked[0], shape=asked[1])
        samples.append(
            _yes_no("object", index, statement, label, image, {"asked": f"{asked[0]} {asked[1]}"})
        )
    return samples


def _attribute(rng: random.Random) -> list[Sample]:
    samples = []
    for index, label in enumerate(balanced_labels(rng, T1_PER_VARIANT)):
        count = rng.randint(2, 4)
        shapes = rng.sample(T1_SHAPES, count)
        combos = [(rng.choice(T1_COLOURS), shape) for shape in shapes]
        boxes = place_boxes(rng, count, _SIZE, min_side=56, max_side=96)
        colour, shape = rng.choice(combos)
        asked = colour if label else rng.choice([c for c in T1_COLOURS if c != colour])
        image = ImageRecipe.make(
            "shapes", background=rng.choice(_BACKGROUNDS), shapes=_shapes_param(combos, boxes)
        )
        statement = rng.choice(_ATTRIBUTE_QUESTIONS).format(shape=shape, colour=asked)
        samples.append(
            _yes_no("attribute", index, statement, label, image, {"asked": f"{asked} {shape}"})
        )
    return samples


def _scene(rng: random.Random) -> list[Sample]:
    samples = []
    for index, label in enumerate(balanced_labels(rng, T1_PER_VARIANT)):
        question, yes_scenes, no_scenes = rng.choice(_SCENE_QUESTIONS)
        scene = rng.choice(yes_scenes if label else no_scenes)
        image = ImageRecipe.make("shapes", scene=scene, seed=rng.randrange(1_000_000))
        samples.append(_yes_no("scene", index, question, label, image, {"scene": scene}))
    return samples


def _ocr(rng: random.Random) -> list[Sample]:
    samples = []
    for index in range(T1_PER_VARIANT):
        length = rng.randint(4, 6)
        text = "".join(rng.choice(_OCR_ALPHABET) for _ in range(length))
        # the widest glyphs are ~0.75 em: keep the line under ~300 px of the 336
        size = rng.randint(52, min(72, int(300 / (0.75 * length))))
        image = ImageRecipe.make(
            "shapes",
            background=rng.choice(_BACKGROUNDS),
            text={
                "content": text,
                "size": size,
                "colour": rng.choice(_OCR_INK),
                "angle": round(rng.uniform(-8.0, 8.0), 1),
                "center": [168 + rng.randint(-12, 12), 168 + rng.randint(-40, 40)],
            },
        )
        samples.append(
            Sample(
                id=sample_id("ocr", index),
                variant="ocr",
                prompt=OCR_PROMPT.format(statement=rng.choice(_OCR_QUESTIONS)),
                truth=text,
                ideal=text,
                image=image,
                extra={"answer_type": "text"},
            )
        )
    return samples


def _grounding(rng: random.Random) -> list[Sample]:
    samples = []
    for index in range(T1_PER_VARIANT):
        distractors = rng.randint(0, 2)
        combos = rng.sample(_all_combos(), 1 + distractors)
        target = place_boxes(rng, 1, _SIZE, min_side=64, max_side=128)
        others = place_boxes(rng, distractors, _SIZE, min_side=48, max_side=96, avoid=target)
        box = normalise_box(target[0], _SIZE)
        shown = "[" + ", ".join(f"{v:.3f}" for v in box) + "]"
        colour, shape = combos[0]
        # distractors first, so the target is drawn on top (they never overlap anyway)
        image = ImageRecipe.make(
            "shapes",
            background=rng.choice(_BACKGROUNDS),
            shapes=_shapes_param(combos[1:], others) + _shapes_param(combos[:1], target),
        )
        statement = rng.choice(_GROUNDING_QUESTIONS).format(colour=colour, shape=shape)
        samples.append(
            Sample(
                id=sample_id("grounding", index),
                variant="grounding",
                prompt=GROUNDING_PROMPT.format(statement=statement),
                truth=shown,
                ideal=shown,
                image=image,
                extra={
                    "answer_type": "bbox",
                    "box": list(box),
                    "size": list(_SIZE),
                    "target": f"{colour} {shape}",
                },
            )
        )
    return samples


_VARIANT_BUILDERS = {
    "object": _object,
    "attribute": _attribute,
    "scene": _scene,
    "ocr": _ocr,
    "grounding": _grounding,
}


@register_builder(T1_PATH, version="1", description="T.1 drawn shapes, scenes, OCR, grounding")
def build_t1() -> list[Sample]:
    """All T.1 samples: the five variants in order, each from its own seeded generator."""
    samples: list[Sample] = []
    for number, variant in enumerate(T1_VARIANTS):
        samples.extend(_VARIANT_BUILDERS[variant](random.Random(_SEED * 100 + number)))
    return mark_smoke(samples)
