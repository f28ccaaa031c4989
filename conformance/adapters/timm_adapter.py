"""timm (PyTorch Image Models): the losses its ``train.py`` trains with, on the PyTorch
adapter's devices, tensors, autograd and ``torch.compile``. An opt-in framework in an
environment of its own: timm imports torchvision, whose wheels here need torch 2.14.1
(``tox -e timm``; README).

What they compute (timm/loss/cross_entropy.py, timm/data/mixup.py):

- ``LabelSmoothingCrossEntropy(smoothing=e)``, train.py's loss with ``--smoothing`` and no
  mixup: ``-log_softmax`` over the last axis, the target's term gathered at
  ``target.unsqueeze(1)`` (so (N, K) logits only), ``(1 - e) nll + e mean_k(-log p_k)``, the
  mean over rows; ``assert smoothing < 1.0`` in its constructor.
- ``SoftTargetCrossEntropy``, train.py's loss under mixup or cutmix: ``sum(-target *
  log_softmax(x))`` over the last axis, the mean over rows; probability rows as given.
- The same after ``mixup_target(target, K, lam=1.0, smoothing=e)``, the smoothed one-hot rows
  timm's ``Mixup`` makes (``e/K`` off the target, ``1 - e + e/K`` on it, ``lam = 1``: no
  mixing), as train.py with ``--smoothing`` and mixup computes it."""

from __future__ import annotations

from conformance.adapters import torch_adapter
from conformance.adapters.base import Framework, Implementation
from conformance.oracle.conventions import Convention
from conformance.vocabulary import INDICES, PROBABILITIES

MEAN = frozenset({"mean"})
# LabelSmoothingCrossEntropy asserts smoothing < 1.0; below 0 it is used as given.
SMOOTHING_BELOW_ONE = Convention(smoothing_above_one="raises")


def label_smoothing_cross_entropy(x, labels, e, reduction, axis):
    from timm.loss import LabelSmoothingCrossEntropy

    return LabelSmoothingCrossEntropy(smoothing=e)(x, labels)


def soft_target_cross_entropy(x, labels, e, reduction, axis):
    from timm.loss import SoftTargetCrossEntropy

    return SoftTargetCrossEntropy()(x, labels)


def mixup_soft_target_cross_entropy(x, labels, e, reduction, axis):
    from timm.data.mixup import mixup_target
    from timm.loss import SoftTargetCrossEntropy

    return SoftTargetCrossEntropy()(x, mixup_target(labels, x.shape[-1], lam=1.0, smoothing=e))


IMPLEMENTATIONS = [
    Implementation(
        "timm.loss.LabelSmoothingCrossEntropy",
        "timm",
        label_smoothing_cross_entropy,
        frozenset({INDICES}),
        MEAN,
        class_axis="rows",
        convention=SMOOTHING_BELOW_ONE,
    ),
    Implementation(
        "timm.loss.SoftTargetCrossEntropy",
        "timm",
        soft_target_cross_entropy,
        frozenset({PROBABILITIES}),
        MEAN,
        smoothing=False,  # the rows are the targets as given (mixup's, already smoothed)
    ),
    Implementation(
        "timm.loss.SoftTargetCrossEntropy(timm.data.mixup.mixup_target)",
        "timm",
        mixup_soft_target_cross_entropy,
        frozenset({INDICES}),
        MEAN,
        class_axis="rows",  # one_hot views the labels as (N, 1)
    ),
]


def load(precision_defaults: bool = False) -> Framework:
    """PyTorch's framework (devices, tensors, autograd, torch.compile) with timm's losses as
    its implementations; raises ImportError without timm (or with a torchvision that does not
    load beside this torch)."""
    import timm.data.mixup
    import timm.loss  # imports torchvision: a failing import is a skip

    return torch_adapter.load_as("timm", str(timm.__version__), IMPLEMENTATIONS, precision_defaults)
