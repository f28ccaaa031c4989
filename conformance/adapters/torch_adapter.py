"""PyTorch: ``torch.nn.functional.cross_entropy`` and ``torch.nn.CrossEntropyLoss``."""

from __future__ import annotations

import contextlib

import numpy as np

from conformance.adapters.base import Framework, Implementation, normalise_device


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

    def functional(x, labels, e, reduction, axis):
        return F.cross_entropy(x, labels, label_smoothing=e, reduction=reduction)

    def module(x, labels, e, reduction, axis):
        return torch.nn.CrossEntropyLoss(label_smoothing=e, reduction=reduction)(x, labels)

    return Framework(
        name="torch",
        version=str(torch.__version__),
        devices=devices,
        implementations=[
            Implementation("torch.nn.functional.cross_entropy", "torch", functional, class_axis="second"),
            Implementation("torch.nn.CrossEntropyLoss", "torch", module, class_axis="second"),
        ],
        put=put,
        fetch=fetch,
        scope=lambda device: contextlib.nullcontext(),
        differentiate=differentiate,
    )
