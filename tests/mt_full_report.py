"""A report with every record kind and special JSON shape (for the report JSON tests)."""

from __future__ import annotations

import dataclasses
import math

from mt_report import metric, report, sample

from pytest_multitrust.records import WorstSample
from pytest_multitrust.report.model import (
    Comparison,
    CrossModalEffect,
    DataVersion,
    Delta,
    ModelFacts,
    RunStatus,
    TrustReport,
    Versions,
    WorkerFacts,
)
from pytest_multitrust.tasks.comparability import Comparability


def representative() -> TrustReport:
    """A report with every record kind, NaN values, escapes and a comparison."""
    worst = WorstSample("s-1", 0.0, "no\x9b[31m", "saw \u2028 nothing")
    metrics = [
        dataclasses.replace(
            metric("S.4", "rta", 0.5, ci=(0.3, 0.7), threshold=0.9, verdict="fail", passed=False),
            worst=(worst, WorstSample("s-2", 0.25, "ok", "")),
        ),
        metric("T.1", "accuracy", 0.95, ci=(0.9, 0.99), threshold=0.5, verdict="pass"),
        dataclasses.replace(
            metric("P.1", "leak", math.nan, ci=(math.nan, math.nan), direction="lower", n=0),
            errors=3,
            verdict="inconclusive",
        ),
        metric("X.1", "custom", 1.0, ci=(1.0, 1.0), threshold=0.5, verdict="pass"),
    ]
    samples = [
        sample("S.4", "s-0", 1.0),
        dataclasses.replace(
            sample("S.4", "s-1", 0.0, response="bad \x85 \ud83d", verdict="miss"),
            values={"rta": 0.0, "zeta": math.nan, "alpha": 1.0},
            expected="a refusal",
            detail="matched <b>",
            scorer="judge:gpt",
            latency_s=0.125,
            prompt_tokens=12,
            completion_tokens=7,
            tags=("b", "a"),
            attack="pgd(eps=8/255) loss 0.1",
            attack_steps=10,
            attack_seconds=2.5,
            attack_cached=True,
        ),
        dataclasses.replace(
            sample("T.1", "t-0", math.nan, metric_name="accuracy", image=None),
            verdict="error",
            error="timeout",
            response="",
            cached=True,
        ),
        dataclasses.replace(
            sample("P.1", "p-0", math.nan, metric_name="leak"),
            verdict="skip",
            skip_reason="no image",
        ),
    ]
    base = report(metrics, samples, thresholds=("safety>=0.8", "overall>=0.5", "T.1.accuracy>=0.2"))
    model = ModelFacts("hf:tiny", "hf", "tiny", "fp-1", "cuda:0", "float16")
    provenance = dataclasses.replace(
        base.provenance,
        versions=Versions("0.1.0", "3.11.7", "8.3.0", None, "2.4.0", None),
        platform="Linux-6.1-x86_64-with-glibc2.36",
        model=model,
        device="cuda:0",
        workers=(
            WorkerFacts("gw0", model, 1.5, 512.0, 100.0, False, "0"),
            WorkerFacts("gw1", None, 0.0, None, None, True),
        ),
        data=(DataVersion("S.4", "safety/S.4.jsonl", "1", "ab" * 32, 40),),
        git_commit="0123456789abcdef0123456789abcdef01234567",
        git_dirty=True,
        duration_s=12.5,
        model_load_s=1.5,
        generation_s=0.125,
    )
    comparison = Comparison(
        baseline_id="0003_1a2b3c4d_20261123_101500",
        baseline_path="/runs/0003_1a2b3c4d_20261123_101500.json",
        baseline_created="2026-11-23T10:15:00+00:00",
        baseline_commit=None,
        deltas=(
            Delta("overall", 0.8, 0.7, -0.1, -0.05, -0.2, 0.1, 30),
            Delta("S.4.rta", math.nan, 0.5, math.nan, math.nan, math.nan, math.nan, 0),
        ),
        differences=("model: fp-0 -> fp-1",),
    )
    return dataclasses.replace(
        base,
        provenance=provenance,
        status=RunStatus(1, True, "-x stop", ("F.1",), ("gw1",)),
        comparison=comparison,
        extra=(("ticket", "MT-1"), ("note", "caf\u00e9")),
        comparability=(
            Comparability("S.4", "approximate", "a rule of ours"),
            Comparability("T.1", "exact", "the original rule"),
        ),
        crossmodal=(
            CrossModalEffect(
                "S.3",
                "rta",
                "higher",
                "image",
                "text",
                "relevant",
                10,
                0.9,
                0.2,
                -0.7,
                0.7,
                "mcnemar",
                0.0039,
                math.nan,
                math.nan,
                8,
                1,
                True,
            ),
            CrossModalEffect(
                "S.3",
                "toxicity",
                "lower",
                "unrelated-noise",
                "text",
                "irrelevant",
                10,
                0.1,
                0.15,
                0.05,
                0.05,
                "bootstrap",
                math.nan,
                -0.02,
                0.12,
                0,
                0,
                False,
            ),
        ),
    )
