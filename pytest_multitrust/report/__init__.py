"""Controller-side results: collector, gates, renderers."""
