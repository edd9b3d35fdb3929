"""Fixtures for tests that run pytest inside pytest."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from mt_browser import Browser


@pytest.fixture(autouse=True)
def _inner_runs_as_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the inner pytest runs behave the same on CI as on a developer's machine.

    pytest prints the whole failure message in its short summary when ``CI`` or
    ``BUILD_NUMBER`` is set, and the first line only otherwise; tests that count lines of
    the inner output would see different counts on CI. The inner runs inherit this
    environment (in-process and subprocess alike), so the variables go here.
    """
    for name in ("CI", "BUILD_NUMBER"):
        monkeypatch.delenv(name, raising=False)
    # When this suite itself runs under xdist (``pytest -n 2``), the outer worker's identity
    # must not leak into the inner runs: an inner controller would read it as its own.
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def run_trust(pytester: pytest.Pytester, mt_cache_dir: Path) -> Callable[..., pytest.RunResult]:
    """Run pytest in a subprocess in an empty directory with the shared model cache.

    The response cache is off (``--mt-cache=off``): the model cache directory outlives
    test sessions, and a cached response would let a test pass or fail on what an earlier
    session generated. A test about the cache passes ``--mt-cache=readwrite`` (last wins).
    """

    def run(*args: str, timeout: float = 300) -> pytest.RunResult:
        return pytester.runpytest_subprocess(
            f"--mt-cache-dir={mt_cache_dir.parent}",
            "-p",
            "no:cacheprovider",
            "--mt-cache=off",
            *args,
            timeout=timeout,
        )

    return run


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium per test module (``tests/mt_browser.py``), closed after it.

    Skips, naming the install line, where Chromium or Playwright is not installed. A test
    calls ``browser.open(page)``, acts on the page (``click``, ``type``, ``choose``,
    ``press``, ``shown``, ``js``, or ``browser.page`` itself) and then checks
    ``outside_requests()`` and ``console_errors()``. Mark the test module
    ``pytestmark = pytest.mark.browser``.
    """
    from mt_browser import Browser, browser_missing

    reason = browser_missing()
    if reason is not None:
        pytest.skip(reason)
    started = Browser()
    try:
        yield started
    finally:
        started.close()
