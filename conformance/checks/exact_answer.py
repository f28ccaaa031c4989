"""The exact answer a check is judged against: the case's inputs as the implementation receives
them (rounded to the dtype), and their exact loss and gradient, each computed once."""

from __future__ import annotations

import functools
import hashlib
from collections import OrderedDict
from typing import Any

import numpy as np

from conformance.cases import Case
from conformance.oracle.conventions import DEFAULT, Convention
from conformance.oracle.numbers import Exact
from conformance.oracle.operations import OPERATIONS
from conformance.vocabulary import PROBABILITIES


@functools.lru_cache(maxsize=64)
def inputs(case: Case, label_kind: str, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """The case's logits and labels as the implementation receives them, in ``dtype``:
    computed once per check (the run, the exact value and the bound share them; read only)."""
    labels = case.labels_as(label_kind)
    if label_kind == PROBABILITIES:
        labels = labels.astype(dtype)
    arrays = case.logits.astype(dtype), np.array(labels)
    for array in arrays:  # shared by the run, the exact value and the bound: none may change them
        array.setflags(write=False)
    return arrays


MPMATH_MAX_ELEMENTS = 256  # above this many logits, a float64 check uses extended precision


def exact_loss(case: Case, label_kind: str, dtype: str, convention: Convention = DEFAULT) -> Exact:
    """The exact loss of the case's inputs as rounded to ``dtype`` (cached): mpmath for
    float64 checks of small golden cases, else (drawn cases, float32, large inputs) extended
    precision with its own error bound, below 2^-11 of float64's epsilon."""
    return (_drawn if case.drawn else _exact)(case, label_kind, dtype, convention, False)


def exact_grad(case: Case, label_kind: str, dtype: str, convention: Convention = DEFAULT) -> Exact:
    """The exact gradient of the case's loss with respect to its logits (rounded to
    ``dtype``), in rows (N, K); the same tiers as exact_loss."""
    return (_drawn if case.drawn else _exact)(case, label_kind, dtype, convention, True)


def _computed(case: Case, label_kind: str, dtype: str, convention: Convention, gradient: bool) -> Exact:
    logits, labels = inputs(case, label_kind, dtype)
    exactly = dtype == "float64" and not case.drawn and logits.size <= MPMATH_MAX_ELEMENTS
    operation = OPERATIONS[case.operation]
    tier = operation.exact if exactly else operation.extended
    return tier(logits, labels, case.label_smoothing, case.reduction, case.options(convention), gradient)


# A golden case's exact value serves every implementation and mode that runs it.
_exact = functools.lru_cache(maxsize=32)(_computed)  # tests run case by case: 32 covers one

_DRAWN_KEPT = 512  # exact values of drawn cases kept: a draw key's examples, judged everywhere

_drawn_exact: OrderedDict[tuple[Any, ...], Exact] = OrderedDict()


def _drawn(case: Case, label_kind: str, dtype: str, convention: Convention, gradient: bool) -> Exact:
    """A drawn case's exact value, computed once for every implementation judged on the same
    inputs (draws/per_key.py shares examples; the identities' derived cases come again), by content."""
    content = hashlib.sha256()
    for array in (case.logits, case.labels, np.asarray(case.weights or (), np.float64)):
        content.update(np.ascontiguousarray(array).tobytes())
    shape = (case.logits.shape, case.labels.shape, case.batch_shape, case.axis, case.ignore_index)
    key = (
        content.digest(),
        shape,
        case.label_smoothing,
        case.reduction,
        case.operation,
        label_kind,
        dtype,
        convention,
        gradient,
    )
    if key in _drawn_exact:
        _drawn_exact.move_to_end(key)
        return _drawn_exact[key]
    exact = _drawn_exact[key] = _computed(case, label_kind, dtype, convention, gradient)
    while len(_drawn_exact) > _DRAWN_KEPT:
        _drawn_exact.popitem(last=False)
    return exact
