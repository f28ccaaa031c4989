"""The table of property checks: what each draws (its cases, and what an example draws besides
its case), the label kinds it runs with, and its draw key (draws/per_key.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from conformance.adapters import Implementation
from conformance.cases import Case
from conformance.checks.properties import (
    agreement,
    empty_batch,
    entropy_floor,
    gradient,
    halves,
    hand_smoothed,
    hidden_classes,
    masked,
    nan_row,
    one_hot_rows,
    permutation,
    shift,
    unsmoothed,
)
from conformance.draws import primitives, strategies
from conformance.vocabulary import INDICES, LINEAR_CROSS_ENTROPY, PROBABILITIES, REDUCTIONS

# what an example draws besides its case (before any implementation runs)
Extras = Callable[[Case, str], st.SearchStrategy[Any]]  # (case, dtype) -> what else it draws


def _nan_at(case: Case, dtype: str) -> st.SearchStrategy[Any]:
    n, k = case.logits.shape
    return st.tuples(st.integers(0, n - 1), st.integers(0, k - 1))


def _mask(case: Case, dtype: str) -> st.SearchStrategy[Any]:
    k = case.logits.shape[1]
    if k < 2:
        return st.nothing()
    masks = primitives.per_class(k, (False, True))
    return masks.filter(lambda mask: bool(hidden_classes(case, mask).any()))


def _shifts(case: Case, dtype: str) -> st.SearchStrategy[Any]:
    g = primitives.GRID[dtype]
    n = case.logits.shape[0]
    return st.lists(st.integers(-g, g), min_size=n, max_size=n)


def _order(case: Case, dtype: str) -> st.SearchStrategy[Any]:
    k = case.logits.shape[1]
    if k < primitives.GENERATED_FROM:
        return st.permutations(range(k)).map(tuple)
    return st.integers(0, 2**32 - 1)  # too many classes to draw one by one: a seed of hashes


def _split(case: Case, dtype: str) -> st.SearchStrategy[Any]:
    n = case.logits.shape[0]
    if n < 2:  # two non-empty halves; the empty batch is a property of its own
        return st.nothing()
    return st.sampled_from(sorted({1, n // 2}))  # one row off, or halves: few new shapes


def drawn_reductions(impl: Implementation) -> tuple[str, ...]:
    """The reductions a property that draws one draws among for ``impl``: those it takes."""
    return tuple(r for r in REDUCTIONS if r in impl.reductions)


@dataclass(frozen=True)
class Property:
    """A property check and the cases it draws."""

    check: Callable[..., dict[str, Any]]
    kinds: Callable[[Implementation], tuple[str, ...]]  # the label kinds it runs with
    draw_case: str = "cases"  # "cases", "grid" (exact shifts) or "empty"
    reduction: str | None = None
    layouts: bool = True  # whether cases come in rank-3 layouts too
    min_rows: int = 1
    options: bool = False  # whether it draws the options (weights, ignored rows) an implementation takes
    operation: str = "softmax_cross_entropy"
    extras: Extras | None = None  # what an example draws besides its case

    def label_kinds(self, impl: Implementation) -> tuple[str, ...]:
        if self.options and not impl.options:
            return ()
        kinds = tuple(k for k in self.kinds(impl) if k in impl.label_kinds)
        if self.options and impl.options == {"ignore_index"}:
            return tuple(k for k in kinds if k == INDICES)  # ignored rows need class indices
        return kinds

    def examples(self, dtype: str, kind: str, impl: Implementation) -> st.SearchStrategy[tuple[Case, Any]]:
        """What one example of this property draws for ``impl``: a case and its extra."""
        extras = self.extras
        if extras is None:
            return self.cases(dtype, kind, impl).map(lambda case: (case, None))
        return self.cases(dtype, kind, impl).flatmap(
            lambda case: extras(case, dtype).map(lambda extra: (case, extra))
        )

    def reduction_for(self, impl: Implementation) -> str:
        """A reduction this property runs ``impl`` with: its own, or one it draws among those
        ``impl`` takes (the mean where it takes it)."""
        if self.reduction:
            return self.reduction
        return "mean" if "mean" in impl.reductions else (drawn_reductions(impl) or ("mean",))[0]

    def draw_key(self, dtype: str, kind: str, impl: Implementation) -> tuple[Any, ...]:
        """What its examples depend on besides the property, dtype and label kind: two
        implementations with the same key are judged on the same examples."""
        axis = impl.class_axis if self.layouts and impl.class_axis != "rows" else None
        options = tuple(sorted(impl.options)) if self.options else ()
        classes = (impl.min_classes, impl.classes_multiple)
        narrowed: tuple[Any, ...] = (
            (classes,) if classes != (1, 1) else ()
        )  # every number of classes: the key as it was
        narrowed += () if impl.takes_bias else ("no bias",)
        return (dtype, kind, bool(impl.smoothing), tuple(sorted(impl.reductions)), axis, options, *narrowed)

    def cases(self, dtype: str, kind: str, impl: Implementation) -> st.SearchStrategy[Case]:
        """The cases this property draws, in ``dtype`` with labels of ``kind``, for ``impl``:
        laid out with the classes on an axis it takes, smoothed only if it smooths, with the
        options it takes where the property draws options."""
        smoothing = None if impl.smoothing else 0.0
        reductions = drawn_reductions(impl)
        classes = (impl.min_classes, impl.classes_multiple)
        if self.operation == LINEAR_CROSS_ENTROPY:
            return strategies.linear_cases(dtype, reductions, smoothing, impl.takes_bias)
        if self.operation != "softmax_cross_entropy":
            return strategies.binary_cases(dtype, reductions)
        if self.draw_case == "empty":
            return strategies.empty_cases(dtype, kind, smoothing is None, reductions, classes)
        drawn = strategies.cases(
            dtype,
            kind,
            reduction=self.reduction,
            reductions=reductions,
            smoothing=smoothing,
            grid=self.draw_case == "grid",
            class_axis=impl.class_axis if self.layouts and impl.class_axis != "rows" else None,
            min_rows=self.min_rows,
            classes=classes,
        )
        if self.options:
            return drawn.flatmap(lambda case: strategies.with_options(case, kind, impl.options))
        return drawn


def _every(impl: Implementation) -> tuple[str, ...]:
    return (INDICES, PROBABILITIES)


def _rows_too(impl: Implementation) -> tuple[str, ...]:
    """Kinds whose labels can also be given as probability rows to this implementation."""
    return (INDICES, PROBABILITIES) if PROBABILITIES in impl.label_kinds else ()


def _indices_and_rows(impl: Implementation) -> tuple[str, ...]:
    return (INDICES,) if {INDICES, PROBABILITIES} <= impl.label_kinds else ()


PROPERTIES: dict[str, Property] = {
    "agreement": Property(agreement, _every),
    "gradient_agreement": Property(gradient, _every),
    "options": Property(agreement, _every, options=True),
    "options_gradient": Property(gradient, _every, options=True),
    "binary_agreement": Property(agreement, _every, operation="sigmoid_cross_entropy"),
    "binary_gradient": Property(gradient, _every, operation="sigmoid_cross_entropy"),
    "linear_agreement": Property(agreement, _every, operation=LINEAR_CROSS_ENTROPY),
    "linear_gradient": Property(gradient, _every, operation=LINEAR_CROSS_ENTROPY),
    "nan_row": Property(nan_row, _every, extras=_nan_at),
    "masked": Property(masked, _every, extras=_mask),
    "empty_batch": Property(empty_batch, _every, draw_case="empty"),
    "unsmoothed": Property(unsmoothed, _every),
    "shift": Property(shift, _every, draw_case="grid", extras=_shifts),
    "hand_smoothed": Property(hand_smoothed, _rows_too),
    "one_hot_rows": Property(one_hot_rows, _indices_and_rows),
    "permutation": Property(permutation, _every, extras=_order),
    "halves": Property(halves, _every, reduction="sum", layouts=False, min_rows=2, extras=_split),
    "entropy_floor": Property(entropy_floor, _every, reduction="none"),
}


def draw_key(name: str, dtype: str, kind: str, impl: Implementation) -> tuple[Any, ...]:
    """The draw key of property ``name`` for ``impl`` (draws/per_key.py): checks with the same key are
    judged on the same examples."""
    return (name, *PROPERTIES[name].draw_key(dtype, kind, impl))
