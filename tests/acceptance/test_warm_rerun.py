"""A warm re-run of the embedded model loads no weights when every answer is cached.

The response cache keys on the model's facts (``info``), and an ``hf:`` model knows them
from its files, so the weights load on the first cache miss (or the first adversarial
image to compute) only. A conftest wraps the model's ``load_weights`` to count real loads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

CONFTEST = """
import os

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_multitrust_make_model(spec, options, config):
    model = yield
    load = model.load_weights

    def counted():
        if not model.weights_loaded:
            with open(os.environ["MT_LOADS"], "a") as loads:
                loads.write(f"{spec.raw}\\n")
        load()

    model.load_weights = counted
    return model
"""


def _outcomes(result: pytest.RunResult) -> list[str]:
    return sorted(
        " ".join(line.split()[:2])
        for line in result.outlines
        if line.startswith("multitrust/") and (" PASSED" in line or " FAILED" in line)
    )


def test_warm_rerun_of_tiny_llava_loads_no_weights(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    loads = tmp_path / "loads.txt"
    monkeypatch.setenv("MT_LOADS", str(loads))
    pytester.makeconftest(CONFTEST)
    args = (
        "--mllm=tiny-llava",
        "--mt-tasks=T.1,R.4",  # R.4 attacks its images: cached attacks load nothing either
        "--mt-limit=1",
        "--mt-attack-steps=1",
        "--mt-max-new-tokens=4",
        "--mt-device=cpu",
        f"--mt-cache-dir={tmp_path / 'cache'}",
        "-v",
        "-p",
        "no:randomly",
    )
    first = pytester.runpytest_subprocess(*args, timeout=600)
    assert first.ret in (0, 1), first.stdout.str()  # random weights may fail thresholds
    assert loads.read_text().splitlines() == ["tiny-llava"]
    loads.unlink()
    again = pytester.runpytest_subprocess(*args, timeout=600)
    assert again.ret == first.ret, again.stdout.str()
    assert not loads.exists(), loads.read_text()  # every answer cached: no load
    assert _outcomes(again) == _outcomes(first) != []
