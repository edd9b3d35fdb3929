"""The repository's own test configuration (not part of the plugin).

* tests never reach a model hub: ``HF_HUB_OFFLINE`` is set before transformers loads;
* ``--run-gpu`` opts in to tests marked ``gpu``;
* without the test extras installed (every distribution of pyproject's ``test`` extra,
  read from pyproject.toml), the run stops at once with the install line (instead of one
  collection error per test module);
* ``mt_cache_dir`` is one cache directory for built models, shared by the whole test
  session and by the pytest runs the acceptance tests start.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


#: Where the ``test`` extra is declared (``[project.optional-dependencies] test``).
PYPROJECT = Path(__file__).resolve().parent / "pyproject.toml"

#: Distributions of the test extras whose module is not their name with ``-`` → ``_``.
IMPORT_NAMES = {
    "mkdocs-material": "material",
    "mkdocstrings-python": "mkdocstrings_handlers.python",
    "pymdown-extensions": "pymdownx",
}


def extra_distributions(extra: str = "test", pyproject: Path = PYPROJECT) -> list[str]:
    """The distributions an extra installs, its own extras expanded, in order.

    ``pytest-multitrust[openai]`` inside the extra stands for the ``openai`` extra's
    distributions; a requirement whose environment marker does not hold is left out.
    """
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    extras: dict[str, list[str]] = project.get("optional-dependencies", {})
    own = canonicalize_name(project["name"])
    found: list[str] = []

    def expand(extra: str) -> None:
        for line in extras.get(extra, []):
            requirement = Requirement(line)
            if requirement.marker is not None and not requirement.marker.evaluate():
                continue
            name = canonicalize_name(requirement.name)
            if name == own:
                for inner in sorted(requirement.extras):
                    expand(inner)
            elif name not in found:
                found.append(name)

    expand(extra)
    return found


def import_name(distribution: str) -> str:
    """The module a distribution of the test extras provides (what the tests import)."""
    return IMPORT_NAMES.get(distribution, distribution.replace("-", "_"))


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a dotted name whose parent is missing
        return False


def missing_test_extras(pyproject: Path = PYPROJECT) -> list[str]:
    """The distributions of the ``test`` extra that are not installed, in its order.

    Imported by the project's own tests only; the plugin itself never needs them.
    """
    return [
        name
        for name in extra_distributions("test", pyproject)
        if not _importable(import_name(name))
    ]


def pytest_configure(config: pytest.Config) -> None:
    missing = missing_test_extras()
    if missing:
        raise pytest.UsageError(
            f"these are pytest-multitrust's own tests; they need the test extras "
            f"({', '.join(missing)} not installed): "
            f"pip install -c constraints-cpu.txt -e '.[test]'. "
            f"To test a model, run pytest --mllm=... from your own project's folder "
            f"(README, Quick start), not from this repository's root."
        )


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-gpu", action="store_true", default=False, help="run tests marked gpu")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-gpu"):
        return
    skip = pytest.mark.skip(reason="needs a GPU: pass --run-gpu")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def mt_cache_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache directory for built models, kept across test runs when the cache is on."""
    cache = getattr(request.config, "cache", None)  # absent under -p no:cacheprovider
    if cache is not None:
        return Path(cache.mkdir("multitrust-models"))
    return tmp_path_factory.mktemp("multitrust-models")


@pytest.fixture(scope="session")
def tiny_detoxify(mt_cache_dir: Path) -> Path:
    """A tiny offline detoxify checkpoint folder (``tests/mt_detoxify.py``), built once.

    Pass it as ``--mt-toxicity-checkpoint`` or to ``DetoxifyScorer(checkpoint=...)``:
    texts with words of ``mt_detoxify.TOXIC_WORDS`` score high, other texts ≈ 0.018.
    """
    from mt_detoxify import build_tiny_detoxify

    return build_tiny_detoxify(mt_cache_dir)
