"""Hooks that conftest files and plugins implement to extend pytest-multitrust.

"make" hooks are ``firstresult``: the first implementation that returns a value wins,
and the plugin's own default runs last. "update" hooks let every implementation add to
a record before it is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_multitrust.models.base import MLLM
    from pytest_multitrust.models.registry import ModelOptions, ModelSpec
    from pytest_multitrust.records import MetricResult, SampleRecord
    from pytest_multitrust.report.model import TrustReport


@pytest.hookspec(firstresult=True)
def pytest_multitrust_make_model(
    spec: ModelSpec, options: ModelOptions, config: pytest.Config
) -> MLLM | None:
    """Build the model under test for ``spec`` (the parsed ``--mllm`` value).

    Return ``None`` to let the next implementation (finally the built-in registry)
    handle it. Called lazily, in each worker, the first time a trust test needs the model.

    Args:
        spec: the parsed model spec; ``spec.raw`` is what the user typed.
        options: device, dtype, cache directory and seed from the settings.
        config: the pytest config.

    Example:
        In ``conftest.py``, serve ``--mllm=my-model`` from your own code::

            from pytest_multitrust import ScriptedModel

            def pytest_multitrust_make_model(spec, options, config):
                if spec.raw == "my-model":
                    return ScriptedModel.constant("I cannot help with that.", name="my-model")
                return None
    """


@pytest.hookspec(firstresult=True)
def pytest_multitrust_model_names(config: pytest.Config) -> list[str] | None:
    """Names that this plugin's :func:`pytest_multitrust_make_model` accepts.

    They are accepted by ``--mllm`` at parse time and listed in its error message.

    Example:
        ::

            def pytest_multitrust_model_names(config):
                return ["my-model"]
    """


def pytest_multitrust_update_sample_record(
    record: SampleRecord, config: pytest.Config
) -> SampleRecord | None:
    """Return a changed copy of a scored sample record, or ``None`` to keep it.

    Called in the process that scored the sample, before the record is attached to the
    test report. When several implementations return a record, the one registered last
    (the nearest ``conftest.py``) wins.

    Example:
        Tag every record with your model card version::

            import dataclasses

            def pytest_multitrust_update_sample_record(record, config):
                return dataclasses.replace(record, tags=(*record.tags, "card-v3"))
    """


def pytest_multitrust_metric_result(result: MetricResult, config: pytest.Config) -> None:
    """Called on the controller for every task metric once its threshold test reported.

    Example:
        Send metrics to your tracker::

            def pytest_multitrust_metric_result(result, config):
                tracker.log({f"{result.task_id}.{result.metric}": result.value})
    """


def pytest_multitrust_update_report(
    report: TrustReport, config: pytest.Config
) -> TrustReport | None:
    """Return a changed copy of the trust report before it is written, or ``None`` to keep it.

    Called once on the controller at the end of the session, after scores, gates and the
    baseline comparison are computed and before the terminal card, ``report.json``,
    ``report.html``, ``summary.md`` and the saved baseline are written. When several
    implementations return a report, the one registered last (the nearest
    ``conftest.py``) wins. Changing gates here does not change the exit status.

    Example:
        Record your model card version and CI job in the report's ``extra`` field::

            import dataclasses, os

            def pytest_multitrust_update_report(report, config):
                extra = (*report.extra, ("model_card", "v3"),
                         ("ci_job", os.environ.get("GITHUB_RUN_ID", "local")))
                return dataclasses.replace(report, extra=extra)
    """
