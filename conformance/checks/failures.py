"""What a check concludes when it does not pass (CheckFailure and its kinds), and where a
check runs (Point): the words the checks, messages and the plugin share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from conformance.adapters import Framework, Implementation
from conformance.cases import Case
from conformance.vocabulary import EAGER


@dataclass(frozen=True)
class Came:
    """What a failing check got back, whole, for the predictions of known divergences
    (divergences/predictions.py): the result, the answer it was judged against (None where
    there is none), the dtype it returned, and the other definitions (checks/definitions.py)
    that explain it (None: the check computes none), and how accurate it still is."""

    got: np.ndarray
    expected: np.ndarray | None
    returned_dtype: str
    explained_by: tuple[str, ...] | None = None
    # the most accurate dtype whose computation the result matches (checks/accuracy.py): the
    # check's own where only its dtype is wrong, "" where none is, None where not measured
    accurate_to: str | None = None


class CheckFailure(AssertionError):
    """A check failed; carries the record of what came back, the case that shows it and, where
    it returned a result, that result (``came``)."""

    def __init__(
        self,
        message: str,
        record: dict[str, Any] | None = None,
        case: Case | None = None,
        came: Came | None = None,
    ):
        super().__init__(message)
        self.record = record or {}
        self.case = case
        self.came = came


class Divergence(CheckFailure):
    """An implementation's result is outside the derived bound of the exact answer."""


class Imprecise(Divergence):
    """Within the worst-case bound but beyond the tight one: less accurate than careful
    summation guarantees (oracle/tight.py)."""


class Raised(CheckFailure):
    """The implementation raised on an input it declares it supports."""


class BeyondKnownDivergence(CheckFailure):
    """A result misses even the accuracy a known divergence of its implementation allows."""


@dataclass(frozen=True)
class Point:
    """Where a check runs: implementation, device, dtype, the labels' kind, and the mode
    (eager, or a compiler: vocabulary.MODES)."""

    framework: Framework
    impl: Implementation
    device: str
    dtype: str
    label_kind: str
    mode: str = EAGER

    def describe(self) -> str:
        how = "" if self.mode == EAGER else f", {self.mode}"
        return f"{self.impl.name} on {self.device} in {self.dtype}{how} (labels as {self.label_kind})"
