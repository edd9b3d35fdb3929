"""What ``pytest_addoption`` declares: every flag, ini key, default and help text.

A characterisation snapshot (``option_declarations.json``), recorded before the options
became typed records: ``pytest --help`` must show the same flags, help texts, defaults
and group, and the ini keys the same types and defaults.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pytest_multitrust.plugin import pytest_addoption

if TYPE_CHECKING:
    import pytest

SNAPSHOT = Path(__file__).with_name("option_declarations.json")


def _shown(value: object) -> object:
    """A keyword argument as JSON: functions by name."""
    return getattr(value, "__name__", value) if callable(value) else value


class _Group:
    def __init__(self, calls: list[dict[str, Any]]) -> None:
        self.calls = calls

    def addoption(self, *names: str, **attrs: object) -> None:
        self.calls.append({"names": list(names), **{k: _shown(v) for k, v in attrs.items()}})


class _RecordingParser:
    """Records what the plugin declares (the parts of ``pytest.Parser`` it calls)."""

    def __init__(self) -> None:
        self.groups: list[list[str]] = []
        self.options: list[dict[str, Any]] = []
        self.ini: list[dict[str, Any]] = []

    def getgroup(self, name: str, description: str = "") -> _Group:
        self.groups.append([name, description])
        return _Group(self.options)

    def addini(self, name: str, help: str, **attrs: object) -> None:
        self.ini.append({"name": name, "help": help, **attrs})


def declarations() -> dict[str, Any]:
    """Everything ``pytest_addoption`` declares, as JSON-ready data."""
    parser = _RecordingParser()
    pytest_addoption(cast("pytest.Parser", parser))  # duck-typed: records the calls
    return {"groups": parser.groups, "options": parser.options, "ini": parser.ini}


def test_the_declared_options_and_ini_keys_are_unchanged() -> None:
    assert declarations() == json.loads(SNAPSHOT.read_text(encoding="utf-8"))


if __name__ == "__main__":  # regenerate: python tests/unit/core/test_option_declarations.py
    SNAPSHOT.write_text(json.dumps(declarations(), indent=1) + "\n", encoding="utf-8")
