"""The exact answers, knowing no framework and no pytest: double-double numbers and the
precisions computed in (numbers.py), targets from labels and options (targets.py), softmax
and sigmoid cross-entropy in every tier (softmax.py, sigmoid.py), every bound with its
derivation (bounds.py), and the table of operations (operations.py)."""
