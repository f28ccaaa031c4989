"""PaddlePaddle: ``paddle.nn.functional.cross_entropy`` (class indices or probability rows through
``soft_label``, ``label_smoothing``, ``ignore_index``, any class ``axis``) and
``paddle.nn.CrossEntropyLoss``, eagerly and under ``paddle.jit.to_static``. An opt-in framework:
``pip install -e .[paddle]`` (the CPU package, paddlepaddle).

On the CPU, Paddle registers its softmax cross-entropy kernel for float32 and float64 only
(``cross_entropy_with_softmax``: a float16 or bfloat16 tensor raises NotFound), so the half
precisions are checked where a GPU is."""

from __future__ import annotations

import contextlib
import importlib.util
import platform
import sys
from dataclasses import replace
from typing import Any

import numpy as np

from conformance.adapters.base import Framework, Implementation
from conformance.adapters.contract import FrameworkMissing, Mode, normalise_device
from conformance.oracle.conventions import Convention
from conformance.vocabulary import EAGER, HALF_PRECISION

# paddle.nn.functional.cross_entropy (python/paddle/nn/functional/loss.py): ignore_index defaults
# to -100 (class indices only); the mean divides by the rows not ignored, and is 0 where none is
# kept; smoothing applies only `if label_smoothing > 0.0` (a negative one is none) and
# label_smooth raises a ValueError above 1.
CONVENTION = Convention(
    weighted_mean="kept-rows",
    default_ignore_index="-100",
    empty_mean="zero",
    smoothing_below_zero="ignored",
    smoothing_above_one="raises",
)
HALF = frozenset(HALF_PRECISION)


def _soft(x, labels) -> bool:
    return len(labels.shape) == len(x.shape)  # probability rows: the classes on the same axis


def functional(x, labels, e, reduction, axis, ignore_index=None):
    import paddle.nn.functional as F

    given = {} if ignore_index is None else {"ignore_index": ignore_index}
    soft = _soft(x, labels)
    out = F.cross_entropy(
        x, labels, reduction=reduction, soft_label=soft, axis=axis, label_smoothing=e, **given
    )
    return _per_position(out, x, reduction, axis)


def _per_position(out, x, reduction, axis):
    """With reduction none Paddle keeps the class axis, of size 1 (its docs: the loss has the
    label's shape, whose class axis is 1): dropped, so the values are compared per position."""
    if reduction == "none" and len(out.shape) == len(x.shape):
        return out.squeeze(axis)
    return out


def module(x, labels, e, reduction, axis, ignore_index=None):
    import paddle

    given = {} if ignore_index is None else {"ignore_index": ignore_index}
    loss = paddle.nn.CrossEntropyLoss(
        reduction=reduction, soft_label=_soft(x, labels), axis=axis, label_smoothing=e, **given
    )
    return _per_position(loss(x, labels), x, reduction, axis)


IMPLEMENTATIONS = [
    Implementation(
        "paddle.nn.functional.cross_entropy",
        "paddle",
        functional,
        class_axis="any",
        options=frozenset({"ignore_index"}),
        convention=CONVENTION,
    ),
    Implementation(
        "paddle.nn.CrossEntropyLoss",
        "paddle",
        module,
        class_axis="any",
        options=frozenset({"ignore_index"}),
        convention=CONVENTION,
        eager_only="compiled, its forward is paddle.nn.functional.cross_entropy's, checked as that",
    ),
]


def put(array: np.ndarray, device: str) -> Any:
    import paddle

    place = paddle.CPUPlace() if device.startswith("cpu") else paddle.CUDAPlace(int(device.split(":")[1]))
    return paddle.to_tensor(np.array(array), place=place)


def where(tensor: Any) -> str:
    place = tensor.place
    if place.is_gpu_place():
        return normalise_device("gpu", place.gpu_device_id())
    return "cpu:0"


def fetch(tensor: Any) -> tuple[np.ndarray, str]:
    return tensor.numpy(), where(tensor)


def differentiate(f, x: Any) -> tuple[Any, Any]:
    import paddle

    x = x.detach()
    x.stop_gradient = False
    value = f(x)
    (grad,) = paddle.grad(value.sum(), [x])
    return value.detach(), grad


def to_static(f):
    import paddle

    return paddle.jit.to_static(f, full_graph=True)


def load(precision_defaults: bool = False) -> Framework:
    """Paddle on the CPU and each GPU it sees; on a machine without a GPU, float32 and float64.
    Missing where TensorFlow was imported first in this process: paddle would crash it."""
    if "tensorflow" in sys.modules and "paddle" not in sys.modules and importlib.util.find_spec("paddle"):
        raise FrameworkMissing(
            "paddle cannot be imported after TensorFlow in one process (a segmentation fault, "
            "paddlepaddle 3.3.1 with tensorflow-cpu 2.21); a run imports it first, this process "
            "had TensorFlow already: check paddle alone (--framework paddle, tox -e paddle)"
        )
    import paddle

    gpus = paddle.device.cuda.device_count() if paddle.device.is_compiled_with_cuda() else 0
    devices = ["cpu:0"] + [f"gpu:{i}" for i in range(gpus)]
    implementations = list(IMPLEMENTATIONS)
    if not gpus:
        why = "Paddle's CPU kernel of softmax cross-entropy takes float32 and float64 only"
        implementations = [replace(i, dtypes=i.dtypes - HALF, note=why) for i in implementations]
    return Framework(
        name="paddle",
        version=str(paddle.__version__),
        devices=devices,
        implementations=implementations,
        put=put,
        fetch=fetch,
        scope=lambda device, dtype: contextlib.nullcontext(),
        differentiate=differentiate,
        where=where,
        device_names={"cpu:0": platform.processor() or platform.machine() or "host CPU"},
        modes=(
            Mode(EAGER),
            Mode(
                "to_static",
                to_static,
                around_gradient=False,
                note="paddle.jit.to_static(full_graph=True) of the loss; paddle.grad differentiates it",
            ),
        ),
    )
