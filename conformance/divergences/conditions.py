"""When a known divergence shows: named conditions on a check's input (``shows_when``), so that
an entry excuses, and is cited for, only an input it fits (an entry of classes off the last axis
is not the cause of a failure whose classes are on the last axis). Each is a necessary condition
of the entry's mechanism, read from its reason and evidence, never a fit to what was seen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _class_axis_is_last(case: Any) -> bool:
    """Whether the classes are the last axis of the logits as the implementation gets them."""
    rank = 2 if case.batch_shape is None else len(case.batch_shape) + 1
    return case.axis % rank == rank - 1


CONDITIONS: dict[str, Callable[[Any], bool]] = {
    "classes-on-the-last-axis": _class_axis_is_last,
    "classes-off-the-last-axis": lambda case: not _class_axis_is_last(case),
    "smoothing": lambda case: case.label_smoothing > 0,
    "no-smoothing": lambda case: case.label_smoothing == 0,
    # a sum of K terms of at most 1 (exp(x - max)) can reach 65520, where float16 rounds to inf
    "classes-65520-or-more": lambda case: case.classes >= 65520,
    # logits of rank 3, a batch (A, B) with the classes on one of the three axes
    "rank-3": lambda case: case.batch_shape is not None,
}


def holds(conditions: tuple[str, ...] | list[str], case: Any) -> bool:
    """Whether every named condition holds for ``case`` (a cases.Case: its layout and
    parameters); no conditions hold for every input."""
    return all(CONDITIONS[name](case) for name in conditions)
