"""The repository's root conftest: the test extras it checks before a run starts."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _root_conftest() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mt_root_conftest", ROOT / "conftest.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_distribution_of_the_test_extra_is_checked_under_its_module_name() -> None:
    conftest = _root_conftest()
    names: list[str] = conftest.extra_distributions("test")
    # the ones the old hand-kept list missed, and the extras the test extra pulls in
    assert {"junitparser", "playwright", "accelerate", "ruff", "mypy"} <= set(names)
    assert {"openai", "mkdocs", "mkdocs-material", "pymdown-extensions"} <= set(names)
    assert "pytest-multitrust" not in names
    provided = importlib.metadata.packages_distributions()
    for name in names:  # the tests run with the extra installed: each module is its own
        top = conftest.import_name(name).split(".")[0]
        owners = {d.lower().replace("_", "-") for d in provided.get(top, [])}
        assert name in owners, (name, top, owners)
    assert conftest.missing_test_extras() == []


def test_a_missing_distribution_is_named(tmp_path: Path) -> None:
    conftest = _root_conftest()
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "pytest-multitrust"\n'
        "[project.optional-dependencies]\n"
        'docs = ["mkdocstrings-python>=1", "mt-not-installed-docs"]\n'
        'test = ["pytest-multitrust[docs]", "hypothesis>=6", "mt-not-installed>=1",\n'
        "        \"mt-other-platform; sys_platform == 'nonexistent'\"]\n",
        encoding="utf-8",
    )
    assert conftest.extra_distributions("test", pyproject) == [
        "mkdocstrings-python",
        "mt-not-installed-docs",
        "hypothesis",
        "mt-not-installed",
    ]
    assert conftest.missing_test_extras(pyproject) == ["mt-not-installed-docs", "mt-not-installed"]


@pytest.mark.parametrize(
    ("distribution", "module"),
    [("pymdown-extensions", "pymdownx"), ("junitparser", "junitparser"), ("a-b", "a_b")],
)
def test_import_name(distribution: str, module: str) -> None:
    assert _root_conftest().import_name(distribution) == module
