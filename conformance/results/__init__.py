"""The results file: one record per check plus the environment (results_file.py, its schema in
schema.py), its compact form written and read back (layout.py, compact.py, compact_shared.py,
expand.py), several files merged (merge.py).
May import: oracle, vocabulary."""
