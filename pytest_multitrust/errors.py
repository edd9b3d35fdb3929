"""The error taxonomy of pytest-multitrust.

* :class:`pytest.UsageError` for a bad invocation (bad option, unknown model or task);
* :class:`PrerequisiteError` for something missing on the machine (an extra, weights, a
  checkpoint): its message names the install or download step;
* :class:`DataError` for bad user or built-in data: its message names the file and line;
* :class:`MultitrustWarning` for soft problems that should not stop a run.
"""

from __future__ import annotations

import pytest

__all__ = ["DataError", "MultitrustWarning", "PrerequisiteError"]


class MultitrustWarning(pytest.PytestWarning):
    """A soft problem worth seeing in the warnings summary (never silenced globally)."""


class PrerequisiteError(RuntimeError):
    """Something the run needs is not installed or not on disk.

    The message always says what to install or download, e.g.
    ``pip install 'pytest-multitrust[openai]'``.
    """


class DataError(ValueError):
    """A data file or image is malformed; the message names the file (and line)."""
