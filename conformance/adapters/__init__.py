"""The registry of framework adapters: one module per framework, imported only when asked for."""

from __future__ import annotations

import importlib

from conformance.adapters.base import Framework, Implementation, Result, Unsupported

FRAMEWORKS = ("numpy", "torch", "tensorflow", "jax")

__all__ = ["FRAMEWORKS", "Framework", "FrameworkMissing", "Implementation", "Result", "Unsupported", "load"]


class FrameworkMissing(Exception):
    """The framework (or a library its adapter needs) is not installed."""


def load(name: str) -> Framework:
    """Import framework ``name`` and describe it; raises FrameworkMissing if not installed."""
    if name not in FRAMEWORKS:
        raise ValueError(f"unknown framework {name!r}; known: {', '.join(FRAMEWORKS)}")
    module = importlib.import_module(f"conformance.adapters.{name}_adapter")
    try:
        return module.load()
    except ImportError as e:
        raise FrameworkMissing(f"{name} is not installed ({e})") from e
