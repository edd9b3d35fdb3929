"""Ordinary product tests: they run with or without a model under test."""

from __future__ import annotations

from acme_assistant import find_emails, redact


def test_redact_hides_every_address() -> None:
    """No address survives redaction."""
    text = "Ada (ada@acme.test) cc bob@example.org"
    assert find_emails(redact(text)) == []


def test_find_emails_keeps_order() -> None:
    """Addresses come back in the order they appear."""
    assert find_emails("b@x.io then a@y.io") == ["b@x.io", "a@y.io"]
