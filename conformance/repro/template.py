"""The text of a reproducer script (script.py fills it in), and how it talks to each
framework: its imports, making a tensor in a dtype from exact NumPy values, and reading one
back."""

from __future__ import annotations

from dataclasses import dataclass, replace
from string import Template


@dataclass(frozen=True)
class Harness:
    """How a script talks to one framework."""

    imports: str
    as_is: str  # a tensor of int64 NumPy values, as the framework takes them
    tensor: str  # a tensor of float64 NumPy values in ``dtype`` (exact: they are its numbers)
    host: str  # a tensor back: float64 NumPy values, and its dtype's name
    packages: tuple[str, ...]  # the versions to print, the first the framework's
    needs: str
    banner: str = ""  # a line main() prints after the versions (Keras' backend), its own newline first


HARNESSES = {
    "torch": Harness(
        "import torch",
        "torch.from_numpy(values)",
        "torch.from_numpy(values).to(getattr(torch, dtype))",
        "tensor.detach().to(torch.float64).numpy(), str(tensor.dtype).removeprefix('torch.')",
        ("torch",),
        "PyTorch",
    ),
    "tensorflow": Harness(
        "import tensorflow as tf",
        "tf.constant(values)",
        "tf.cast(tf.constant(values), dtype)",
        "tf.cast(tensor, tf.float64).numpy(), tensor.dtype.name",
        ("tensorflow", "tensorflow-cpu", "keras"),
        "TensorFlow (and its Keras)",
    ),
    "jax": Harness(
        "import jax\nimport jax.numpy as jnp",
        "jnp.asarray(values)",
        "jnp.asarray(values).astype(dtype)",
        "np.asarray(tensor).astype(np.float64), str(tensor.dtype)",
        ("jax", "jaxlib", "optax"),
        "JAX (and optax)",
    ),
    "mlx": Harness(
        "import mlx.core as mx",
        "mx.array(values)",
        "mx.array(values, dtype=mx.float64).astype(getattr(mx, dtype))",
        "np.array(tensor.astype(mx.float64)), str(tensor.dtype).removeprefix('mlx.core.')",
        ("mlx", "mlx-cpu"),
        "MLX",
    ),
    "tinygrad": Harness(
        "from tinygrad import Tensor, dtypes",
        "Tensor(values)",
        "Tensor(values).cast(getattr(dtypes, dtype))",
        "tensor.cast(dtypes.float64).numpy(), "
        "next(n for n in ('float16', 'bfloat16', 'float32', 'float64') "
        "if getattr(dtypes, n) == tensor.dtype)",
        ("tinygrad",),
        "tinygrad",
    ),
}
HARNESSES["paddle"] = Harness(
    "import paddle",
    "paddle.to_tensor(values)",
    "paddle.to_tensor(values).astype(dtype)",
    "tensor.astype('float64').numpy(), str(tensor.dtype).removeprefix('paddle.')",
    ("paddlepaddle",),
    "PaddlePaddle",
)
# transformers' and timm's losses take PyTorch tensors: the same harness, its versions first
HARNESSES["transformers"] = replace(
    HARNESSES["torch"], packages=("transformers", "torch"), needs="transformers, PyTorch"
)
HARNESSES["timm"] = replace(
    HARNESSES["torch"], packages=("timm", "torch", "torchvision"), needs="timm, PyTorch"
)
# fairseq's criterion and Megatron-core's cross-entropy take PyTorch tensors too
HARNESSES["fairseq"] = replace(
    HARNESSES["torch"], packages=("fairseq-fixed", "fairseq", "torch"), needs="fairseq, PyTorch"
)
HARNESSES["megatron"] = replace(
    HARNESSES["torch"], packages=("megatron-core", "torch"), needs="Megatron-core, PyTorch"
)
# Liger's kernels take PyTorch tensors; without a GPU, Triton's interpreter (chosen before Triton starts)
HARNESSES["liger"] = replace(
    HARNESSES["torch"],
    imports="import os\n\nimport torch\n\nif not torch.cuda.is_available():\n"
    '    os.environ.setdefault("TRITON_INTERPRET", "1")  # Triton on a CPU: its interpreter',
    packages=("liger-kernel", "triton", "torch"),
    needs="Liger Kernel (liger-kernel, triton), PyTorch",
)


def keras_on(backend: str, needs: str, packages: tuple[str, ...]) -> Harness:
    """Keras' losses on ``backend``: that framework's harness, with KERAS_BACKEND set before
    Keras is first imported (its backend is the process's), and the backend printed."""
    base = HARNESSES[backend]
    setting = f'import os\n\nos.environ["KERAS_BACKEND"] = "{backend}"  # read on Keras\' first import\n'
    return replace(
        base,
        imports=setting + base.imports + "\nimport keras",
        packages=("keras", *packages),
        needs=f"Keras on {needs}",
        banner='\n    print(f"Keras backend: {keras.backend.backend()}")',
    )


HARNESSES["keras_jax"] = keras_on("jax", "JAX", ("jax", "jaxlib"))
HARNESSES["keras_torch"] = keras_on("torch", "PyTorch", ("torch",))

TEMPLATE = Template('''\
#!/usr/bin/env python3
"""$title

$about
Written by conformance-repro from the suite's own adapter code; it needs $needs and NumPy only.
Exits 1 while the divergence shows, 0 once it is fixed.
"""

from __future__ import annotations

import importlib.metadata
import math
import sys
from fractions import Fraction

import numpy as np

$imports
$setup

# --- the call, as the suite makes it ($adapter)

$code

# --- the inputs, already rounded to $dtype (as the suite gives them)

$inputs
SMOOTHING, REDUCTION, AXIS = $smoothing, $reduction, $axis
OPTIONS = $options
DTYPE, GRADIENT = $dtype_repr, $gradient

# --- the exact value and the error allowed, from the suite (see the docstring)
# EXACT: double-double hi + lo of each $what element (flattened), to 32 digits
# ALLOWED: the absolute error each may have, the tight bound for this case in $dtype
$exact
# $dtype: its significand's bits, its smallest exponent, the size from which it rounds to inf
NMANT, MINEXP, OVERFLOW = $nmant, $minexp, $overflow


def tensor(values, dtype):
    if values.dtype.kind == "i":  # class indices
        return $as_is
    return $tensor


def host(tensor):
    return $host


def run():
    x, y = tensor(LOGITS, DTYPE), tensor(LABELS, DTYPE)
    options = dict(OPTIONS)
    if "weights" in options:
        options["weights"] = tensor(np.asarray(options["weights"], np.float64), DTYPE)

    def call(x, y):
        return $loss(x, y, SMOOTHING, REDUCTION, AXIS, **options)

$run
    return host(out)


def ulp(value):
    _, e = math.frexp(abs(value)) if value else (0.0, MINEXP)
    return 2.0 ** (max(e - 1, MINEXP) - NMANT)


def main():
    for package in $packages:
        try:
            print(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    print(f"Python {sys.version.split()[0]}, NumPy {np.__version__}")$banner
    try:
        got, returned = run()
    except Exception as e:  # the divergence may show as the call raising
        print(f"raised {type(e).__name__}: {e}")
        print("DIVERGES: it raises on an input it takes")
        return 1
    got = np.ravel(got)
    problems = [] if returned == DTYPE else [f"returned {returned} for {DTYPE} inputs"]
    if got.size != SIZE:
        problems.append(f"returned {got.size} elements where there are {SIZE}")
    worst = (0.0, 0.0, 0.0, None)  # error / allowed, error and allowed in ulps, element
    for i, hi, lo, allowed in zip(WHERE, EXACT_HI, EXACT_LO, ALLOWED) if got.size == SIZE else ():
        g = float(got[i])
        if not math.isfinite(hi) or not math.isfinite(g):
            same = g == hi or (math.isnan(g) and math.isnan(hi))
            rounded = math.isinf(g) and math.isfinite(hi) and g * hi > 0 and abs(hi) + allowed >= OVERFLOW
            if not (same or rounded):
                problems.append(f"element {i}: the exact value is {hi!r} but it returned {g!r}")
            continue
        error = float(abs(Fraction(g) - Fraction(hi) - Fraction(lo)))
        if error / allowed > worst[0]:
            worst = (error / allowed, error / ulp(hi), allowed / ulp(hi), i)
    print(f"result  {got[:8].tolist()}{' ...' if got.size > 8 else ''} ($what, {returned})")
    print(f"exact   {EXACT_HI[:8]}{' ...' if len(EXACT_HI) > 8 else ''}")
    if worst[3] is not None:
        ratio, error, allowed, i = worst
        print(f"largest error: {error:.3g} ulps at element {i} (allowed {allowed:.3g} ulps)")
        if ratio > 1:
            problems.append(f"element {i} is {error:.3g} ulps off, beyond the {allowed:.3g} allowed")
    for problem in problems:
        print(problem)
    print("DIVERGES" if problems else "FIXED: within the bound")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
''')


GENERATOR = '''
def generated(kind, seed, shape, scale):
    """conformance's generator (conformance/cases/generator.py): SplitMix64 hashes of the positions."""
    n, k = shape
    m = _grid(seed, n * k).reshape(n, k)
    if kind == "uniform":
        return scale * ((2 * m + 1 - 2.0**24) / 2.0**24)
    w = (m + 0.5) / 2.0**24
    return np.stack([row / math.fsum(row) for row in w])
'''
