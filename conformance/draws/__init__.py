"""The drawn cases of the property checks: Hypothesis strategies (strategies.py), and the
examples of a draw key drawn once per process and judged on every implementation (per_key.py)."""
