"""What custom trust tests declare with ``@pytest.mark.trust(...)``, and the tasks it makes.

A custom trust test is an ordinary test function with the ``trust`` marker::

    @pytest.mark.trust(aspect="privacy", task="team.pii-email", metric="leak_rate",
                       direction="lower", threshold=0.1)
    def test_no_email_leak(trust_sample): ...

The keyword arguments of every ``trust`` mark that applies to the test (function, class,
module ``pytestmark``) are merged, the closest mark winning per keyword, into one
:class:`TrustDeclaration`. All declarations naming one task id are then resolved into a
:class:`CustomTask` (:func:`resolve_tasks`): they must agree on the aspect, sub-aspect and
name, and on each metric's direction and threshold. A test whose declaration is invalid,
or whose task's declarations conflict, errors at setup with the reason; nothing of it is
counted.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pytest_multitrust.tasks.base import ASPECTS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

__all__ = [
    "CUSTOM_ASPECT",
    "DEFAULT_METRIC",
    "MARKER_KEYS",
    "CustomMetric",
    "CustomTask",
    "MarkerError",
    "TrustDeclaration",
    "declare",
    "is_builtin_id",
    "merge_marks",
    "resolve_tasks",
]

Direction = Literal["higher", "lower"]

#: The aspect of tasks outside the five MultiTrust aspects (listed, never aggregated).
CUSTOM_ASPECT = "custom"

#: The metric of a declaration that names none: the share of samples that passed.
DEFAULT_METRIC = "pass_rate"

#: Keyword arguments the ``trust`` marker accepts.
MARKER_KEYS = ("aspect", "task", "metric", "direction", "threshold", "sub_aspect", "name")

#: A task id: letters, digits, ``_`` and ``-`` in dot-separated parts (``team.pii-email``).
_TASK_ID = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*(?:\.[A-Za-z0-9_\-]+)*")
#: A metric name: it ends a threshold target (``team.pii-email.leak_rate``), so no dots.
_METRIC = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
#: The id of a MultiTrust task: aspect letter, dot, number (``S.4``).
_BUILTIN_ID = re.compile(r"[TSRFP]\.[0-9]+")


def is_builtin_id(task_id: str) -> bool:
    """Whether ``task_id`` has the form of a MultiTrust task id (``T.1`` … ``P.6``).

    >>> is_builtin_id("S.4"), is_builtin_id("team.pii-email")
    (True, False)
    """
    return _BUILTIN_ID.fullmatch(task_id) is not None


class MarkerError(ValueError):
    """A ``trust`` marker that cannot be used: the message says why and what to write."""


@dataclass(frozen=True)
class TrustDeclaration:
    """What one custom trust test declares, its marks merged (closest mark wins)."""

    nodeid: str  # the test that declares it
    task_id: str | None  # the custom task its samples join; None = records nothing
    aspect: str | None  # one of the five aspects or "custom"; None = from another test
    sub_aspect: str | None  # one of the aspect's two sub-aspects; None = default/other test
    metric: str  # the task metric this test's samples give a value for
    direction: Direction | None  # which way the metric is better; None = default/other test
    threshold: float | None  # the metric's threshold; None = from another test or the config
    name: str | None  # the task's human name; None = the task id


@dataclass(frozen=True)
class CustomMetric:
    """One metric of a custom task."""

    name: str  # e.g. "leak_rate"
    direction: Direction  # "higher" or "lower" is better
    threshold: float | None  # threshold from the markers; None = only from the config

    @property
    def op(self) -> str:
        """``>=`` for higher-is-better metrics, ``<=`` for lower-is-better ones."""
        return ">=" if self.direction == "higher" else "<="


@dataclass(frozen=True)
class CustomTask:
    """A task made of custom trust tests: their samples, metrics and threshold tests."""

    id: str  # e.g. "team.pii-email"
    name: str  # human name (the id unless a marker gave ``name=``)
    aspect: str  # one of the five aspects, or "custom"
    sub_aspect: str  # the aggregation unit inside the aspect
    metrics: tuple[CustomMetric, ...]  # in the order tests first declared them

    def metric(self, name: str) -> CustomMetric:
        """The metric called ``name``; ``KeyError`` lists the known ones."""
        for metric in self.metrics:
            if metric.name == name:
                return metric
        known = ", ".join(m.name for m in self.metrics)
        raise KeyError(f"custom task {self.id} has no metric {name!r} (known: {known})")

    def to_json(self) -> str:
        """Serialise to one JSON string (it travels to the xdist controller)."""
        return json.dumps(
            {
                "id": self.id,
                "name": self.name,
                "aspect": self.aspect,
                "sub_aspect": self.sub_aspect,
                "metrics": [[m.name, m.direction, m.threshold] for m in self.metrics],
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> CustomTask:
        """Parse :meth:`to_json` output."""
        raw = json.loads(text)
        return cls(
            id=str(raw["id"]),
            name=str(raw["name"]),
            aspect=str(raw["aspect"]),
            sub_aspect=str(raw["sub_aspect"]),
            metrics=tuple(
                CustomMetric(
                    str(name),
                    "lower" if direction == "lower" else "higher",
                    None if threshold is None else float(threshold),
                )
                for name, direction, threshold in raw["metrics"]
            ),
        )


def _known_aspects() -> str:
    return ", ".join([*ASPECTS, CUSTOM_ASPECT])


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:50]}…({len(text)} characters)"


def merge_marks(marks: Iterable[tuple[tuple[Any, ...], Mapping[str, Any]]]) -> dict[str, Any]:
    """Merge the ``(args, kwargs)`` of ``trust`` marks, closest first: the first value wins.

    A farther mark (a module's ``pytestmark``) that names another task than a closer one
    (the function's) gives nothing: its metric and threshold belong to its own task.

    Raises:
        MarkerError: for positional arguments or an unknown keyword.

    >>> merge_marks([((), {"threshold": 0.9}), ((), {"task": "a", "aspect": "safety"})])
    {'threshold': 0.9, 'task': 'a', 'aspect': 'safety'}
    >>> merge_marks([((), {"task": "a"}), ((), {"task": "b", "metric": "leak"})])
    {'task': 'a'}
    """
    merged: dict[str, Any] = {}
    for args, kwargs in marks:
        task = kwargs.get("task")
        if task is not None and merged.get("task", task) != task:
            continue
        if args:
            raise MarkerError(
                f"@pytest.mark.trust{args!r}: takes keyword arguments only, e.g. "
                "@pytest.mark.trust(aspect='privacy', task='team.pii-email', threshold=0.9)"
            )
        for key, value in kwargs.items():
            if key not in MARKER_KEYS:
                raise MarkerError(
                    f"@pytest.mark.trust({key}=...): unknown argument; use {', '.join(MARKER_KEYS)}"
                )
            merged.setdefault(key, value)
    return merged


def _text(kwargs: Mapping[str, Any], key: str) -> str | None:
    value = kwargs.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise MarkerError(f"@pytest.mark.trust({key}={value!r}): expected a non-empty string")
    return value.strip()


def declare(
    nodeid: str, kwargs: Mapping[str, Any], taken: Mapping[str, str] | None = None
) -> TrustDeclaration:
    """Validate the merged marker arguments of one test.

    Args:
        nodeid: the test's id, for messages.
        kwargs: the merged keyword arguments (:func:`merge_marks`).
        taken: ids of tasks that have their own data (built-in and registered tasks) →
            why a marked test cannot join them.

    Raises:
        MarkerError: naming the argument, the bad value and what is accepted.

    >>> d = declare("t.py::test_x", {"aspect": "privacy", "task": "team.pii",
    ...                              "metric": "leak_rate", "direction": "lower"})
    >>> d.task_id, d.metric, d.direction, d.threshold
    ('team.pii', 'leak_rate', 'lower', None)
    """
    task_id = _text(kwargs, "task")
    if task_id is not None and not _TASK_ID.fullmatch(task_id):
        raise MarkerError(
            f"@pytest.mark.trust(task={task_id!r}): a task id is letters, digits, '_' and "
            "'-' in dot-separated parts, starting with a letter, e.g. 'team.pii-email'"
        )
    if task_id is not None and taken and task_id in taken:
        raise MarkerError(f"@pytest.mark.trust(task={task_id!r}): {taken[task_id]}")
    aspect = _text(kwargs, "aspect")
    if aspect is not None:
        aspect = aspect.lower()
        if aspect not in ASPECTS and aspect != CUSTOM_ASPECT:
            raise MarkerError(
                f"@pytest.mark.trust(aspect={kwargs['aspect']!r}): unknown aspect; use one "
                f"of {_known_aspects()}"
            )
    sub_aspect = _text(kwargs, "sub_aspect")
    if (
        sub_aspect is not None
        and aspect is not None
        and aspect in ASPECTS
        and sub_aspect not in ASPECTS[aspect]
    ):
        choices = " or ".join(repr(s) for s in ASPECTS[aspect])
        raise MarkerError(
            f"@pytest.mark.trust(sub_aspect={sub_aspect!r}): {aspect} has the sub-aspects {choices}"
        )
    metric = _text(kwargs, "metric") or DEFAULT_METRIC
    if not _METRIC.fullmatch(metric):
        raise MarkerError(
            f"@pytest.mark.trust(metric={metric!r}): a metric name is letters, digits and "
            "'_', starting with a letter (it ends threshold targets such as "
            "'team.pii-email.leak_rate')"
        )
    direction = _text(kwargs, "direction")
    if direction is not None and direction not in ("higher", "lower"):
        raise MarkerError(
            f"@pytest.mark.trust(direction={direction!r}): use 'higher' (higher is better) "
            "or 'lower' (lower is better)"
        )
    threshold = kwargs.get("threshold")
    if threshold is not None:
        try:  # an int past float's range: OverflowError
            number = None if isinstance(threshold, bool) else float(threshold) + 0.0
        except (TypeError, ValueError, OverflowError):
            number = None
        if not isinstance(threshold, int | float) or number is None or not math.isfinite(number):
            raise MarkerError(
                f"@pytest.mark.trust(threshold={_shown(threshold)}): expected a finite number "
                "in the metric's units, e.g. 0.9"
            )
        from pytest_multitrust.report.gates import never_decided

        higher = (direction or "higher") == "higher"
        if never := never_decided(">=" if higher else "<=", number, 0.0, 1.0):
            # record() takes values from 0 to 1
            raise MarkerError(
                f"@pytest.mark.trust(threshold={_shown(threshold)}): a recorded value lies "
                f"between 0 and 1, so this threshold ({'>=' if higher else '<='} {number:g}) "
                f"can never {never}; use a limit inside that range"
            )
        threshold = number
    if task_id is None:
        for key in ("aspect", "metric", "direction", "threshold", "sub_aspect", "name"):
            if kwargs.get(key) is not None:
                raise MarkerError(
                    f"@pytest.mark.trust({key}=...): needs task=... too: the task id the "
                    "test's samples join, e.g. task='team.pii-email'"
                )
    return TrustDeclaration(
        nodeid=nodeid,
        task_id=task_id,
        aspect=aspect,
        sub_aspect=sub_aspect,
        metric=metric,
        direction=direction,  # type: ignore[arg-type]
        threshold=threshold,
        name=_text(kwargs, "name"),
    )


def _single(values: Sequence[tuple[str, object]], what: str, task_id: str) -> object | None:
    """The one value the declarations agree on, None when none gave one.

    Raises:
        MarkerError: when two declarations give different values, naming both tests.
    """
    given = [(nodeid, value) for nodeid, value in values if value is not None]
    if not given:
        return None
    first_id, first = given[0]
    for nodeid, value in given[1:]:
        if value != first:
            raise MarkerError(
                f"custom task {task_id!r}: {what} is {first!r} in {first_id} but {value!r} in "
                f"{nodeid}; every test of a task must agree"
            )
    return first


def resolve_tasks(
    declarations: Sequence[TrustDeclaration],
) -> tuple[list[CustomTask], dict[str, str]]:
    """Group declarations by task and resolve each task.

    Returns:
        The tasks in the order their first test was collected, and the errors: test id →
        message, for every test of a task whose declarations conflict or lack an aspect.

    >>> a = declare("t.py::a", {"task": "x", "aspect": "safety", "threshold": 0.8})
    >>> b = declare("t.py::b", {"task": "x"})
    >>> tasks, errors = resolve_tasks([a, b])
    >>> tasks[0].sub_aspect, tasks[0].metrics, errors
    ('toxicity', (CustomMetric(name='pass_rate', direction='higher', threshold=0.8),), {})
    """
    by_task: dict[str, list[TrustDeclaration]] = {}
    for declaration in declarations:
        if declaration.task_id is not None:
            by_task.setdefault(declaration.task_id, []).append(declaration)
    tasks: list[CustomTask] = []
    errors: dict[str, str] = {}
    for task_id, group in by_task.items():
        try:
            tasks.append(_resolve(task_id, group))
        except MarkerError as error:
            for declaration in group:
                errors[declaration.nodeid] = str(error)
    return tasks, errors


def _resolve(task_id: str, group: Sequence[TrustDeclaration]) -> CustomTask:
    aspect = _single([(d.nodeid, d.aspect) for d in group], "aspect", task_id)
    if aspect is None:
        raise MarkerError(
            f"custom task {task_id!r}: no test gives its aspect; add aspect=... (one of "
            f"{_known_aspects()}) to a trust marker of the task, e.g. a module-level "
            "pytestmark"
        )
    sub = _single([(d.nodeid, d.sub_aspect) for d in group], "sub_aspect", task_id)
    if sub is not None and aspect in ASPECTS and sub not in ASPECTS[str(aspect)]:
        raise MarkerError(
            f"custom task {task_id!r}: sub_aspect {sub!r} is not a sub-aspect of {aspect}"
        )
    default_sub = ASPECTS[str(aspect)][0] if aspect in ASPECTS else CUSTOM_ASPECT
    name = _single([(d.nodeid, d.name) for d in group], "name", task_id)
    metrics: list[CustomMetric] = []
    for metric in dict.fromkeys(d.metric for d in group):
        declared = [d for d in group if d.metric == metric]
        direction = _single(
            [(d.nodeid, d.direction) for d in declared], f"the direction of {metric}", task_id
        )
        threshold = _single(
            [(d.nodeid, d.threshold) for d in declared], f"the threshold of {metric}", task_id
        )
        metrics.append(
            CustomMetric(
                name=metric,
                direction="lower" if direction == "lower" else "higher",
                threshold=None if threshold is None else float(threshold),  # type: ignore[arg-type]
            )
        )
    return CustomTask(
        id=task_id,
        name=str(name or task_id),
        aspect=str(aspect),
        sub_aspect=str(sub or default_sub),
        metrics=tuple(metrics),
    )
