"""One public API of a framework that computes a loss, and what it takes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.oracle.conventions import DEFAULT, Convention
from conformance.vocabulary import DTYPES, LABEL_KINDS, REDUCTIONS, SOFTMAX_CROSS_ENTROPY

# loss(logits, labels, label_smoothing, reduction, axis, **options) on framework tensors ->
# framework tensor; ``axis`` is the class axis of the logits (and of probability labels), >= 0;
# options (only those the implementation declares, only when set): ``weights`` (a tensor of
# per-class weights), ``ignore_index`` (an int).
LossFn = Callable[..., Any]
OPTIONS = ("weights", "ignore_index")


@dataclass(frozen=True)
class Implementation:
    """One public API of a framework that computes softmax cross-entropy with smoothing."""

    name: str
    framework: str
    loss: LossFn
    label_kinds: frozenset[str] = frozenset(LABEL_KINDS)
    reductions: frozenset[str] = frozenset(REDUCTIONS)
    dtypes: frozenset[str] = frozenset(DTYPES)
    # where it takes the classes: "last", "second" ((N, C, d1, ...)), "any", or "rows" (2-D (N, K) only)
    class_axis: str = "last"
    note: str = ""
    gradient: LossFn | None = None  # an analytic gradient, for a framework that does not differentiate
    options: frozenset[str] = frozenset()  # of OPTIONS
    smoothing: bool = True  # whether it takes label smoothing (else only 0)
    smooths_by_hand: bool = False  # whether the adapter (not the API) applies the smoothing
    convention: Convention = DEFAULT
    operation: str = SOFTMAX_CROSS_ENTROPY  # or SIGMOID_CROSS_ENTROPY (oracle/sigmoid.py)
    eager_only: str = ""  # why compiled modes do not check it (else they do)
    # the numbers of classes it takes: at least min_classes (2 under the e/(K-1) convention: one
    # class has no other to spread e over), a multiple of classes_multiple (a vocabulary split
    # evenly between tensor-parallel ranks), and why
    takes_bias: bool = True  # a fused linear loss (operation linear): whether it takes a bias
    min_classes: int = 1
    classes_multiple: int = 1
    classes_why: str = ""
    # why the installed release lacks this API (set where its framework loads): then every
    # combination is unsupported, with that reason, not an error of the suite's
    missing: str = ""

    def takes_classes(self, k: int) -> bool:
        """Whether it takes ``k`` classes (min_classes, classes_multiple)."""
        return k >= self.min_classes and k % self.classes_multiple == 0

    def takes_axis(self, axis: int, rank: int) -> bool:
        """Whether the class axis may be ``axis`` (>= 0) of logits of ``rank``."""
        if self.class_axis == "rows":
            return rank == 2 and axis == 1
        if self.class_axis == "second":  # (N, C, d1, ...): PyTorch reads dim 1 as the classes, always
            return axis == 1
        return axis == rank - 1 or self.class_axis == "any"

    def unsupported(
        self,
        label_kind: str,
        reduction: str,
        dtype: str,
        smoothing: float = 0.0,
        options: tuple[str, ...] = (),
    ) -> str | None:
        """Why this combination is unsupported, or None if it is supported."""
        if self.missing:
            return self.missing
        for what, value, allowed in (
            ("labels as", label_kind, self.label_kinds),
            ("reduction", reduction, self.reductions),
            ("dtype", dtype, self.dtypes),
        ):
            if value not in allowed:
                return f"{self.name} does not support {what} {value} (supports {sorted(allowed)})"
        if smoothing and not self.smoothing:
            return f"{self.name} takes no label smoothing"
        missing = [o for o in options if o not in self.options]
        if missing:
            return f"{self.name} does not take {', '.join(missing)}"
        return None
