"""pytest entry (placeholder)."""
