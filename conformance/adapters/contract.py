"""What an adapter and the Framework share: the errors a framework raises, a compiled mode, a
result and where it lives, and the helpers every adapter uses (devices, reductions)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ml_dtypes  # noqa: F401  (registers bfloat16 with NumPy: np.dtype("bfloat16"))
import numpy as np

HOST_DEVICES = "CONFORMANCE_HOST_DEVICES"  # this many host CPU devices, where a framework can


class FrameworkMissing(Exception):
    """The framework (or a library its adapter needs) is not installed, or cannot be loaded
    in this process (the reason says which)."""


class Unsupported(Exception):
    """The implementation does not support this combination of options."""


class PlacementError(AssertionError):
    """A result did not live on the device it was asked to run on."""


# differentiate(f, x) -> (f(x), gradient of sum(f(x)) with respect to x): the framework's autodiff.
Differentiate = Callable[[Callable[[Any], Any], Any], tuple[Any, Any]]

# A compiled mode: given f(x, labels, *options) -> value (or (value, gradient)), the compiled
# function, called with the same tensors. ``around_gradient`` says whether the compiled
# function includes the differentiation (jax.jit of jax.vjp, tf.function of a GradientTape),
# or whether the framework's autodiff differentiates the compiled loss (torch.compile).
Compile = Callable[[Callable[..., Any]], Callable[..., Any]]


@dataclass(frozen=True)
class Mode:
    """An execution mode of a framework: eager, or one of its compilers."""

    name: str
    compile: Compile | None = None  # None: eager
    around_gradient: bool = True
    note: str = ""


@dataclass(frozen=True)
class Result:
    """What an implementation returned, brought back to NumPy."""

    value: np.ndarray
    dtype: str  # the dtype the framework returned
    device: str  # the device the result lived on
    grad: np.ndarray | None = None  # of the sum of the value, with respect to the logits
    grad_dtype: str = ""


def normalise_device(platform: str, index: int | None) -> str:
    """One spelling of devices across frameworks: lower-case ``platform:index``."""
    return f"{platform.lower()}:{index or 0}"


def reduce_rows(rows: Any, reduction: str, mean: Callable[[Any], Any], total: Callable[[Any], Any]) -> Any:
    """Apply ``reduction`` with the framework's own mean and sum, as its users do."""
    if reduction == "none":
        return rows
    if reduction == "mean":
        return mean(rows)
    if reduction == "sum":
        return total(rows)
    raise Unsupported(f"reduction {reduction!r}")
