"""Label-smoothed cross-entropies written the ways people write them, in NumPy (class-index
labels, a float64 mean unless said): the suite's definition, and four others it should name
when they diverge. Run as ``--impl numpy:tests/user_losses/numpy_definitions.py:NAME``."""

import numpy as np


def _log_softmax(x):
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _targets(logits, labels, e):
    k = logits.shape[-1]
    one_hot = np.zeros_like(logits)
    one_hot[np.arange(len(labels)), labels] = 1
    return one_hot * (1 - e) + e / k


def correct(logits, labels, label_smoothing):
    """y (1 - e) + e/K over all classes: the suite's definition."""
    t = _targets(logits, labels, label_smoothing)
    return -(t * _log_softmax(logits)).sum(axis=-1).mean()


def fairseq(logits, labels, label_smoothing):
    """fairseq's label_smoothed_nll_loss: e spread over the K - 1 other classes."""
    logp = _log_softmax(logits)
    nll = -logp[np.arange(len(labels)), labels]
    smooth = -logp.sum(axis=-1)
    eps_i = label_smoothing / (logits.shape[-1] - 1)
    return ((1 - label_smoothing - eps_i) * nll + eps_i * smooth).mean()


def flax_kl(logits, labels, label_smoothing):
    """The Flax examples' form: the KL divergence from the smoothed targets."""
    t = _targets(logits, labels, label_smoothing)
    with np.errstate(divide="ignore"):
        log_t = np.where(t > 0, np.log(np.where(t > 0, t, 1)), 0)
    return (t * (log_t - _log_softmax(logits))).sum(axis=-1).mean()


def summed(logits, labels, label_smoothing):
    """The right rows, summed over the batch where the mean is asked for."""
    t = _targets(logits, labels, label_smoothing)
    return -(t * _log_softmax(logits)).sum()


def unsmoothed(logits, labels, label_smoothing):
    """label_smoothing taken and dropped."""
    return -_log_softmax(logits)[np.arange(len(labels)), labels].mean()


def empty_mean_zero(logits, labels, label_smoothing):
    """The right rows; the mean of no rows taken as 0, as TF1's losses do."""
    if len(labels) == 0:
        return np.zeros((), logits.dtype)
    return correct(logits, labels, label_smoothing)


def reduced_in_float32(logits, labels, label_smoothing):
    """The suite's definition (a zero target takes no part, so a masked class's -inf gives no
    0 * -inf), its loss rounded through float32 and back (as TF1's compute_weighted_loss does):
    float32-accurate, not float64-accurate."""
    t = _targets(logits, labels, label_smoothing)
    with np.errstate(invalid="ignore", divide="ignore"):
        rows = -np.where(t > 0, t * _log_softmax(logits), 0).sum(axis=-1)
    return np.float64(np.float32(rows.mean()))


def reduced_in_float32_and_off(logits, labels, label_smoothing):
    """reduced_in_float32, 2e-5 relative off besides: beyond even float32's accuracy."""
    return reduced_in_float32(logits, labels, label_smoothing) * (1 + 2e-5)


def widened_to_float32(logits, labels, label_smoothing):
    """The suite's definition computed in float64 from half-precision inputs and returned as a
    float32 (as Keras' losses return float32 by default): more accurate than its inputs' dtype,
    in another dtype."""
    t = _targets(logits.astype(np.float64), labels, label_smoothing)
    with np.errstate(invalid="ignore", divide="ignore"):
        rows = -np.where(t > 0, t * _log_softmax(logits.astype(np.float64)), 0).sum(axis=-1)
    return np.float32(rows.mean())
