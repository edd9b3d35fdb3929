"""Generation scheduling per worker: batching, response cache, task runs."""
