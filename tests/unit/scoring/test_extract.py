from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pytest_multitrust.scoring.extract import (
    NUMBER_WORDS,
    contains_any,
    extract_bbox,
    extract_choice,
    extract_number,
    first_contained,
    iou,
    normalize_text,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3.0),
        ("There are three circles.", 3.0),
        ("1,000 people", 1000.0),
        ("It is -2.5 degrees", -2.5),
        ("3 + 4 = 7", 7.0),
        ("pages 3-4", 4.0),
        ("Twenty", 20.0),
        ("about .5 of it", 0.5),
        ("1, 2, 3", 3.0),
        ("someone often said none", None),
        ("no number here", None),
        ("", None),
    ],
)
def test_extract_number(text: str, expected: float | None) -> None:
    assert extract_number(text) == expected


@settings(max_examples=80, deadline=None)
@given(
    value=st.integers(-(10**6), 10**6),
    prefix=st.sampled_from(["", "The answer is ", "= ", "x: "]),
    suffix=st.sampled_from(["", ".", " apples", "!", " in total."]),
    grouped=st.booleans(),
)
def test_extract_number_integers(value: int, prefix: str, suffix: str, grouped: bool) -> None:
    written = f"{value:,}" if grouped else str(value)
    assert extract_number(f"{prefix}{written}{suffix}") == float(value)


@settings(max_examples=40, deadline=None)
@given(
    word=st.sampled_from(sorted(NUMBER_WORDS)), case=st.sampled_from(["lower", "upper", "title"])
)
def test_extract_number_words(word: str, case: str) -> None:
    assert extract_number(f"I see {getattr(word, case)()} shapes") == NUMBER_WORDS[word]


OPTIONS = ["Age", "Gender", "Nationality", "Race"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2. Gender", "Gender"),
        ("Option B", "Gender"),
        ("option b", "Gender"),
        ("(b)", "Gender"),
        ("[C]", "Nationality"),
        ("C", "Nationality"),
        ("4", "Race"),
        ("The answer is 3.", "Nationality"),
        ("The answer is D.", "Race"),
        ("It is about race.", "Race"),
        ("I think (1) Age, not Race", "Age"),
        ("A. Age", "Age"),
        ("The answer is a mystery", None),
        ("I cannot tell.", None),
        ("", None),
    ],
)
def test_extract_choice(text: str, expected: str | None) -> None:
    assert extract_choice(text, OPTIONS) == expected


def test_extract_choice_prefers_the_longer_label_at_one_position() -> None:
    options = ["stereotype", "anti-stereotype", "unrelated"]
    assert extract_choice("It is an anti-stereotype.", options) == "anti-stereotype"
    assert extract_choice("It is a stereotype.", options) == "stereotype"


@settings(max_examples=80, deadline=None)
@given(
    index=st.integers(0, 3),
    form=st.sampled_from(
        [
            "{n}.",
            "({n})",
            "Option {n}",
            "option {l}",
            "({l})",
            "[{L}]",
            "{L}.",
            "{L})",
            "Answer: {L}",
            "{label}",
            "{label_lower}",
        ]
    ),
    prefix=st.sampled_from(["", "I choose ", "My answer: ", "\n"]),
    suffix=st.sampled_from(["", " because it fits.", "\nThat's it."]),
)
def test_extract_choice_forms(index: int, form: str, prefix: str, suffix: str) -> None:
    mention = form.format(
        n=index + 1,
        l=("abcd")[index],
        L=("ABCD")[index],
        label=OPTIONS[index],
        label_lower=OPTIONS[index].lower(),
    )
    assert extract_choice(prefix + mention + suffix, OPTIONS) == OPTIONS[index]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[0.1, 0.2, 0.5, 0.6]", (0.1, 0.2, 0.5, 0.6)),
        ("The box is (0.1,0.2,0.5,0.6).", (0.1, 0.2, 0.5, 0.6)),
        ("[xmin, ymin, xmax, ymax] = [0.5, 0.6, 0.1, 0.2]", (0.1, 0.2, 0.5, 0.6)),
        ("(33.6, 67.2), (168, 201.6)", (0.1, 0.2, 0.5, 0.6)),
        ("[33.6, 67.2, 168, 201.6]", (0.1, 0.2, 0.5, 0.6)),
        ("xmin=0.1 ymin=0.2 xmax=0.5 ymax=0.6", (0.1, 0.2, 0.5, 0.6)),
        ("ranging from 0 to 1", None),
        ("no box", None),
    ],
)
def test_extract_bbox(text: str, expected: tuple[float, ...] | None) -> None:
    box = extract_bbox(text, width=336, height=336)
    if expected is None:
        assert box is None
    else:
        assert box == pytest.approx(expected)


def test_extract_bbox_pixels_without_size_stay_pixels() -> None:
    assert extract_bbox("[10, 20, 30, 40]") == (10.0, 20.0, 30.0, 40.0)


BOX = st.tuples(*[st.integers(0, 1000)] * 4).map(
    lambda t: (
        min(t[0], t[2]) / 1000,
        min(t[1], t[3]) / 1000,
        max(t[0], t[2]) / 1000,
        max(t[1], t[3]) / 1000,
    )
)


@settings(max_examples=80, deadline=None)
@given(
    box=BOX,
    fmt=st.sampled_from(
        [
            "[{}, {}, {}, {}]",
            "({}, {}, {}, {})",
            "[{} {} {} {}]",
            "({}, {}), ({}, {})",
            "[{};{};{};{}]",
        ]
    ),
    prefix=st.sampled_from(["", "The red circle is at ", "Coordinates: "]),
    suffix=st.sampled_from(["", ".", " in normalised form."]),
    pixels=st.booleans(),
)
def test_extract_bbox_formats(
    box: tuple[float, float, float, float], fmt: str, prefix: str, suffix: str, pixels: bool
) -> None:
    assume(max(box) > 0.01)  # all-tiny pixel boxes would read as normalised
    shown = [round(v * 336, 1) for v in box] if pixels else list(box)
    assume(not pixels or max(shown) > 1)
    found = extract_bbox(prefix + fmt.format(*shown) + suffix, width=336, height=336)
    assert found is not None
    assert found == pytest.approx(box, abs=1e-3)


def test_iou() -> None:
    assert iou((0, 0, 1, 1), (0, 0, 1, 1)) == 1.0
    assert iou((0, 0, 1, 1), (1, 1, 2, 2)) == 0.0
    assert iou((0, 0, 2, 1), (1, 0, 3, 1)) == pytest.approx(1 / 3)
    assert iou((1, 1, 0, 0), (0, 0, 1, 1)) == 1.0  # corner order does not matter
    assert iou((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0


@settings(max_examples=80, deadline=None)
@given(a=BOX, b=BOX)
def test_iou_properties(a: tuple[float, ...], b: tuple[float, ...]) -> None:
    value = iou(a, b)
    assert 0.0 <= value <= 1.0
    assert value == pytest.approx(iou(b, a))
    if (a[2] - a[0]) * (a[3] - a[1]) > 0:
        assert iou(a, a) == pytest.approx(1.0)


def test_normalize_text() -> None:
    assert normalize_text("  Hello,   WORLD! ") == "hello world"
    assert normalize_text("K 7-P.X", spaces=False) == "k7px"
    assert normalize_text("«Straße»") == "strasse"


def test_contains_any_is_the_original_rule() -> None:
    assert contains_any("I choose 1. Yes", ["1", "yes"])
    assert not contains_any("YES", ["yes"])  # case-sensitive without fuzzy
    assert contains_any("YES", ["yes"], fuzzy=True)
    assert contains_any("555-12/34", ["5551234"], fuzzy=True)
    assert first_contained("anti-stereotype", ["no", "anti"]) == "anti"
    assert not contains_any("anything", ["", "--"], fuzzy=True)  # empty needles never match


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=200))
def test_extractors_never_raise(text: str) -> None:
    number = extract_number(text)
    assert number is None or not math.isnan(number)
    assert extract_choice(text, OPTIONS) in (None, *OPTIONS)
    box = extract_bbox(text, width=336, height=336)
    assert box is None or (box[0] <= box[2] and box[1] <= box[3])
    normalized = normalize_text(text)
    assert normalized == normalized.strip()
    assert normalize_text(normalized) == normalized
    contains_any(text, ["a", "b"], fuzzy=True)
