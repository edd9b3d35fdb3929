"""Reliability (#12): every parser and extractor, fed anything, raises only what it documents.

Option parsers raise :class:`pytest.UsageError` (exit 4 with the bad value named); model
specs too; data parsers raise :class:`~pytest_multitrust.errors.DataError`; extractors of
model answers and server headers never raise. Texts mix ASCII, digits, brackets, option
words, Unicode digits and control characters, where parsers tend to break.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pytest_multitrust import settings as mt_settings
from pytest_multitrust.distributed import parse_visible_devices
from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging.primitives import parse_colour
from pytest_multitrust.models.openai_backend import parse_target, retry_after_seconds
from pytest_multitrust.models.redact import redact_spec, redact_url, scrub
from pytest_multitrust.models.registry import parse_model_spec
from pytest_multitrust.scoring.answers import extract_colour, extract_final_number
from pytest_multitrust.scoring.extract import (
    extract_bbox,
    extract_choice,
    extract_number,
)
from pytest_multitrust.scoring.infoflow import parse_agreement_v1
from pytest_multitrust.scoring.judge import parse_score
from pytest_multitrust.scoring.stereotype import parse_stereotype_label, parse_topic
from pytest_multitrust.scoring.yesno import extract_yes_no

if TYPE_CHECKING:
    from collections.abc import Callable

PIECES = st.sampled_from(
    [
        "yes",
        "No",
        "not",
        "(B)",
        "[2]",
        "option 3",
        "answer is",
        "#",
        "http://",
        "a:b@c",
        "<=",
        ">=",
        "=",
        ".",
        ",",
        "-",
        "+",
        "e",
        "1e309",
        "nan",
        "inf",
        "/255",
        "0.5",
        "100",
        "-1",
        "٣",
        "½",
        "\x1b[31m",
        "\x00",
        "\n",
        " ",
        "%",
        "s",
        "ms",
        "GPU-",
        "MIG-",
        "cuda:",
        "safety",
        "S.4",
        "T.1.accuracy",
        "overall",
        "all",
        "auto",
        "py:",
        "openai:",
        "hf:",
        "http://[",
        "]",
        "[::1]",
        ":99999",
        "~",
        "/",
    ]
)
TEXT = st.one_of(st.text(max_size=60), st.lists(PIECES, max_size=8).map("".join))


def _only(
    expected: type[BaseException] | tuple[type[BaseException], ...], call: Callable[[], Any]
) -> Any:
    try:
        return call()
    except expected:
        return None


# -- options: UsageError only ---------------------------------------------------------------

OPTION_PARSERS = [
    *sorted((o.dest, o.parse) for o in mt_settings.OPTIONS if o.parse is not None),
    ("parse_positive_int", mt_settings.parse_positive_int),
]


@pytest.mark.parametrize(("name", "parse"), OPTION_PARSERS, ids=[n for n, _ in OPTION_PARSERS])
@settings(max_examples=80, deadline=None)
@given(text=TEXT)
@example(text="~no-such-user-0/x")  # pathlib's RuntimeError once escaped as a traceback
@example(text="~\x00")  # pwd's ValueError (embedded null byte) once escaped too
def test_option_parsers_raise_only_usage_errors(
    name: str, parse: Callable[[str], object], text: str
) -> None:
    _only(pytest.UsageError, lambda: parse(text))


@settings(max_examples=150, deadline=None)
@given(TEXT)
@example("openai:http://[#m")  # urllib's ValueError once escaped as a traceback
@example("http://[::1]:99999/v1#m")
def test_model_specs_parse_or_raise_usage_errors(text: str) -> None:
    spec = _only(pytest.UsageError, lambda: parse_model_spec(text))
    if spec is not None:
        assert spec.raw == text
    _only(pytest.UsageError, lambda: parse_target(text.removeprefix("openai:")))


# -- data: DataError only --------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(
        TEXT, st.lists(st.integers(-300, 300), max_size=5), st.integers(), st.none(), st.floats()
    )
)
def test_colours_parse_or_raise_data_errors(value: object) -> None:
    colour = _only(DataError, lambda: parse_colour(value))
    if colour is not None:
        assert len(colour) == 3
        assert all(0 <= c <= 255 for c in colour)


# -- extractors of model answers and headers: never raise -----------------------------------


@settings(max_examples=150, deadline=None)
@given(TEXT, st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=4))
def test_answer_extractors_never_raise(text: str, options: list[str]) -> None:
    number = extract_number(text)
    assert number is None or isinstance(number, float)
    assert extract_choice(text, options) in (None, *options)
    box = extract_bbox(text, 640, 480)
    assert box is None or len(box) == 4
    assert extract_yes_no(text) in (None, True, False)
    assert extract_colour(text) is None or isinstance(extract_colour(text), str)
    final = extract_final_number(text)
    assert final is None or isinstance(final, float)
    score = parse_score(text)
    assert score is None or 0 <= score <= 100
    agreement = parse_agreement_v1(text)
    assert agreement is None or -100 <= agreement <= 100
    assert parse_stereotype_label(text) is None or isinstance(parse_stereotype_label(text), str)
    assert parse_topic(text) is None or isinstance(parse_topic(text), str)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["retry-after", "Retry-After", "retry-after-ms", "x"]), TEXT, max_size=3
    )
)
def test_retry_after_never_raises_and_is_never_negative(headers: dict[str, str]) -> None:
    wait = retry_after_seconds(headers)
    assert wait is None or (wait >= 0 and not math.isnan(wait))


@given(TEXT)
def test_visible_devices_and_redaction_never_raise(text: str) -> None:
    devices = parse_visible_devices(text)
    assert devices is not None
    assert all(d.strip() for d in devices)
    for shown in (redact_spec(text), redact_url(text), scrub(text, ())):
        assert isinstance(shown, str)


@pytest.mark.parametrize("option", ["--mt-toxicity-checkpoint", "--mt-report", "--mt-data"])
def test_unknown_home_directory_is_a_usage_error(option: str) -> None:
    parse = {
        "--mt-toxicity-checkpoint": mt_settings.parse_toxicity_checkpoint,
        "--mt-report": mt_settings.parse_report_dir,
        "--mt-data": mt_settings.parse_data_source,
    }[option]
    text = "~no-such-user-0/x" if option != "--mt-data" else "official:~no-such-user-0/x"
    with pytest.raises(pytest.UsageError, match=rf"{option}: cannot expand '~no-such-user-0/x'"):
        parse(text)


@pytest.mark.parametrize("text", ["~\x00", "out\x00/x", "~root\x00"])
def test_a_nul_in_a_path_option_is_a_usage_error(text: str) -> None:
    with pytest.raises(pytest.UsageError, match=r"--mt-report: .* holds a NUL character"):
        mt_settings.parse_report_dir(text)
