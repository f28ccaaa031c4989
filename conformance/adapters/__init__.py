"""One adapter per framework, each imported only when asked for (load), and the user's own loss
(user.py).
May import: oracle, vocabulary."""

from __future__ import annotations

import importlib

from conformance.adapters.base import Framework, Implementation
from conformance.adapters.contract import FrameworkMissing, Result, Unsupported
from conformance.vocabulary import FRAMEWORKS, IMPORTED_FIRST

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
