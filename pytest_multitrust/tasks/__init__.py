"""Trust tasks: the task framework, data loading, the registry and the five aspects."""
