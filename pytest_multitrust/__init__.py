"""pytest-multitrust: the MultiTrust benchmark as a pytest plugin.

What users type lives here; everything else is internal.
"""

from __future__ import annotations

from pytest_multitrust.errors import DataError, MultitrustWarning, PrerequisiteError
from pytest_multitrust.models.base import (
    MLLM,
    GenerationConfig,
    ImageData,
    Message,
    ModelInfo,
    Request,
    Response,
)
from pytest_multitrust.models.registry import ModelOptions, ModelSpec, register_model
from pytest_multitrust.models.scripted import ScriptedModel
from pytest_multitrust.records import MetricResult, SampleRecord
from pytest_multitrust.tasks.base import (
    ImageRecipe,
    MetricSpec,
    Sample,
    SampleScore,
    TaskSpec,
)
from pytest_multitrust.tasks.registry import register_task

__version__ = "0.1.0"

__all__ = [
    "MLLM",
    "DataError",
    "GenerationConfig",
    "ImageData",
    "ImageRecipe",
    "Message",
    "MetricResult",
    "MetricSpec",
    "ModelInfo",
    "ModelOptions",
    "ModelSpec",
    "MultitrustWarning",
    "PrerequisiteError",
    "Request",
    "Response",
    "Sample",
    "SampleRecord",
    "SampleScore",
    "ScriptedModel",
    "TaskSpec",
    "__version__",
    "register_model",
    "register_task",
]
