from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_multitrust.scoring.yesno import V1_YES_TEMPLATES, extract_yes_no, yes_no_v1

YES = [
    "Yes",
    "yes",
    "Yes.",
    "[Yes]",
    "**Yes**",
    "The answer is yes",
    "Answer: Yes",
    '"Yes"',
    "  yes, there is a red circle",
    "Yes, it is.",
    "YES!",
    "Yeah.",
    "- Yes",
    "> yes",
    "So the answer is: [Yes].",
    "Looking at the image, yes, it is.",
]
NO = [
    "No",
    "no",
    "No.",
    "[No]",
    "**No**",
    "The answer is no",
    "Answer: No",
    "No, there isn't.",
    "'no'",
    "  No there is not",
    "Nope.",
    "My answer: no",
]
NONE = [
    "Yesterday it rained.",
    "There is no red circle",
    "Nothing is shown.",
    "None of them.",
    "Not sure.",
    "I'm sorry, I can't see the image.",
    "",
    "Is it red?\n Please Directly answer [Yes] or [No]!",
    "Noon",
    "The eyes are blue.",
]


@pytest.mark.parametrize("text", YES)
def test_extract_yes(text: str) -> None:
    assert extract_yes_no(text) is True


@pytest.mark.parametrize("text", NO)
def test_extract_no(text: str) -> None:
    assert extract_yes_no(text) is False


@pytest.mark.parametrize("text", NONE)
def test_extract_none(text: str) -> None:
    assert extract_yes_no(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yes", True),
        ("yes.", True),
        ("  Yes", True),  # "yes" within the first 5 characters
        ("   Yes", True),  # not within the first 5, but the "yes" template matches
        ("No, yes", False),  # "no" in the first 4 wins before the templates
        ("No", False),
        ("Not at all, it is consistent", False),  # "no" in first 4 wins
        ("It is the same colour", True),  # template "same"
        ("I'm sorry", False),  # unparseable -> No (original quirk)
        ("Gibberish text", False),
        ("The answer: [Yes]", True),  # "[yes]" after lower-casing
        ("Definitely Yes.", True),  # lower-cased "yes" template
        ("There is a cat [There is a]", True),  # "[there is a]" after lower-casing
        ("nope", False),
        ("Unknown, it is likely red", True),  # "is likely"
    ],
)
def test_yes_no_v1_verbatim(text: str, expected: bool) -> None:
    assert yes_no_v1(text) is expected


def test_v1_capitalised_templates_are_dead() -> None:
    # Only the capitalised entries: they never match because the text is lower-cased.
    dead = [t for t in V1_YES_TEMPLATES if t != t.lower()]
    assert dead == ["Yes", "[Yes]", "Yes.", " Yes", " Yes.", "[There is a]"]
    for template in dead:
        assert yes_no_v1("xxxxxx " + template, yes_templates=[template]) is False


def test_v1_custom_templates() -> None:
    assert yes_no_v1("The person is suitable", yes_templates=["suitable"]) is True
    assert yes_no_v1("The person is unsuitable", yes_templates=["suitable"]) is True  # substring


ANSWERS = st.sampled_from(["yes", "no"])
DECOR = st.sampled_from(
    [
        "{}",
        "[{}]",
        "**{}**",
        "{}.",
        "{}!",
        '"{}"',
        "'{}'",
        "{},",
        "Answer: {}",
        "The answer is {}",
        "answer - {}",
        "({})",
    ]
)
TAIL = st.sampled_from(
    [
        "",
        " there is one.",
        " it is.",
        " the circle is red.",
        "\nExplanation: it is drawn in the centre.",
    ]
)


@settings(max_examples=80, deadline=None)
@given(
    answer=ANSWERS,
    decor=DECOR,
    tail=TAIL,
    case=st.sampled_from(["lower", "upper", "title"]),
    lead=st.sampled_from(["", " ", "\n", "  \t"]),
)
def test_extract_survives_phrasing(
    answer: str, decor: str, tail: str, case: str, lead: str
) -> None:
    word = getattr(answer, case)()
    text = lead + decor.format(word) + tail
    assert extract_yes_no(text) is (answer == "yes")


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=200))
def test_never_raises_on_arbitrary_text(text: str) -> None:
    assert extract_yes_no(text) in (True, False, None)
    assert yes_no_v1(text) in (True, False)


@settings(max_examples=50, deadline=None)
@given(
    word=st.sampled_from(
        [
            "Yesterday",
            "Yesteryear",
            "Nothing",
            "Nobody",
            "Notably",
            "None",
            "Noon",
            "Norway",
            "Yesman",
        ]
    ),
    tail=st.text(alphabet="abc xyz", max_size=20),
)
def test_words_that_merely_start_like_an_answer(word: str, tail: str) -> None:
    assert extract_yes_no(f"{word} {tail}") is None
