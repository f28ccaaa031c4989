"""The targets a loss is computed from: smoothed labels, class weights, ignored rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from conformance.oracle.conventions import DEFAULT, Convention


@dataclass(frozen=True)
class Options:
    """The options of a loss beyond smoothing and reduction (see the module docstring)."""

    weights: tuple[float, ...] | None = None
    ignore_index: int | None = None
    convention: Convention = DEFAULT

    def kept(self, labels: np.ndarray) -> np.ndarray:
        """Which rows count: all, but those whose class index is ``ignore_index``."""
        labels = np.asarray(labels)
        if self.ignore_index is None or not is_indices(labels):
            return np.ones(labels.shape if is_indices(labels) else labels.shape[:-1], bool)
        return labels != self.ignore_index

    def targets(self, labels: np.ndarray, num_classes: int, e: float, dtype: type = np.float64) -> np.ndarray:
        """The smoothed targets times the class weights, zero for ignored rows, in ``dtype``."""
        kept = self.kept(labels)
        y = np.where(kept, labels, 0) if is_indices(labels) else labels
        t = smoothed_targets(y, num_classes, e, dtype, self.convention.smoothing_spread)
        if self.weights is not None:
            t = t * np.asarray(self.weights, np.float64).astype(dtype)
        return np.where(kept[..., None], t, dtype(0))

    def divisor_terms(self, labels: np.ndarray) -> np.ndarray:
        """The terms whose sum the mean divides by: 1 per row without options; per kept row
        (kept-rows), or its target class's weight (weight-sum, class indices) with them."""
        kept = self.kept(labels)
        if not is_indices(labels) or self.weights is None or self.convention.weighted_mean == "kept-rows":
            return kept.astype(np.float64).ravel()
        return np.asarray(self.weights, np.float64)[np.asarray(labels)[kept]]

    def divisor(self, labels: np.ndarray) -> float:
        """What the mean divides by, in float64 (the sum of ``divisor_terms``)."""
        return float(np.sum(self.divisor_terms(labels)))

    def weight_scale(self) -> float:
        """The largest class weight (at least 1): how much weights can scale a row's error."""
        return max([1.0, *(abs(w) for w in self.weights)]) if self.weights else 1.0


NO_OPTIONS = Options()


def smoothed_targets(
    labels: np.ndarray,
    num_classes: int,
    label_smoothing: float,
    dtype: type = np.float64,
    spread: str = "all-classes",
) -> np.ndarray:
    """Target rows ``y * (1 - e) + e / K`` computed in ``dtype`` (``spread`` "other-classes":
    ``y * (1 - e) + (1 - y) e / (K - 1)``, conventions.py); labels are indices or rows."""
    y = one_hot(labels, num_classes, dtype) if is_indices(labels) else np.asarray(labels).astype(dtype)
    e = dtype(label_smoothing)
    if spread == "other-classes":
        return y * (dtype(1) - e) + (dtype(1) - y) * (e / dtype(max(num_classes - 1, 1)))
    return y * (dtype(1) - e) + e / dtype(num_classes)


def is_indices(labels: np.ndarray) -> bool:
    """Whether labels are class indices (integers) rather than probability rows."""
    return np.issubdtype(np.asarray(labels).dtype, np.integer)


def one_hot(indices: np.ndarray, num_classes: int, dtype: type = np.float64) -> np.ndarray:
    """One-hot rows for integer class indices (in O(N K) memory, not np.eye's O(K^2))."""
    idx = np.asarray(indices)
    pos = np.arange(num_classes)[idx]  # negative indices count from the end; others beyond raise
    rows = np.zeros((*idx.shape, num_classes), dtype)
    np.put_along_axis(rows, pos[..., None], 1, axis=-1)
    return rows
