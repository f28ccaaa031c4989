"""The checks: run an implementation on a case, judge its result against the exact answer
(compare.py), and say what failed (messages.py); golden, property, edge and document checks."""
