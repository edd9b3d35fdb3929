"""The repository's own test configuration (not part of the plugin).

* tests never reach a model hub: ``HF_HUB_OFFLINE`` is set before transformers loads;
* ``--run-gpu`` opts in to tests marked ``gpu``;
* without the test extras installed, the run stops at once with the install line (instead
  of one collection error per test module);
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


# Imported by the project's own tests only; the plugin itself never needs them.
_TEST_EXTRAS = ("hypothesis", "fastapi", "uvicorn", "openai", "mkdocs")


def missing_test_extras() -> list[str]:
    """The packages of the ``test`` extra that are not installed, in a fixed order."""
    return [name for name in _TEST_EXTRAS if importlib.util.find_spec(name) is None]


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
