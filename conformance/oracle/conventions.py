"""Conventions: where frameworks define an option differently on purpose.

Each convention has a name, and the reference computes every one of them, so that each
implementation is held to the convention it documents (declared in its adapter), and the
report can say which differences between frameworks are conventions and which are defects.
Imports no framework.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

# (field, value) -> what it means, with who follows it.
MEANINGS: dict[tuple[str, str], str] = {
    ("weighted_mean", "weight-sum"): (
        "with class indices, the mean divides by the weights of the kept rows' target classes, "
        "sum_i w[y_i] (PyTorch); with probability rows, by the number of rows N"
    ),
    (
        "weighted_mean",
        "kept-rows",
    ): "the mean divides by the number of rows that are not ignored (Keras ignore_class)",
    ("empty_mean", "nan"): "the mean of no rows (an empty batch, or every row ignored) is 0/0 = NaN",
    ("empty_mean", "zero"): "the mean of no rows is 0 (a division that returns 0 for 0/0)",
    (
        "label_out_of_range",
        "raises",
    ): "a class index outside [0, K) (other than the ignored one) raises an error",
    ("label_out_of_range", "wraps"): (
        "a class index in [-K, 0) counts from the end (Python-style); one at K or beyond, or below -K, "
        "gives a NaN row (jnp.take_along_axis)"
    ),
    ("default_ignore_index", "none"): (
        "no row is ignored unless asked: a class index of -100 is out of range, as label_out_of_range says"
    ),
    ("default_ignore_index", "-100"): (
        "a class index of -100 marks a row to ignore even when no ignore_index is given "
        "(PyTorch's ignore_index default, transformers' LabelSmoother)"
    ),
    ("smoothing_below_zero", "raises"): "label smoothing below 0 raises an error",
    ("smoothing_below_zero", "ignored"): "label smoothing below 0 is silently taken as 0",
    (
        "smoothing_below_zero",
        "extrapolated",
    ): "label smoothing below 0 is used in the targets' formula as given",
    ("smoothing_above_one", "raises"): "label smoothing above 1 raises an error",
    (
        "smoothing_above_one",
        "extrapolated",
    ): "label smoothing above 1 is used in the targets' formula as given",
    ("smoothing_spread", "all-classes"): (
        "label smoothing spreads e over all K classes: targets y (1 - e) + e/K (PyTorch, Keras, optax)"
    ),
    ("smoothing_spread", "other-classes"): (
        "label smoothing spreads e over the K - 1 other classes: the target keeps 1 - e, each other "
        "class gets e/(K - 1) (fairseq, Megatron); with one class, the target keeps 1 - e"
    ),
    ("binary_reduction", "elements"): "binary cross-entropy reduces over every element (none keeps (N, C))",
    ("binary_reduction", "rows-mean"): (
        "binary cross-entropy first takes the mean over the last axis: none gives one value per row, "
        "and sum is the sum of the row means (C times smaller than the sum over elements; Keras)"
    ),
}


@dataclass(frozen=True)
class Convention:
    """How one implementation defines what frameworks disagree on (see MEANINGS)."""

    weighted_mean: str = "weight-sum"
    empty_mean: str = "nan"
    label_out_of_range: str = "raises"
    default_ignore_index: str = "none"
    smoothing_below_zero: str = "extrapolated"
    smoothing_above_one: str = "extrapolated"
    smoothing_spread: str = "all-classes"
    binary_reduction: str = "elements"

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if (name, value) not in MEANINGS:
                known = sorted(v for f, v in MEANINGS if f == name)
                raise ValueError(f"unknown convention {name}={value!r}; known: {', '.join(known)}")

    @property
    def rows_mean(self) -> bool:
        """Whether binary cross-entropy takes the mean over the last axis first (Keras)."""
        return self.binary_reduction == "rows-mean"

    def describe(self) -> dict[str, str]:
        """Each convention as ``value: meaning``, for results and the report."""
        return {name: f"{value}: {MEANINGS[name, value]}" for name, value in asdict(self).items()}


DEFAULT = Convention()
