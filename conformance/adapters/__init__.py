"""The registry of framework adapters: one module per framework, imported only when asked for."""

from __future__ import annotations

import importlib

from conformance.adapters.base import Framework, Implementation, Result, Unsupported

# opt-in (pyproject's extras, not in all): mlx; transformers (its LabelSmoother, on PyTorch);
# tinygrad; paddle (PaddlePaddle)
FRAMEWORKS = ("numpy", "torch", "tensorflow", "jax", "mlx", "transformers", "tinygrad", "paddle")

__all__ = ["FRAMEWORKS", "Framework", "FrameworkMissing", "Implementation", "Result", "Unsupported", "load"]


class FrameworkMissing(Exception):
    """The framework (or a library its adapter needs) is not installed."""


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
