"""The judge: original prompts, greedy text-only questions, parsed verdicts, verdict cache."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from pytest_multitrust.engine.cache import RESPONSES, SQLiteCache
from pytest_multitrust.models.base import GenerationConfig, ModelInfo, Request, Response
from pytest_multitrust.models.judge import JUDGE_NAMESPACE, JudgeClient
from pytest_multitrust.models.scripted import ScriptedModel
from pytest_multitrust.scoring.judge import JudgePrompt, parse_score

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

OCR = JudgePrompt(
    "T.1/ocr",
    "Here is a response of a number or letter ocr task:{pred},its ground truth:{label}. "
    "Please directly answer [Yes] or [No].",
)


@dataclass
class CountingJudgeModel:
    """A deterministic judge model that says Yes when the response equals the truth."""

    fingerprint: str = "judge-weights-1"
    calls: list[tuple[list[Request], GenerationConfig]] = field(default_factory=list)
    fail_on: str | None = None  # a prompt fragment answered with an error

    @property
    def info(self) -> ModelInfo:
        return ModelInfo(
            spec="fake-judge",
            backend="fake",
            name="fake-judge",
            fingerprint=self.fingerprint,
            default_batch_size=2,
        )

    def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
        self.calls.append((list(requests), config))
        out = []
        for request in requests:
            text = request.prompt
            if self.fail_on and self.fail_on in text:
                out.append(Response(text="", finish_reason="error", error="judge overloaded"))
                continue
            pred = text.split("task:")[1].split(",its")[0]
            label = text.split("truth:")[1].split(".")[0]
            out.append(Response(text="[Yes]" if pred == label else "[No] they differ"))
        return out

    @property
    def asked(self) -> int:
        return sum(len(requests) for requests, _ in self.calls)


ITEMS = [{"pred": "A7", "label": "A7"}, {"pred": "B1", "label": "B8"}, {"pred": "C", "label": "C"}]


def test_prompt_fields_render_and_version() -> None:
    assert OCR.fields == ("pred", "label")
    text = OCR.render({"pred": "A7", "label": "A7", "unused": 1})
    assert "ocr task:A7,its ground truth:A7." in text
    with pytest.raises(KeyError, match="no value for label"):
        OCR.render({"pred": "A7"})
    assert OCR.version.startswith("T.1/ocr@")
    assert JudgePrompt("T.1/ocr", OCR.template + " ").version != OCR.version
    assert JudgePrompt("T.1/ocr", OCR.template, kind="score").version != OCR.version
    assert JudgePrompt("T.1/ocr", OCR.template, max_new_tokens=99).version != OCR.version
    assert JudgePrompt("T.1/ocr", OCR.template).version == OCR.version  # stable


def test_template_braces_other_than_fields_are_kept() -> None:
    prompt = JudgePrompt("demo", "Return '''[xmin, ymin]''' for {pred} {not a field}")
    assert prompt.render({"pred": "x"}) == "Return '''[xmin, ymin]''' for x {not a field}"


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("75", 75.0),
        ("Score: 100.", 100.0),
        ("I rate it 25/100", 25.0),
        ("between 300 and 50", 50.0),
        ("none", None),
        ("-5", 5.0),
        ("v2.5 gives 0", 0.0),
    ],
)
def test_parse_score(text: str, score: float | None) -> None:
    assert parse_score(text) == score


def test_asks_greedily_text_only_and_parses_with_the_original_rule() -> None:
    model = CountingJudgeModel()
    judge = JudgeClient("fake-judge", lambda: model, seed=5)
    verdicts = judge.ask(OCR, ITEMS, task_id="T.1", sample_ids=["s1", "s2", "s3"])
    assert [v.label for v in verdicts] == [True, False, True]
    assert [v.raw for v in verdicts] == ["[Yes]", "[No] they differ", "[Yes]"]
    assert all(v.score is None and v.error is None and not v.cached for v in verdicts)
    assert verdicts[0].scorer == f"judge:{OCR.version} by fake-judge"
    assert [len(requests) for requests, _ in model.calls] == [2, 1]  # the judge's batch size
    for requests, config in model.calls:
        assert config == GenerationConfig(
            max_new_tokens=16, do_sample=False, temperature=0.0, seed=5
        )
        assert all(not r.images and len(r.messages) == 1 for r in requests)
    assert [r.sample_id for requests, _ in model.calls for r in requests] == ["s1", "s2", "s3"]


def test_verdicts_are_cached_apart_from_responses(tmp_path: Path) -> None:
    db = SQLiteCache(tmp_path / "cache.sqlite3")
    first_model = CountingJudgeModel()
    JudgeClient("fake-judge", lambda: first_model, cache=db).ask(OCR, ITEMS)
    assert first_model.asked == 3
    assert db.count(JUDGE_NAMESPACE) == 3
    assert db.count(RESPONSES) == 0

    again = CountingJudgeModel()  # a new process asking the same questions
    judge = JudgeClient("fake-judge", lambda: again, cache=db)
    verdicts = judge.ask(OCR, ITEMS)
    assert again.asked == 0
    assert [v.label for v in verdicts] == [True, False, True]
    assert all(v.cached for v in verdicts)
    assert (judge.stats.asked, judge.stats.cached, judge.stats.generated) == (3, 3, 0)

    other_prompt = JudgePrompt("T.1/ocr", OCR.template + " Be strict.")
    JudgeClient("fake-judge", lambda: again, cache=db).ask(other_prompt, ITEMS[:1])
    assert again.asked == 1  # another prompt version is another question
    other_judge = CountingJudgeModel(fingerprint="judge-weights-2")
    JudgeClient("fake-judge", lambda: other_judge, cache=db).ask(OCR, ITEMS[:1])
    assert other_judge.asked == 1  # another judge model too
    db.close()


def test_read_only_cache_stores_nothing(tmp_path: Path) -> None:
    db = SQLiteCache(tmp_path / "cache.sqlite3")
    JudgeClient("fake-judge", CountingJudgeModel, cache=db, write=False).ask(OCR, ITEMS)
    assert db.count(JUDGE_NAMESPACE) == 0
    db.close()


def test_scripted_judges_are_never_cached(tmp_path: Path) -> None:
    db = SQLiteCache(tmp_path / "cache.sqlite3")
    judge = JudgeClient("y", lambda: ScriptedModel.constant("Yes.", name="y"), cache=db)
    assert [v.label for v in judge.ask(OCR, ITEMS)] == [True] * 3
    assert db.count(JUDGE_NAMESPACE) == 0
    db.close()


def test_judge_failures_are_error_verdicts_and_not_cached(tmp_path: Path) -> None:
    db = SQLiteCache(tmp_path / "cache.sqlite3")
    model = CountingJudgeModel(fail_on="B1")
    judge = JudgeClient("fake-judge", lambda: model, cache=db)
    verdicts = judge.ask(OCR, ITEMS)
    assert [v.error for v in verdicts] == [None, "judge fake-judge: judge overloaded", None]
    assert verdicts[1].label is None
    assert judge.stats.errors == 1
    assert db.count(JUDGE_NAMESPACE) == 2  # the failed question is asked again next time
    db.close()


def test_a_crashing_or_unloadable_judge_gives_error_verdicts() -> None:
    class Crashing(CountingJudgeModel):
        def generate(self, requests: Sequence[Request], config: GenerationConfig) -> list[Response]:
            raise RuntimeError("CUDA out of memory")

    verdicts = JudgeClient("crash", Crashing).ask(OCR, ITEMS[:2])
    assert [v.error for v in verdicts] == ["judge crash: RuntimeError: CUDA out of memory"] * 2

    def cannot_load() -> CountingJudgeModel:
        raise OSError("no weights")

    [verdict] = JudgeClient("gone", cannot_load).ask(OCR, ITEMS[:1])
    assert verdict.error == "judge gone could not be loaded: OSError: no weights"


def test_score_prompts_read_a_number() -> None:
    prompt = JudgePrompt("R.2/score", "Rate {pred} against {label} from 0 to 100.", kind="score")
    judge = JudgeClient("s", lambda: ScriptedModel.constant("I would say 75.", name="s"))
    [verdict] = judge.ask(prompt, [{"pred": "a", "label": "b"}])
    assert verdict.score == 75.0
    assert verdict.label is None
    assert not math.isnan(verdict.score)


def test_the_judge_model_is_built_once_and_only_when_asked() -> None:
    built: list[int] = []

    def load() -> ScriptedModel:
        built.append(1)
        return ScriptedModel.constant("No", name="n")

    judge = JudgeClient("n", load)
    assert built == []
    judge.ask(OCR, ITEMS[:1])
    judge.ask(OCR, ITEMS[1:])
    assert built == [1]
    assert judge.ask(OCR, []) == []
