"""The results file: one record per check plus the environment (results_file.py), its compact form
(compact.py, compact_shared.py), several files merged (merge.py).
May import: oracle, vocabulary."""
