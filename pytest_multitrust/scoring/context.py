"""What a scorer may consult besides the response: the chosen rules and optional judges."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pytest_multitrust.scoring.judge import Judge
    from pytest_multitrust.scoring.toxicity import ToxicityScorer

__all__ = ["RefusalRuleName", "RulesName", "ScoringContext"]

RefusalRuleName = Literal["multitrust-v1", "strict"]
RulesName = Literal["original", "strict"]


@dataclass(frozen=True)
class ScoringContext:
    """Settings that change how responses are scored (never how they are generated)."""

    refusal_rule: RefusalRuleName = "multitrust-v1"  # keyword list used for refusals
    seed: int = 0  # seed for any randomness in scoring (bootstrap, sampling)
    judge: Judge | None = None  # --mt-judge; None = rule-based scoring (the default)
    toxicity: ToxicityScorer | None = None  # detoxify, loaded on first use; None = not scored
    rules: RulesName = "strict"  # --mt-rules: "original" = the original's rules, quirks too

    @property
    def original(self) -> bool:
        """Whether the original's scoring rules are asked for (``--mt-rules=original``)."""
        return self.rules == "original"
