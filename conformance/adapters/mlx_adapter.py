"""MLX: ``mlx.nn.losses.cross_entropy`` (class indices or probability rows, ``label_smoothing``,
``axis``), eagerly and under ``mx.compile``. An opt-in framework: ``pip install -e .[mlx]``
(on Linux the CPU build, mlx[cpu]).

MLX keeps no device per array (one memory for every device): an array is where the default
device put it, so a check runs inside ``mx.stream(device)`` and its result is read as
living there."""

from __future__ import annotations

import contextlib
from typing import Any

import ml_dtypes
import numpy as np

from conformance.adapters.base import Framework, Implementation
from conformance.adapters.contract import Mode
from conformance.oracle.conventions import Convention
from conformance.vocabulary import EAGER

BFLOAT16 = np.dtype(ml_dtypes.bfloat16)
# mlx/nn/losses.py, cross_entropy: "Label smoothing must be in [0, 1)" (a ValueError below 0
# and from 1 on); class indices through mx.take_along_axis, where -1 counts from the end (one
# at K or beyond reads outside the row: a known divergence); its weights are per target (row),
# not per class: no class weights here.
CONVENTION = Convention(
    smoothing_below_zero="raises", smoothing_above_one="raises", label_out_of_range="wraps"
)


# --- the loss checked: imports MLX when called (importing this module starts none)


def cross_entropy(x, labels, e, reduction, axis):
    import mlx.nn as nn

    return nn.losses.cross_entropy(x, labels, axis=axis, label_smoothing=e, reduction=reduction)


IMPLEMENTATIONS = [
    Implementation(
        "mlx.nn.losses.cross_entropy", "mlx", cross_entropy, class_axis="any", convention=CONVENTION
    ),
]


# --- moving arrays, differentiating, compiling


def put(array: np.ndarray) -> Any:
    import mlx.core as mx

    if array.dtype == BFLOAT16:  # MLX takes no ml_dtypes array: through float32, exactly
        return mx.array(array.astype(np.float32)).astype(mx.bfloat16)
    if array.dtype == np.float64:  # mx.array makes float32 of float64 unless told
        return mx.array(array, dtype=mx.float64)
    return mx.array(array)


def fetch(tensor: Any, device: str) -> tuple[np.ndarray, str]:
    import mlx.core as mx

    if tensor.dtype == mx.bfloat16:
        return np.array(tensor.astype(mx.float32)).astype(BFLOAT16), device
    return np.array(tensor), device


def differentiate(f, x: Any) -> tuple[Any, Any]:
    import mlx.core as mx

    value = f(x)
    _, (grad,) = mx.vjp(lambda v: f(v), [x], [mx.ones_like(value)])
    return value, grad


def compile_loss(f):
    import mlx.core as mx

    return mx.compile(f)


def load(precision_defaults: bool = False) -> Framework:
    """MLX on the devices it has here: the CPU, and the GPU where MLX was built with one."""
    import mlx.core as mx

    devices = {"cpu:0": mx.cpu}
    if mx.is_available(mx.gpu):
        devices["gpu:0"] = mx.gpu
    current = ["cpu:0"]  # the device of the check running: MLX arrays carry none

    def scope(device: str, dtype: str) -> contextlib.AbstractContextManager[Any]:
        current[0] = device
        return mx.stream(devices[device])

    return Framework(
        name="mlx",
        version=str(getattr(mx, "__version__", "unknown")),
        devices=list(devices),
        implementations=list(IMPLEMENTATIONS),
        put=lambda array, device: put(array),
        fetch=lambda tensor: fetch(tensor, current[0]),
        scope=scope,
        differentiate=differentiate,
        device_names={name: str(d) for name, d in devices.items()},
        modes=(Mode(EAGER), Mode("compile", compile_loss, note="mx.compile of the loss, or of its mx.vjp")),
    )
