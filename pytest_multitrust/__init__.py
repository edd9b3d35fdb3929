"""pytest-multitrust."""
