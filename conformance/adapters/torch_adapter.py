"""PyTorch: ``torch.nn.functional.cross_entropy`` and ``torch.nn.CrossEntropyLoss``, and the
two forms users write on ``torch.log_softmax`` (torch_forms.py)."""

from __future__ import annotations

import contextlib
import platform
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from conformance.adapters import torch_forms, torch_linear
from conformance.adapters.base import Framework, Implementation
from conformance.adapters.contract import Mode, normalise_device
from conformance.adapters.torch_compile import COMPILE, compiler_missing, graphs_built, inductor_cache
from conformance.oracle.conventions import Convention
from conformance.vocabulary import EAGER, PROBABILITIES, SIGMOID_CROSS_ENTROPY

# torch.nn.CrossEntropyLoss docs: a weighted mean divides by the target classes' weights;
# label_smoothing must be in [0, 1] (checked only above: a negative one counts as 0);
# ignore_index defaults to -100.
CONVENTION = Convention(
    smoothing_below_zero="ignored", smoothing_above_one="raises", default_ignore_index="-100"
)
OPTIONS = frozenset({"weights", "ignore_index"})
BFLOAT16 = np.dtype("bfloat16")


# --- the losses checked: each imports PyTorch when called (importing this module starts none)


def functional(x, labels, e, reduction, axis, weights=None, ignore_index=-100):
    import torch.nn.functional as F

    return F.cross_entropy(
        x, labels, weight=weights, ignore_index=ignore_index, label_smoothing=e, reduction=reduction
    )


def module(x, labels, e, reduction, axis, weights=None, ignore_index=-100):
    import torch

    loss = torch.nn.CrossEntropyLoss(
        weight=weights, ignore_index=ignore_index, label_smoothing=e, reduction=reduction
    )
    return loss(x, labels)


def binary_by_hand(x, labels, e, reduction, axis):
    import torch.nn.functional as F

    return F.binary_cross_entropy_with_logits(x, labels * (1 - e) + e / 2, reduction=reduction)


IMPLEMENTATIONS = [
    Implementation(
        "torch.nn.functional.cross_entropy",
        "torch",
        functional,
        class_axis="second",
        options=OPTIONS,
        convention=CONVENTION,
    ),
    Implementation(
        "torch.nn.CrossEntropyLoss",
        "torch",
        module,
        class_axis="second",
        options=OPTIONS,
        convention=CONVENTION,
        eager_only="compiled, its forward is torch.nn.functional.cross_entropy's graph (dynamo inlines "
        "the module), checked as that; each check would cost another inductor build",
    ),
    Implementation(
        "torch.nn.functional.binary_cross_entropy_with_logits(hand-smoothed)",
        "torch",
        binary_by_hand,
        frozenset({PROBABILITIES}),
        class_axis="rows",
        operation=SIGMOID_CROSS_ENTROPY,
    ),
    *torch_forms.FORMS,
]


# --- moving tensors, differentiating


def put(array: np.ndarray, device: str) -> Any:
    import torch

    native = "cpu" if device == "cpu:0" else device
    if array.dtype == BFLOAT16:  # torch.from_numpy knows no bfloat16: through float32, exactly
        return torch.from_numpy(array.astype(np.float32)).to(native, torch.bfloat16)
    return torch.from_numpy(np.array(array)).to(native)  # a copy: the loss may change it in place


def where(tensor: Any) -> str:
    return normalise_device(tensor.device.type, tensor.device.index)


def fetch(tensor: Any) -> tuple[np.ndarray, str]:
    import torch

    host = tensor.detach().cpu()
    if host.dtype == torch.bfloat16:
        return host.float().numpy().astype(BFLOAT16), where(tensor)
    return host.numpy(), where(tensor)


def differentiate(f, x: Any) -> tuple[Any, Any]:
    import torch

    x = x.detach().requires_grad_(True)
    value = f(x)
    (grad,) = torch.autograd.grad(value.sum(), x, allow_unused=True, materialize_grads=True)
    return value.detach(), grad


def load(precision_defaults: bool = False) -> Framework:
    """``precision_defaults``: keep PyTorch's TF32 settings (else off: full float32 matmuls)."""
    cache = inductor_cache()
    import torch

    devices = ["cpu:0"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if torch.backends.mps.is_available():
        devices.append("mps:0")
    names = {"cpu:0": platform.processor() or platform.machine() or "host CPU"}
    names.update({f"cuda:{i}": torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())})
    if not precision_defaults:
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.set_float32_matmul_precision("highest")
    missing = compiler_missing()
    return Framework(
        name="torch",
        version=str(torch.__version__),
        devices=devices,
        implementations=[*IMPLEMENTATIONS, *torch_linear.on_this_release(torch)],
        put=put,
        fetch=fetch,
        scope=lambda device, dtype: contextlib.nullcontext(),
        differentiate=differentiate,
        details={"compilation_cache": cache},
        where=where,
        device_names=names,
        precision={
            "torch.backends.cuda.matmul.allow_tf32": str(torch.backends.cuda.matmul.allow_tf32),
            "torch.backends.cudnn.allow_tf32": str(torch.backends.cudnn.allow_tf32),
            "float32_matmul_precision": torch.get_float32_matmul_precision(),
        },
        modes=(Mode(EAGER),) + ((COMPILE,) if not missing else ()),
        unavailable={"compile": missing} if missing else {},
        built=graphs_built,
    )


def load_as(
    name: str, version: str, implementations: Sequence[Implementation], precision_defaults: bool = False
) -> Framework:
    """PyTorch's framework (devices, tensors, autograd, torch.compile) under the name and
    version of a library whose losses take PyTorch tensors, with those as its implementations
    (transformers, timm); PyTorch's version stays in its details."""
    torch = load(precision_defaults)
    return replace(
        torch,
        name=name,
        version=version,
        implementations=list(implementations),
        details={**torch.details, "torch": torch.version},
    )
