"""Custom trust tests in your own suite, and custom tasks with their own data.

Two ways to add your own trust checks, both counted like built-in tasks (threshold
tests, aspect scores and gates, the trust report):

* **Trust tests**: ordinary test functions marked ``@pytest.mark.trust(aspect=...,
  task=..., metric=..., direction=..., threshold=...)`` that ask the model through the
  ``mllm`` or ``trust_sample`` fixture and record a sample with
  :meth:`TrustSample.record`. Each custom task id gets a threshold test of its own,
  ``multitrust/<aspect>/<task>::threshold[<metric>]``, judged after all its samples.
* **Tasks with data**: a :class:`~pytest_multitrust.TaskSpec` registered from your
  root ``conftest.py`` with :func:`jsonl_loader` (a JSONL file and a directory of
  images, validated against a JSON Schema).

Nothing here imports torch, PIL or jsonschema until it is used.
"""

from __future__ import annotations

from pytest_multitrust.custom.data import (
    jsonl_loader,
    load_sample_schema,
    read_custom_samples,
    sample_scorer,
)
from pytest_multitrust.custom.declare import CustomMetric, CustomTask, TrustDeclaration
from pytest_multitrust.custom.record import SessionModel, TrustSample, load_image

__all__ = [
    "CustomMetric",
    "CustomTask",
    "SessionModel",
    "TrustDeclaration",
    "TrustSample",
    "jsonl_loader",
    "load_image",
    "load_sample_schema",
    "read_custom_samples",
    "sample_scorer",
]
