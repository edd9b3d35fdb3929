"""Characterisation: the cache keys of responses, images and judge verdicts stay the same.

Existing cache files stay valid only while every key is computed exactly as before, so
these pin the key of one response, one judge verdict and one drawn image, and the data
version each built-in task contributes to its response keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_multitrust.engine.cache import (
    IMAGES,
    ImageCache,
    SQLiteCache,
    response_key,
)
from pytest_multitrust.imaging.registry import code_version
from pytest_multitrust.models.base import (
    GenerationConfig,
    ImageData,
    Message,
    ModelInfo,
    Request,
    Response,
)
from pytest_multitrust.models.judge import JUDGE_NAMESPACE, JudgeClient
from pytest_multitrust.models.keys import cache_key
from pytest_multitrust.scoring.judge import JudgePrompt
from pytest_multitrust.tasks.base import ImageRecipe
from pytest_multitrust.tasks.manifest import load_manifest
from pytest_multitrust.tasks.registry import all_tasks, data_version

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

INFO = ModelInfo(spec="m", backend="hf", name="m", fingerprint="f" * 64, dtype="float32")
REQUEST = Request(
    messages=(Message("user", "Is it red?", images=(ImageData(png=b"\x89PNG-a"),)),),
    task_id="T.1",
    sample_id="s1",
)


def test_response_key_is_pinned() -> None:
    key = response_key(INFO, REQUEST, GenerationConfig(max_new_tokens=32), "1:abc")
    assert key == "a3dd42a477043206542e2da8537ca64cb9660d75533a37bf45e140fbe37f0b49"


def test_data_version_of_every_builtin_task_is_its_manifest_entry() -> None:
    manifest = load_manifest()
    tasks = all_tasks()
    assert len(tasks) >= 32
    for task in tasks:
        if task.loader is not None or not task.data:
            assert data_version(task.id) == "loader", task.id
            continue
        entry = manifest[task.data]
        assert data_version(task.id) == f"{entry.version}:{entry.sha256}", task.id
    assert data_version("") == ""
    assert data_version("no-such-task") == "loader"


class _JudgeModel:
    info = ModelInfo(spec="j", backend="fake", name="j", fingerprint="judge-1")

    def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
        return [Response(text="[Yes]") for _ in requests]


def test_judge_verdict_key_is_pinned(tmp_path: Path) -> None:
    db = SQLiteCache(tmp_path / "c.sqlite3")
    prompt = JudgePrompt("demo", "Is {pred} right? [Yes] or [No]")
    judge = JudgeClient("j", _JudgeModel, cache=db, seed=0)
    [verdict] = judge.ask(prompt, [{"pred": "A"}])
    assert verdict.label is True
    assert prompt.version == "demo@3ca0c348"
    rows = db._connect().execute(  # type: ignore[union-attr]
        "SELECT key, value FROM entries WHERE namespace = ?", (JUDGE_NAMESPACE,)
    )
    assert rows.fetchall() == [
        ("aaec872d0c1fed3ab73b374cfda5cbbbea29afa3f30f839d752bd97aa819de95", "[Yes]")
    ]
    db.close()


def test_image_key_layout_and_cached_kinds(tmp_path: Path) -> None:
    db = SQLiteCache(tmp_path / "c.sqlite3")
    recipe = ImageRecipe.make("shapes", seed=3)
    ImageCache(db).image(recipe, lambda r: ImageData(png=b"png"))
    assert recipe.cache_version == code_version()
    expected = cache_key("image-v1", code_version(), "shapes", recipe.params_json)
    assert db.get(IMAGES, expected) is not None
    for kind in ("file", "my-own"):
        ImageCache(db).image(ImageRecipe.make(kind, n=1), lambda r: ImageData(png=b"png"))
    assert db.count(IMAGES) == 1
    db.close()


class _Fixed:
    """A model whose facts are :data:`INFO`."""

    info = INFO

    def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
        return [Response(text="") for _ in requests]


def test_a_mitigated_model_keys_apart_while_the_unmitigated_key_stays() -> None:
    from pytest_multitrust.models.mitigations import MitigatedModel, SelfReminder

    config = GenerationConfig(max_new_tokens=32)
    mitigated = MitigatedModel(_Fixed(), SelfReminder())
    assert response_key(INFO, REQUEST, config, "1:abc") == (
        "a3dd42a477043206542e2da8537ca64cb9660d75533a37bf45e140fbe37f0b49"
    )
    key = response_key(mitigated.info, REQUEST, config, "1:abc")
    assert key != response_key(INFO, REQUEST, config, "1:abc")
    # pinned: a change of the self-reminder's prompts must change it on purpose
    assert key == "9e8379fc59728fd5435041bb98fb787dd428c1cc9b2865c1c79feaca3bbcac9e"
