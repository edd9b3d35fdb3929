"""``report.schema.json``, generated from the report's typed records.

The schema shipped in the package is this module's output; regenerate it after changing
a record, its shape or a field comment (a test fails while the two differ)::

    python -m pytest_multitrust.report.schema --write

Without ``--write`` the schema is printed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pytest_multitrust.report.json_report import SCHEMA_FILE
from pytest_multitrust.report.model import REPORT, TrustReport

__all__ = ["SCHEMA_PATH", "main", "report_schema", "schema_text"]

#: Where the package's copy of the schema lives in a source checkout.
SCHEMA_PATH = Path(__file__).with_name(SCHEMA_FILE)

_TOP: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://github.com/pytest-multitrust/pytest-multitrust/report.schema.json",
    "title": "pytest-multitrust trust report",
    "description": "report.json written by pytest --mllm=... --mt-report=DIR (schema_version "
    "1.x). Scores are 0-1, higher is better; null stands for 'not counted' or 'no interval'. "
    "Generated from the typed records by python -m pytest_multitrust.report.schema.",
}


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``report.json``, from :class:`TrustReport`."""
    return REPORT.schema(TrustReport, **_TOP)


def schema_text() -> str:
    """:func:`report_schema` as the shipped file holds it (indented, one newline at the end)."""
    return json.dumps(report_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print the schema, or write it over the package's copy with ``--write``."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["--write"]:
        SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
        print(f"wrote {SCHEMA_PATH}")
    elif not args:
        sys.stdout.write(schema_text())
    else:
        print("usage: python -m pytest_multitrust.report.schema [--write]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
