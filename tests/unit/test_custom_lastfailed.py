"""What custom threshold tests keep for ``--lf`` (pytest_multitrust.custom.lastfailed)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pytest_multitrust.custom.lastfailed import CACHE_KEY, FailedSamples, by_file

if TYPE_CHECKING:
    import pytest

THRESHOLD = "multitrust/privacy/team.pii::threshold[leak]"
SAMPLES = ["tests/test_pii.py::test_ticket[a]", "tests/test_pii.py::test_ticket[b]"]


class FakeCache:
    """``config.cache`` as a dict."""

    def __init__(self, values: dict[str, Any] | None = None) -> None:
        self.values: dict[str, Any] = dict(values or {})
        self.writes = 0

    def get(self, key: str, default: Any) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self.values[key] = value
        self.writes += 1


class FakeConfig:
    """What :class:`FailedSamples` reads of a pytest config."""

    def __init__(self, cache: FakeCache | None, *, lf: bool = False) -> None:
        if cache is not None:
            self.cache = cache
        self.lf = lf
        self.rootpath = Path("/suite")

    def getoption(self, name: str, default: Any = None) -> Any:
        return self.lf if name == "lf" else default


def kept(cache: FakeCache | None, *, lf: bool = False) -> FailedSamples:
    return FailedSamples(cast("pytest.Config", FakeConfig(cache, lf=lf)))


def test_a_failed_threshold_keeps_its_samples_and_a_pass_forgets_them() -> None:
    cache = FakeCache()
    failed = kept(cache)
    failed.note(THRESHOLD, True, SAMPLES)
    failed.save()
    assert cache.values[CACHE_KEY] == {THRESHOLD: SAMPLES}
    passed = kept(cache)
    passed.note(THRESHOLD, False, SAMPLES)
    passed.save()
    assert cache.values[CACHE_KEY] == {}
    assert cache.writes == 2
    again = kept(cache)
    again.note(THRESHOLD, False, SAMPLES)  # nothing kept: nothing to write
    again.save()
    assert cache.writes == 2


def test_lf_reruns_only_what_pytest_still_records_as_failed() -> None:
    other = "multitrust/safety/team.inj::threshold[resisted]"
    cache = FakeCache(
        {
            CACHE_KEY: {THRESHOLD: SAMPLES, other: ["tests/test_inj.py::test_x"]},
            "cache/lastfailed": {THRESHOLD: True},
        }
    )
    assert kept(cache, lf=True).to_rerun() == {THRESHOLD: SAMPLES}
    assert kept(cache, lf=False).to_rerun() == {}  # only under --lf
    assert kept(None, lf=True).to_rerun() == {}  # -p no:cacheprovider


def test_an_unreadable_entry_is_ignored() -> None:
    assert kept(FakeCache({CACHE_KEY: ["not", "a", "dict"]})).samples == {}
    assert kept(FakeCache({CACHE_KEY: {THRESHOLD: "x"}})).samples == {}


def test_samples_are_grouped_by_their_file() -> None:
    config = cast("pytest.Config", FakeConfig(None))
    assert by_file(config, [*SAMPLES, "tests/test_inj.py::TestX::test_y"]) == {
        Path("/suite/tests/test_pii.py"): set(SAMPLES),
        Path("/suite/tests/test_inj.py"): {"tests/test_inj.py::TestX::test_y"},
    }
