"""What a known divergence predicts of a failing check's result (``predicts``), so that it
excuses only the fault it records: an entry whose mechanism makes the loss overflow to inf does
not excuse a finite wrong value at its coordinates, which is another fault (a new divergence).

Each prediction is a statement about what came back (the result, the answer it was judged
against, the dtype returned), read from the entry's mechanism, never fitted to one run. An
entry's predictions must all hold; ``within`` and ``shows_as = "imprecise"`` predict an
accuracy, ``raises`` an exception, and are checked where the check is judged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from conformance.vocabulary import EPSILON


class Came(Protocol):
    """What a failing check got back (checks/failures.py makes one)."""

    @property
    def got(self) -> np.ndarray: ...

    @property
    def expected(self) -> np.ndarray | None: ...  # the answer it was judged against, if any

    @property
    def returned_dtype(self) -> str: ...

    @property
    def explained_by(self) -> tuple[str, ...] | None: ...  # the definitions that give it, if computed

    @property
    def accurate_to(self) -> str | None: ...  # the dtype it is accurate to ("" none; None not measured)


def _got(came: Came) -> np.ndarray:
    return np.asarray(came.got, np.float64)


def _answer_is(came: Came, test: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Where the answer, element by element as the result's shape, meets ``test``: everywhere
    where there is no answer (an edge that should raise) or it does not broadcast."""
    shape = np.shape(came.got)
    if came.expected is not None:
        try:
            return np.asarray(test(np.broadcast_to(np.asarray(came.expected, np.float64), shape)))
        except ValueError:
            pass
    return np.ones(shape, bool)


def _value_of(definition: str) -> Callable[[Came], bool]:
    """Whether the result is another definition's value within the check's bound, where the
    check computes the definitions' values (a loss judged against the exact answer; a gradient
    or an identity computes none, and there only the other predictions are checked)."""
    return lambda c: c.explained_by is None or definition in c.explained_by


def _any(where: np.ndarray) -> bool:
    return bool(np.any(where))


PREDICTIONS: dict[str, tuple[str, Callable[[Came], bool]]] = {
    "nan": (
        "a NaN where the answer is not NaN",
        lambda c: _any(np.isnan(_got(c)) & _answer_is(c, lambda a: ~np.isnan(a))),
    ),
    "inf": (
        "an infinity where the answer is finite",
        lambda c: _any(np.isinf(_got(c)) & _answer_is(c, np.isfinite)),
    ),
    "non-finite": (
        "a NaN or an infinity where the answer is finite",
        lambda c: _any(~np.isfinite(_got(c)) & _answer_is(c, np.isfinite)),
    ),
    "non-finite-whatever-the-answer": (  # a check of two calls of one implementation: both show it
        "a NaN or an infinity, whatever the answer (which the same fault may have made)",
        lambda c: _any(~np.isfinite(_got(c))),
    ),
    "finite": (  # an infinity that another definition's value rounds to is that definition's
        "numbers where the answer is finite (no NaN or infinity there, unless another definition "
        "the result is gives an infinity itself, past the dtype's range): digits lost, not range",
        lambda c: (
            _got(c).size > 0
            and (bool(c.explained_by) or not _any(~np.isfinite(_got(c)) & _answer_is(c, np.isfinite)))
        ),
    ),
    "number-for-nan": (
        "a number where the answer is NaN",
        lambda c: _any(np.isfinite(_got(c)) & _answer_is(c, np.isnan)),
    ),
    "zero": (
        "a zero where the answer is not zero",
        lambda c: _any((_got(c) == 0) & _answer_is(c, lambda a: a != 0)),
    ),
    "empty": (
        "an empty array where the answer has elements",
        lambda c: _got(c).size == 0 and (c.expected is None or np.size(c.expected) > 0),
    ),
    "e-over-the-last-axis": (
        "the value of e spread over the logits' last axis (its size for K), within the check's bound",
        _value_of("e-over-the-last-axis"),
    ),
    "smoothing-mass-lost": (
        "the value of targets y (1 - e), the e/K terms lost, within the check's bound",
        _value_of("smoothing-mass-lost"),
    ),
    "returns-float32": (  # its value is held by the entry's within (the inputs' dtype)
        "a float32 result",
        lambda c: c.returned_dtype == "float32",
    ),
}


def holds(predictions: tuple[str, ...] | list[str], came: Came) -> bool:
    """Whether every named prediction holds of what came back (none: any result)."""
    return all(PREDICTIONS[name][1](came) for name in predictions)


def keeps(within: str | None, came: Came) -> bool:
    """Whether what came back keeps an entry's promise of ``within``'s accuracy: accurate to
    that dtype or a more accurate one (where the check measured it; checks/accuracy.py)."""
    if within is None or came.accurate_to is None:
        return True
    return bool(came.accurate_to) and EPSILON[came.accurate_to] <= EPSILON[within]


def words(predictions: tuple[str, ...] | list[str]) -> str:
    """The predictions in words, joined by "and"."""
    return " and ".join(PREDICTIONS[name][0] for name in predictions)
