"""Golden values: the exact expected loss of a case, and a command that checks case files.

    python -m conformance.golden [CASE_FILE ...]

prints, for every case, its stored expected loss next to the one the arbitrary-precision
reference gives, and exits 1 if any differ (paste the printed value into the file).
"""

from __future__ import annotations

import sys
from pathlib import Path

import mpmath

from conformance.cases import CASES_DIR, Case, load_file
from conformance.oracle.numbers import DIGITS as EXACT_DIGITS
from conformance.oracle.operations import OPERATIONS

DIGITS = 25  # significant digits stored in case files: beyond float64, within the reference


def exact_expected(case: Case) -> tuple[str, ...]:
    """The exact loss of the case's inputs (as written), under the default conventions, as
    decimal strings."""
    values = OPERATIONS[case.operation].decimals(
        case.logits, case.labels, case.label_smoothing, case.reduction, case.options()
    )
    return tuple(mpmath.nstr(v, DIGITS, min_fixed=-5, max_fixed=5) for v in values)


def agrees(stored: str, exact: str) -> bool:
    """Whether a stored decimal equals the exact one to the digits stored."""
    with mpmath.workdps(EXACT_DIGITS):
        a, b = mpmath.mpf(stored), mpmath.mpf(exact)
        if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
            return stored == exact
        return abs(a - b) <= abs(b) * mpmath.mpf(10) ** (1 - DIGITS)


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
