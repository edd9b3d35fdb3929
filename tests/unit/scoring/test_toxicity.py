"""detoxify toxicity scoring, offline, with the tiny checkpoint of ``tests/mt_detoxify.py``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.errors import PrerequisiteError
from pytest_multitrust.scoring.toxicity import (
    DOWNLOAD_TIMEOUT_S,
    DetoxifyScorer,
    ToxicityUnavailable,
    downloads_disabled,
    locate_checkpoint,
)

if TYPE_CHECKING:
    from pathlib import Path

NEUTRAL = "The picture shows a quiet park with trees and a blue sky."
REFUSAL = "I'm sorry, but I cannot help with that request."
TOXIC = "You stupid idiot, you pathetic loser, I hate you."


@pytest.fixture(scope="module")
def scorer(tiny_detoxify: Path) -> DetoxifyScorer:
    return DetoxifyScorer(checkpoint=tiny_detoxify)


def test_toxic_text_scores_above_neutral_text_offline(scorer: DetoxifyScorer) -> None:
    neutral, refusal, toxic = scorer.score([NEUTRAL, REFUSAL, TOXIC])
    assert toxic > 0.5 > 0.05 > max(neutral, refusal)
    assert neutral == pytest.approx(0.018, abs=0.001)  # sigmoid(-4): no toxic word at all


def test_toxicity_rises_with_the_share_of_toxic_words(scorer: DetoxifyScorer) -> None:
    texts = [
        "the weather is fine today and the sky is clear",
        "the weather is fine today and you are a loser",
        "the weather is stupid today and you are a loser",
        "stupid weather, stupid day, you pathetic loser",
    ]
    values = scorer.score(texts)
    assert values == sorted(values)
    assert len(set(values)) == 4


def test_predict_returns_the_six_labels_and_score_takes_their_maximum(
    scorer: DetoxifyScorer,
) -> None:
    [labels] = scorer.predict([TOXIC])
    assert sorted(labels) == sorted(
        ["toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"]
    )
    assert scorer.score([TOXIC]) == [max(labels.values())]
    assert labels["toxicity"] == max(labels.values())  # the tiny model's biggest weight


def test_batches_give_the_same_scores_as_one_pass(tiny_detoxify: Path) -> None:
    texts = [NEUTRAL, TOXIC, REFUSAL, "", "dumb " * 300]  # empty and over-long texts too
    whole = DetoxifyScorer(checkpoint=tiny_detoxify, batch_size=64).score(texts)
    pairs = DetoxifyScorer(checkpoint=tiny_detoxify, batch_size=2).score(texts)
    assert pairs == pytest.approx(whole, abs=1e-6)
    assert whole[4] > 0.9  # truncated at 512 tokens, not crashed


def test_scorer_name_says_which_checkpoint(tiny_detoxify: Path) -> None:
    assert DetoxifyScorer().name == "classifier:detoxify-original"
    named = DetoxifyScorer(checkpoint=tiny_detoxify / "tiny-detoxify.ckpt").name
    assert named == "classifier:detoxify[tiny-detoxify.ckpt]"


def test_checkpoint_file_alone_loads_when_its_config_names_a_local_folder(
    tiny_detoxify: Path, tmp_path: Path
) -> None:
    lone = tmp_path / "elsewhere.ckpt"
    lone.write_bytes((tiny_detoxify / "tiny-detoxify.ckpt").read_bytes())
    assert locate_checkpoint(lone).config_dir is None
    [toxic] = DetoxifyScorer(checkpoint=lone).score([TOXIC])
    assert toxic > 0.5


def test_locate_checkpoint_in_a_folder(tiny_detoxify: Path, tmp_path: Path) -> None:
    where = locate_checkpoint(tiny_detoxify)
    assert where.checkpoint == tiny_detoxify / "tiny-detoxify.ckpt"
    assert where.config_dir == tiny_detoxify
    with pytest.raises(PrerequisiteError, match="holds no checkpoint files"):
        locate_checkpoint(tmp_path)
    (tmp_path / "a.ckpt").write_bytes(b"x")
    (tmp_path / "b.pt").write_bytes(b"x")
    with pytest.raises(PrerequisiteError, match=r"holds 2 checkpoint files.* a\.ckpt b\.pt"):
        locate_checkpoint(tmp_path)
    with pytest.raises(PrerequisiteError, match="does not exist"):
        locate_checkpoint(tmp_path / "missing.ckpt")


def test_offline_without_checkpoint_is_a_fast_prerequisite_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    scorer = DetoxifyScorer()
    started = time.perf_counter()
    with pytest.raises(PrerequisiteError) as caught:
        scorer.score(["hello"])
    assert time.perf_counter() - started < 5
    message = str(caught.value)
    expected = tmp_path / "torch" / "hub" / "checkpoints" / "toxic_original-c1212f89.ckpt"
    assert str(expected) in message
    assert "--mt-toxicity-checkpoint" in message
    assert "toxic_original-c1212f89.ckpt" in message
    assert "HF_HUB_OFFLINE" in message
    assert isinstance(caught.value, ToxicityUnavailable)  # with the fix in one line
    assert caught.value.remedy == (
        f"put toxic_original-c1212f89.ckpt in {expected.parent}/ (or run once online), "
        "or pass --mt-toxicity-checkpoint PATH"
    )
    with pytest.raises(PrerequisiteError) as again:  # remembered, not retried
        scorer.score(["hello"])
    assert again.value is caught.value
    assert not scorer.loaded


def test_a_checkpoint_in_torch_hub_cache_is_used_without_download(
    tiny_detoxify: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkpoints = tmp_path / "torch" / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    (checkpoints / "toxic_original-c1212f89.ckpt").write_bytes(
        (tiny_detoxify / "tiny-detoxify.ckpt").read_bytes()
    )
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    neutral, toxic = DetoxifyScorer().score([NEUTRAL, TOXIC])
    assert toxic > 0.5 > neutral


def test_a_file_that_is_not_a_detoxify_checkpoint_is_explained(tmp_path: Path) -> None:
    import torch

    bad = tmp_path / "bad.ckpt"
    torch.save({"weights": [1, 2, 3]}, bad)
    with pytest.raises(
        ToxicityUnavailable, match=r"could not load toxicity checkpoint .*'config'"
    ) as caught:
        DetoxifyScorer(checkpoint=bad).load()
    assert caught.value.remedy.startswith(f"check the checkpoint --mt-toxicity-checkpoint {bad} ")


def test_downloads_disabled_reads_the_hub_switches() -> None:
    assert downloads_disabled({"HF_HUB_OFFLINE": "1"})
    assert downloads_disabled({"TRANSFORMERS_OFFLINE": "true"})
    assert not downloads_disabled({"HF_HUB_OFFLINE": "0"})
    assert not downloads_disabled({})


def test_import_and_the_offline_failure_do_not_import_torch(tmp_path: Path) -> None:
    code = (
        "import sys, pytest_multitrust.scoring.toxicity as t\n"
        "scorer = t.DetoxifyScorer()\n"
        "try:\n    scorer.load()\nexcept t.PrerequisiteError:\n    print('refused')\n"
        "print('torch' in sys.modules, 'detoxify' in sys.modules)\n"
        "ours = t.torch_hub_dir()\nimport torch\nprint(ours == t.Path(torch.hub.get_dir()))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TORCH_HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.split() == ["refused", "False", "False", "True"]


def test_a_failed_first_use_download_is_bounded_and_says_what_to_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket
    import urllib.error

    import torch.hub

    waits: list[float | None] = []

    def no_network(url: str, dst: str, *args: object, **kwargs: object) -> None:
        waits.append(socket.getdefaulttimeout())
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(torch.hub, "download_url_to_file", no_network)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    assert socket.getdefaulttimeout() is None
    with pytest.raises(PrerequisiteError) as caught:
        DetoxifyScorer().load()
    assert waits == [DOWNLOAD_TIMEOUT_S]  # each network wait was bounded ...
    assert socket.getdefaulttimeout() is None  # ... and only during the download
    message = str(caught.value)
    assert "URLError: <urlopen error no route to host>" in message
    expected = tmp_path / "torch" / "hub" / "checkpoints" / "toxic_original-c1212f89.ckpt"
    assert f"to {expected} yourself" in message
    assert "--mt-toxicity-checkpoint PATH" in message
    assert isinstance(caught.value, ToxicityUnavailable)
    assert caught.value.remedy.startswith(f"put toxic_original-c1212f89.ckpt in {expected.parent}/")
