"""The drawn cases of the property checks: Hypothesis strategies (strategies.py), and a draw key's
examples drawn once per process and judged on every implementation (per_key.py).
May import: cases, oracle, vocabulary."""
