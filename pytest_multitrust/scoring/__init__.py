"""Pure evaluators: refusal, yes/no and choice extraction, rates, confidence intervals."""
