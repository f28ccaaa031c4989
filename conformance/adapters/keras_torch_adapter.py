"""Keras 3's losses on its PyTorch backend (keras_backends.py): run where KERAS_BACKEND=torch."""

from __future__ import annotations

from conformance.adapters import keras_backends
from conformance.adapters.base import Framework


def load(precision_defaults: bool = False) -> Framework:
    return keras_backends.load("torch", precision_defaults)
