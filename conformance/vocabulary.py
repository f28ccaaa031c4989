"""One spelling of every name the suite shares: dtypes and their epsilons, label kinds,
reductions, execution modes, devices, operations and outcomes (in their order of severity).

Every other module takes these names from here; adding a dtype, a mode or an outcome is an
edit of this file (and of the code that gives it meaning), not a search through the suite.
Imports nothing: the report reads results files where no framework is installed.
"""

from __future__ import annotations

# Floating-point dtypes, least precise first, each with its machine epsilon (the gap from 1.0
# to the next number): errors and bounds are counted in these.
EPSILON = {
    "float16": 2.0**-10,
    "bfloat16": 2.0**-7,
    "float32": 2.0**-23,
    "float64": 2.0**-52,
}
DTYPES = tuple(EPSILON)
HALF_PRECISION = ("float16", "bfloat16")

# How labels are given: class indices (N,) or probabilities (N, K).
INDICES = "indices"
PROBABILITIES = "probabilities"
LABEL_KINDS = (INDICES, PROBABILITIES)

REDUCTIONS = ("none", "mean", "sum")

# How a loss is run: as written ("eager"), or compiled: jax.jit ("jit"), tf.function
# ("function"), tf.function(jit_compile=True) ("function-xla"), torch.compile and mx.compile
# ("compile"), paddle.jit.to_static ("to_static").
EAGER = "eager"
MODES = (EAGER, "jit", "function", "function-xla", "compile", "to_static")

# The frameworks the suite has an adapter for (conformance/adapters/NAME_adapter.py).
# opt-in (pyproject's extras, not in all): mlx; transformers (its LabelSmoother, on PyTorch);
# timm (its losses, on PyTorch 2.14.1 for torchvision: tox -e timm); tinygrad; paddle
# (PaddlePaddle); fairseq (its label_smoothed_nll_loss, on PyTorch); megatron (Megatron-core's
# vocab_parallel_cross_entropy, in one process and over two ranks); jax_sharded (optax's losses
# with the classes sharded over two host devices, in a process whose XLA_FLAGS make them); liger
# (Liger Kernel's Triton cross-entropy, through Triton's interpreter on a CPU). Keras
# on its JAX and PyTorch backends (keras_backends.py): in a process whose KERAS_BACKEND names the backend
FRAMEWORKS = (
    "numpy",
    "torch",
    "tensorflow",
    "jax",
    "keras_jax",
    "keras_torch",
    "mlx",
    "transformers",
    "timm",
    "tinygrad",
    "paddle",
    "fairseq",
    "megatron",
    "jax_sharded",
    "liger",
)
# imported before the others in a run that has them: paddle crashes (a segmentation fault) when
# imported after TensorFlow in one process, not before (paddlepaddle 3.3.1, tensorflow-cpu 2.21)
IMPORTED_FIRST = ("paddle",)

# Device names are "platform:index"; cuda (PyTorch) and gpu (JAX, TensorFlow) name the same.
PLATFORMS = ("cpu", "cuda", "gpu", "mps", "tpu")
GPU_PLATFORMS = ("cuda", "gpu")

# What is specified: softmax cross-entropy over K classes, binary (sigmoid) cross-entropy, and
# fused linear cross-entropy (softmax cross-entropy of h @ W.T + b, oracle/linear.py).
SOFTMAX_CROSS_ENTROPY = "softmax_cross_entropy"
SIGMOID_CROSS_ENTROPY = "sigmoid_cross_entropy"
LINEAR_CROSS_ENTROPY = "linear_cross_entropy"
OPERATIONS = (SOFTMAX_CROSS_ENTROPY, SIGMOID_CROSS_ENTROPY, LINEAR_CROSS_ENTROPY)

# What a check compares: the loss, or its gradient with respect to the logits.
LOSS = "loss"
GRADIENT = "gradient"

# The outcome of one check, in the order a summary lists them.
PASSED = "passed"
DIVERGED = "diverged"  # beyond the worst-case bound (or a non-finite value, a wrong shape)
# Within the worst-case bound, beyond the tight one: right to within naive summation, less
# accurate than careful summation guarantees (oracle/tight.py).
IMPRECISE = "imprecise"
ERRORED = "errored"
REJECTED = "rejected"  # a user's loss refused a parameter value (a smoothing factor)
UNSUPPORTED = "unsupported"  # the implementation does not take this combination
SKIPPED = "skipped"  # its framework is not installed
# a compiled program this run did not build (plugin/sampling.py): a later run judges it, or
# --compiled all
DEFERRED = "deferred"
KNOWN_DIVERGENCE = "known divergence"
STALE_DIVERGENCE = "stale divergence"  # a strict known divergence that no longer shows
OUTCOMES = (
    PASSED,
    DIVERGED,
    IMPRECISE,
    ERRORED,
    REJECTED,
    UNSUPPORTED,
    SKIPPED,
    DEFERRED,
    KNOWN_DIVERGENCE,
    STALE_DIVERGENCE,
)
# Worst first: a cell of the report shows the worst outcome of its checks.
SEVERITY = (
    ERRORED,
    DIVERGED,
    IMPRECISE,
    STALE_DIVERGENCE,
    KNOWN_DIVERGENCE,
    PASSED,
    REJECTED,
    UNSUPPORTED,
    SKIPPED,
    DEFERRED,
)
FAILING = (ERRORED, DIVERGED, IMPRECISE, STALE_DIVERGENCE)  # what fails a run
# Outcomes a check reports by skipping, with the reason after "OUTCOME: ".
SKIP_OUTCOMES = (UNSUPPORTED, REJECTED, SKIPPED, DEFERRED)


def skip_reason(outcome: str, why: str) -> str:
    """The reason a check skipped with to report ``outcome``: "unsupported: why"."""
    assert outcome in SKIP_OUTCOMES, outcome
    return f"{outcome}: {why}"
