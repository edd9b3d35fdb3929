"""The options reference (``docs/reference/options.md``) is generated from the option records.

Rewrite it after changing an option: ``python tests/unit/core/test_options_reference.py``
(from the checkout's root).
"""

from __future__ import annotations

import doctest
from pathlib import Path

from pytest_multitrust import options
from pytest_multitrust.settings import OPTIONS, REFERENCE_COMMAND, options_reference

REFERENCE = Path(__file__).resolve().parents[3] / "docs" / "reference" / "options.md"


def test_the_checked_in_reference_is_the_rendered_one() -> None:
    assert REFERENCE.read_text(encoding="utf-8") == options_reference(), (
        f"docs/reference/options.md is stale: run {REFERENCE_COMMAND}"
    )


def test_every_flag_and_ini_key_is_in_the_reference() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `--")]
    assert len(rows) == len(OPTIONS)
    for option, row in zip(OPTIONS, rows, strict=True):
        assert row.startswith(f"| `{option.flag}"), row
        assert f"| `{option.ini}` |" in row if option.ini is not None else "| — |" in row
        assert option.default.replace("<", "&lt;") in row


def test_the_options_doctests_hold() -> None:
    assert doctest.testmod(options).failed == 0


if __name__ == "__main__":  # python tests/unit/core/test_options_reference.py
    REFERENCE.parent.mkdir(parents=True, exist_ok=True)
    REFERENCE.write_text(options_reference(), encoding="utf-8")
    print(f"wrote {REFERENCE}")
