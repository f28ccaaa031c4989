"""Golden values: the exact expected loss of a case, and a command that checks case files.

    python -m conformance.checks.golden [CASE_FILE ...]

prints, for every case, its stored expected loss next to the one the arbitrary-precision
reference gives, and exits 1 if any differ (paste the printed value into the file).
"""

from __future__ import annotations

import sys
from pathlib import Path

import mpmath
import numpy as np

from conformance.cases import CASES_DIR, Case, load_file
from conformance.oracle.numbers import DIGITS as EXACT_DIGITS
from conformance.oracle.operations import OPERATIONS

DIGITS = 25  # significant digits stored in case files: beyond float64, within the reference
# From this many logits (large vocabularies) the exact value comes from the extended tier, its
# error proven (oracle/bounds.py), and a case file stores the digits that error leaves: about
# 18, in well under a second for 2^18 classes, where mpmath would take minutes.
EXTENDED_FROM = 1 << 14


def exact_expected(case: Case) -> tuple[str, ...]:
    """The exact loss of the case's inputs (as written), under the default conventions, as
    decimal strings."""
    operation = OPERATIONS[case.operation]
    args = case.logits, case.labels, case.label_smoothing, case.reduction, case.options()
    if case.logits.size < EXTENDED_FROM:
        return tuple(_decimal(v, DIGITS) for v in operation.decimals(*args))
    exact = operation.extended(*args, False)
    errors = np.broadcast_to(exact.error, exact.hi.shape)
    with mpmath.workdps(EXACT_DIGITS):
        out = []
        for hi, lo, error in zip(exact.hi.ravel(), exact.lo.ravel(), errors.ravel()):
            value = mpmath.mpf(float(hi)) + mpmath.mpf(float(lo))
            known = DIGITS if not value or not error else int(mpmath.floor(mpmath.log10(abs(value) / error)))
            out.append(_decimal(value, max(1, min(DIGITS, known))))
        return tuple(out)


def _decimal(value: mpmath.mpf, digits: int) -> str:
    """``value`` to ``digits`` significant digits, trailing zeros kept: the string says how
    many digits it vouches for."""
    return mpmath.nstr(value, digits, min_fixed=-5, max_fixed=5, strip_zeros=False)


def significant_digits(decimal: str) -> int:
    """How many significant digits a decimal string holds."""
    mantissa = decimal.lower().split("e")[0].lstrip("+-").replace(".", "").lstrip("0")
    return max(len(mantissa), 1)


def agrees(stored: str, exact: str) -> bool:
    """Whether a stored decimal equals the exact one to the digits the exact one holds."""
    with mpmath.workdps(EXACT_DIGITS):
        a, b = mpmath.mpf(stored), mpmath.mpf(exact)
        if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
            return stored == exact
        digits = min(DIGITS, significant_digits(exact))
        return abs(a - b) <= abs(b) * mpmath.mpf(10) ** (1 - digits)


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or sorted(CASES_DIR.glob("*.toml"))
    status = 0
    for path in paths:
        cases, errors = load_file(path)
        for error in errors:
            print(f"error: {error}")
            status = 1
        for case in cases:
            exact = exact_expected(case)
            ok = all(agrees(s, e) for s, e in zip(case.expected, exact))
            status |= not ok
            value = exact[0] if len(exact) == 1 else list(exact)
            print(
                f"{'ok  ' if ok else 'DIFF'} {path.name} {case.id}: expected.loss = {value!r}".replace(
                    "'", '"'
                )
            )
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
