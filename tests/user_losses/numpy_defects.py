"""A defect people write, in NumPy (class-index labels, the mean): the uniform mass e/K of
the smoothed targets forgotten. Run as ``--impl numpy:tests/user_losses/numpy_defects.py:forgets_uniform``."""

import numpy as np


def forgets_uniform(logits, labels, label_smoothing):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return -((1 - label_smoothing) * logp[np.arange(len(labels)), labels]).mean()


def slow_and_wrong(logits, labels, label_smoothing):
    """Off by one in every loss, and 0.3 s a call: what takes Hypothesis long to shrink."""
    import time

    time.sleep(0.3)
    return forgets_uniform(logits, labels, 0.0) + 1.0
