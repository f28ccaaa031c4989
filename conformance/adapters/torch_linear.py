"""PyTorch's fused linear cross-entropy, ``torch.nn.functional.linear_cross_entropy`` (torch
2.13): on its reference path (``options=None``: ``cross_entropy(linear(h, W, b))``) and on its
chunked path (``options=LinearCrossEntropyOptions()``, which never forms the whole logits). Both
take the packed input of oracle/linear.py."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from typing import Any

from conformance.adapters.implementation import Implementation
from conformance.oracle.linear import parts
from conformance.vocabulary import INDICES, LINEAR_CROSS_ENTROPY

# --- each imports PyTorch when called (importing this module starts none)


def reference_path(x, labels, e, reduction, axis):
    """``F.linear_cross_entropy(h, W, labels, linear_bias=b)``, options None."""
    import torch.nn.functional as F

    h, w, b = parts(x, len(labels))
    return F.linear_cross_entropy(h, w, labels, linear_bias=b, label_smoothing=e, reduction=reduction)


def chunked_path(x, labels, e, reduction, axis):
    """The same with ``options=LinearCrossEntropyOptions()`` (its defaults: per device and dtype)."""
    import torch.nn.functional as F
    from torch.nn.modules.linear_cross_entropy_options import LinearCrossEntropyOptions

    h, w, b = parts(x, len(labels))
    return F.linear_cross_entropy(
        h,
        w,
        labels,
        linear_bias=b,
        label_smoothing=e,
        reduction=reduction,
        options=LinearCrossEntropyOptions(),
    )


LINEAR = [
    Implementation(
        "torch.nn.functional.linear_cross_entropy",
        "torch",
        reference_path,
        frozenset({INDICES}),
        class_axis="rows",
        operation=LINEAR_CROSS_ENTROPY,
    ),
    Implementation(
        "torch.nn.functional.linear_cross_entropy(chunked)",
        "torch",
        chunked_path,
        frozenset({INDICES}),
        class_axis="rows",
        operation=LINEAR_CROSS_ENTROPY,
        smoothing=False,
        note="the chunked path takes no label smoothing: it falls back to the reference path, warning",
        eager_only="compiled, torch.compile falls back to eager at the chunked op (its documentation)",
    ),
]


def on_this_release(torch: Any) -> list[Implementation]:
    """LINEAR as the installed PyTorch has them: an API an older release lacks is unsupported
    there, saying so (``missing``), not an AttributeError or ImportError in every check."""
    version = torch.__version__
    if not hasattr(torch.nn.functional, "linear_cross_entropy"):
        why = f"torch {version} has no torch.nn.functional.linear_cross_entropy"
        return [replace(impl, missing=why) for impl in LINEAR]
    if importlib.util.find_spec("torch.nn.modules.linear_cross_entropy_options") is None:
        why = f"torch {version} has no torch.nn.modules.linear_cross_entropy_options (the chunked path)"
        return [LINEAR[0], replace(LINEAR[1], missing=why)]
    return list(LINEAR)
