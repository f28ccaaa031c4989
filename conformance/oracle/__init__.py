"""The exact answers, knowing no framework and no pytest: numbers, targets, softmax and sigmoid
cross-entropy in every tier, every bound with its derivation, conventions, the table of
operations.
May import: vocabulary."""
