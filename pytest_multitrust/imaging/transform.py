"""Per-sample image transforms that see the model: the seam for adversarial attacks.

Most tasks show each sample's image as drawn. A task whose
:attr:`~pytest_multitrust.tasks.base.TaskSpec.transform_image` is set gets the drawn
image, the sample and a :class:`TransformContext` before generation, and returns a
:class:`TransformResult`: the image to show instead, or a reason to skip the sample. The
robustness tasks R.4/R.5 compute PGD attacks here, against the model under test when it
is white-box or against the ``--mt-surrogate`` model.

Example:
    A transform that skips every sample::

        def never(sample, image, context):
            return TransformResult.skip("not today")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from pytest_multitrust.models.base import MLLM, ImageData

__all__ = [
    "DEFAULT_ATTACK_EPS",
    "DEFAULT_ATTACK_STEPS",
    "DEFAULT_ATTACK_STEP_SIZE",
    "AttackSettings",
    "AttackTarget",
    "TransformContext",
    "TransformResult",
]

#: The paper's L∞ budget: 16 of 255 grey levels.
DEFAULT_ATTACK_EPS = 16 / 255
#: PGD iterations (the original's SSA-CWA ran 50).
DEFAULT_ATTACK_STEPS = 50
#: PGD step, in [0, 1] pixel units (the original's 1/255).
DEFAULT_ATTACK_STEP_SIZE = 1 / 255


@dataclass(frozen=True)
class AttackSettings:
    """How adversarial images are computed (``--mt-attack-*``, ``--mt-surrogate``)."""

    eps: float = DEFAULT_ATTACK_EPS  # L∞ budget, pixel values in [0, 1]
    steps: int = DEFAULT_ATTACK_STEPS  # PGD iterations per image
    step_size: float = DEFAULT_ATTACK_STEP_SIZE  # change per iteration, [0, 1] units
    seed: int = 0  # seeds the random start of each attack (with the attack mode and image hash)
    surrogate: str | None = None  # --mt-surrogate spec; None = attack the model under test


@dataclass(frozen=True)
class AttackTarget:
    """The white-box model an attack is computed on."""

    model: MLLM  # has gradients (ModelInfo.white_box)
    role: Literal["model under test", "surrogate"]  # whose gradients are used
    spec: str  # the model's spec, for messages and records


@dataclass
class TransformContext:
    """What an image transform may use: attack settings, the models, a cache folder."""

    attack: AttackSettings  # attack budget and steps
    model: Callable[[], MLLM]  # the model under test (loaded on first call)
    surrogate: Callable[[], MLLM] | None = None  # the --mt-surrogate model, loaded lazily
    cache_dir: Path | None = None  # where computed images are kept (None: not kept)

    def attack_target(self) -> AttackTarget | str:
        """The white-box model to attack, or the reason there is none.

        A ``--mt-surrogate`` always wins (a transfer attack, as in the paper); without one
        the model under test is attacked when it is white-box.
        """
        if self.surrogate is not None:
            surrogate = self.surrogate()
            if not surrogate.info.white_box:
                return (
                    f"the surrogate --mt-surrogate={self.attack.surrogate} "
                    f"({surrogate.info.backend} backend) gives no gradients; use an hf: "
                    "model or tiny-llava as the surrogate"
                )
            return AttackTarget(
                surrogate, "surrogate", self.attack.surrogate or surrogate.info.spec
            )
        model = self.model()
        if model.info.white_box:
            return AttackTarget(model, "model under test", model.info.spec)
        return (
            f"the attack needs gradients, and the model under test {model.info.spec!r} "
            f"({model.info.backend} backend) is not white-box; pass --mt-surrogate=tiny-llava "
            "or --mt-surrogate=hf:<repo> to attack a surrogate and transfer its images"
        )


@dataclass(frozen=True)
class TransformResult:
    """What a transform made of one sample's image."""

    image: ImageData | None  # the image to show; None = skip the sample
    skip_reason: str | None = None  # why the sample is skipped (when image is None)
    description: str = ""  # what was done, for the record ("" = nothing)
    steps: int = 0  # optimisation steps run
    seconds: float = 0.0  # wall time of the computation (as first computed, if cached)
    cached: bool = False  # the image came from the transform's cache

    @classmethod
    def unchanged(cls, image: ImageData) -> TransformResult:
        """The image as drawn."""
        return cls(image=image)

    @classmethod
    def skip(cls, reason: str) -> TransformResult:
        """Skip the sample, saying why."""
        return cls(image=None, skip_reason=reason)
