"""The task runs of a defended model: generation goes through the defence, attacks do not."""

from __future__ import annotations

from pytest_multitrust.engine.batching import BatchSizer
from pytest_multitrust.engine.runner import ModelHolder, NoStore
from pytest_multitrust.engine.runs import RunFactory
from pytest_multitrust.models.mitigations import MitigatedModel, SelfReminder
from pytest_multitrust.models.scripted import refuser
from pytest_multitrust.progress import ignore_progress
from pytest_multitrust.scoring.toxicity import DetoxifyScorer
from pytest_multitrust.settings import Settings


def test_attacks_see_the_undefended_model_and_runs_the_defended_one() -> None:
    base = ModelHolder(load=refuser)
    defended = ModelHolder(load=lambda: MitigatedModel(base.get(), SelfReminder()))
    factory = RunFactory(
        settings=Settings(mllm="refuser"),
        holder=defended,
        base=base,
        store=NoStore(),
        sizer=BatchSizer(),
        judge=None,
        toxicity=DetoxifyScorer(),
        surrogate=None,
        render=lambda sample: None,
        update_record=lambda record: record,
        progress=ignore_progress,
    )
    attacked = factory.transform_context().model()  # a stand-in: weights load on use
    assert not isinstance(attacked, MitigatedModel)
    assert attacked.info == base.get().info  # the undefended model's facts
    assert attacked.info.name == "refuser"
    assert factory.holder.get().info.name == "refuser + self-reminder"
