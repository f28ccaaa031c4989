"""A golden case: inputs, parameters, provenance and the exact expected loss."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from conformance.cases.generator import Generated
from conformance.oracle.conventions import DEFAULT, Convention
from conformance.oracle.targets import Options, one_hot
from conformance.vocabulary import INDICES, LINEAR_CROSS_ENTROPY, PROBABILITIES, SOFTMAX_CROSS_ENTROPY


class CaseError(ValueError):
    """A problem in a case file, naming the file, the case and the field."""

    def __init__(self, path: Path | str, case_id: str | None, field: str | None, message: str):
        self.path, self.case_id, self.field, self.message = str(path), case_id, field, message
        where = [self.path]
        if case_id is not None:
            where.append(f"case {case_id!r}")
        if field:
            where.append(f"field {field!r}")
        super().__init__(f"{': '.join(where)}: {message}")


@dataclass(frozen=True)
class Observed:
    """A value a document printed, and what printed it."""

    loss: float
    implementation: str
    dtype: str
    where: str


@dataclass(frozen=True, eq=False)
class Case:
    """One golden case: inputs, parameters, provenance and the exact expected loss."""

    id: str
    path: str
    provenance: str
    logits: np.ndarray
    labels: np.ndarray  # int64 class indices (N,) or float64 probability rows (N, K)
    label_smoothing: float
    reduction: str
    expected: tuple[str, ...]  # exact loss as decimal strings: one, or one per row for "none"
    description: str = ""
    observed: Observed | None = None
    same_as: str | None = None
    # The layout the implementation receives: the N rows as ``batch_shape`` (None: (N,)) with
    # the classes on ``axis`` of the logits (and of probability labels). The reference works
    # on the N x K rows whatever the layout.
    batch_shape: tuple[int, ...] | None = None
    axis: int = -1
    # Options (Options): per-class weights, and the class index of ignored rows.
    # The expected loss is under the default conventions (conventions.py).
    weights: tuple[float, ...] | None = None
    ignore_index: int | None = None
    # softmax cross-entropy over the classes, binary (sigmoid) cross-entropy per element, whose
    # labels are targets in [0, 1] of the logits' shape (oracle/sigmoid.py), or fused linear
    # cross-entropy, whose ``logits`` are the packed [[h, 0], [W, b]] (oracle/linear.py)
    operation: str = SOFTMAX_CROSS_ENTROPY
    # Inputs too large to write out come from a generator (generator.py) the case file names;
    # messages name it instead of printing the numbers. A drawn case's description says what
    # it did to the generated logits.
    logits_from: Generated | None = None
    labels_from: Generated | None = None

    def summary(self) -> dict[str, Any]:
        """What the results file (and so the report) says of the case: where it comes from,
        its exact loss, a document's printed value if any, and the size of its logits."""
        logits = np.abs(self.logits[np.isfinite(self.logits)])
        info: dict[str, Any] = {
            "path": self.path,
            "description": self.description,
            "provenance": self.provenance,
            "operation": self.operation,
            "reduction": self.reduction,
            "label_smoothing": self.label_smoothing,
            "shape": list(self.logits.shape),
            "expected": list(self.expected),
            "max_abs_logit": float(logits.max()) if logits.size else 0.0,
        }
        for name, made in (("logits", self.logits_from), ("labels", self.labels_from)):
            if made is not None:
                info.setdefault("generated", {})[name] = made.describe()
        if self.observed is not None:
            info["documented"] = dataclasses.asdict(self.observed)
        return info

    @property
    def classes(self) -> int:
        """K: the number of classes (a fused linear case's weight rows)."""
        if self.operation == LINEAR_CROSS_ENTROPY:
            return len(self.logits) - len(self.labels)
        return int(self.logits.shape[-1])

    def row_inputs(self, i: int) -> np.ndarray:
        """The inputs of row ``i`` alone: its logits, or a fused linear case's hidden state
        with the whole weight."""
        if self.operation == LINEAR_CROSS_ENTROPY:
            return np.concatenate([self.logits[i : i + 1], self.logits[len(self.labels) :]])
        return self.logits[i : i + 1]

    def options(self, convention: Convention = DEFAULT) -> Options:
        """The case's options under an implementation's ``convention``."""
        return Options(self.weights, self.ignore_index, convention)

    @property
    def option_names(self) -> tuple[str, ...]:
        """The options the case sets, as implementations declare them."""
        return tuple(n for n in ("weights", "ignore_index") if getattr(self, n) is not None)

    def arranged(self, array: np.ndarray) -> np.ndarray:
        """Rows (N, K) or indices (N,) arranged in the case's layout."""
        if self.batch_shape is None:
            return array
        if array.ndim == 1:
            return array.reshape(self.batch_shape)
        return np.moveaxis(array.reshape(*self.batch_shape, array.shape[-1]), -1, self.axis)

    def as_rows(self, array: np.ndarray) -> np.ndarray:
        """The inverse of ``arranged`` for an array shaped like the arranged logits: rows (N, K)."""
        if self.batch_shape is None:
            return array
        return np.moveaxis(array, self.axis, -1).reshape(-1, array.shape[self.axis])

    @property
    def drawn(self) -> bool:
        """Whether Hypothesis drew this case (rather than a case file holding it)."""
        return self.path.startswith("(drawn")

    @property
    def label_kinds(self) -> tuple[str, ...]:
        """Label kinds this case can be given as: indices also run as their one-hot rows
        (but for ignored rows, which have none)."""
        if self.operation == LINEAR_CROSS_ENTROPY:
            return (INDICES,)
        if self.labels.ndim == 2 or self.operation != SOFTMAX_CROSS_ENTROPY:
            return (PROBABILITIES,)
        return (INDICES,) if self.ignore_index is not None else (INDICES, PROBABILITIES)

    def labels_as(self, kind: str) -> np.ndarray:
        """The labels as class ``indices`` or as ``probabilities`` rows (float64)."""
        if kind == INDICES and self.labels.ndim == 1:
            return self.labels
        if kind == PROBABILITIES:
            return one_hot(self.labels, self.classes) if self.labels.ndim == 1 else self.labels
        raise ValueError(f"case {self.id!r} has no {kind} labels")
