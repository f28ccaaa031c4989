"""Whether the process flushes subnormal floats to zero, and setting that back.

A framework's call can switch the whole process to flushing subnormals (MXCSR's FTZ and DAZ on
x86): a shared library built with ``-ffast-math`` by GCC before 13 links ``crtfastmath.o``, whose
constructor sets both when the library is loaded. torch.compile's CPU kernels were built so
until PyTorch 2.6 (torch/_inductor/cpp_builder.py, 2.4.1, line 314: ``cflags.append("ffast-math")``).
From then on every float computation of the process flushes: NumPy's, the exact reference's,
every later check's, and Hypothesis refuses to draw floats at all. The adapters look after each
call (``Framework.run``), and a call that switched it on is an error of that check, with the
state set back, so that no later check computes in it.
"""

from __future__ import annotations

import sys

import numpy as np

SMALLEST = np.array([5e-324])  # the least subnormal float64: DAZ reads it as 0, FTZ writes 0


def flushed() -> bool:
    """Whether this thread's float arithmetic flushes subnormals to zero now."""
    return not (SMALLEST * 1.0)[0]


def restore() -> bool:
    """Set subnormals back (PyTorch's own switch clears FTZ and DAZ); whether that worked."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_flush_denormal(False)
    return not flushed()


class FlushedSubnormals(FloatingPointError):
    """A call left the process flushing subnormals to zero: a fault of the call, whatever the
    check asked of its result (a convention check that expects no exception included)."""


def check(what: str) -> None:
    """Raise FlushedSubnormals where ``what`` (the call just made) left the process flushing
    subnormals to zero, after setting it back."""
    if not flushed():
        return
    back = "the suite set it back" if restore() else "the suite could not set it back"
    raise FlushedSubnormals(
        f"{what} left the process flushing subnormal floats to zero (FTZ/DAZ): every later "
        f"float computation of the process would flush them; {back}"
    )
