"""Loading safety: pickle checkpoints run no code unless the user allows it.

A ``torch.save`` file is a Python pickle; loading it with ``weights_only=False`` (which
detoxify does) runs whatever the pickle names. :func:`check_weights_only` first reads the
file with torch's restricted unpickler (tensors and plain data only). A file that needs
more is refused with a :class:`~pytest_multitrust.errors.PrerequisiteError` naming it,
unless ``--mt-allow-pickle`` was given. (``hf:`` models are safetensors only and never
reach here; ``trust_remote_code`` has its own switch, ``--mt-trust-remote-code``.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_multitrust.errors import PrerequisiteError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["PickleRefused", "check_weights_only"]


class PickleRefused(PrerequisiteError):
    """A checkpoint needs arbitrary Python objects to load, and that was not allowed."""

    #: The fix in one line, for a failed test's scorer line and the report.
    remedy = (
        "the checkpoint could run code when unpickled: pass --mt-allow-pickle if you "
        "trust it, or save it as plain tensors"
    )


def check_weights_only(path: Path, *, what: str, allow: bool) -> None:
    """Refuse ``path`` unless it loads with ``torch.load(weights_only=True)`` (or ``allow``).

    Args:
        path: a ``torch.save`` file.
        what: what the file is, for the message (``toxicity checkpoint``).
        allow: ``--mt-allow-pickle``: skip the check and trust the file.

    Raises:
        PickleRefused: naming the file, the object it would have run and the option.
    """
    if allow:
        return
    import pickle

    import torch

    try:
        torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        reason = next(
            (
                line.strip()
                for line in str(error).splitlines()
                if "Unsupported global" in line or "GLOBAL" in line
            ),
            "",
        )
        raise PickleRefused(
            f"{what} {path}: refused: it is a pickle that holds Python objects beyond "
            f"tensors and plain data{f' ({reason})' if reason else ''}, and loading it "
            "could run code. Pass --mt-allow-pickle if you trust the file, or save it again "
            "as a plain dict of tensors, numbers and strings"
        ) from None
