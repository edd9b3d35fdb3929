"""The option records and their typed readers: the command line wins, ini keys fill in."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, cast

import pytest

from pytest_multitrust.checks import TASK_OPTIONS
from pytest_multitrust.options import Given, given, given_each, given_items, switched_on
from pytest_multitrust.settings import (
    COMPARE_OPTION,
    DATA_FALLBACK_OPTION,
    DATA_OPTION,
    LIMIT_OPTION,
    OPTIONS,
    TASKS_OPTION,
    THRESHOLD_OPTION,
    Settings,
    parse_threshold,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path


class _Config:
    """The two ``pytest.Config`` methods the readers call, over fixed values."""

    def __init__(self, options: Mapping[str, object], ini: Mapping[str, object]) -> None:
        self.options, self.ini = options, ini

    def getoption(self, name: str, default: object = None) -> object:
        return self.options.get(name, default)

    def getini(self, name: str) -> object:
        return self.ini.get(name, "")


def _config(options: Mapping[str, object] = {}, **ini: object) -> pytest.Config:
    return cast("pytest.Config", _Config(options, ini))


def test_flags_ini_keys_and_dests_are_unique() -> None:
    for attribute in ("flag", "dest", "ini"):
        values = [getattr(o, attribute) for o in OPTIONS if getattr(o, attribute)]
        assert len(values) == len(set(values)), attribute


def test_the_command_line_wins_over_the_ini_key() -> None:
    assert given(_config({"mt_limit": 3}, multitrust_limit="5"), LIMIT_OPTION) == Given(3, False)
    assert given(_config(multitrust_limit=" 5 "), LIMIT_OPTION) == Given(5, True)
    assert given(_config(multitrust_limit=""), LIMIT_OPTION) is None
    assert given(_config({"mt_limit": "7"}), LIMIT_OPTION) == Given(7, False)  # text: parsed


def test_a_bad_ini_value_is_a_usage_error_naming_the_option() -> None:
    with pytest.raises(pytest.UsageError, match="--mt-limit: invalid value '0'"):
        given(_config(multitrust_limit="0"), LIMIT_OPTION)


def test_a_value_that_parses_to_none_still_counts_as_given() -> None:
    assert given(_config({"mt_data": "builtin"}), DATA_OPTION) == Given(None, False)


def test_repeated_options_and_ini_lines() -> None:
    first, second = parse_threshold("safety>=0.8"), parse_threshold("S.4.rta>=0.9")
    on_line = given_each(_config({"mt_threshold": [first, "S.4.rta>=0.9"]}), THRESHOLD_OPTION)
    assert on_line == Given((first, second), False)
    in_ini = _config(multitrust_thresholds=["safety>=0.8", "S.4.rta>=0.9"])
    assert given_each(in_ini, THRESHOLD_OPTION) == Given((first, second), True)
    assert given_each(_config(multitrust_thresholds=[]), THRESHOLD_OPTION) is None


def test_item_lists_join_their_ini_lines() -> None:
    found = given_items(_config(multitrust_tasks=["S.4, T.1", "privacy"]), TASKS_OPTION)
    assert found == Given(("S.4", "T.1", "privacy"), True)
    assert given_items(_config({"mt_tasks": ("all",)}), TASKS_OPTION) == Given(("all",), False)


def test_switches_and_optional_values() -> None:
    assert not switched_on(_config(), DATA_FALLBACK_OPTION)
    assert switched_on(_config({"mt_data_fallback": True}), DATA_FALLBACK_OPTION)
    assert switched_on(_config(multitrust_data_fallback=True), DATA_FALLBACK_OPTION)
    assert given(_config({"mt_compare": ""}), COMPARE_OPTION) == Given("", False)
    assert given(_config({"mt_compare": " 0003 "}), COMPARE_OPTION) == Given("0003", False)


def test_nothing_given_reads_as_every_default(tmp_path: Path) -> None:
    config = _config({"mt_cache_dir": str(tmp_path)})
    settings = Settings.from_config(config)
    assert settings.cache_dir == tmp_path
    assert settings.cache_dir_explicit
    default = Settings(cache_dir=tmp_path, cache_dir_explicit=True, thresholds_from_ini=True)
    for field in fields(Settings):
        assert getattr(settings, field.name) == getattr(default, field.name), field.name


def test_the_options_some_tasks_use_keep_their_order_and_words() -> None:
    assert [(o.flag, o.used_by.what if o.used_by else "") for o in TASK_OPTIONS] == [
        ("--mt-attack-eps", "tasks with image attacks"),
        ("--mt-attack-steps", "tasks with image attacks"),
        ("--mt-attack-step-size", "tasks with image attacks"),
        ("--mt-surrogate", "tasks with image attacks"),
        ("--mt-judge", "tasks with a judge prompt and custom data tasks"),
        (
            "--mt-toxicity-checkpoint",
            "tasks with a toxicity classifier metric and custom data tasks",
        ),
        ("--mt-data", "tasks with official data"),
    ]
