"""A fused linear case's inputs in a case file: ``hidden`` (N, d), ``weight`` (K, d) and an
optional ``bias`` (K,), packed into the one array the suite passes (oracle/linear.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from conformance.oracle.linear import pack


def packed(raw: dict[str, Any], fail: Callable[[str, str], Exception]) -> tuple[np.ndarray, int, int]:
    """The packed ``[[h, 0], [W, b]]`` and (N, K); ``fail(field, message)`` for a bad field."""
    if "logits" in raw:
        raise fail("logits", "a linear_cross_entropy case gives hidden, weight and bias instead")
    matrices = []
    for field in ("hidden", "weight"):
        rows = raw.get(field)
        if not rows or len({len(row) for row in rows}) != 1 or not rows[0]:
            raise fail(field, "must be a non-empty matrix with rows of one length")
        matrices.append(np.asarray(rows, np.float64))
    hidden, weight = matrices
    if hidden.shape[1] != weight.shape[1]:
        raise fail("weight", f"has rows of {weight.shape[1]}, the hidden states {hidden.shape[1]}")
    bias = raw.get("bias")
    if bias is not None and len(bias) != len(weight):
        raise fail("bias", f"has {len(bias)} entries for {len(weight)} classes")
    for field in ("weights", "ignore_index", "batch_shape", "axis"):
        if field in raw:
            raise fail(field, "is not checked for fused linear cross-entropy")
    return (
        pack(hidden, weight, None if bias is None else np.asarray(bias, np.float64)),
        len(hidden),
        len(weight),
    )
