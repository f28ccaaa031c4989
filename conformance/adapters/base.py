"""What an adapter provides: a framework, its devices, and its implementations.

Adapters know nothing of pytest or of the report, so they can be used from a notebook::

    from conformance.adapters import load
    torch = load("torch")
    torch.run(torch.implementation("torch.nn.functional.cross_entropy"), "cpu:0",
              logits, labels, label_smoothing=0.1, reduction="mean")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

LABEL_KINDS = ("indices", "probabilities")
DTYPES = ("float32", "float64")


class Unsupported(Exception):
    """The implementation does not support this combination of options."""


class PlacementError(AssertionError):
    """A result did not live on the device it was asked to run on."""


# loss(logits, labels, label_smoothing, reduction, axis) on framework tensors -> framework
# tensor; ``axis`` is the class axis of the logits (and of probability labels), >= 0.
LossFn = Callable[[Any, Any, float, str, int], Any]


@dataclass(frozen=True)
class Implementation:
    """One public API of a framework that computes softmax cross-entropy with smoothing."""

    name: str
    framework: str
    loss: LossFn
    label_kinds: frozenset[str] = frozenset(LABEL_KINDS)
    reductions: frozenset[str] = frozenset(("none", "mean", "sum"))
    dtypes: frozenset[str] = frozenset(DTYPES)
    class_axis: str = "last"  # where it takes the classes: "last", "second" ((N, C, d1, ...)) or "any"
    note: str = ""

    def takes_axis(self, axis: int, rank: int) -> bool:
        """Whether the class axis may be ``axis`` (>= 0) of logits of ``rank``."""
        return axis == rank - 1 or self.class_axis == "any" or (self.class_axis == "second" and axis == 1)

    def unsupported(self, label_kind: str, reduction: str, dtype: str) -> str | None:
        """Why this combination is unsupported, or None if it is supported."""
        for what, value, allowed in (
            ("labels as", label_kind, self.label_kinds),
            ("reduction", reduction, self.reductions),
            ("dtype", dtype, self.dtypes),
        ):
            if value not in allowed:
                return f"{self.name} does not support {what} {value} (supports {sorted(allowed)})"
        return None


@dataclass(frozen=True)
class Result:
    """What an implementation returned, brought back to NumPy."""

    value: np.ndarray
    dtype: str  # the dtype the framework returned
    device: str  # the device the result lived on


@dataclass
class Framework:
    """A framework as the suite sees it: version, devices and implementations.

    ``put(array, device)`` makes a framework tensor on a device (keeping the array's dtype);
    ``fetch(tensor)`` returns ``(numpy array, device name)``; ``scope(device)`` is a
    context manager in which the implementation's ops run on that device.
    """

    name: str
    version: str
    devices: list[str]
    implementations: list[Implementation]
    put: Callable[[np.ndarray, str], Any]
    fetch: Callable[[Any], tuple[np.ndarray, str]]
    scope: Callable[[str], Any]
    details: dict[str, str] = field(default_factory=dict)

    def implementation(self, name: str) -> Implementation:
        for impl in self.implementations:
            if impl.name == name:
                return impl
        raise KeyError(f"{self.name} has no implementation {name!r}")

    def run(
        self,
        impl: Implementation,
        device: str,
        logits: np.ndarray,
        labels: np.ndarray,
        label_smoothing: float,
        reduction: str,
        axis: int = -1,
    ) -> Result:
        """Run ``impl`` on ``device``; inputs are NumPy arrays already in the dtype under test,
        with the classes on ``axis`` of the logits."""
        axis = axis % logits.ndim
        if not impl.takes_axis(axis, logits.ndim):
            raise Unsupported(f"{impl.name} takes the class axis {impl.class_axis}, not {axis}")
        with self.scope(device):
            x, y = self.put(logits, device), self.put(labels, device)
            value = impl.loss(x, y, label_smoothing, reduction, axis)
        array, where = self.fetch(value)
        if where != device:
            raise PlacementError(f"{impl.name}: result lived on {where}, not on {device}")
        return Result(np.asarray(array), str(array.dtype), where)


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
