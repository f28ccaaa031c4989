"""Keras 3's losses (keras_losses.py) on its JAX and PyTorch backends (TensorFlow's adapter
checks them on TensorFlow), on the backend framework's devices, tensors, autodiff and
compiled mode, so the report shows whether Keras computes the same loss on its three backends.

Keras' backend is the process's (``KERAS_BACKEND``, else keras.json's, read when keras is
first imported; ``configured_backend`` reads it as Keras does): each backend is a framework
of its own (``keras_jax``, ``keras_torch``), run in a process whose backend it is (``tox -e
keras_jax``; ``KERAS_BACKEND=jax pytest conformance --framework keras_jax``), elsewhere
missing with that reason. A run never sets it (conformance-repro does, for the one entry it
writes): in a process that also checks TensorFlow, ``tf.keras`` is this same Keras."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace

from conformance.adapters import jax_adapter, keras_losses, torch_adapter
from conformance.adapters.base import Framework
from conformance.adapters.contract import FrameworkMissing

BACKENDS = {"jax": jax_adapter, "torch": torch_adapter}


def configured_backend() -> tuple[str, str]:
    """The backend Keras takes in this process, and where that comes from, read as Keras reads
    it (keras/src/backend/config.py): Keras' own once it is imported; else KERAS_BACKEND; else
    the "backend" of keras.json in KERAS_HOME (or ~/.keras, /tmp/.keras where home is not
    writable); else tensorflow."""
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "backend"):
        return keras.backend.backend(), "Keras, imported already"
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"], "KERAS_BACKEND"
    if "KERAS_HOME" in os.environ:
        folder = os.environ["KERAS_HOME"]
    else:
        home = os.path.expanduser("~")
        folder = os.path.join(home if os.access(home, os.W_OK) else "/tmp", ".keras")
    path = os.path.expanduser(os.path.join(folder, "keras.json"))
    try:
        with open(path) as f:
            backend = json.load(f).get("backend")
    except (OSError, ValueError, AttributeError):
        backend = None
    if isinstance(backend, str) and backend:
        return backend, path
    return "tensorflow", "Keras' default"


def require_keras_backend(backend: str, who: str, how: str) -> None:
    """FrameworkMissing, saying ``how`` to run ``who``, unless this process's Keras backend is
    ``backend``."""
    wanted, source = configured_backend()
    if wanted != backend:
        raise FrameworkMissing(
            f"{who} need KERAS_BACKEND={backend} (Keras' is the process's; here {wanted}, from {source}){how}"
        )


def load(backend: str, precision_defaults: bool = False) -> Framework:
    """The backend framework (devices, tensors, autodiff, compiled mode) with Keras' losses as
    its implementations; missing where this process's Keras backend is another."""
    how = (
        f": KERAS_BACKEND={backend} pytest conformance --framework keras_{backend}, or tox -e keras_{backend}"
    )
    require_keras_backend(backend, f"keras_{backend}'s losses", how)
    import keras

    if keras.backend.backend() != backend:  # as Keras itself resolved it on import
        imported = keras.backend.backend()
        raise FrameworkMissing(f"keras_{backend}: Keras was imported with the {imported} backend")
    base = BACKENDS[backend].load(precision_defaults)
    return replace(
        base,
        name=f"keras_{backend}",
        version=str(keras.__version__),
        implementations=keras_losses.implementations(f"keras_{backend}", "keras.losses.", backend),
        details={**base.details, backend: base.version, "keras_backend": backend},
    )
