"""The settings checked against the registered tasks: the pytest layer's half of reading options.

:meth:`~pytest_multitrust.settings.Settings.from_config` reads and checks each value on
its own; :func:`checked_settings` then resolves the task selection against the task
registry and checks every threshold and regression limit against the tasks it names.
:func:`warn_unused_options` warns about options no selected task uses, read off the
option records (:attr:`~pytest_multitrust.options.Option.used_by`) and the task specs.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.options import TASK_USES, on_command_line
from pytest_multitrust.settings import COMPARE_FAIL_OPTION, OPTIONS, Settings, Threshold

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping, Sequence

    from pytest_multitrust.options import Option, TaskProperty
    from pytest_multitrust.settings import RegressionLimit
    from pytest_multitrust.tasks.base import TaskSpec

__all__ = ["TASK_OPTIONS", "checked_settings", "unused_options", "uses", "warn_unused_options"]


def checked_settings(config: pytest.Config) -> Settings:
    """The run's settings: read, each value checked, tasks resolved, targets checked.

    Returns:
        A new :class:`Settings` with ``task_ids`` resolved (in paper order).

    Raises:
        pytest.UsageError: for any invalid value, unknown task or threshold target, or a
            threshold no selected task scores, before any model loads.
    """
    from pytest_multitrust.tasks.registry import select_tasks

    settings = Settings.from_config(config)
    selected = select_tasks(settings.tasks)
    task_ids = tuple(t.id for t in selected)
    # a selected registered custom task serves its aspect; @pytest.mark.trust tasks are
    # not known before collection (their aspects are judged at the end, see report.gates)
    served = {t.aspect for t in selected}
    settings = dataclasses.replace(settings, task_ids=task_ids)
    _check_thresholds(settings.thresholds)
    if not settings.thresholds_from_ini:
        _check_selected(settings.thresholds, task_ids, served)
    if on_command_line(config, COMPARE_FAIL_OPTION):
        # a task target ("S.4") reads as the task's score, a task metric as itself
        _check_selected(
            [
                Threshold(
                    f"{lim.target}.score"
                    if re.fullmatch(r"[TSRFP]\.[0-9]+", lim.target)
                    else lim.target,
                    ">=",
                    0.0,
                    lim.source,
                )
                for lim in settings.compare_fail
            ],
            task_ids,
            served,
            "--mt-compare-fail",
        )
    _check_regression_limits(settings.compare_fail, settings.compare)
    _check_mitigation(settings)
    return settings


def _check_mitigation(settings: Settings) -> None:
    """Check ``--mt-mitigation`` names a known mitigation and ``--mt-guard`` has a use."""
    if settings.mitigation is not None:
        from pytest_multitrust.models.mitigations import parse_mitigation

        parse_mitigation(settings.mitigation)
    elif settings.guard is not None:
        from pytest_multitrust.models.redact import redact_spec

        raise pytest.UsageError(
            f"--mt-guard={redact_spec(settings.guard)!r}: a guard is used only by a "
            "mitigation; add "
            "--mt-mitigation=guard"
        )


def _check_regression_limits(limits: Sequence[RegressionLimit], compare: str | None) -> None:
    """Check each ``--mt-compare-fail`` target exists and that a baseline is compared."""
    from pytest_multitrust.tasks.base import ASPECTS
    from pytest_multitrust.tasks.registry import all_tasks

    if limits and compare is None:
        raise pytest.UsageError(
            f"--mt-compare-fail {limits[0].source!r}: needs a baseline; add --mt-compare "
            "(the latest saved run) or --mt-compare=<id>"
        )
    tasks = {t.id: t for t in all_tasks()}
    for limit in limits:
        target = limit.target
        if target in ASPECTS or target == "overall" or target in tasks:
            continue
        task_id, _, metric_name = target.rpartition(".")
        task = tasks.get(task_id)
        if task is None:
            known = ", ".join([*ASPECTS, "overall", *tasks])
            raise pytest.UsageError(
                f"--mt-compare-fail {limit.source!r}: unknown target {target!r}; use an "
                f"aspect, 'overall', a task id or <task>.<metric>, with task one of: {known}"
            )
        try:
            task.metric(metric_name)
        except KeyError as error:
            raise pytest.UsageError(
                f"--mt-compare-fail {limit.source!r}: {error.args[0]}"
            ) from None


def _check_thresholds(thresholds: Sequence[Threshold]) -> None:
    """Check every threshold's target exists and its direction matches the metric."""
    from pytest_multitrust.tasks.base import ASPECTS
    from pytest_multitrust.tasks.registry import all_tasks

    tasks = {t.id: t for t in all_tasks()}
    for threshold in thresholds:
        target = threshold.target
        if threshold.is_crossmodal:
            _check_crossmodal(threshold, tasks)
            continue
        if target in ASPECTS or target == "overall":
            _check_reachable(threshold, f"{target} (a score)", (0.0, 1.0))
            continue
        task_id, _, metric_name = target.rpartition(".")
        task = tasks.get(task_id)
        if task is None and task_id and not re.fullmatch(r"[TSRFP]\.[0-9]+", task_id):
            continue  # a custom task of @pytest.mark.trust tests: checked after collection
        if task is None:
            known = ", ".join([*ASPECTS, "overall", *tasks])
            raise pytest.UsageError(
                f"--mt-threshold {threshold.source!r}: unknown target {target!r}; use an "
                f"aspect, 'overall', <task>.<metric> with task one of: {known}, or "
                "<custom task>.<metric> for a task of @pytest.mark.trust(task=...) tests"
            )
        try:
            metric = task.metric(metric_name)
        except KeyError as error:
            raise pytest.UsageError(
                f"--mt-threshold {threshold.source!r}: {error.args[0]}"
            ) from None
        wants_high = threshold.op in (">=", ">")
        if wants_high != (metric.direction == "higher"):
            better = "higher" if metric.direction == "higher" else "lower"
            raise pytest.UsageError(
                f"--mt-threshold {threshold.source!r}: {task.id}.{metric.name} is "
                f"{better}-is-better, so use {metric.op}"
            )
        _check_reachable(threshold, f"{task.id}.{metric.name}", metric.bounds)


def _has_text_only_variant(task: TaskSpec) -> bool:
    """Whether a task asks some prompts text-only as well as with images (by variant name)."""
    return any(v in ("text", "none") or v.endswith("-text") for v in task.variants)


def _check_crossmodal(threshold: Threshold, tasks: Mapping[str, TaskSpec]) -> None:
    """Check a ``crossmodal.<task>[.<metric>]`` threshold: task, metric, an upper limit."""
    target = threshold.crossmodal_target
    assert target is not None
    task_id, metric_name = target
    where = f"--mt-threshold {threshold.source!r}"
    if threshold.op not in ("<=", "<"):
        raise pytest.UsageError(
            f"{where}: a cross-modal threshold limits how much worse the image makes the "
            "task (the harm, positive is worse), so use <= or <, e.g. 'crossmodal.S.3<=0.05'"
        )
    task = tasks.get(task_id)
    if task is None and not re.fullmatch(r"[TSRFP]\.[0-9]+", task_id):
        return  # a custom task: its comparisons, if any, are found in the records
    if task is None or not _has_text_only_variant(task):
        known = ", ".join(t.id for t in tasks.values() if _has_text_only_variant(t))
        raise pytest.UsageError(
            f"{where}: {task_id!r} has no text-only variant to compare images with; "
            f"use one of: {known}"
        )
    if metric_name is not None:
        scored = [m.name for m in task.metrics if m.in_score]
        if metric_name not in scored:
            raise pytest.UsageError(
                f"{where}: {task.id} compares {', '.join(scored)} across modalities (the "
                f"metrics of its trust score), not {metric_name!r}"
            )
    _check_reachable(threshold, f"the cross-modal harm of {task.id}", (-1.0, 1.0))


def _check_selected(
    thresholds: Sequence[Threshold],
    task_ids: Sequence[str],
    served: Collection[str],
    option: str = "--mt-threshold",
) -> None:
    """A ``--mt-threshold`` on a task or aspect this run does not select is a usage error.

    ``served``: the aspects of the selected tasks (a selected registered custom task
    serves its own). The tasks of ``@pytest.mark.trust`` tests are not known yet (they
    are collected later), so an aspect only they serve is refused here; the same
    threshold in the ini file is judged on their score (the report notes the ones not
    judged instead: ini thresholds may be shared by several selections).

    Raises:
        pytest.UsageError: naming the thresholds and the selection.
    """
    from pytest_multitrust.report.gates import unselected_thresholds

    unused = unselected_thresholds(thresholds, task_ids, served)
    if unused:
        names = ", ".join(repr(t.source or t.target) for t in unused)
        aspects = [
            t.source or t.target for t in unused if t.task_id is None and not t.is_crossmodal
        ]
        marked = ""
        if aspects and option == "--mt-threshold":
            where = (
                f"e.g. -o 'multitrust_thresholds={aspects[0]}'"
                if len(aspects) == 1
                else "one per line in the ini file: " + ", ".join(map(repr, aspects))
            )
            marked = (
                " (the tasks of @pytest.mark.trust tests are collected after this check: to "
                "judge an aspect on their score, set the threshold in multitrust_thresholds, "
                f"{where})"
            )
        raise pytest.UsageError(
            f"{option} {names}: no selected task is scored by it (selected: "
            f"{', '.join(task_ids) or 'none'}); add its task or aspect to --mt-tasks, or "
            f"drop the threshold{marked}"
        )


def _check_reachable(threshold: Threshold, what: str, bounds: tuple[float, float]) -> None:
    """Refuse a threshold that no value in ``bounds`` can miss, or none can meet.

    Raises:
        pytest.UsageError: naming the range (``S.4.rta>=2`` can never pass).
    """
    from pytest_multitrust.report.gates import never_decided

    low, high = bounds
    never = never_decided(threshold.op, threshold.value, low, high)
    if not never:
        return
    raise pytest.UsageError(
        f"--mt-threshold {threshold.source!r}: {what} lies between {low:g} and {high:g}, "
        f"so this gate can never {never}; use a limit inside that range"
    )


def _attacks(task: TaskSpec) -> bool:
    return task.transform_image is not None


def _judges(task: TaskSpec) -> bool:
    from pytest_multitrust.custom.declare import is_builtin_id

    # a registered custom task's scorer gets the judge in its ScoringContext: it may use it
    return task.judge_prompt is not None or not is_builtin_id(task.id)


def _classifies(task: TaskSpec) -> bool:
    from pytest_multitrust.custom.declare import is_builtin_id

    # a registered custom task's scorer gets the toxicity classifier: it may use it
    return any(m.scorer == "classifier" for m in task.metrics) or not is_builtin_id(task.id)


def _reads_official(task: TaskSpec) -> bool:
    from pytest_multitrust.official import readers

    return task.id in readers()


#: How each task property of :class:`~pytest_multitrust.options.TaskUse` is read off a task.
_PROPERTIES: Mapping[TaskProperty, Callable[[TaskSpec], bool]] = {
    "attacks": _attacks,
    "judge": _judges,
    "classifier": _classifies,
    "official": _reads_official,
}

#: Every option that only some tasks use, by task property (attacks, judge, classifier,
#: official data), each in ``--help`` order: the options :func:`unused_options` checks.
TASK_OPTIONS: tuple[Option[object], ...] = tuple(
    option for use in TASK_USES for option in OPTIONS if option.used_by == use
)


def uses(option: Option[object], task: TaskSpec) -> bool:
    """Whether ``task`` uses ``option`` (every task uses an option of no :class:`TaskUse`)."""
    return option.used_by is None or _PROPERTIES[option.used_by.property](task)


def unused_options(
    given: Sequence[str], selected: Sequence[TaskSpec], known: Sequence[TaskSpec]
) -> list[str]:
    """Why each given option goes unused: no selected task uses it.

    Args:
        given: dests of the options given (``mt_judge``); dests not in
            :data:`TASK_OPTIONS` apply to every task and are never unused.
        selected: the tasks this run selects.
        known: every registered task, to name the tasks that would use an option.

    Returns:
        One ``"<flag> (used only by <what>: <task ids>)"`` per unused option, in the
        order of :data:`TASK_OPTIONS`.

    >>> unused_options(["mt_seed"], [], [])
    []
    """
    unused: list[str] = []
    for option in TASK_OPTIONS:
        use = option.used_by
        if use is None or option.dest not in given or any(uses(option, t) for t in selected):
            continue
        users = [t.id for t in known if uses(option, t)]
        what = use.what
        unused.append(
            f"{option.flag} (used only by {what}: {', '.join(users) or 'none registered'})"
        )
    return unused


def warn_unused_options(config: pytest.Config, settings: Settings) -> None:
    """Warn once when an option given on the command line applies to no selected task.

    Options from the ini file may serve several selections and are not warned about.
    """
    from pytest_multitrust.errors import MultitrustWarning
    from pytest_multitrust.tasks.registry import all_tasks

    given = [o.dest for o in TASK_OPTIONS if on_command_line(config, o)]
    if settings.official_data is None and "mt_data" in given:
        given.remove("mt_data")  # --mt-data=builtin: the default, used by every task
    known = all_tasks()
    chosen = set(settings.task_ids)
    unused = unused_options(given, [t for t in known if t.id in chosen], known)
    if unused:
        config.issue_config_time_warning(
            MultitrustWarning(
                f"no selected task uses {'; '.join(unused)} (selected: "
                f"{', '.join(settings.task_ids) or 'none'}): ignored in this run"
            ),
            stacklevel=2,
        )
