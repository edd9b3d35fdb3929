"""Helpers shared by the project's tests (on sys.path via the pythonpath ini key)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

SUMMARY = re.compile(
    r"^\s*(?P<task>[A-Z]\.\d+|\S+)\s+(?P<metric>\w+)\s+(?P<value>n/a|-?\d+\.\d+)\s+"
    r"(?P<op>>=|<=|>|<)\s+(?P<threshold>\S+)\s+(?P<verdict>PASS|FAIL|INCONCLUSIVE)\s+"
    r"n=(?P<n>\d+)"
)


@dataclass(frozen=True)
class Line:
    value: float
    verdict: str
    n: int


def parse_summary(lines: Sequence[str]) -> dict[str, Line]:
    """``{"T.1.accuracy": Line(...)}`` from the multitrust terminal summary."""
    found: dict[str, Line] = {}
    for line in lines:
        match = SUMMARY.match(line)
        if match:
            value = float("nan") if match["value"] == "n/a" else float(match["value"])
            found[f"{match['task']}.{match['metric']}"] = Line(
                value, match["verdict"], int(match["n"])
            )
    return found
