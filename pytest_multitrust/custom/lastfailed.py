"""``--lf`` for custom threshold tests: rerun a failed one with every one of its samples.

A custom task's threshold test is judged from the records of its sample tests, which
usually passed (or missed, a skip): ``--lf`` alone would not run them again, and it skips
at collection every file none of whose tests failed, where the task's tests are declared.
With public API only (pytest's own ``cache/lastfailed`` is read, never written):

* where a custom threshold test is judged, :class:`FailedSamples` keeps the sample tests
  of each one that failed in ``config.cache`` under :data:`CACHE_KEY` (its own key), and
  forgets them when it passes or skips;
* in a later ``--lf`` run, for the failed threshold tests that pytest's record still
  names, :class:`CollectSkipped` (innermost) collects a file of their samples that
  ``--lf`` skipped and keeps its whole collection, and :class:`KeepSamples` (outermost)
  puts back the samples that ``--lf`` filtered out of a file where another test failed;
  the custom plugin then selects them again after ``--lf``'s deselection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Generator, Sequence
    from pathlib import Path

__all__ = ["CACHE_KEY", "CollectSkipped", "FailedSamples", "KeepSamples"]

#: The ``config.cache`` key: failed custom threshold test id -> its sample test ids.
CACHE_KEY = "multitrust/custom-failed-samples"

#: pytest's own record of the tests that failed last (read only).
PYTEST_LASTFAILED_KEY = "cache/lastfailed"


class FailedSamples:
    """The sample tests of failed custom threshold tests, kept across runs."""

    def __init__(self, config: pytest.Config) -> None:
        """Read what earlier runs kept (nothing without pytest's cache plugin)."""
        self.config = config
        self.cache: pytest.Cache | None = getattr(
            config, "cache", None
        )  # None: -p no:cacheprovider
        raw = self.cache.get(CACHE_KEY, {}) if self.cache is not None else {}
        self.samples: dict[str, list[str]] = (  # threshold test id -> its sample test ids
            {
                str(threshold): [str(nodeid) for nodeid in nodeids]
                for threshold, nodeids in raw.items()
                if isinstance(nodeids, list)
            }
            if isinstance(raw, dict)
            else {}
        )
        self.changed = False  # whether :meth:`save` has anything to write

    def note(self, threshold: str, failed: bool, samples: Sequence[str]) -> None:
        """Keep (``failed``) or forget the sample tests of a judged threshold test."""
        if failed:
            self.samples[threshold] = list(samples)
        elif threshold not in self.samples:
            return
        else:
            del self.samples[threshold]
        self.changed = True

    def save(self) -> None:
        """Write the kept samples to ``config.cache`` (where threshold tests were judged)."""
        if self.changed and self.cache is not None:
            self.cache.set(CACHE_KEY, self.samples)
            self.changed = False

    def to_rerun(self) -> dict[str, list[str]]:
        """Under ``--lf``: the kept samples of the threshold tests pytest says failed last."""
        if self.cache is None or not self.config.getoption("lf", False):
            return {}
        lastfailed = self.cache.get(PYTEST_LASTFAILED_KEY, {})
        if not isinstance(lastfailed, dict):
            return {}
        return {t: s for t, s in self.samples.items() if t in lastfailed}


def by_file(config: pytest.Config, nodeids: Sequence[str]) -> dict[Path, set[str]]:
    """Test ids grouped by the file that declares them."""
    files: dict[Path, set[str]] = {}
    for nodeid in nodeids:
        files.setdefault(config.rootpath / nodeid.split("::", 1)[0], set()).add(nodeid)
    return files


class CollectSkipped:
    """Innermost: collect a file of wanted samples ``--lf`` skipped; keep its collection."""

    def __init__(self, wanted: dict[Path, set[str]]) -> None:
        """``wanted``: file -> the sample test ids in it to collect."""
        self.wanted = wanted
        self.full: dict[str, list[pytest.Item | pytest.Collector]] = {}  # file id -> result

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_make_collect_report(
        self, collector: pytest.Collector
    ) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        """Collect a wanted file ``--lf`` skipped (an empty result); note what it holds."""
        report = yield
        if not isinstance(collector, pytest.File) or collector.path not in self.wanted:
            return report
        if report.passed and not report.result:  # skipped: none of its tests failed
            try:
                report.result = list(collector.collect())
            except (Exception, pytest.skip.Exception):
                return report  # left as --lf left it: its samples are not rerun
        if report.result is not None:
            self.full[collector.nodeid] = list(report.result)
        return report


class KeepSamples:
    """Outermost: put back the wanted samples ``--lf`` filtered out of a file."""

    def __init__(self, inner: CollectSkipped) -> None:
        """Restore from what ``inner`` saw before ``--lf`` filtered."""
        self.inner = inner

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_make_collect_report(
        self, collector: pytest.Collector
    ) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        """Keep what ``--lf`` kept of a wanted file, and its wanted samples, in file order."""
        report = yield
        full = self.inner.full.pop(collector.nodeid, None)
        if full is None or report.result is None or not isinstance(collector, pytest.File):
            return report
        wanted = self.inner.wanted[collector.path]
        kept = {id(node) for node in report.result}
        report.result[:] = [node for node in full if id(node) in kept or node.nodeid in wanted]
        return report
