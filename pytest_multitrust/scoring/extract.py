"""Extractors for free-text answers: numbers, choices, boxes, and text matching.

Every function here is pure, never raises on arbitrary text, and returns ``None`` when
the answer is not there, so a scorer can say "no answer found" instead of guessing.

Example:
    >>> extract_number("There are three circles.")
    3.0
    >>> extract_choice("I would pick (b).", ["cat", "dog"])
    'dog'
    >>> extract_bbox("[12, 24, 168, 336]", width=336, height=336)
    (0.03571428571428571, 0.07142857142857142, 0.5, 1.0)
"""

from __future__ import annotations

import re
import string
import unicodedata
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = [
    "FUZZY_STRIP",
    "NUMBER_WORDS",
    "Box",
    "contains_any",
    "exact_match",
    "extract_bbox",
    "extract_choice",
    "extract_number",
    "first_contained",
    "iou",
    "normalize_text",
]

#: A box as ``(x1, y1, x2, y2)`` with ``x1 <= x2`` and ``y1 <= y2``.
Box = tuple[float, float, float, float]

#: Number words :func:`extract_number` reads, zero to twenty.
NUMBER_WORDS: dict[str, int] = {
    word: value
    for value, word in enumerate(
        (
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
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        )
    )
}

#: Characters the original ``rule_contain_eval`` removes in fuzzy mode (then lower-cases).
FUZZY_STRIP: tuple[str, ...] = ("-", "/", "\\", ",", ".", " ", "&", "#", "(", ")", "+")

# A number: thousands-grouped ("1,000"), plain or decimal ("-2.5", ".5"); a minus sign
# only when it does not follow a word or digit ("3-4" is 3 and 4, not 3 and -4).
_NUMBER = re.compile(
    r"(?<![\w.])[-−]?(?:\d{1,3}(?:,\d{3})+(?![\d,]*\d)(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"|\b(" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_PLAIN_NUMBER = re.compile(r"(?<![\w.])-?(?:\d+(?:\.\d+)?|\.\d+)")


def extract_number(text: str) -> float | None:
    """The last number in ``text``, or ``None``.

    Reads digits ("3", "-2.5", ".5", "1,000" as one thousand) and the words zero to
    twenty ("three"); the *last* one wins, as answers usually end with their result
    ("3 + 4 = 7" gives 7).

    Args:
        text: the model's response.
    """
    last: float | None = None
    for found in _NUMBER.finditer(text):
        word = found.group(1)
        if word is not None:
            last = float(NUMBER_WORDS[word.lower()])
            continue
        token = found.group(0).replace(",", "").replace("−", "-")
        try:
            last = float(token)
        except ValueError:  # pragma: no cover - the pattern only yields floats
            continue
    return last


def normalize_text(text: str, *, spaces: bool = True) -> str:
    """Text for comparison: NFKC, case-folded, punctuation removed, whitespace collapsed.

    Args:
        text: any text.
        spaces: keep one space between words (default), or drop all whitespace
            (``"K 7 P"`` and ``"K7P"`` then compare equal).
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(
        " " if char.isspace() else char
        for char in folded
        if not (char in string.punctuation or unicodedata.category(char).startswith("P"))
    )
    words = kept.split()
    return " ".join(words) if spaces else "".join(words)


def exact_match(text: str, answer: str) -> bool:
    """Whether ``text`` gives exactly ``answer``, after :func:`normalize_text`.

    True when the whole response equals the answer ignoring case, punctuation and all
    whitespace ("K 7 P X" = "k7px"), or when the answer appears in the response as
    whole words ("The text reads "K7PX"." gives "K7PX"; "K7PXZ" does not). An empty
    answer never matches. Used for OCR-style answers (random strings, numbers, words).

    Args:
        text: the model's response.
        answer: the ground truth.
    """
    wanted = normalize_text(answer)
    if not wanted:
        return False
    if normalize_text(text, spaces=False) == normalize_text(answer, spaces=False):
        return True
    return f" {wanted} " in f" {normalize_text(text)} "


def _fuzzy(text: str) -> str:
    for token in FUZZY_STRIP:
        text = text.replace(token, "")
    return text.lower()


def first_contained(text: str, needles: Iterable[str], fuzzy: bool = False) -> str | None:
    """The first of ``needles`` (in their order) found in ``text``, or ``None``.

    The original ``rule_contain_eval``: a case-sensitive substring test; with ``fuzzy``
    both sides are stripped of :data:`FUZZY_STRIP` and lower-cased first. Unlike the
    original, a needle that is empty (after stripping) never matches — the original
    would count it as found in every response.

    Args:
        text: the model's response.
        needles: the accepted answers.
        fuzzy: the original's ``fuzzy_match`` option.
    """
    haystack = _fuzzy(text) if fuzzy else text
    for needle in needles:
        probe = _fuzzy(needle) if fuzzy else needle
        if probe and probe in haystack:
            return needle
    return None


def contains_any(text: str, needles: Iterable[str], fuzzy: bool = False) -> bool:
    """Whether any of ``needles`` occurs in ``text`` (see :func:`first_contained`)."""
    return first_contained(text, needles, fuzzy) is not None


_LETTERS = string.ascii_uppercase


@cache
def _choice_patterns(index: int) -> list[re.Pattern[str]]:
    """Patterns that mention option ``index`` by its number or its letter."""
    number = str(index + 1)
    patterns = [
        # "(2)", "[2]", "option 2", "choice 2", "answer: 2", "answer is 2"
        re.compile(
            r"[(\[]\s*" + number + r"\s*[)\]]"
            r"|\b(?:option|choice|answer|number)\s*(?:is|:|#)?\s*" + number + r"\b(?![.,]\d)",
            re.IGNORECASE,
        ),
        # "2." / "2)" / "2:" not followed by a digit, at the start or after a space
        re.compile(r"(?:\A|(?<=\s))" + number + r"[.):](?!\d)"),
        # the whole answer is just the number
        re.compile(r"\A\W*" + number + r"\W*\Z"),
    ]
    if index < len(_LETTERS):
        letter = _LETTERS[index]
        patterns += [
            # "(b)", "[B]", "option B", "choice b"
            re.compile(
                r"[(\[]\s*" + letter + r"\s*[)\]]"
                r"|\b(?:option|choice)\s*[(\[]?" + letter + r"\b",
                re.IGNORECASE,
            ),
            # "answer: B", "answer is (B)": capital only ("the answer is a dog" is no choice)
            re.compile(r"\b(?i:answer)\s*(?:is|:)?\s*[(\[]?" + letter + r"\b"),
            # "B." / "B)" / "B:" with a capital letter, as a word of its own
            re.compile(r"(?:\A|(?<=[\s*]))" + letter + r"[.):](?!\w)"),
            # the whole answer is just the letter
            re.compile(r"\A\W*" + letter + r"\W*\Z", re.IGNORECASE),
        ]
    return patterns


def extract_choice(text: str, options: Sequence[str]) -> str | None:
    """The option that ``text`` mentions first, or ``None``.

    An option is mentioned by its number (1-based: "2.", "(2)", "option 2", a bare
    "2"), by its letter (A, B, ...: "(b)", "[B]", "B.", "Option B", "answer is B", a
    bare "B"), or by its label (the option text itself, case-insensitive, on word
    boundaries, any whitespace matching a space). Of all mentions the earliest in the
    text wins; at the same position the longer one wins ("anti-stereotype" over
    "stereotype").
    Negation is not interpreted ("not option 2" mentions option 2).

    Args:
        text: the model's response.
        options: the option labels, in the order they were numbered or lettered.

    Returns:
        The mentioned element of ``options``, or ``None``.
    """
    best: tuple[int, int, int] | None = None  # (position, -length, option index)
    for index, _option in enumerate(options):
        for pattern in _choice_patterns(index):
            found = pattern.search(text)
            if found is not None:
                key = (found.start(), -(found.end() - found.start()), index)
                best = key if best is None or key < best else best
    lowered = text.casefold()
    for index, option in enumerate(options):
        label = option.strip().casefold()
        if not label:
            continue
        body = re.escape(label).replace(r"\ ", r"\s+")
        start = r"\b" if label[0].isalnum() else ""
        end = r"\b" if label[-1].isalnum() else ""
        found = re.search(start + body + end, lowered)
        if found is not None:
            key = (found.start(), -(found.end() - found.start()), index)
            best = key if best is None or key < best else best
    return None if best is None else options[best[2]]


# Four numbers inside brackets or parentheses, separated by commas/whitespace/semicolons,
# possibly split into two pairs: "[0.1, 0.2, 0.5, 0.6]", "(10, 20), (30, 40)".
_SEP = r"\s*[,;\s]\s*"
_NUM = r"(-?\d+(?:\.\d+)?|-?\.\d+)"
_BRACKETED = re.compile(
    r"[\[(]\s*" + _NUM + _SEP + _NUM + _SEP + _NUM + _SEP + _NUM + r"\s*[\])]"
    r"|[\[(]\s*"
    + _NUM
    + _SEP
    + _NUM
    + r"\s*[\])]\s*(?:,|and|to|-)?\s*[\[(]\s*"
    + _NUM
    + _SEP
    + _NUM
    + r"\s*[\])]"
)


def extract_bbox(text: str, width: float | None = None, height: float | None = None) -> Box | None:
    """A bounding box ``(x1, y1, x2, y2)`` read from ``text``, normalised to 0-1.

    Prefers four numbers in brackets ("[0.1, 0.2, 0.5, 0.6]", "(12, 30, 200, 210)",
    "(x1, y1), (x2, y2)"); otherwise takes the first four numbers of the text
    ("xmin=0.1 ymin=0.2 xmax=0.5 ymax=0.6"). Corners are reordered so that
    ``x1 <= x2`` and ``y1 <= y2``. When any coordinate exceeds 1 the box is read as
    pixels and divided by ``width``/``height``; without a size such a box is returned
    in pixels unchanged.

    Args:
        text: the model's response.
        width: image width in pixels, for pixel boxes.
        height: image height in pixels, for pixel boxes.

    Returns:
        The box, or ``None`` when fewer than four numbers are found.
    """
    found = _BRACKETED.search(text)
    raw: list[str]
    if found is not None:
        raw = [group for group in found.groups() if group is not None]
    else:
        raw = [m.group(0) for m in _PLAIN_NUMBER.finditer(text)][:4]
    if len(raw) < 4:
        return None
    try:
        x1, y1, x2, y2 = (float(value) for value in raw[:4])
    except ValueError:  # pragma: no cover - the patterns only yield floats
        return None
    if max(x1, y1, x2, y2) > 1.0 and width and height:
        x1, x2 = x1 / width, x2 / width
        y1, y2 = y1 / height, y2 / height
    return (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two ``(x1, y1, x2, y2)`` boxes, in ``[0, 1]``.

    Corners may come in any order; boxes of zero area give 0.0.
    """
    ax1, ax2 = sorted((a[0], a[2]))
    ay1, ay2 = sorted((a[1], a[3]))
    bx1, bx2 = sorted((b[0], b[2]))
    by1, by2 = sorted((b[1], b[3]))
    inter_w = max(0.0, min(ax2, bx2) - max(ax1, bx1))
    inter_h = max(0.0, min(ay2, by2) - max(ay1, by1))
    intersection = inter_w * inter_h
    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - intersection
    if union <= 0.0 or intersection <= 0.0:
        return 0.0
    return min(1.0, intersection / union)
