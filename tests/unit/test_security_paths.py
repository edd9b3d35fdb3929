"""Loading safety (#12): data paths never leave their declared roots.

A custom task's images must lie inside its images folder; the official data's annotation
files name image and annotation paths that must lie inside the data folder; a baseline
name cannot point elsewhere. ``..``, absolute paths and symbolic links out are refused.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from pytest_multitrust.custom.data import read_custom_samples
from pytest_multitrust.errors import DataError
from pytest_multitrust.official.layout import Layout, UnreadableData
from pytest_multitrust.report.baseline import validate_name

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A real image outside every data root."""
    secret = tmp_path / "private" / "secret.png"
    secret.parent.mkdir()
    Image.new("RGB", (4, 4), "red").save(secret)
    return secret


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink", "symlinked-folder"])
def test_custom_task_images_stay_inside_their_folder(
    tmp_path: Path, outside: Path, how: str
) -> None:
    images = tmp_path / "suite" / "images"
    images.mkdir(parents=True)
    Image.new("RGB", (4, 4), "blue").save(images / "ok.png")
    (images / "link.png").symlink_to(outside)
    (images / "sub").symlink_to(outside.parent, target_is_directory=True)
    name = {
        "dotdot": "../../private/secret.png",
        "absolute": str(outside),
        "symlink": "link.png",
        "symlinked-folder": "sub/secret.png",
    }[how]
    data = tmp_path / "suite" / "data.jsonl"
    data.write_text(
        json.dumps({"id": "ok", "prompt": "p", "image": "ok.png"})
        + "\n"
        + json.dumps({"id": "bad", "prompt": "p", "image": name})
        + "\n"
    )
    with pytest.raises(DataError, match=r"data\.jsonl:2: image: ") as caught:
        read_custom_samples(data, images)
    # the schema refuses an absolute name; the loader refuses any name that resolves out
    assert ("is outside" if how != "absolute" else "does not match") in str(caught.value)


@pytest.mark.parametrize("relative", ["../private/secret.png", "{outside}", "link/secret.png"])
def test_official_annotations_cannot_name_files_outside_the_data_folder(
    tmp_path: Path, outside: Path, relative: str
) -> None:
    root = tmp_path / "official"
    (root / "safety").mkdir(parents=True)
    (root / "link").symlink_to(outside.parent, target_is_directory=True)
    (root / "safety" / "ok.json").write_text("[]")
    layout = Layout(root, seed=0, task_id="S.1")
    assert layout.json("safety/ok.json") == []
    target = relative.format(outside=outside)
    with pytest.raises(UnreadableData, match="outside the data folder"):
        layout.image(target)
    with pytest.raises(UnreadableData, match="outside the data folder"):
        layout.text(target)
    assert not layout.images


@pytest.mark.parametrize("name", ["../elsewhere", "/tmp/x", "a/b", "x" * 65, ""])
def test_baseline_names_cannot_be_paths(name: str) -> None:
    with pytest.raises(pytest.UsageError, match="--mt-save: invalid name"):
        validate_name(name)
