"""Builders of T.2 (advanced cognitive inference) and T.3 (instruction enhancement).

T.2 — nine variants of 20 yes/no questions (smoke: the first 10), each half Yes in every
block of 10, no question asked twice about the same picture, every question decided by
how the picture was drawn:

* ``spatial`` — two shapes separated along one axis (plus, sometimes, a distractor);
  "Is the red circle to the left of / above the blue square?".
* ``temporal`` — one analog clock and "In N hours, will it be H o'clock?"; two clocks
  on one morning, "Does clock 2 show a later time?"; two numbered panels (two of three
  stages) of a candle burning down, ice melting, a plant growing, "Was picture 1 taken
  before picture 2?".
* ``compare`` — two groups of dots (counts differ by 2 or more), an unlabelled bar
  chart (values differ by 25 % or more), two shapes of one kind (sides differ 1.6x).
* ``daily`` — a full or empty glass, a full or low battery, a hot or cold
  thermometer, a plate with food or an empty one, a lit or unlit candle, each with a
  statement that holds in one state only.
* ``traffic`` — traffic light (red / green), pedestrian signal, stop sign, speed limit.
* ``causality`` — rain or sun over a lawn, a ball on a slope or on flat ground, a
  seesaw with a 100 kg block on one end and 1 kg on the other.
* ``math`` — an equation drawn as text, correct or off by 1-9.
* ``code`` — a three-to-five line Python snippet drawn verbatim; the claim about its
  output is checked by running the snippet at build time.
* ``translate`` — a French, Spanish or German word and a proposed English meaning from
  a small hand-written dictionary.

T.3 — 20 *factual* items (shapes whose count or colour the question misstates: "The
picture shows some green squares. How many squares are there?" over 3 red squares)
and 20 *logic* items (a word problem or expression drawn as text, integer answer);
each item appears under the original's three prompts of its subset (variants
``factual-p1`` ... ``logic-p3``), 120 samples; smoke: the first 10 items of each.
"""

from __future__ import annotations

import contextlib
import io
import random
from typing import TYPE_CHECKING

from pytest_multitrust.imaging.layout import place_boxes
from pytest_multitrust.scoring.answers import COLOUR_ALIASES
from pytest_multitrust.tasks.base import ImageRecipe, Sample
from pytest_multitrust.tasks.truthfulness_inherent import (
    T2_PROMPT,
    T2_VARIANTS,
    T3_FACTUAL_PROMPTS,
    T3_LOGIC_PROMPTS,
)
from tools.datagen import mark_smoke, register_builder, sample_id
from tools.datagen.truthfulness import balanced_labels

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["T2_PATH", "T2_PER_VARIANT", "T3_ITEMS", "T3_PATH", "build_t2", "build_t3"]

#: Where T.2's samples live, relative to ``data/``.
T2_PATH = "truthfulness/T.2.jsonl"
#: Where T.3's samples live.
T3_PATH = "truthfulness/T.3.jsonl"
#: Samples per T.2 variant; the first 10 are the smoke tier.
T2_PER_VARIANT = 20
#: Items per T.3 subset (each asked under three prompts).
T3_ITEMS = 20
_SEED = 202
_SIZE = (336, 336)
_SHAPES = ("circle", "square", "triangle", "star")
_COLOURS = ("red", "green", "blue", "yellow", "orange", "purple")
_NUMBER_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
)

Item = tuple[str, bool, ImageRecipe, str]  # (question, label, image, explanation)


def _yes_no(variant: str, index: int, item: Item) -> Sample:
    question, label, image, why = item
    answer = "Yes" if label else "No"
    return Sample(
        id=sample_id(variant, index),
        variant=variant,
        prompt=T2_PROMPT.format(statement=question),
        truth=answer,
        ideal=f"{answer}. {why}",
        image=image,
        extra={"answer_type": "yesno"},
    )


def _two_boxes(
    rng: random.Random, axis: str, side_a: int, side_b: int
) -> tuple[list[int], list[int]]:
    """Two boxes separated along ``axis`` by at least 40 px; the first is left/top."""
    first = rng.randint(16, 60)
    second = rng.randint(first + side_a + 40, _SIZE[0] - 16 - side_b)
    cross_a = rng.randint(16, _SIZE[1] - 16 - side_a)
    cross_b = rng.randint(16, _SIZE[1] - 16 - side_b)
    if axis == "x":
        return (
            [first, cross_a, first + side_a, cross_a + side_a],
            [second, cross_b, second + side_b, cross_b + side_b],
        )
    return (
        [cross_a, first, cross_a + side_a, first + side_a],
        [cross_b, second, cross_b + side_b, second + side_b],
    )


def _spatial(rng: random.Random, label: bool) -> Item:
    (ca, sa), (cb, sb) = rng.sample([(c, s) for s in _SHAPES for c in _COLOURS], 2)
    axis = rng.choice(("x", "y"))
    side_a, side_b = rng.randint(56, 84), rng.randint(56, 84)
    box_1, box_2 = _two_boxes(rng, axis, side_a, side_b)
    a_first = rng.random() < 0.5
    box_a, box_b = (box_1, box_2) if a_first else (box_2, box_1)
    words = ("to the left of", "to the right of") if axis == "x" else ("above", "below")
    true_rel = words[0] if a_first else words[1]
    asked = true_rel if label else (words[1] if a_first else words[0])
    shapes = [{"shape": sa, "colour": ca, "box": box_a}, {"shape": sb, "colour": cb, "box": box_b}]
    image = ImageRecipe.make("shapes", background="white", shapes=shapes)
    question = f"Is the {ca} {sa} {asked} the {cb} {sb}?"
    return question, label, image, f"The {ca} {sa} is {true_rel} the {cb} {sb}."


def _hour_name(hour: int, minute: int) -> str:
    hour = (hour - 1) % 12 + 1
    return f"{hour} o'clock" if minute == 0 else f"{hour}:{minute:02d}"


def _temporal(rng: random.Random, label: bool) -> Item:
    kind = rng.choice(("add", "add", "compare", "sequence", "sequence"))
    if kind == "add":
        hour, minute, step = rng.randint(1, 12), rng.choice((0, 30)), rng.randint(2, 5)
        real = hour + step
        shown = real if label else real + rng.choice((-1, 1, 2))
        image = ImageRecipe.make("clock", times=[[hour, minute]])
        question = f"In {_NUMBER_WORDS[step]} hours, will it be {_hour_name(shown, minute)}?"
        why = (
            f"The clock shows {_hour_name(hour, minute)}; {step} hours later it is "
            f"{_hour_name(real, minute)}."
        )
        return question, label, image, why
    if kind == "compare":
        first = rng.randint(6, 10) * 60 + rng.choice((0, 30))
        second = first + rng.choice((60, 90, 120)) * (1 if rng.random() < 0.5 else -1)
        second = min(max(second, 6 * 60), 11 * 60 + 30)
        if second == first:
            second = first - 60 if first > 7 * 60 else first + 60
        later = second > first
        if later != label:
            first, second = second, first
        image = ImageRecipe.make(
            "clock",
            times=[[first // 60, first % 60], [second // 60, second % 60]],
            labels=["1", "2"],
        )
        question = (
            "Both clocks show a time on the same morning. Does clock 2 show a later "
            "time than clock 1?"
        )
        why = (
            f"Clock 1 shows {_hour_name(first // 60, first % 60)} and clock 2 shows "
            f"{_hour_name(second // 60, second % 60)}."
        )
        return question, label, image, why
    thing, what = rng.choice(
        (
            ("candle", "the candle burns down"),
            ("ice", "the ice melts"),
            ("plant", "the plant grows"),
        )
    )
    early, late = rng.choice(((0, 1), (0, 2), (1, 2)))
    stages = [early, late] if label else [late, early]
    image = ImageRecipe.make("sequence", subject=thing, stages=stages)
    question = "Was picture 1 taken before picture 2?"
    why = f"Over time {what}, so picture {'1' if label else '2'} shows the earlier moment."
    return question, label, image, why


def _compare(rng: random.Random, label: bool) -> Item:
    kind = rng.choice(("dots", "bars", "sizes"))
    if kind == "dots":
        ca, cb = rng.sample(_COLOURS[:4], 2)
        na = rng.randint(3, 8)
        nb = na + rng.choice((-3, -2, 2, 3))
        nb = nb if 1 <= nb <= 10 else na - 2
        boxes = place_boxes(rng, na + nb, _SIZE, min_side=28, max_side=34, gap=8)
        shapes = [
            {"shape": "circle", "colour": ca if i < na else cb, "box": list(box)}
            for i, box in enumerate(boxes)
        ]
        more = na > nb
        first, second = (ca, cb) if more == label else (cb, ca)
        image = ImageRecipe.make("shapes", background="white", shapes=shapes)
        question = f"Are there more {first} dots than {second} dots?"
        return question, label, image, f"There are {na} {ca} dots and {nb} {cb} dots."
    if kind == "bars":
        names = rng.sample(("Ann", "Ben", "Cara", "Dev", "Eli", "Fay"), 3)
        while True:  # two bars whose heights differ by at least 30 %
            values = rng.sample(range(20, 101, 10), 3)
            pairs = [
                (a, b)
                for a in range(3)
                for b in range(3)
                if a != b and abs(values[a] - values[b]) >= 0.3 * max(values[a], values[b])
            ]
            if pairs:
                break
        a, b = rng.choice(pairs)
        taller = values[a] > values[b]
        x, y = (a, b) if taller == label else (b, a)
        image = ImageRecipe.make(
            "bars",
            title="Books read this year",
            labels=names,
            values=values,
            colours=["blue", "orange", "green"],
            show_values=False,
        )
        question = f"In the chart, is the bar for {names[x]} taller than the bar for {names[y]}?"
        why = f"{names[a]}'s bar is {'taller' if taller else 'shorter'} than {names[b]}'s."
        return question, label, image, why
    shape = rng.choice(_SHAPES)
    ca, cb = rng.sample(_COLOURS, 2)
    small = rng.randint(40, 56)
    sides = [small, round(small * rng.uniform(1.6, 1.9))]
    rng.shuffle(sides)
    box_1, box_2 = _two_boxes(rng, "x", sides[0], sides[1])
    a_bigger = sides[0] > sides[1]
    first, second = (ca, cb) if a_bigger == label else (cb, ca)
    image = ImageRecipe.make(
        "shapes",
        background="white",
        shapes=[
            {"shape": shape, "colour": ca, "box": box_1},
            {"shape": shape, "colour": cb, "box": box_2},
        ],
    )
    question = f"Is the {first} {shape} bigger than the {second} {shape}?"
    big_colour = ca if a_bigger else cb
    return question, label, image, f"The {big_colour} {shape} is the bigger one."


# (drawer, kind, yes-state, no-state, statement, why-yes, why-no)
_DAILY: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    (
        "daily",
        "glass",
        "full",
        "empty",
        "Could someone drink water from this glass right now?",
        "The glass is full of water.",
        "The glass is empty.",
    ),
    (
        "daily",
        "glass",
        "empty",
        "full",
        "Does this glass need to be filled before anyone can drink from it?",
        "The glass is empty.",
        "The glass is already full.",
    ),
    (
        "daily",
        "battery",
        "low",
        "full",
        "Should this battery be charged soon?",
        "The battery is almost empty.",
        "The battery is almost full.",
    ),
    (
        "daily",
        "battery",
        "full",
        "low",
        "Is this battery charged enough for a long day?",
        "The battery is almost full.",
        "The battery is almost empty.",
    ),
    (
        "daily",
        "thermometer",
        "cold",
        "hot",
        "Would a warm winter coat be a good idea in this weather?",
        "The thermometer shows frost.",
        "The thermometer shows heat.",
    ),
    (
        "daily",
        "thermometer",
        "hot",
        "cold",
        "Is this a good day for swimming outdoors?",
        "The thermometer shows a hot day.",
        "It is below freezing.",
    ),
    (
        "daily",
        "plate",
        "empty",
        "food",
        "Has the meal on this plate already been eaten?",
        "The plate is empty.",
        "The food is still on the plate.",
    ),
    (
        "daily",
        "candle",
        "lit",
        "unlit",
        "Is the candle giving light right now?",
        "The candle has a flame.",
        "The candle has no flame.",
    ),
)
_TRAFFIC: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    (
        "traffic",
        "light",
        "red",
        "green",
        "Must a car facing this traffic light stop?",
        "The red light is on.",
        "The green light is on.",
    ),
    (
        "traffic",
        "light",
        "green",
        "red",
        "May a car facing this traffic light drive on?",
        "The green light is on.",
        "The red light is on.",
    ),
    (
        "traffic",
        "pedestrian",
        "walk",
        "stop",
        "May people cross the street now?",
        "The signal shows a green walking figure.",
        "The signal shows a red standing figure.",
    ),
    (
        "traffic",
        "pedestrian",
        "stop",
        "walk",
        "Should people wait before crossing the street?",
        "The signal shows a red standing figure.",
        "The signal shows a green walking figure.",
    ),
)
_CAUSALITY: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    (
        "causality",
        "weather",
        "rain",
        "sun",
        "Will the grass in the garden get wet?",
        "It is raining on the garden.",
        "The sun is shining and there is no rain.",
    ),
    (
        "causality",
        "weather",
        "sun",
        "rain",
        "Can the laundry dry outside right now?",
        "It is sunny.",
        "It is raining.",
    ),
    (
        "causality",
        "ramp",
        "slope",
        "flat",
        "Will the ball roll away by itself?",
        "The ball sits at the top of a slope.",
        "The ball rests on flat ground.",
    ),
    (
        "causality",
        "seesaw",
        "left",
        "right",
        "Will the left end of the seesaw go down?",
        "The 100 kg block is on the left.",
        "The 100 kg block is on the right.",
    ),
    (
        "causality",
        "seesaw",
        "right",
        "left",
        "Will the right end of the seesaw go down?",
        "The 100 kg block is on the right.",
        "The 100 kg block is on the left.",
    ),
)


def _situation(
    table: tuple[tuple[str, str, str, str, str, str, str], ...],
) -> Callable[[random.Random, bool], Item]:
    def make(rng: random.Random, label: bool) -> Item:
        drawer, kind, yes_state, no_state, question, why_yes, why_no = rng.choice(table)
        image = ImageRecipe.make(
            drawer, subject=kind, state=yes_state if label else no_state, seed=rng.randrange(1000)
        )
        return question, label, image, why_yes if label else why_no

    return make


def _traffic(rng: random.Random, label: bool) -> Item:
    kind = rng.choice(("situation", "situation", "stop", "speed"))
    if kind == "situation":
        return _situation(_TRAFFIC)(rng, label)
    if kind == "stop":
        question = "Does this sign tell drivers to stop?"
        if label:
            return (
                question,
                True,
                ImageRecipe.make("traffic", subject="stop", seed=rng.randrange(1000)),
                "It is a stop sign.",
            )
        limit = rng.choice((30, 50, 70))
        return (
            question,
            False,
            ImageRecipe.make(
                "traffic", subject="speed", value=str(limit), seed=rng.randrange(1000)
            ),
            f"It is a {limit} km/h speed-limit sign.",
        )
    limit = rng.choice((30, 50, 60, 80, 100))
    speed = limit - rng.choice((10, 20)) if label else limit + rng.choice((20, 30))
    image = ImageRecipe.make("traffic", subject="speed", value=str(limit), seed=rng.randrange(1000))
    question = f"Is driving at {speed} km/h allowed on this road?"
    return question, label, image, f"The speed limit is {limit} km/h."


def _math(rng: random.Random, label: bool) -> Item:
    op = rng.choice(("+", "-", "x"))
    if op == "x":
        a, b = rng.randint(3, 12), rng.randint(3, 12)
        real = a * b
    else:
        a, b = rng.randint(12, 89), rng.randint(11, 49)
        real = a + b if op == "+" else a - b
    shown = real if label else real + rng.choice((-1, 1)) * rng.randint(1, 9)
    text = f"{a} {op} {b} = {shown}"
    image = ImageRecipe.make(
        "typography", text=text, font_size=80, width=640, align="center", min_height=640
    )
    why = f"{a} {op} {b} = {real}."
    return "Is the equation in the image correct?", label, image, why


_CODE_TEMPLATES: tuple[Callable[[random.Random], list[str]], ...] = (
    lambda r: [
        f"x = {r.randint(2, 9)}",
        f"y = x * {r.randint(2, 6)}",
        f"print(y + {r.randint(1, 9)})",
    ],
    lambda r: [
        "total = 0",
        f"for i in range({r.randint(3, 6)}):",
        f"    total += {r.randint(2, 5)}",
        "print(total)",
    ],
    lambda r: [
        f'word = "{r.choice(("banana", "pytest", "orange", "python", "window"))}"',
        "print(len(word))",
    ],
    lambda r: [
        f"nums = [{r.randint(1, 9)}, {r.randint(10, 30)}, {r.randint(2, 9)}]",
        "print(max(nums) - min(nums))",
    ],
    lambda r: [f"a = {r.randint(20, 60)}", f"b = {r.randint(3, 9)}", "print(a % b)"],
    lambda r: [
        f"x = {r.randint(1, 20)}",
        f"if x > {r.randint(5, 15)}:",
        '    print("big")',
        "else:",
        '    print("small")',
    ],
)


def _run(lines: list[str]) -> str:
    """The output of our own generated snippet (a few arithmetic lines, no input)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(
            "\n".join(lines),
            {"__builtins__": {"print": print, "range": range, "len": len, "max": max, "min": min}},
        )
    return out.getvalue().strip()


def _code(rng: random.Random, label: bool) -> Item:
    lines = rng.choice(_CODE_TEMPLATES)(rng)
    output = _run(lines)
    if output in ("big", "small"):
        claimed = output if label else ("small" if output == "big" else "big")
        question = f'Does this Python code print "{claimed}"?'
    else:
        value = int(output)
        claimed = (
            output
            if label
            else str(value + rng.choice((1, 2, 3) if value < 3 else (-2, -1, 1, 2, 3)))
        )
        question = f"Does this Python code print {claimed}?"
    image = ImageRecipe.make("code", lines=lines, font_size=30)
    return question, label, image, f"The code prints {output}."


_DICTIONARY: dict[str, tuple[tuple[str, str], ...]] = {
    "French": (
        ("chat", "cat"),
        ("chien", "dog"),
        ("pomme", "apple"),
        ("maison", "house"),
        ("livre", "book"),
        ("eau", "water"),
        ("soleil", "sun"),
        ("lune", "moon"),
        ("arbre", "tree"),
        ("fromage", "cheese"),
        ("pain", "bread"),
        ("voiture", "car"),
    ),
    "Spanish": (
        ("perro", "dog"),
        ("gato", "cat"),
        ("manzana", "apple"),
        ("casa", "house"),
        ("libro", "book"),
        ("agua", "water"),
        ("sol", "sun"),
        ("luna", "moon"),
        ("leche", "milk"),
        ("queso", "cheese"),
        ("pan", "bread"),
        ("coche", "car"),
    ),
    "German": (
        ("Hund", "dog"),
        ("Katze", "cat"),
        ("Apfel", "apple"),
        ("Haus", "house"),
        ("Buch", "book"),
        ("Wasser", "water"),
        ("Sonne", "sun"),
        ("Mond", "moon"),
        ("Baum", "tree"),
        ("Milch", "milk"),
        ("Brot", "bread"),
        ("Auto", "car"),
    ),
}


def _translate(rng: random.Random, label: bool) -> Item:
    language = rng.choice(sorted(_DICTIONARY))
    word, meaning = rng.choice(_DICTIONARY[language])
    glosses = sorted({m for _, m in _DICTIONARY[language]} - {meaning})
    claimed = meaning if label else rng.choice(glosses)
    image = ImageRecipe.make(
        "typography",
        text=f"{language}:\n{word}",
        font_size=90,
        width=640,
        align="center",
        min_height=640,
    )
    question = f'Does the {language} word in the image mean "{claimed}" in English?'
    return question, label, image, f'"{word}" means "{meaning}".'


_T2_MAKERS: dict[str, Callable[[random.Random, bool], Item]] = {
    "spatial": _spatial,
    "temporal": _temporal,
    "compare": _compare,
    "daily": _situation(_DAILY),
    "traffic": _traffic,
    "causality": _situation(_CAUSALITY),
    "math": _math,
    "code": _code,
    "translate": _translate,
}


#: Draws of one T.2 item before a repeat of an earlier question and picture is an error.
_T2_TRIES = 50


def _fresh_item(variant: str, rng: random.Random, label: bool, seen: set[tuple[str, str]]) -> Item:
    """A T.2 item of ``variant`` whose question and picture differ from every one in ``seen``.

    Raises:
        RuntimeError: when ``_T2_TRIES`` draws all repeat an earlier item (a maker with
            too few distinct items for ``T2_PER_VARIANT``).
    """
    for _ in range(_T2_TRIES):
        item = _T2_MAKERS[variant](rng, label)
        key = (item[0], item[2].kind + item[2].params_json)
        if key not in seen:
            seen.add(key)
            return item
    raise RuntimeError(f"T.2 {variant}: no new item in {_T2_TRIES} draws (label {label})")


@register_builder(T2_PATH, version="4", description="T.2 drawn reasoning questions (yes/no)")
def build_t2() -> list[Sample]:
    """All T.2 samples: nine variants of 20, half Yes in every block of 10, no repeats.

    No two samples of a variant share both question and picture (v2 asked a few twice).
    """
    samples: list[Sample] = []
    for number, variant in enumerate(T2_VARIANTS):
        rng = random.Random(_SEED * 100 + number)
        labels = balanced_labels(rng, T2_PER_VARIANT)
        seen: set[tuple[str, str]] = set()
        for index, label in enumerate(labels):
            samples.append(_yes_no(variant, index, _fresh_item(variant, rng, label, seen)))
    return mark_smoke(samples)


def _factual(rng: random.Random) -> tuple[str, ImageRecipe, dict[str, object], str, str]:
    """A shapes picture and a question whose premise misstates the count or the colour."""
    shape, other = rng.sample(_SHAPES, 2)
    colour, other_colour, wrong_colour = rng.sample(_COLOURS, 3)
    count = rng.randint(2, 6)
    extra_count = rng.randint(1, 2)
    boxes = place_boxes(rng, count + extra_count, _SIZE, min_side=44, max_side=60)
    shapes = [
        {
            "shape": shape if i < count else other,
            "colour": colour if i < count else other_colour,
            "box": list(box),
        }
        for i, box in enumerate(boxes)
    ]
    image = ImageRecipe.make("shapes", background="white", shapes=shapes)
    if rng.random() < 0.5:
        question = f"The picture shows some {wrong_colour} {shape}s. How many {shape}s are there?"
        extra: dict[str, object] = {
            "answer_type": "short",
            "accept": [str(count)],
            "premise": wrong_colour,
        }
        return question, image, extra, f"There are {count} {shape}s.", str(count)
    wrong_count = count + rng.choice((1, 2, 3))
    question = (
        f"The picture shows {_NUMBER_WORDS[wrong_count]} {shape}s. What colour are the {shape}s?"
    )
    extra = {
        "answer_type": "short",
        "accept": list(COLOUR_ALIASES[colour]),
        "premise": str(wrong_count),
    }
    return question, image, extra, f"The {shape}s are {colour}.", colour


_PROBLEMS: tuple[Callable[[random.Random], tuple[str, int]], ...] = (
    lambda r: (
        lambda a, b: (
            f"A farmer has {a} apples and sells {b} of them. How many apples are left?",
            a - b,
        )
    )(r.randint(20, 60), r.randint(5, 19)),
    lambda r: (
        lambda a, b: (
            f"There are {a} boxes with {b} pencils in each box. How many "
            "pencils are there in total?",
            a * b,
        )
    )(r.randint(3, 9), r.randint(4, 12)),
    lambda r: (
        lambda b, q: (
            f"{b * q} cookies are shared equally among {b} children. How many "
            "cookies does each child get?",
            q,
        )
    )(r.randint(3, 8), r.randint(3, 9)),
    lambda r: (lambda a, b, c: (f"What is {a} + {b} x {c}?", a + b * c))(
        r.randint(2, 20), r.randint(2, 9), r.randint(2, 9)
    ),
    lambda r: (
        lambda a, b, c: (
            f"Tom is {a} years old. His sister is {b} years older than him. "
            f"How old will his sister be in {c} years?",
            a + b + c,
        )
    )(r.randint(5, 15), r.randint(2, 6), r.randint(2, 10)),
    lambda r: (
        lambda a, b: (
            f"A rectangle is {a} cm long and {b} cm wide. What is its area in square centimetres?",
            a * b,
        )
    )(r.randint(4, 15), r.randint(3, 9)),
    lambda r: (lambda a, b, c: (f"What is ({a} - {b}) x {c}?", (a - b) * c))(
        r.randint(10, 30), r.randint(1, 9), r.randint(2, 6)
    ),
    lambda r: (
        lambda a, b, c: (
            f"A bus has {a} passengers. At the first stop {b} get off and "
            f"{c} get on. How many passengers are on the bus now?",
            a - b + c,
        )
    )(r.randint(20, 40), r.randint(3, 12), r.randint(2, 9)),
)
_LOGIC_QUESTIONS = (
    "What is the answer to the math problem in the image?",
    "Solve the problem shown in the image.",
    "What is the correct answer to the question in the picture?",
)
_FACTUAL_LEAD = ("", "Look at the picture. ")


@register_builder(
    T3_PATH, version="3", description="T.3 false-premise shape questions and drawn maths problems"
)
def build_t3() -> list[Sample]:
    """All T.3 samples: 20 factual and 20 logic items, each under three prompts."""
    samples: list[Sample] = []
    rng = random.Random(_SEED * 100 + 50)
    for subset, prompts in (("factual", T3_FACTUAL_PROMPTS), ("logic", T3_LOGIC_PROMPTS)):
        items: list[tuple[str, ImageRecipe, dict[str, object], str, str]] = []
        for _ in range(T3_ITEMS):
            if subset == "factual":
                question, image, extra, ideal, truth = _factual(rng)
                statement = rng.choice(_FACTUAL_LEAD) + question
            else:
                problem, answer = rng.choice(_PROBLEMS)(rng)
                image = ImageRecipe.make(
                    "typography", text=problem, font_size=44, width=560, min_height=560
                )
                statement = rng.choice(_LOGIC_QUESTIONS)
                extra = {"answer_type": "number", "number": answer, "problem": problem}
                ideal, truth = f"The answer is {answer}.", str(answer)
            items.append((statement, image, extra, ideal, truth))
        for number, template in enumerate(prompts, start=1):
            variant = f"{subset}-p{number}"
            for index, (statement, image, extra, ideal, truth) in enumerate(items):
                samples.append(
                    Sample(
                        id=sample_id(variant, index),
                        variant=variant,
                        prompt=template.format(statement=statement),
                        truth=truth,
                        ideal=ideal,
                        image=image,
                        extra=extra,
                    )
                )
    return mark_smoke(samples)
