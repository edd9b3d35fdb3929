"""Fixtures for the model backend tests: one tiny LLaVA built and loaded per session."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

# The root conftest does this too; repeated here so this folder is safe on its own.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from pytest_multitrust.models.base import ImageData
    from pytest_multitrust.models.hf import HFModel


@pytest.fixture(scope="session")
def tiny_llava_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny LLaVA, built once per session in a temporary cache directory."""
    from pytest_multitrust.models.tiny import ensure_tiny_llava

    return ensure_tiny_llava(tmp_path_factory.mktemp("models"), seed=0)


@pytest.fixture(scope="session")
def tiny_model(tiny_llava_path: Path) -> HFModel:
    """The tiny LLaVA loaded through the hf backend on the CPU in float32."""
    from pytest_multitrust.models.hf import HFModel
    from pytest_multitrust.models.registry import ModelOptions

    options = ModelOptions(device="cpu", dtype="float32")
    return HFModel.load(str(tiny_llava_path), options=options, spec="tiny-llava")


@pytest.fixture(scope="session")
def make_image() -> Callable[[int], ImageData]:
    """Draw a small test image whose content (colours, shape position) depends on ``index``."""
    from PIL import Image, ImageDraw

    from pytest_multitrust.models.base import ImageData

    def draw(index: int) -> ImageData:
        image = Image.new("RGB", (48, 40), (40 * index % 256, 120, 200))
        canvas = ImageDraw.Draw(image)
        offset = 4 * index
        canvas.ellipse((offset, 4, offset + 20, 24), fill=(255, 60 * index % 256, 0))
        canvas.rectangle((28, 20 + index, 44, 36), fill=(0, 0, 255 - 30 * index))
        return ImageData.from_pil(image)

    return draw
