"""tinygrad: ``Tensor.sparse_categorical_crossentropy`` (class indices, the classes last,
``label_smoothing``, ``ignore_index``, ``reduction``), eagerly. An opt-in framework:
``pip install -e .[tinygrad]``; its CPU device compiles kernels with clang, which must be on
the PATH (Debian: ``apt-get install clang``).

What it computes (tinygrad/mixin/op.py, sparse_categorical_crossentropy): ``log_softmax`` over
the last axis; the target's term through a one-hot of the labels (``_one_hot_along_dim``), so a
class index outside [0, K) matches no class and its row loses the target term silently; the
smoothing term ``e * mean(log_probs)``; the mean divides by the rows not ignored. Its
``ignore_index`` defaults to -1, which means "ignore nothing", not "ignore class -1"."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any

import ml_dtypes
import numpy as np

from conformance.adapters.base import Framework, Implementation
from conformance.adapters.contract import Mode, Unsupported
from conformance.oracle.conventions import Convention
from conformance.vocabulary import EAGER, INDICES

BFLOAT16 = np.dtype(ml_dtypes.bfloat16)
# "assert 0.0 <= label_smoothing <= 1.0": an AssertionError on either side; the mean divides by
# the kept rows (loss_mask.sum()), so an empty batch or every row ignored is 0/0.
CONVENTION = Convention(
    weighted_mean="kept-rows", smoothing_below_zero="raises", smoothing_above_one="raises"
)


def sparse_categorical_crossentropy(x, labels, e, reduction, axis, ignore_index=None):
    if ignore_index == -1:  # tinygrad's default, read as "ignore nothing": -1 cannot be the ignored class
        raise Unsupported(
            "tinygrad reads ignore_index=-1 as 'ignore nothing' (its default), so class -1 cannot be "
            "the one ignored (see tinygrad-class-index-out-of-range-drops-the-target-term)"
        )
    given = {} if ignore_index is None else {"ignore_index": ignore_index}
    return x.sparse_categorical_crossentropy(labels, label_smoothing=e, reduction=reduction, **given)


IMPLEMENTATIONS = [
    Implementation(
        "tinygrad.Tensor.sparse_categorical_crossentropy",
        "tinygrad",
        sparse_categorical_crossentropy,
        frozenset({INDICES}),
        options=frozenset({"ignore_index"}),
        convention=CONVENTION,
    ),
]


def put(array: np.ndarray, device: str) -> Any:
    from tinygrad import Tensor, dtypes

    if array.dtype == BFLOAT16:  # through float32, exactly
        return Tensor(array.astype(np.float32), device=device).cast(dtypes.bfloat16).realize()
    return Tensor(np.array(array), device=device).realize()


def fetch(tensor: Any, device: str) -> tuple[np.ndarray, str]:
    from tinygrad import dtypes

    if tensor.dtype == dtypes.bfloat16:
        return tensor.cast(dtypes.float32).numpy().astype(BFLOAT16), device
    return tensor.numpy(), device


def differentiate(f, x: Any) -> tuple[Any, Any]:
    x = x.detach()
    x.requires_grad = True
    value = f(x)
    value.sum().backward()
    return value.detach(), x.grad


def load(precision_defaults: bool = False) -> Framework:
    """tinygrad on its default device (CPU here), named cpu:0."""
    from importlib.metadata import version

    from tinygrad import Device

    try:
        native = Device.DEFAULT
    except RuntimeError as e:  # no device works: the CPU's needs clang
        raise ImportError(f"tinygrad has no usable device here ({e}); its CPU device needs clang") from e
    devices = {f"{native.split(':')[0].lower()}:0": native}

    try:  # the first kernel built: the CPU device finds no compiler only now
        half = _bfloat16_missing(native)
    except FileNotFoundError as e:
        why = f"tinygrad cannot build kernels on {native} here ({e}); its CPU device needs clang"
        raise ImportError(why) from e
    implementations = [
        replace(i, dtypes=i.dtypes - {"bfloat16"}, note=half) if half else i for i in IMPLEMENTATIONS
    ]

    def where(tensor: Any) -> str:
        return f"{str(tensor.device).split(':')[0].lower()}:0"

    return Framework(
        name="tinygrad",
        version=version("tinygrad"),  # tinygrad has no __version__
        devices=list(devices),
        implementations=implementations,
        put=lambda array, device: put(array, devices[device]),
        fetch=lambda tensor: fetch(tensor, where(tensor)),
        scope=lambda device, dtype: contextlib.nullcontext(),
        differentiate=differentiate,
        where=where,
        device_names={name: native for name in devices},
        details={"bfloat16": half or "compiles"},
        modes=(Mode(EAGER),),
        unavailable={
            "jit": "TinyJit captures a function's kernels over its first two calls and replays them after: "
            "a check calls each program once"
        },
    )


def _bfloat16_missing(device: str) -> str:
    """Why bfloat16 kernels do not build on ``device`` here, or "" where they do (clang before
    version 17 has no __bf16 for a freestanding x86-64 target)."""
    import subprocess

    from tinygrad import Tensor, dtypes

    try:
        Tensor([1.0], device=device).cast(dtypes.bfloat16).realize()
    except subprocess.CalledProcessError as e:
        return f"tinygrad's bfloat16 kernels do not compile on {device} here ({e.cmd[0]} failed)"
    return ""
