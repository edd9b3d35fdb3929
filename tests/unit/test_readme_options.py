"""The README's options table lists every option the plugin adds, with its ini key."""

from __future__ import annotations

import re
from pathlib import Path

from pytest_multitrust.settings import OPTIONS

README = Path(__file__).resolve().parents[2] / "README.md"


def _table_rows() -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Options\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        match = re.match(r"\| `(--[a-z-]+|--mllm)[^`]*` \| ([^|]*) \|", line)
        if match:
            rows[match.group(1)] = match.group(2).strip()
    return rows


def test_every_option_is_in_the_readme_table_with_its_ini_key() -> None:
    rows = _table_rows()
    for option in OPTIONS:
        flag, ini = option.flag, option.ini
        assert flag in rows, f"{flag} is missing from the README options table"
        shown = f"`{ini}`" if ini is not None else "—"
        assert rows[flag] == shown, f"{flag}: README says {rows[flag]}, the plugin {ini}"
