"""The benchmark: ``python -m benchmarks.bench`` (figures for docs/performance.md). Not part
of the installed package: it measures the suite from a checkout."""
