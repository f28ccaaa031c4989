"""The judgements: run an implementation on a case and judge it against the exact answer (judge.py,
compare.py); golden, property, edge and document checks; what a failure says (messages.py).
May import: adapters, cases, draws, oracle, vocabulary."""
