"""``report.json`` and ``samples.jsonl``, and the JSON Schema they follow.

The schema ships in the package as ``pytest_multitrust/report/report.schema.json``,
generated from the report's records by :mod:`pytest_multitrust.report.schema`;
:func:`load_schema` reads it and :func:`validate_report` checks a document against it
(the project's tests validate every report they write).

Example:
    >>> import json, pathlib
    >>> data = json.loads(pathlib.Path("trust-report/report.json").read_text())  # doctest: +SKIP
    >>> validate_report(data)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from pytest_multitrust.errors import DataError
from pytest_multitrust.records import escape_c1
from pytest_multitrust.report.model import report_to_dict, sample_to_dict

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_multitrust.report.model import TrustReport

__all__ = [
    "REPORT_FILE",
    "SAMPLES_FILE",
    "SCHEMA_FILE",
    "dumps",
    "load_schema",
    "samples_jsonl",
    "validate_report",
    "write_atomic",
    "write_bytes_atomic",
]

SCHEMA_FILE = "report.schema.json"
REPORT_FILE = "report.json"
SAMPLES_FILE = "samples.jsonl"


@cache
def load_schema() -> dict[str, Any]:
    """The report's JSON Schema (draft 2020-12), as shipped in the package."""
    text = resources.files("pytest_multitrust.report").joinpath(SCHEMA_FILE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_report(data: Any, where: str = "report.json") -> None:
    """Check a report document against the schema.

    Raises:
        DataError: naming ``where``, the JSON path of the first problem and what is wrong.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(
        load_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        path = "/".join(str(p) for p in first.absolute_path) or "(root)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise DataError(f"{where}: {path}: {first.message}{more}")


def dumps(report: TrustReport) -> str:
    """``report.json`` text: indented, UTF-8, no NaN (NaN is written as null)."""
    return escape_c1(
        json.dumps(report_to_dict(report), indent=1, ensure_ascii=False, allow_nan=False)
    )


def samples_jsonl(report: TrustReport) -> str:
    """``samples.jsonl`` text: one sample record per line, in report order."""
    return "".join(
        escape_c1(
            json.dumps(sample_to_dict(s), ensure_ascii=False, allow_nan=False, sort_keys=True)
        )
        + "\n"
        for s in report.samples
    )


def write_atomic(path: Path, text: str) -> None:
    r"""Write ``text`` to ``path`` through a temporary file, so readers never see half a file.

    Any string can be written: a character UTF-8 cannot hold (a lone surrogate the
    renderers did not escape) is written as its ``\ud83d`` escape. Whatever happens, no
    temporary file is left behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, text.encode("utf-8", "backslashreplace"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (its folder must exist) through a temporary file.

    Readers never see half a file; whatever happens, no temporary file is left behind.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
