"""Loading safety (#12): model code and pickles run only when the user says so.

Each test plants a file that writes a marker when it is executed, then checks that the
default refuses (or ignores) it, and that the explicit switch is what lets it run.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.errors import PrerequisiteError
from pytest_multitrust.models.registry import ModelOptions

if TYPE_CHECKING:
    from pathlib import Path


class _RunsCode:
    """Unpickles as a call to ``exec``: what a hostile checkpoint does."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, (f"open({str(self.marker)!r}, 'w').write('ran')",))


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def test_hf_model_code_runs_only_with_trust_remote_code(
    tmp_path: Path, tiny_llava_path: Path
) -> None:
    from pytest_multitrust.models.hf import HFModel

    model_dir = _copy(tiny_llava_path, tmp_path / "with-code")
    marker = tmp_path / "model-code-ran"
    (model_dir / "evil_modeling.py").write_text(
        "from pathlib import Path\n"
        f"Path({str(marker)!r}).write_text('ran')\n"
        "from transformers import LlavaForConditionalGeneration\n\n\n"
        "class EvilModel(LlavaForConditionalGeneration):\n    pass\n"
    )
    config = json.loads((model_dir / "config.json").read_text())
    config["auto_map"] = {"AutoModelForImageTextToText": "evil_modeling.EvilModel"}
    (model_dir / "config.json").write_text(json.dumps(config))

    model = HFModel.load(str(model_dir), options=ModelOptions(device="cpu"), spec="hf:x")
    assert model.info.backend == "hf"  # the built-in LLaVA class, not the repository's
    assert not marker.exists()

    trusting = ModelOptions(device="cpu", trust_remote_code=True)
    with contextlib.suppress(PrerequisiteError):  # whether it loads is not the point
        HFModel.load(str(model_dir), options=trusting, spec="hf:x")
    assert marker.read_text() == "ran"


def test_pickle_weights_beside_safetensors_are_never_unpickled(
    tmp_path: Path, tiny_llava_path: Path
) -> None:
    import torch

    from pytest_multitrust.models.hf import HFModel, prepare_hf

    model_dir = _copy(tiny_llava_path, tmp_path / "with-pickle")
    marker = tmp_path / "pickle-ran"
    torch.save({"weight": _RunsCode(marker)}, model_dir / "pytorch_model.bin")
    prepare_hf(str(model_dir), ModelOptions())
    model = HFModel.load(str(model_dir), options=ModelOptions(device="cpu"), spec="hf:x")
    assert model.info.backend == "hf"
    assert not marker.exists()  # transformers read the safetensors only


@pytest.fixture
def hostile_detoxify(tmp_path: Path, tiny_detoxify: Path) -> tuple[Path, Path]:
    """The tiny detoxify folder with a checkpoint that also runs code when unpickled."""
    import torch

    folder = _copy(tiny_detoxify, tmp_path / "detoxify")
    [checkpoint] = folder.glob("*.ckpt")
    marker = tmp_path / "checkpoint-ran"
    payload = torch.load(checkpoint, map_location="cpu", weights_only=True)
    payload["note"] = _RunsCode(marker)
    torch.save(payload, checkpoint)
    return folder, marker


def test_a_toxicity_checkpoint_that_runs_code_is_refused_unless_allowed(
    hostile_detoxify: tuple[Path, Path],
) -> None:
    from pytest_multitrust.loading import PickleRefused
    from pytest_multitrust.scoring.toxicity import DetoxifyScorer

    folder, marker = hostile_detoxify
    with pytest.raises(PickleRefused, match=r"refused: it is a pickle .* --mt-allow-pickle"):
        DetoxifyScorer(checkpoint=folder).score(["hello"])
    assert not marker.exists()

    [score] = DetoxifyScorer(checkpoint=folder, allow_pickle=True).score(["hello"])
    assert 0.0 <= score < 0.1
    assert marker.read_text() == "ran"  # the switch is what let it run


def test_a_plain_checkpoint_loads_without_the_switch(tiny_detoxify: Path) -> None:
    from pytest_multitrust.scoring.toxicity import DetoxifyScorer

    [score] = DetoxifyScorer(checkpoint=tiny_detoxify).score(["you idiot, you stupid moron"])
    assert score > 0.5
