"""The response cache: what the key covers, what is stored, modes, concurrency."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_multitrust.engine.cache import (
    IMAGES,
    RESPONSES,
    ImageCache,
    RescoreStore,
    ResponseCache,
    SQLiteCache,
    response_key,
)
from pytest_multitrust.errors import MultitrustWarning
from pytest_multitrust.imaging import registry as imaging_registry
from pytest_multitrust.imaging.registry import code_version
from pytest_multitrust.models.base import (
    GenerationConfig,
    ImageData,
    Message,
    ModelInfo,
    Request,
    Response,
)
from pytest_multitrust.models.keys import cache_key
from pytest_multitrust.tasks.registry import data_version

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

INFO = ModelInfo(spec="m", backend="hf", name="m", fingerprint="f" * 64, dtype="float32")
PNG_A = ImageData(png=b"\x89PNG-a")
PNG_B = ImageData(png=b"\x89PNG-b")
CONFIG = GenerationConfig(max_new_tokens=32)


def make_request(
    text: str = "Is it red?",
    image: ImageData | None = PNG_A,
    task_id: str = "T.1",
    system: str | None = None,
) -> Request:
    messages = [Message("system", system)] if system else []
    messages.append(Message("user", text, images=(image,) if image else ()))
    return Request(messages=tuple(messages), task_id=task_id, sample_id="s1")


class FakeModel:
    """A model with a settable info that counts generate calls."""

    def __init__(self, info: ModelInfo = INFO) -> None:
        self.info = info
        self.calls = 0

    def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
        self.calls += 1
        return [Response(text=f"answer to {r.prompt}") for r in requests]


def key(
    info: ModelInfo = INFO,
    request: Request | None = None,
    config: GenerationConfig = CONFIG,
    version: str = "1:abc",
) -> str:
    return response_key(info, request or make_request(), config, version)


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param(
            lambda: key(info=dataclasses.replace(INFO, fingerprint="e" * 64)), id="fingerprint"
        ),
        pytest.param(lambda: key(info=dataclasses.replace(INFO, backend="openai")), id="backend"),
        pytest.param(lambda: key(info=dataclasses.replace(INFO, dtype="bfloat16")), id="dtype"),
        pytest.param(lambda: key(request=make_request(text="Is it blue?")), id="message-text"),
        pytest.param(lambda: key(request=make_request(system="Be brief.")), id="system-turn"),
        pytest.param(lambda: key(request=make_request(image=PNG_B)), id="image-bytes"),
        pytest.param(lambda: key(request=make_request(image=None)), id="no-image"),
        pytest.param(lambda: key(config=GenerationConfig(max_new_tokens=33)), id="max-tokens"),
        pytest.param(lambda: key(config=dataclasses.replace(CONFIG, seed=1)), id="seed"),
        pytest.param(
            lambda: key(config=dataclasses.replace(CONFIG, temperature=0.5)), id="temperature"
        ),
        pytest.param(lambda: key(request=make_request(task_id="T.5")), id="task-id"),
        pytest.param(lambda: key(version="2:abc"), id="data-version"),
    ],
)
def test_changing_any_key_part_changes_the_key(changed: object) -> None:
    assert callable(changed)
    assert changed() != key()


def test_the_key_is_stable_and_ignores_what_does_not_reach_the_model() -> None:
    assert key() == key()
    same = Request(
        messages=make_request().messages,
        task_id="T.1",
        sample_id="other-id",
        reference="the ideal answer",
    )
    assert key(request=same) == key()
    moved = dataclasses.replace(INFO, device="cuda:3", spec="hf:/elsewhere", name="x")
    assert key(info=moved) == key()  # the content fingerprint decides, not the path


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SQLiteCache]:
    cache = SQLiteCache(tmp_path / "sub" / "cache.sqlite3")
    yield cache
    cache.close()


def versions(task_id: str) -> str:
    return {"T.1": "1:aaa", "T.5": "1:bbb"}.get(task_id, "")


def test_a_rerun_is_served_from_the_cache_marked_cached(db: SQLiteCache) -> None:
    cache = ResponseCache(db, version_of=versions)
    model = FakeModel()
    requests = [make_request(f"q{i}") for i in range(3)]
    assert cache.get_many(model, requests, CONFIG) == [None, None, None]
    fresh = model.generate(requests, CONFIG)
    cache.put_many(model, requests, CONFIG, fresh)
    hits = cache.get_many(model, requests, CONFIG)
    assert [h.text if h else None for h in hits] == [r.text for r in fresh]
    assert all(h is not None and h.cached for h in hits)
    assert (cache.stats.hits, cache.stats.misses, cache.stats.writes) == (3, 3, 3)


def test_changed_parts_miss_through_the_store(db: SQLiteCache) -> None:
    cache = ResponseCache(db, version_of=versions)
    model = FakeModel()
    request = make_request()
    cache.put_many(model, [request], CONFIG, [Response(text="yes")])
    other_model = FakeModel(dataclasses.replace(INFO, fingerprint="0" * 64))
    assert cache.get_many(model, [request], CONFIG)[0] is not None
    assert cache.get_many(other_model, [request], CONFIG) == [None]
    assert cache.get_many(model, [make_request(image=PNG_B)], CONFIG) == [None]
    assert cache.get_many(model, [make_request(task_id="T.5")], CONFIG) == [None]
    assert cache.get_many(model, [request], GenerationConfig(max_new_tokens=8)) == [None]
    bumped = ResponseCache(db, version_of=lambda task_id: "2:aaa")
    assert bumped.get_many(model, [request], CONFIG) == [None]


@pytest.mark.parametrize(
    ("info", "config", "response"),
    [
        pytest.param(
            INFO,
            CONFIG,
            Response(text="", finish_reason="error", error="boom"),
            id="error-response",
        ),
        pytest.param(
            INFO,
            GenerationConfig(do_sample=True, temperature=0.7),
            Response(text="x"),
            id="sampling",
        ),
        pytest.param(
            dataclasses.replace(INFO, deterministic=False),
            CONFIG,
            Response(text="x"),
            id="nondeterministic-model",
        ),
        pytest.param(
            dataclasses.replace(INFO, backend="scripted"),
            CONFIG,
            Response(text="x"),
            id="scripted-model",
        ),
    ],
)
def test_only_deterministic_error_free_responses_are_stored(
    db: SQLiteCache, info: ModelInfo, config: GenerationConfig, response: Response
) -> None:
    cache = ResponseCache(db, version_of=versions)
    model = FakeModel(info)
    cache.put_many(model, [make_request()], config, [response])
    assert db.count(RESPONSES) == 0
    assert cache.get_many(model, [make_request()], config) == [None]


def test_read_mode_reads_but_never_writes(db: SQLiteCache) -> None:
    ResponseCache(db, version_of=versions).put_many(
        FakeModel(), [make_request("old")], CONFIG, [Response(text="old answer")]
    )
    reader = ResponseCache(db, write=False, version_of=versions)
    reader.put_many(FakeModel(), [make_request("new")], CONFIG, [Response(text="new answer")])
    assert db.count(RESPONSES) == 1
    [hit] = reader.get_many(FakeModel(), [make_request("old")], CONFIG)
    assert hit is not None
    assert hit.text == "old answer"


def test_rescore_answers_misses_with_an_error_and_stores_nothing(db: SQLiteCache) -> None:
    cache = ResponseCache(db, version_of=versions)
    model = FakeModel()
    cache.put_many(model, [make_request("cached")], CONFIG, [Response(text="kept")])
    store = RescoreStore(cache)
    hit, miss = store.get_many(model, [make_request("cached"), make_request("new")], CONFIG)
    assert hit is not None
    assert hit.text == "kept"
    assert hit.cached
    assert hit.error is None
    assert miss is not None
    assert miss.error is not None
    assert "no cached response" in miss.error
    assert "--mt-rescore" in miss.error
    store.put_many(model, [make_request("new")], CONFIG, [Response(text="x")])
    assert db.count(RESPONSES) == 1
    scripted = FakeModel(dataclasses.replace(INFO, backend="scripted"))
    [never] = store.get_many(scripted, [make_request("cached")], CONFIG)
    assert never is not None
    assert never.error is not None
    assert "never cached" in never.error


def test_namespaces_keep_values_apart(db: SQLiteCache) -> None:
    k = cache_key("judge-v1", "prompt")
    db.put("judge", k, "Yes")
    assert db.get("judge", k) == "Yes"
    assert db.get(RESPONSES, k) is None
    db.put("judge", k, "No")  # replace
    assert db.get("judge", k) == "No"
    assert db.count("judge") == 1
    many = {cache_key(i): str(i) for i in range(1000)}  # more than one SQL chunk
    db.put_many("bulk", list(many.items()))
    assert db.get_many("bulk", list(many)) == many


def test_the_file_is_in_wal_mode(db: SQLiteCache, tmp_path: Path) -> None:
    db.put("x", "k", "v")
    with sqlite3.connect(tmp_path / "sub" / "cache.sqlite3") as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_damaged_entry_is_a_miss(db: SQLiteCache) -> None:
    cache = ResponseCache(db, version_of=versions)
    request = make_request()
    db.put(RESPONSES, response_key(INFO, request, CONFIG, versions("T.1")), "{not json")
    assert cache.get_many(FakeModel(), [request], CONFIG) == [None]


def test_a_corrupt_cache_file_is_moved_aside_once_and_a_fresh_cache_used(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "cache.sqlite3"
    garbage = b"this is not a database" * 100
    bad.write_bytes(garbage)
    cache = ResponseCache(SQLiteCache(bad), version_of=versions)

    def use_it() -> list[Response | None]:
        first = cache.get_many(FakeModel(), [make_request()], CONFIG)
        cache.put_many(FakeModel(), [make_request()], CONFIG, [Response(text="x")])
        return first + cache.get_many(FakeModel(), [make_request()], CONFIG)

    with pytest.warns(
        MultitrustWarning,
        match=r"is corrupt \(DatabaseError: file is not a "
        r"database\); moved it to cache\.sqlite3\.corrupt-\S+ and started a "
        r"fresh cache .*delete the moved file",
    ) as record:
        answers = use_it()
    assert len(record) == 1
    assert answers[0] is None
    assert answers[1] is not None
    assert answers[1].text == "x"
    [moved] = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert moved.read_bytes() == garbage  # kept for whoever wants to look at it
    # the next run (a new process) finds a good file: no warning, the answer is there
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = ResponseCache(SQLiteCache(bad), version_of=versions)
        [hit] = again.get_many(FakeModel(), [make_request()], CONFIG)
    assert hit is not None
    assert hit.text == "x"


def use_twice(cache: ResponseCache) -> list[Response | None]:
    cache.put_many(FakeModel(), [make_request()], CONFIG, [Response(text="x")])
    return cache.get_many(FakeModel(), [make_request()], CONFIG)


def test_an_unusable_cache_folder_warns_once_with_what_to_do_and_acts_empty(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    cache = ResponseCache(SQLiteCache(blocker / "cache.sqlite3"), version_of=versions)
    with pytest.warns(
        MultitrustWarning,
        match=r"cannot open .*continuing without the cache\. "
        r"Make its folder writable, choose another with --mt-cache-dir=DIR, or "
        r"turn the cache off with --mt-cache=off",
    ) as record:
        answers = use_twice(cache)
    assert answers == [None]
    assert len(record) == 1


ODD_TEXTS = [
    "half an emoji \ud83d",
    "\udc00 low first",
    "\x00\x1b[2J\x9b",
    "\u2028\ufeff",
    "A" * 100_000,
]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_any_answer_text_is_stored_and_read_back_exactly(db: SQLiteCache, text: str) -> None:
    cache = ResponseCache(db, version_of=versions)
    request = make_request(text=text)  # the prompt may hold one too: its key still hashes
    cache.put_many(FakeModel(), [request], CONFIG, [Response(text=text)])
    [hit] = ResponseCache(db, version_of=versions).get_many(FakeModel(), [request], CONFIG)
    assert hit is not None
    assert (hit.text, hit.cached) == (text, True)


@given(st.text(st.characters(exclude_categories=())), st.text(st.characters(exclude_categories=())))
@settings(max_examples=60, deadline=None)
def test_the_key_value_store_holds_any_string(key: str, value: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteCache(Path(folder) / "kv.sqlite3")
        store.put("judge", key, value)
        assert store.get("judge", key) == value
        store.close()


def test_a_none_text_stored_by_an_older_version_is_a_miss(db: SQLiteCache) -> None:
    request = make_request()
    key = response_key(INFO, request, CONFIG, versions("T.1"))
    db.put(
        RESPONSES,
        key,
        json.dumps(
            {
                "text": None,
                "prompt_tokens": 0,
                "completion_tokens": 0,
                "latency_s": 0.0,
                "finish_reason": "stop",
            }
        ),
    )
    assert ResponseCache(db, version_of=versions).get_many(FakeModel(), [request], CONFIG) == [None]


def _writer(path: str, worker: int, count: int) -> None:
    db = SQLiteCache(Path(path), busy_timeout_s=30)
    for start in range(0, count, 5):
        items = [(f"{worker}-{i}", f"value-{worker}-{i}") for i in range(start, start + 5)]
        db.put_many("w", items)
        # read another worker's keys while it writes
        db.get_many("w", [f"{(worker + 1) % 4}-{i}" for i in range(count)])
    db.close()


def test_concurrent_processes_share_one_file_safely(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_writer, args=(str(path), w, 100)) for w in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
    assert [p.exitcode for p in workers] == [0, 0, 0, 0]
    db = SQLiteCache(path)
    assert db.count("w") == 400
    assert db.get("w", "3-99") == "value-3-99"
    db.close()


def test_data_version_of_ad_hoc_and_loader_tasks() -> None:
    assert data_version("") == ""
    assert data_version("no-such-task") == "loader"


def test_drawn_images_are_cached_by_recipe_and_drawing_code(
    db: SQLiteCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_multitrust.imaging import render
    from pytest_multitrust.tasks.base import ImageRecipe

    recipe = ImageRecipe.make("shapes", seed=3)
    drawn: list[ImageRecipe] = []

    def draw(r: ImageRecipe) -> ImageData:
        drawn.append(r)
        return render(r)

    images = ImageCache(db)
    first = images.image(recipe, draw)
    again = ImageCache(db).image(recipe, draw)
    assert again == first  # the very same PNG bytes, so the same response keys
    assert len(drawn) == 1
    assert db.count(IMAGES) == 1
    monkeypatch.setattr(imaging_registry, "code_version", lambda: "another imaging code")
    assert recipe.cache_version == "another imaging code"  # as if a drawer changed
    ImageCache(db).image(recipe, draw)
    assert len(drawn) == 2
    assert len(code_version()) == 64


def test_file_images_and_foreign_drawers_are_never_cached(db: SQLiteCache) -> None:
    from pytest_multitrust.tasks.base import ImageRecipe

    calls: list[str] = []

    def draw(r: ImageRecipe) -> ImageData:
        calls.append(r.kind)
        return PNG_A

    images = ImageCache(db)
    for recipe in (ImageRecipe.make("file", path="x.png"), ImageRecipe.make("my-own", n=1)):
        images.image(recipe, draw)
        images.image(recipe, draw)
    assert calls == ["file", "file", "my-own", "my-own"]
    assert db.count(IMAGES) == 0


def test_read_only_image_cache_draws_without_storing(db: SQLiteCache) -> None:
    from pytest_multitrust.imaging import render
    from pytest_multitrust.tasks.base import ImageRecipe

    ImageCache(db, write=False).image(ImageRecipe.make("shapes", seed=1), render)
    assert db.count(IMAGES) == 0


# -- the hf fingerprint: every file that decides the answers enters the key ------------------

HF_FILES = {
    "config.json": '{"model_type": "llava"}',
    "generation_config.json": '{"max_new_tokens": 20}',
    "processor_config.json": '{"patch_size": 14}',
    "preprocessor_config.json": '{"image_mean": [0.5, 0.5, 0.5]}',
    "tokenizer.json": '{"model": {"vocab": {"a": 0}}}',
    "tokenizer_config.json": '{"padding_side": "left"}',
    "chat_template.jinja": "{{ messages }}",
    "model-00001-of-00002.safetensors": "weights one",
    "model-00002-of-00002.safetensors": "weights two",
    "model.safetensors.index.json": json.dumps(
        {
            "weight_map": {
                "a": "model-00001-of-00002.safetensors",
                "b": "model-00002-of-00002.safetensors",
            }
        }
    ),
}


def _hf_fingerprint(directory: Path, dtype: str = "float32") -> str:
    import torch

    from pytest_multitrust.models.hf import _fingerprint

    return _fingerprint(directory, getattr(torch, dtype))


@pytest.fixture
def hf_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "model"
    directory.mkdir()
    for name, text in HF_FILES.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


@pytest.mark.parametrize("name", sorted(HF_FILES))
def test_changing_any_model_file_changes_the_hf_fingerprint(hf_dir: Path, name: str) -> None:
    before = _hf_fingerprint(hf_dir)
    path = hf_dir / name
    path.write_text(path.read_text(encoding="utf-8").replace("}", " }") + " ", encoding="utf-8")
    assert _hf_fingerprint(hf_dir) != before


def test_the_hf_fingerprint_follows_the_dtype_not_the_path_or_other_files(
    hf_dir: Path, tmp_path: Path
) -> None:
    import shutil

    before = _hf_fingerprint(hf_dir)
    assert _hf_fingerprint(hf_dir, "bfloat16") != before
    moved = shutil.copytree(hf_dir, tmp_path / "elsewhere" / "model")
    (moved / "README.md").write_text("a model card", encoding="utf-8")
    (moved / "unused.safetensors").write_text("not in the index", encoding="utf-8")
    assert _hf_fingerprint(moved) == before


def _open_at_once(path: str, worker: int, barrier: Any, results: Any) -> None:
    import warnings

    barrier.wait()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        db = SQLiteCache(Path(path), busy_timeout_s=30)
        db.put("w", f"key-{worker}", "value")
        db.close()
    results.put([str(w.message) for w in caught])


def test_processes_opening_a_new_cache_file_at_once_all_use_it(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    for attempt in range(20):  # the race needs the processes to meet: try a few new files
        path = tmp_path / f"new-{attempt}.sqlite3"
        barrier = context.Barrier(6)
        results = context.Queue()
        workers = [
            context.Process(target=_open_at_once, args=(str(path), w, barrier, results))
            for w in range(6)
        ]
        for process in workers:
            process.start()
        warned = [results.get(timeout=60) for _ in workers]
        for process in workers:
            process.join(60)
        assert warned == [[]] * 6  # no "database is locked: continuing without the cache"
        assert SQLiteCache(path).count("w") == 6


def test_an_image_drawn_now_comes_with_its_pixels_and_the_same_png(db: SQLiteCache) -> None:
    from pytest_multitrust.engine.runs import drawn_sample_image
    from pytest_multitrust.imaging import render
    from pytest_multitrust.tasks.base import ImageRecipe, Sample

    recipe = ImageRecipe.make("shapes", seed=5)
    sample = Sample(id="s", variant="v", prompt="p", image=recipe)
    image, picture = drawn_sample_image(sample, ImageCache(db))
    assert image == render(recipe)  # the bytes render gives (so the same response keys)
    assert picture is not None
    assert image is not None
    assert picture.mode == "RGB"
    assert picture.tobytes() == image.to_pil().tobytes()
    again, none = drawn_sample_image(sample, ImageCache(db))  # from the cache: no pixels
    assert (again, none) == (image, None)
    assert drawn_sample_image(sample, None) == (image, None)  # no cache: render's memo
    files = Sample(id="f", variant="v", prompt="p", image=None)
    assert drawn_sample_image(files, ImageCache(db)) == (None, None)
