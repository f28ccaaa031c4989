"""The two forms users write on ``torch.log_softmax``, as implementations of their own: a
user's loss built on one is matched to it bit for bit, loss and gradient, and inherits what
the primitive does there (plugin/shared.py). Eager only (COMPOSED says why)."""

from __future__ import annotations

from conformance.adapters.contract import reduce_rows
from conformance.adapters.implementation import Implementation
from conformance.vocabulary import INDICES

# --- each imports PyTorch when called (importing this module starts none)


def smoothed_targets_form(x, labels, e, reduction, axis):
    """-sum(t * torch.log_softmax(x)) over the classes, t the smoothed target rows (one-hot rows
    from class indices, in the logits' dtype): the form of optax's, Keras' and JAX's idiom."""
    import torch
    import torch.nn.functional as F

    k = x.shape[axis]
    targets = labels if labels.is_floating_point() else F.one_hot(labels, k).to(x.dtype).movedim(-1, axis)
    smoothed = targets * (1 - e) + e / k
    rows = -(smoothed * torch.log_softmax(x, dim=axis)).sum(dim=axis)
    return reduce_rows(rows, reduction, torch.mean, torch.sum)


def nll_and_mean_form(x, labels, e, reduction, axis):
    """(1 - e) * -log p[target] + e * mean(-log p) on torch.log_softmax, the form of timm's
    LabelSmoothingCrossEntropy and NVIDIA's LabelSmoothing, the smoothing term left out where
    e = 0 (as PyTorch's own does: timm's multiplies a masked class's inf by 0, a NaN that is
    the form's fault, not the primitive's, timm-label-smoothing-masked-class-gives-nan)."""
    import torch

    logp = torch.log_softmax(x, dim=axis)
    rows = -logp.gather(axis, labels.unsqueeze(axis)).squeeze(axis)
    if e:
        rows = (1 - e) * rows + e * -logp.mean(dim=axis)
    return reduce_rows(rows, reduction, torch.mean, torch.sum)


COMPOSED = (
    "compiled, inductor fuses the composition into a kernel of its own, so a user's compiled loss "
    "would not share its bits; its primitive's compiled programs are torch.nn.functional.cross_entropy's"
)


FORMS = [
    Implementation(
        "torch.log_softmax(smoothed targets)",
        "torch",
        smoothed_targets_form,
        class_axis="any",
        smooths_by_hand=True,
        eager_only=COMPOSED,
    ),
    Implementation(
        "torch.log_softmax(nll and mean)",
        "torch",
        nll_and_mean_form,
        frozenset({INDICES}),
        class_axis="any",
        smooths_by_hand=True,
        eager_only=COMPOSED,
    ),
]
