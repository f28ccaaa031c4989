"""Cross-framework numerical conformance suite for softmax cross-entropy with label smoothing."""
