"""Log capture for the plugin's own test items, at a fraction of its per-phase cost.

pytest's logging plugin captures the log records of every test phase (setup, call,
teardown) into the report's "Captured log" section. For that it attaches two handlers,
around each phase, to the root logger *and to every non-propagating logger* in the
process, which it finds by scanning every logger there is: six scans and six attachments
per test. Importing torch creates 42 non-propagating loggers (``torch``, ``torch._dynamo``,
… each with its own stderr handler) and transformers brings the process to about 400
loggers, so on a run whose answers are cached this bookkeeping was a third to a half of
the per-test cost, for records that torch and transformers do not emit while a cached
sample is scored.

For the plugin's sample and threshold tests (:class:`PhaseHooks`, returned by their
``ihook``) the three phase hooks are called without the logging plugin's per-phase
wrappers, and :class:`ItemLogCapture` captures instead: one handler with the logging
plugin's own formatter, attached once to the root logger and to the non-propagating
loggers (those created later as they appear), that keeps records only while one of these
tests' phases is open; what it caught becomes the phase's "log" report section, as
before. Records still reach every handler the user configured
(``log_file``, their own handlers), and ``-p no:logging`` still turns capture off.

The logging plugin is left to do everything itself, as usual, whenever its other
per-phase duties matter: live logging (``log_cli``, ``--log-cli-level``), a capture level
(``log_level``, ``--log-level``: it lowers the root logger's level around each phase), or
its absence (``-p no:logging``: nothing is captured).
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

#: The name pytest registers its logging plugin under.
LOGGING_PLUGIN = "logging-plugin"

#: The phase hooks whose logging wrappers :class:`PhaseHooks` leaves out, with their phase.
PHASES = {
    "pytest_runtest_setup": "setup",
    "pytest_runtest_call": "call",
    "pytest_runtest_teardown": "teardown",
}

_BYPASS = pytest.StashKey["_Bypass | None"]()


class _Records(logging.Handler):
    """Keeps the formatted text of the records it handles while a phase is open."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] | None = None  # None: no phase of ours is open
        self._last: logging.LogRecord | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.lines is None or record is self._last:  # the same record twice: see below
            return
        self._last = record
        try:
            self.lines.append(self.format(record))
        except Exception:  # logging's own rule: report, never raise
            self.handleError(record)


class ItemLogCapture:
    """Captures the log records of each phase of the plugin's tests into its report.

    One handler, attached once to the root logger and to each non-propagating logger
    (found again whenever the number of loggers changed) and detached when pytest
    unconfigures; it keeps records only while one of the plugin's test phases is open. A
    logger found non-propagating that propagates later would hand the handler each of
    its records twice: the second is dropped.
    """

    def __init__(self, formatter: logging.Formatter | None) -> None:
        """``formatter``: the logging plugin's (pytest's ``log_format``, auto-indent)."""
        self._handler = _Records()
        self._handler.setFormatter(formatter or logging.Formatter())
        self._attached: list[logging.Logger] = []
        self._known: set[int] = set()
        self._scanned = -1  # how many loggers there were at the last scan

    def attach(self) -> None:
        """Attach the handler to the root logger and any non-propagating logger new to it."""
        root = logging.getLogger()
        loggers = root.manager.loggerDict
        if len(loggers) == self._scanned:
            return
        self._scanned = len(loggers)
        for logger in [root, *list(loggers.values())]:
            if (
                isinstance(logger, logging.Logger)
                and (logger is root or not logger.propagate)
                and id(logger) not in self._known
            ):
                logger.addHandler(self._handler)
                self._attached.append(logger)
                self._known.add(id(logger))

    def detach(self) -> None:
        """Take the handler off every logger it was attached to."""
        for logger in self._attached:
            logger.removeHandler(self._handler)
        self._attached.clear()
        self._known.clear()
        self._scanned = -1

    @contextlib.contextmanager
    def phase(self, item: pytest.Item, when: str) -> Iterator[None]:
        """Capture the records of ``item``'s ``when`` phase; add them as its "log" section."""
        self.attach()
        lines: list[str] = []
        self._handler.lines = lines
        try:
            yield
        finally:
            self._handler.lines = None
            item.add_report_section(when, "log", "\n".join(lines).strip())


class _Bypass:
    """What the items of one session share: the capture and the phase hook callers."""

    def __init__(self, config: pytest.Config, logging_plugin: object) -> None:
        self.manager = config.pluginmanager
        self.logging_plugin = logging_plugin
        self.capture = ItemLogCapture(getattr(logging_plugin, "formatter", None))
        config.add_cleanup(self.capture.detach)
        self._callers: dict[tuple[str, tuple[int, ...]], Any] = {}

    def caller(self, name: str, usual: Any) -> Any:
        """``usual`` (the item's own caller of hook ``name``) less the logging plugin."""
        kept = [impl.plugin for impl in usual.get_hookimpls()]
        key = (name, tuple(id(plugin) for plugin in kept))
        found = self._callers.get(key)
        if found is None:
            every = {impl.plugin for impl in getattr(self.manager.hook, name).get_hookimpls()}
            found = self.manager.subset_hook_caller(
                name, remove_plugins=(every - set(kept)) | {self.logging_plugin}
            )
            self._callers[key] = found
        return found


class PhaseHooks:
    """An item's hook relay whose phase hooks skip the logging plugin's wrappers.

    Every other hook is the item's usual one (``session.gethookproxy``), and the phase
    hooks call the same implementations as the usual ones but the logging plugin's, so
    conftest files out of the item's scope stay out, and plugins registered later are
    called as usual.
    """

    def __init__(self, relay: Any, bypass: _Bypass) -> None:
        """``relay``: the hook relay the item would use."""
        self._relay = relay
        self._bypass = bypass

    def __getattr__(self, name: str) -> Any:
        when = PHASES.get(name)
        if when is None:
            return getattr(self._relay, name)
        caller = self._bypass.caller(name, getattr(self._relay, name))
        capture = self._bypass.capture

        def call(**kwargs: Any) -> Any:
            with capture.phase(kwargs["item"], when):
                return caller(**kwargs)

        return call


def bypasses_logging(config: pytest.Config) -> object | None:
    """The logging plugin, when :class:`PhaseHooks` may stand in for its phase wrappers.

    None when it must run them itself (see the module's docstring).
    """
    plugin: object | None = config.pluginmanager.get_plugin(LOGGING_PLUGIN)
    if plugin is None:
        return None
    if config.getoption("log_cli_level", default=None) is not None or config.getini("log_cli"):
        return None
    if config.getoption("log_level", default=None) or config.getini("log_level"):
        return None
    return plugin


def item_hooks(item: pytest.Item) -> Any:
    """The hook relay for one of the plugin's items (see :class:`PhaseHooks`).

    The usual relay where the logging plugin must run its own wrappers; whether it must
    is decided once per session.
    """
    usual = item.session.gethookproxy(item.path)
    config = item.config
    if _BYPASS not in config.stash:
        plugin = bypasses_logging(config)
        config.stash[_BYPASS] = None if plugin is None else _Bypass(config, plugin)
    bypass = config.stash[_BYPASS]
    return usual if bypass is None else PhaseHooks(usual, bypass)
