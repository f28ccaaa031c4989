"""The optax idiom a JAX user writes: labels one-hot by ``jax.nn.one_hot`` (whose dtype
follows JAX's 64-bit mode: float32 by default, float64 under x64), smoothed by optax, the mean
over the batch. Run as ``--impl jax:tests/user_losses/jax_optax_idiom.py:loss``."""

import jax
import jax.numpy as jnp
import optax


def loss(logits, labels, label_smoothing):
    one_hot = jax.nn.one_hot(labels, logits.shape[-1])
    return jnp.mean(optax.softmax_cross_entropy(logits, optax.smooth_labels(one_hot, label_smoothing)))


def loss_in_dtype(logits, labels, label_smoothing):
    """The same with the one-hot labels in the logits' dtype: half precision in, half out."""
    one_hot = jax.nn.one_hot(labels, logits.shape[-1], dtype=logits.dtype)
    return jnp.mean(optax.softmax_cross_entropy(logits, optax.smooth_labels(one_hot, label_smoothing)))
