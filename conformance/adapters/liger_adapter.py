"""Liger Kernel: ``LigerCrossEntropyLoss``, the Triton kernel LLM trainers swap in for
``F.cross_entropy`` (Hugging Face models patched by ``liger_kernel.transformers``), on the
PyTorch adapter's tensors and autograd. On a CPU its Triton kernels run through Triton's
interpreter, which must be chosen before Triton starts (``TRITON_INTERPRET=1``; slow: small
shapes run in milliseconds, a language model's vocabulary in tens of them). An opt-in framework
in an environment of its own (``liger-kernel`` and ``triton``; ``tox -e liger``).

What it computes (liger_kernel/ops/cross_entropy.py): (N, K) logits only, the classes last;
e/K over every class (line 149: ``eps = label_smoothing / n_cols``), in float32 inside whatever
the logits' dtype, the loss stored in the logits' dtype; ``ignore_index`` (-100 by default) and
the mean over the rows kept. Its forward writes the gradient into the logits' own buffer where
they require one (line 426), so the adapter gives it a copy. Eager only: a kernel launched
through the interpreter is not a program torch.compile builds.

``LigerFusedLinearCrossEntropyLoss`` (liger_kernel/ops/fused_linear_cross_entropy.py): the
same kernel on chunks of rows of ``h @ W.T + b``, each chunk's logits formed in the inputs'
dtype (torch.mm) and its gradient taken at once in the forward; the loss in float32."""

from __future__ import annotations

import os
from dataclasses import replace

from conformance.adapters import torch_adapter
from conformance.adapters.base import Framework, Implementation
from conformance.adapters.contract import FrameworkMissing
from conformance.oracle.conventions import Convention
from conformance.oracle.linear import parts
from conformance.vocabulary import INDICES, LINEAR_CROSS_ENTROPY

# label_smoothing outside [0, 1] is an assertion; -100 is ignored by default; a class index out
# of range is an assertion in the kernel's launcher ("Target 4 is out of bounds"); the mean of
# rows all ignored is 0.
CONVENTION = Convention(
    smoothing_below_zero="raises",
    smoothing_above_one="raises",
    default_ignore_index="-100",
    weighted_mean="kept-rows",
    empty_mean="zero",
)


def liger_cross_entropy(x, labels, e, reduction, axis, ignore_index=-100):
    from liger_kernel.transformers import LigerCrossEntropyLoss

    loss = LigerCrossEntropyLoss(ignore_index=ignore_index, label_smoothing=e, reduction=reduction)
    return loss(x.clone(), labels)  # its forward writes the gradient into the tensor it is given


def liger_fused_linear_cross_entropy(x, labels, e, reduction, axis):
    """``LigerFusedLinearCrossEntropyLoss``: the loss of ``h @ W.T + b`` in chunks of rows,
    never the whole logits, on the packed input (oracle/linear.py)."""
    from liger_kernel.transformers import LigerFusedLinearCrossEntropyLoss

    h, w, b = parts(x, len(labels))
    loss = LigerFusedLinearCrossEntropyLoss(label_smoothing=e, reduction=reduction)
    return loss(w, h, labels, b)


IMPLEMENTATIONS = [
    Implementation(
        "liger_kernel.transformers.LigerCrossEntropyLoss",
        "liger",
        liger_cross_entropy,
        frozenset({INDICES}),
        class_axis="rows",
        options=frozenset({"ignore_index"}),
        convention=CONVENTION,
        eager_only="Triton kernels launched through Triton's interpreter: not a torch.compile program",
    ),
    Implementation(
        "liger_kernel.transformers.LigerFusedLinearCrossEntropyLoss",
        "liger",
        liger_fused_linear_cross_entropy,
        frozenset({INDICES}),
        class_axis="rows",
        operation=LINEAR_CROSS_ENTROPY,
        convention=CONVENTION,
        eager_only="Triton kernels launched through Triton's interpreter: not a torch.compile program",
    ),
]


def load(precision_defaults: bool = False) -> Framework:
    """PyTorch's framework with Liger's loss; on a machine without a GPU, only where Triton's
    interpreter was chosen (TRITON_INTERPRET=1), and then on the CPU alone."""
    import liger_kernel
    import torch

    interpreted = os.environ.get("TRITON_INTERPRET") == "1"
    if not torch.cuda.is_available() and not interpreted:
        raise FrameworkMissing(
            "liger runs its Triton kernels on a CPU only through Triton's interpreter: "
            "TRITON_INTERPRET=1 pytest conformance --framework liger, or tox -e liger"
        )
    version = getattr(liger_kernel, "__version__", None) or _distribution_version()
    fw = torch_adapter.load_as("liger", version, IMPLEMENTATIONS, precision_defaults)
    return replace(fw, devices=[d for d in fw.devices if d.startswith("cpu")]) if interpreted else fw


def _distribution_version() -> str:
    import importlib.metadata

    return importlib.metadata.version("liger-kernel")
