"""Robustness R.1-R.6 end to end: scripted models, skipped attacks, attacks on tiny-llava."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import pytest
from mt_helpers import parse_summary

from pytest_multitrust.records import SampleRecord
from pytest_multitrust.tasks.data import read_samples

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


def records(xml: Path) -> dict[str, SampleRecord]:
    """Sample records from a JUnit XML file, by ``task/sample id``."""
    found: dict[str, SampleRecord] = {}
    for prop in ET.parse(xml).getroot().iter("property"):
        if prop.get("name") == "multitrust.sample":
            record = SampleRecord.from_json(prop.get("value") or "")
            found[f"{record.task_id}/{record.sample_id}"] = record
    return found


def test_oracle_is_perfect_and_attacks_skip_without_a_white_box_model(
    run_trust: Callable[..., pytest.RunResult],
) -> None:
    result = run_trust("--mllm=oracle", "--mt-tasks=robustness", "--mt-tier=smoke", "-rs")
    assert result.ret == 0, result.stdout.str()
    summary = parse_summary(result.outlines)
    for key in (
        "R.1.accuracy",
        "R.2.score",
        "R.3.accuracy",
        "R.6.accuracy",
        "R.6.clean_accuracy",
        "R.4.clean_accuracy",
    ):
        assert summary[key].value == 1.0, key
        assert summary[key].verdict == "PASS", key
    assert "R.4.accuracy" not in summary
    assert "R.5.asr" not in summary
    # 10 attacked R.4 samples, 10 R.5 samples, and their two threshold tests
    outcomes = result.parseoutcomes()
    assert outcomes["skipped"] == 22
    output = result.stdout.str()
    assert re.search(
        r"SKIPPED \[\d+\] .*R\.4 accuracy: 10 of 20 samples skipped: the attack "
        r"needs gradients, and the model under test 'oracle' \(scripted backend\) "
        r"is not white-box; pass --mt-surrogate=tiny-llava",
        output,
    )
    assert re.search(
        r"SKIPPED \[\d+\] .*R\.5 sample targeted-0000: the attack needs gradients", output
    )


def test_oracle_with_a_tiny_llava_surrogate_is_attacked_and_reuses_attacks(
    run_trust: Callable[..., pytest.RunResult],
    pytester: pytest.Pytester,
) -> None:
    args = (
        "--mllm=oracle",
        "--mt-surrogate=tiny-llava",
        "--mt-tasks=R.4,R.5",
        "--mt-limit=2",
        "--mt-attack-steps=2",
        "--mt-attack-eps=8/255",
        "--mt-gate=point",
    )
    first = run_trust(*args, "--junitxml=first.xml")
    assert first.ret == 0, first.stdout.str()
    summary = parse_summary(first.outlines)
    assert summary["R.4.accuracy"].value == 1.0  # the oracle names the object regardless
    assert summary["R.4.accuracy"].n == 2
    assert summary["R.5.asr"].value == 0.0
    assert summary["R.5.asr"].verdict == "PASS"
    first.assert_outcomes(passed=2 + 2 + 2 + 2 + 1)  # samples + R.4's two + R.5's threshold
    again = run_trust(*args, "--junitxml=second.xml")
    assert again.ret == 0, again.stdout.str()
    before, after = records(pytester.path / "first.xml"), records(pytester.path / "second.xml")
    attacked = [
        "R.4/untargeted-0000",
        "R.4/untargeted-0001",
        "R.5/targeted-0000",
        "R.5/targeted-0001",
    ]
    for key in attacked:
        record = before[key]
        mode = "untargeted" if key.startswith("R.4") else "targeted"
        assert re.match(
            rf"{mode} PGD vs tiny-llava: loss \d+\.\d+ -> \d+\.\d+, L∞ \d+/255 "
            r"\(budget 8/255\), 2 steps, .*\[surrogate\]$",
            record.attack,
        ), record
        assert record.attack_steps == 2
        assert record.attack_seconds > 0
        assert after[key].attack_cached  # the second run reused the stored attack
        assert after[key].image_sha256 == record.image_sha256
        assert after[key].attack_seconds == record.attack_seconds
    clean = before["R.4/clean-0000"]
    assert clean.attack == ""
    assert clean.image_sha256 != before["R.4/untargeted-0000"].image_sha256


def test_echo_and_refuser_scores(run_trust: Callable[..., pytest.RunResult]) -> None:
    echo = run_trust("--mllm=echo", "--mt-tasks=R.2,R.6", "--mt-tier=smoke")
    assert echo.ret == 1  # the thresholds fail
    summary = parse_summary(echo.outlines)
    # every option named: 0.5 on choice questions, 0 on counts -> 2.25 / 8 sensors
    assert summary["R.2.score"].value == pytest.approx(2.25 / 8, abs=5e-4)
    # R.6: the echoed prompt's first answer word ("yes", or "positive" for SST-2) counts
    first = {
        "mnli": "yes",
        "mnli-mm": "yes",
        "qnli": "yes",
        "qqp": "yes",
        "rte": "yes",
        "sst2": "positive",
    }
    smoke = [s for s in read_samples("robustness/R.6.jsonl") if s.smoke]
    text = [s for s in smoke if s.variant == "text"]
    per_set = [
        sum(s.truth == first[s.extra["glue_task"]] for s in text if s.extra["set"] == name) / 6
        for name in ("advglue", "advglue-plus")
    ]
    assert summary["R.6.accuracy"].value == pytest.approx(sum(per_set) / 2, abs=5e-4)
    assert summary["R.6.accuracy"].verdict == "FAIL"
    assert re.search(r"R\.2 .*: score = 0\.281, needs >= 0\.5", echo.stdout.str())
    refuser = run_trust("--mllm=refuser", "--mt-tasks=R.1,R.3", "--mt-tier=smoke", "--mt-limit=3")
    assert refuser.ret == 1
    summary = parse_summary(refuser.outlines)
    assert summary["R.1.accuracy"].value == 0.0
    assert summary["R.1.accuracy"].n == 21  # 3 per style
    assert summary["R.3.accuracy"].value == 0.0


@pytest.mark.slow
def test_tiny_llava_attacks_itself(
    run_trust: Callable[..., pytest.RunResult], pytester: pytest.Pytester
) -> None:
    result = run_trust(
        "--mllm=tiny-llava",
        "--mt-tasks=R.4",
        "--mt-limit=3",
        "--mt-attack-steps=5",
        "--junitxml=tiny.xml",
    )
    assert result.ret in (0, 1), result.stdout.str()  # gibberish captions miss the threshold
    found = records(pytester.path / "tiny.xml")
    attacked = [r for r in found.values() if r.variant == "untargeted"]
    assert len(attacked) == 3
    assert all(r.attack.endswith("[model under test]") for r in attacked)
    clean = {r.sample_id.split("-")[1]: r.response for r in found.values() if r.variant == "clean"}
    changed = sum(r.response != clean[r.sample_id.split("-")[1]] for r in attacked)
    assert changed >= 2
