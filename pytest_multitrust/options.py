"""Options as typed records: one :class:`Option` per flag, read by typed readers.

Each option of the plugin is declared once, as an :class:`Option` in
:data:`pytest_multitrust.settings.OPTIONS`. The record says everything the plugin needs
to know about it: the flag and its ini key, how text becomes a value, the help text and
the default as ``pytest --help`` shows them, what the options reference lists as its
accepted values, and which tasks use it when not every task does. From the records:

* ``pytest_addoption`` declares the flags and ini keys (:meth:`Option.addoption_kwargs`,
  :meth:`Option.addini_kwargs`);
* :meth:`pytest_multitrust.settings.Settings.from_config` reads them with the typed
  readers here (:func:`given`, :func:`given_each`, :func:`given_items`,
  :func:`switched_on`);
* the unused-option warning knows which tasks use an option (:attr:`Option.used_by`);
* :func:`render_reference` writes the Markdown options reference.

This module knows no option itself and imports nothing of the plugin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Literal, NotRequired, TypedDict, TypeVar, cast

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import pytest

__all__ = [
    "ATTACKS",
    "CLASSIFIER",
    "JUDGE",
    "OFFICIAL",
    "TASK_USES",
    "Given",
    "IniKeywords",
    "Option",
    "OptionKind",
    "TaskProperty",
    "TaskUse",
    "given",
    "given_each",
    "given_items",
    "on_command_line",
    "render_reference",
    "switched_on",
    "value_or",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
S = TypeVar("S")
D = TypeVar("D")

#: How an option takes its value:
#:
#: * ``value``: ``--flag VALUE`` once; the ini key holds one value;
#: * ``repeated``: ``--flag VALUE`` any number of times; the ini key one value a line;
#: * ``items``: ``--flag A,B`` (one list); the ini key's lines are joined into one list;
#: * ``switch``: ``--flag`` alone turns it on; an ini key, if any, is a boolean;
#: * ``optional``: ``--flag`` alone or ``--flag=VALUE``; no ini key.
OptionKind = Literal["value", "repeated", "items", "switch", "optional"]

#: The task property behind an option that only some tasks use.
TaskProperty = Literal["attacks", "judge", "classifier", "official"]


@dataclass(frozen=True)
class TaskUse:
    """Which tasks use an option that not every task uses (``--mt-judge``: a judge)."""

    property: TaskProperty  # the task property that decides it (tested by the pytest layer)
    what: str  # the tasks that use it, in words: "tasks with image attacks"


#: Tasks that attack their images (R.4, R.5).
ATTACKS = TaskUse("attacks", "tasks with image attacks")
#: Tasks whose original scoring asked a judge, and custom data tasks.
JUDGE = TaskUse("judge", "tasks with a judge prompt and custom data tasks")
#: Tasks with a toxicity classifier metric, and custom data tasks.
CLASSIFIER = TaskUse("classifier", "tasks with a toxicity classifier metric and custom data tasks")
#: Tasks with a reader of the official MultiTrust data.
OFFICIAL = TaskUse("official", "tasks with official data")

#: Every task property, in the order unused options are named.
TASK_USES: tuple[TaskUse, ...] = (ATTACKS, JUDGE, CLASSIFIER, OFFICIAL)


class IniKeywords(TypedDict):
    """The keyword arguments of an ``addini`` call."""

    help: str  # the ini key's help text
    type: Literal["string", "linelist", "bool"]  # how pytest parses the ini value
    default: NotRequired[bool]  # a bool key's default (the others: pytest's own)


@dataclass(frozen=True)
class Option(Generic[T_co]):
    """One option of the plugin: its flag, ini key, parser, help and default.

    ``T_co`` is the type one given value parses to (``int`` for ``--mt-limit``).
    """

    flag: str  # as typed: "--mt-limit"; its dest is the flag without dashes ("mt_limit")
    help: str  # what it does, for --help (without the default, which follows it)
    default: str  # the default in words, as --help and the reference show it: "no limit"
    accepts: str  # the accepted values in words, for the reference: "a positive integer"
    parse: Callable[[str], T_co] | None = None  # text -> value; raises pytest.UsageError
    ini: str | None = None  # the ini key ("multitrust_limit"); None: command line only
    kind: OptionKind = "value"  # how it takes its value
    typed: bool = True  # argparse parses the command-line text; False: parsed when read
    # (--mt-data=builtin parses to None, and must still count as given)
    metavar: str | None = None  # the value's name in --help, for optional-value options
    used_by: TaskUse | None = None  # the tasks that use it; None: every task

    @property
    def dest(self) -> str:
        """The name ``config.getoption`` knows it by: ``mt_limit`` for ``--mt-limit``.

        >>> Option("--mt-attack-eps", "", "", "").dest
        'mt_attack_eps'
        """
        return self.flag.removeprefix("--").replace("-", "_")

    def addoption_kwargs(self) -> dict[str, object]:
        """The keyword arguments of its ``addoption`` call (the flag goes first).

        >>> Option("--mt-x", "x it", "off", "", kind="switch").addoption_kwargs()
        {'dest': 'mt_x', 'action': 'store_true', 'default': False, 'help': 'x it (default: off)'}
        """
        shown = f"{self.help} (default: {self.default}"
        shown += f"; ini: {self.ini})" if self.ini is not None else ")"
        if self.kind == "switch":
            return {"dest": self.dest, "action": "store_true", "default": False, "help": shown}
        if self.kind == "optional":
            return {
                "dest": self.dest,
                "nargs": "?",
                "const": "",
                "default": None,
                "metavar": self.metavar,
                "help": shown,
            }
        kwargs: dict[str, object] = {"dest": self.dest, "default": None, "help": shown}
        if self.typed and self.parse is not None:
            kwargs["type"] = self.parse
        if self.kind == "repeated":
            kwargs["action"] = "append"
        return kwargs

    def addini_kwargs(self) -> IniKeywords:
        """The keyword arguments of its ``addini`` call (the ini key goes first).

        >>> Option("--mt-x", "x it", "off", "", ini="multitrust_x", kind="switch").addini_kwargs()
        {'help': 'as --mt-x (default: false)', 'type': 'bool', 'default': False}
        """
        if self.kind == "switch":
            return {"help": f"as {self.flag} (default: false)", "type": "bool", "default": False}
        return {
            "help": f"{self.help} (default: {self.default})",
            "type": "linelist" if self.kind in ("repeated", "items") else "string",
        }


@dataclass(frozen=True)
class Given(Generic[T]):
    """A value the user gave, and where."""

    value: T  # parsed
    from_ini: bool  # True: from the ini key; False: from the command line


def value_or(found: Given[T] | None, default: D) -> T | D:
    """The value found, else ``default``.

    >>> value_or(Given(4, from_ini=True), None), value_or(None, 8)
    (4, 8)
    """
    return default if found is None else found.value


def _parser(option: Option[T]) -> Callable[[str], T]:
    if option.parse is None:
        raise TypeError(f"{option.flag} takes no value to parse")
    return option.parse


def _parsed(option: Option[T], value: object) -> T:
    """A command-line value: text is parsed; anything else argparse parsed already."""
    if isinstance(value, str):
        return _parser(option)(value)
    return cast("T", value)  # argparse ran option.parse (its type=) on the text


def on_command_line(config: pytest.Config, option: Option[object]) -> bool:
    """Whether ``option`` was given on the command line (not only in the ini file)."""
    return config.getoption(option.dest, default=None) is not None


def given(config: pytest.Config, option: Option[T]) -> Given[T] | None:
    """The value of a ``value`` or ``optional`` option: the command line wins over the ini key.

    Returns:
        The parsed value and where it came from; None when neither gives it (an empty
        ini value gives nothing).

    Raises:
        pytest.UsageError: from the option's parser, for a bad value.
    """
    value = config.getoption(option.dest, default=None)
    if value is not None:
        return Given(_parsed(option, value), from_ini=False)
    if option.ini is None:
        return None
    text = config.getini(option.ini)
    if not text:
        return None
    return Given(_parser(option)(str(text)), from_ini=True)


def given_each(config: pytest.Config, option: Option[T]) -> Given[tuple[T, ...]] | None:
    """The values of a ``repeated`` option: every ``--flag`` given, else the ini key's lines.

    Raises:
        pytest.UsageError: from the option's parser, for a bad value.
    """
    value = config.getoption(option.dest, default=None)
    if value is not None:
        values = value if isinstance(value, list) else [value]
        return Given(tuple(_parsed(option, v) for v in values), from_ini=False)
    lines = config.getini(option.ini) if option.ini is not None else []
    if not lines:
        return None
    return Given(tuple(_parser(option)(str(line)) for line in lines), from_ini=True)


def given_items(
    config: pytest.Config, option: Option[tuple[S, ...]]
) -> Given[tuple[S, ...]] | None:
    """The items of an ``items`` option: its list, else the ini key's lines' lists joined.

    Raises:
        pytest.UsageError: from the option's parser, for a bad value.
    """
    value = config.getoption(option.dest, default=None)
    if value is not None:
        return Given(_parsed(option, value), from_ini=False)
    lines = config.getini(option.ini) if option.ini is not None else []
    if not lines:
        return None
    parse = _parser(option)
    return Given(tuple(item for line in lines for item in parse(str(line))), from_ini=True)


def switched_on(config: pytest.Config, option: Option[bool]) -> bool:
    """Whether a ``switch`` option is on: given on the command line, or its ini key true."""
    if config.getoption(option.dest, default=False):
        return True
    return option.ini is not None and bool(config.getini(option.ini))  # pytest parsed it


def _cell(text: str) -> str:
    r"""Text for a Markdown table cell: pipes, asterisks and tag openers escaped.

    >>> print(_cell("a|b <c> 2**63"))
    a\|b &lt;c> 2\*\*63
    """
    return text.replace("|", "\\|").replace("*", "\\*").replace("<", "&lt;")


def _usage(option: Option[object]) -> str:
    """The option as typed with a value placeholder: ``--mt-limit VALUE``."""
    if option.kind == "switch":
        return option.flag
    if option.kind == "optional":
        return f"{option.flag}[={option.metavar}]"
    return f"{option.flag} {option.dest.removeprefix('mt_').upper()}"


def render_reference(options: Sequence[Option[object]], *, source: str) -> str:
    """The Markdown options reference: every flag, its ini key, values, default and help.

    Args:
        options: the records, in ``pytest --help`` order.
        source: the command that writes the reference, named in its header.
    """
    lines = [
        "# Options reference",
        "",
        f"<!-- Generated from the option records by `{source}`: do not edit by hand. -->",
        "",
        "Every option lives in the `multitrust` group of `pytest --help`. An option given "
        "on the command line wins over its ini key (set under `[pytest]` in `pytest.ini`, or "
        "`[tool.pytest.ini_options]` in `pyproject.toml`). A bad value stops pytest with exit "
        "code 4 and a message naming the value and the accepted forms, before any model loads.",
        "",
        "| option | ini key | accepts | default | meaning |",
        "|---|---|---|---|---|",
    ]
    for option in options:
        ini = f"`{option.ini}`" if option.ini is not None else "—"
        meaning = option.help
        if option.kind == "repeated":
            meaning += "" if meaning.endswith("repeatable") else " (repeatable)"
        if option.used_by is not None:
            meaning += f"; used only by {option.used_by.what}"
        lines.append(
            f"| `{_usage(option)}` | {ini} | {_cell(option.accepts)} | "
            f"{_cell(option.default)} | {_cell(meaning)} |"
        )
    return "\n".join(lines) + "\n"
