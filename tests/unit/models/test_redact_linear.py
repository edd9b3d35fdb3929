"""Secret masking in linear time (#19 item 4), masking what it always masked.

``scrub`` runs on every answer a server sends back; a quadratic scan made a 40 kB answer
take seconds and a 1 MB one about an hour. These inputs are the shapes that trip a
regex scanning for ``scheme://user@``: long runs of scheme characters, of URL starts,
of userinfo without ``@``. The hypothesis property checks the linear pattern masks
exactly what the former (quadratic) pattern masked.
"""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pytest_multitrust.models.redact import MASK, redact_spec, redact_url, scrub

# The pattern before #19, kept as the reference of what must be masked.
_FORMER = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^/@\s]+)@")


def _former_scrub(text: str) -> str:
    def mask(match: re.Match[str]) -> str:
        user, sep, _ = match["userinfo"].partition(":")
        return f"{match['scheme']}{f'{user}:{MASK}' if sep and user else MASK}@"

    return _FORMER.sub(mask, text)


def _shapes(n: int) -> list[str]:
    return [
        "A" * n,
        "1" * n,
        "+.-" * (n // 3),
        "a:/" * (n // 3),
        "a://" + "B" * n,
        "a://" + "x:" * (n // 2),
        "a://x" * (n // 5),
        "a://u:p" * (n // 7),
        "http://" * (n // 7),
        "@" * n,
        ("A" * 99 + " ") * (n // 100),
        "A" * n + "://u:p@h",
        "ab://" + "c" * n + "@",
    ]


@pytest.mark.parametrize("index", range(len(_shapes(10))))
def test_scrub_is_linear_on_adversarial_shapes(index: int) -> None:
    # Quadratic: 40 kB took ~1.5 s and 400 kB would take minutes; linear: milliseconds
    # for both, so a 10x longer input costs about 10x (bounded here generously).
    small, large = _shapes(40_000)[index], _shapes(400_000)[index]
    started = time.perf_counter()
    scrub(small, ["secret-key"])
    small_s = time.perf_counter() - started
    started = time.perf_counter()
    masked = scrub(large, ["secret-key"])
    large_s = time.perf_counter() - started
    assert large_s < 1.0, f"shape {index}: {len(large)} characters took {large_s:.2f} s"
    assert small_s < 0.2
    assert len(masked) <= len(large) + 3 * large.count("@")
    for shown in (redact_url(large), redact_spec(large)):  # the other entry points too
        assert isinstance(shown, str)


def test_a_megabyte_answer_is_scrubbed_in_well_under_a_second() -> None:
    answer = "A" * 1_000_000 + " see https://user:sk-live-123@host/v1 " + "9" * 1_000_000
    started = time.perf_counter()
    masked = scrub(answer, ["sk-live-123"])
    assert time.perf_counter() - started < 1.0
    assert "sk-live-123" not in masked
    assert "https://user:***@host/v1" in masked


URLISH = st.lists(
    st.sampled_from(
        [
            "a",
            "Z",
            "1",
            "+",
            ".",
            "-",
            ":",
            "/",
            "//",
            "://",
            "@",
            " ",
            "\n",
            "http",
            "u:p",
            ":pw",
            "tok",
            "***",
            "é",
            "%2F",
        ]
    ),
    max_size=24,
).map("".join)


@settings(max_examples=600, deadline=None)
@given(URLISH)
@example("1a://u:p@h")
@example("12://u:p@h a://t@h")
@example("x@y://u:p@h://v:q@k")
@example("http://a:b@http://c:d@h")
def test_scrub_masks_exactly_what_it_masked_before(text: str) -> None:
    assert scrub(text) == _former_scrub(text)


@settings(max_examples=200, deadline=None)
@given(URLISH, st.text(alphabet="abcdefXYZ0123-_/+=", min_size=4, max_size=12))
def test_given_secrets_never_survive(text: str, secret: str) -> None:
    assert secret not in scrub(f"{text}{secret}{text}", [secret])


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec=None, exclude_categories=()), max_size=80))
def test_any_string_a_model_returns_is_scrubbed_without_error(text: str) -> None:
    # lone surrogates, controls, any script: masking never raises and keeps what is no URL
    masked = scrub(f"{text} https://u:sk-zz99@h {text}", ["sk-zz99"])
    assert "sk-zz99" not in masked
    if "://" not in text:
        assert masked.startswith(text)
