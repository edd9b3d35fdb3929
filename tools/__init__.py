"""Build-time tools of the pytest-multitrust checkout; never shipped in the wheel.

Run them from the repository root, e.g. ``python -m tools.datagen`` (see :mod:`tools.datagen`).
They may import :mod:`pytest_multitrust`; nothing in the package imports them.
"""
