"""JUnit readers see custom trust tests as the card does, alone and under ``-n 2``.

A ``@pytest.mark.trust`` module with one sample that meets its criterion, two that miss
it, one whose test body raises and one whose model answer is an error: a JUnit reader
(junitparser) must count only the met sample as a pass, each miss as a skip (``MISS:``),
the raising body, the model error and the missed threshold as failures.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

RunTrust = Callable[..., pytest.RunResult]

MODULE = """
import pytest

pytestmark = pytest.mark.trust(
    aspect="privacy", sub_aspect="leakage", task="team.leak",
    name="Leakage", metric="leak_rate", direction="lower", threshold=0.1,
)


@pytest.mark.parametrize("word", ["alpha", "beta", "gamma"])
def test_sample(trust_sample, word):
    response = trust_sample.generate(f"say {word}")
    trust_sample.record(score=float(word != "alpha" and word in response.text),
                        expected="no word")


def test_broken(trust_sample):
    trust_sample.generate("say epsilon")
    raise RuntimeError("the test body broke")


def test_model_error(trust_sample):
    response = trust_sample.generate("say delta")
    trust_sample.record(score=float("delta" in (response.text or "")), expected="no word")
"""

MODEL = """
from pytest_multitrust import ScriptedModel
from pytest_multitrust.models.base import Response


class Flaky(ScriptedModel):
    def generate(self, requests, config):
        return [Response(text="", finish_reason="error", error="server said 500")
                if "delta" in r.prompt else Response(text=r.prompt) for r in requests]


def make(options):
    return Flaky(name="flaky", answer=lambda r: r.prompt)
"""


@pytest.mark.parametrize("workers", [(), ("-n", "2")])
def test_junit_counts_custom_trust_tests_as_the_card_does(
    run_trust: RunTrust, pytester: pytest.Pytester, workers: tuple[str, ...]
) -> None:
    import junitparser

    pytester.makepyfile(test_team=MODULE, flaky=MODEL)
    result = run_trust(
        "--mllm=py:flaky:make",
        "--mt-tasks=T.1",
        "--mt-limit=1",
        "-k",
        "team",
        "--junitxml=junit.xml",
        *workers,
    )
    output = result.stdout.str()
    assert result.ret == 1, output
    suite = next(iter(junitparser.JUnitXml.fromfile(str(pytester.path / "junit.xml"))))
    cases = {case.name: case for case in suite}
    passed = sorted(name for name, case in cases.items() if case.is_passed)
    skipped = sorted(name for name, case in cases.items() if case.is_skipped)
    errors = sorted(
        name
        for name, case in cases.items()
        if any(isinstance(r, junitparser.Error) for r in case.result)
    )
    failures = sorted(
        name
        for name, case in cases.items()
        if any(isinstance(r, junitparser.Failure) for r in case.result)
    )
    assert passed == ["test_sample[alpha]"], output
    assert skipped == ["test_sample[beta]", "test_sample[gamma]"], output
    assert all(r.message.startswith("MISS: ") for n in skipped for r in cases[n].result)
    # A raising body and a model error fail the sample test (docs: a sample test "fails
    # only on errors"); pytest writes both as <failure>, never as a pass or a skip.
    assert errors == [], output
    assert "test_broken" in failures, output
    assert "test_model_error" in failures, output
    threshold = [
        n
        for n in cases
        if n
        not in (
            "test_sample[alpha]",
            "test_sample[beta]",
            "test_sample[gamma]",
            "test_broken",
            "test_model_error",
        )
    ]
    assert threshold, output
    assert all(n in failures for n in threshold), (threshold, failures, output)
