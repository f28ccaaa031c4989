"""Keras 3's losses on its JAX backend (keras_backends.py): run where KERAS_BACKEND=jax."""

from __future__ import annotations

from conformance.adapters import keras_backends
from conformance.adapters.base import Framework


def load(precision_defaults: bool = False) -> Framework:
    return keras_backends.load("jax", precision_defaults)
