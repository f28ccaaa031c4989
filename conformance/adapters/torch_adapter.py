"""PyTorch: ``torch.nn.functional.cross_entropy`` and ``torch.nn.CrossEntropyLoss``."""

from __future__ import annotations

import contextlib

import numpy as np

from conformance.adapters.base import Framework, Implementation, normalise_device
from conformance.conventions import Convention

# torch.nn.CrossEntropyLoss docs: a weighted mean divides by the target classes' weights;
# label_smoothing must be in [0, 1] (checked only above: a negative one counts as 0).
CONVENTION = Convention(smoothing_below_zero="ignored", smoothing_above_one="raises")
OPTIONS = frozenset({"weights", "ignore_index"})


def load() -> Framework:
    import torch
    import torch.nn.functional as F

    devices = ["cpu:0"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if torch.backends.mps.is_available():
        devices.append("mps:0")

    def put(array: np.ndarray, device: str) -> torch.Tensor:
        native = "cpu" if device == "cpu:0" else device
        return torch.from_numpy(np.ascontiguousarray(array)).to(native)

    def fetch(tensor: torch.Tensor) -> tuple[np.ndarray, str]:
        where = normalise_device(tensor.device.type, tensor.device.index)
        return tensor.detach().cpu().numpy(), where

    def differentiate(f, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = x.detach().requires_grad_(True)
        value = f(x)
        (grad,) = torch.autograd.grad(value.sum(), x, allow_unused=True, materialize_grads=True)
        return value.detach(), grad

    def functional(x, labels, e, reduction, axis, weights=None, ignore_index=-100):
        return F.cross_entropy(
            x, labels, weight=weights, ignore_index=ignore_index, label_smoothing=e, reduction=reduction
        )

    def module(x, labels, e, reduction, axis, weights=None, ignore_index=-100):
        loss = torch.nn.CrossEntropyLoss(
            weight=weights, ignore_index=ignore_index, label_smoothing=e, reduction=reduction
        )
        return loss(x, labels)

    def binary_by_hand(x, labels, e, reduction, axis):
        return F.binary_cross_entropy_with_logits(x, labels * (1 - e) + e / 2, reduction=reduction)

    def implementation(name, loss):
        return Implementation(
            name, "torch", loss, class_axis="second", options=OPTIONS, convention=CONVENTION
        )

    return Framework(
        name="torch",
        version=str(torch.__version__),
        devices=devices,
        implementations=[
            implementation("torch.nn.functional.cross_entropy", functional),
            implementation("torch.nn.CrossEntropyLoss", module),
            Implementation(
                "torch.nn.functional.binary_cross_entropy_with_logits(hand-smoothed)",
                "torch",
                binary_by_hand,
                frozenset({"probabilities"}),
                class_axis="rows",
                operation="sigmoid_cross_entropy",
            ),
        ],
        put=put,
        fetch=fetch,
        scope=lambda device: contextlib.nullcontext(),
        differentiate=differentiate,
    )
