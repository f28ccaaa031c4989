"""The peak memory of checking every implementation of one framework at K = 131,072 classes
(8 rows), in every dtype: ``python -m benchmarks.large_case FRAMEWORK`` prints it in MB."""

import resource
import sys

import numpy as np

from benchmarks.timing import make_case
from conformance.adapters import load
from conformance.checks import judge
from conformance.checks.failures import Point


def main(name: str) -> None:
    fw = load(name)
    rng = np.random.default_rng(0)
    for impl in fw.implementations:
        case, kind = make_case(impl, rng, n=8, k=131072)
        for dtype in sorted(impl.dtypes):
            try:
                judge.check_loss(Point(fw, impl, fw.devices[0], dtype, kind), case)
                judge.check_grad(Point(fw, impl, fw.devices[0], dtype, kind), case)
            except Exception:
                pass  # an unsupported or diverging combination still used its memory
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


if __name__ == "__main__":
    main(sys.argv[1])
