"""The registry of framework adapters: one module per framework, imported only when asked for."""

from __future__ import annotations

import importlib

from conformance.adapters.base import Framework, FrameworkMissing, Implementation, Result, Unsupported

# opt-in (pyproject's extras, not in all): mlx; transformers (its LabelSmoother, on PyTorch);
# timm (its losses, on PyTorch 2.14.1 for torchvision: tox -e timm);
# tinygrad; paddle (PaddlePaddle). Keras on its JAX and PyTorch backends (keras_backends.py):
# in a process whose KERAS_BACKEND names the backend
FRAMEWORKS = (
    "numpy",
    "torch",
    "tensorflow",
    "jax",
    "keras_jax",
    "keras_torch",
    "mlx",
    "transformers",
    "timm",
    "tinygrad",
    "paddle",
)
# imported before the others in a run that has them: paddle crashes (a segmentation fault) when
# imported after TensorFlow in one process, not before (paddlepaddle 3.3.1, tensorflow-cpu 2.21)
IMPORTED_FIRST = ("paddle",)

__all__ = [
    "FRAMEWORKS",
    "IMPORTED_FIRST",
    "Framework",
    "FrameworkMissing",
    "Implementation",
    "Result",
    "Unsupported",
    "load",
]


def load(name: str, precision_defaults: bool = False) -> Framework:
    """Import framework ``name`` and describe it; raises FrameworkMissing if not installed.
    ``precision_defaults``: leave the framework's precision settings (TF32 and the like) as
    they are, instead of setting the most precise."""
    if name not in FRAMEWORKS:
        raise ValueError(f"unknown framework {name!r}; known: {', '.join(FRAMEWORKS)}")
    module = importlib.import_module(f"conformance.adapters.{name}_adapter")
    try:
        return module.load(precision_defaults)
    except ImportError as e:
        raise FrameworkMissing(f"{name} is not installed ({e})") from e
