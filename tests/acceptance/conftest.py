"""Fixtures for tests that run pytest inside pytest."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


@pytest.fixture
def run_trust(
    pytester: pytest.Pytester, mt_cache_dir: Path
) -> Callable[..., pytest.RunResult]:
    """Run pytest in a subprocess in an empty directory with the shared model cache.

    The response cache is off (``--mt-cache=off``): the model cache directory outlives
    test sessions, and a cached response would let a test pass or fail on what an earlier
    session generated. A test about the cache passes ``--mt-cache=readwrite`` (last wins).
    """

    def run(*args: str, timeout: float = 300) -> pytest.RunResult:
        return pytester.runpytest_subprocess(
            f"--mt-cache-dir={mt_cache_dir.parent}", "-p", "no:cacheprovider",
            "--mt-cache=off", *args,
            timeout=timeout,
        )

    return run
