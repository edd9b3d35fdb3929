"""Models under test: the backend protocol, the registry and the built-in backends."""
