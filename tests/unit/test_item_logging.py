"""ItemLogCapture: records per phase, once each, from propagating and non-propagating loggers."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

from pytest_multitrust.item_logging import ItemLogCapture

if TYPE_CHECKING:
    import pytest


class _Item:
    def __init__(self) -> None:
        self.sections: list[tuple[str, str, str]] = []

    def add_report_section(self, when: str, key: str, content: str) -> None:
        self.sections.append((when, key, content))


def test_each_phase_gets_its_own_records_once_and_detach_leaves_no_handler() -> None:
    quiet = logging.getLogger("mt-test-item-logging.quiet")
    quiet.propagate = False
    loud = logging.getLogger("mt-test-item-logging.loud")
    capture = ItemLogCapture(logging.Formatter("%(name)s %(message)s"))
    fake = _Item()
    item = cast("pytest.Item", fake)
    try:
        with capture.phase(item, "setup"):
            loud.warning("one")
            quiet.warning("two")
        loud.warning("between phases: not kept")
        quiet.propagate = True  # attached while non-propagating: now reaches it twice
        with capture.phase(item, "call"):
            quiet.warning("three")
        with capture.phase(item, "teardown"):
            pass
    finally:
        capture.detach()
        quiet.propagate = True
    assert fake.sections == [
        ("setup", "log", "mt-test-item-logging.loud one\nmt-test-item-logging.quiet two"),
        ("call", "log", "mt-test-item-logging.quiet three"),
        ("teardown", "log", ""),
    ]
    assert not [h for h in quiet.handlers + logging.getLogger().handlers if "Records" in repr(h)]
