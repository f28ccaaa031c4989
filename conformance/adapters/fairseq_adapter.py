"""fairseq: ``label_smoothed_nll_loss``, the loss of its ``label_smoothed_cross_entropy``
criterion (the translation and language-model recipes' ``--label-smoothing``), on the PyTorch
adapter's devices, tensors, autograd and ``torch.compile``. An opt-in framework in an
environment of its own: ``fairseq-fixed`` (the maintained fork of fairseq 0.12 for current
Pythons) installs with ``READTHEDOCS=1`` (no C++ extensions) and ``--no-build-isolation``
(``tox -e fairseq``; README).

What it computes (fairseq/criterions/label_smoothed_cross_entropy.py, label_smoothed_nll_loss):
the target's term ``-lprobs.gather(-1, target)`` and the row sum ``-lprobs.sum(-1)`` over the
last axis, each summed over the rows (``reduce=True``) or not (``reduce=False``: one loss per
row), and ``(1 - e - e/(K-1)) nll + e/(K-1) smooth``: e spread over the K - 1 other classes, the
target keeping 1 - e (conventions.py, smoothing_spread = other-classes). Its log-probabilities
come from the model: ``fairseq.utils.log_softmax(x, dim=-1)``, which every fairseq decoder's
``get_normalized_probs`` calls, is ``F.log_softmax(x, dim, dtype=torch.float32)``, so the
criterion sees float32 whatever the logits' dtype; both are checked, the function on
``torch.log_softmax`` in the logits' dtype and as a fairseq model feeds it."""

from __future__ import annotations

from conformance.adapters import torch_adapter
from conformance.adapters.base import Framework, Implementation
from conformance.oracle.conventions import Convention
from conformance.vocabulary import INDICES

# e/(K-1) off the target; the smoothing is used as given on either side of [0, 1]; a class
# index out of range raises (torch.gather).
CONVENTION = Convention(smoothing_spread="other-classes")
ONE_CLASS = "e/(K - 1) has no other class to spread over (it divides by K - 1 = 0, at e = 0 too)"


def _nll_loss(lprobs, labels, e, reduction):
    from fairseq.criterions.label_smoothed_cross_entropy import label_smoothed_nll_loss

    loss, _ = label_smoothed_nll_loss(lprobs, labels, e, reduce=reduction == "sum")
    return loss


def on_torch_log_softmax(x, labels, e, reduction, axis):
    import torch

    return _nll_loss(torch.log_softmax(x, dim=-1), labels, e, reduction)


def on_fairseq_log_softmax(x, labels, e, reduction, axis):
    from fairseq import utils

    return _nll_loss(utils.log_softmax(x, dim=-1), labels, e, reduction)


def _implementation(name: str, loss) -> Implementation:
    return Implementation(
        name,
        "fairseq",
        loss,
        frozenset({INDICES}),
        frozenset({"sum", "none"}),
        convention=CONVENTION,
        min_classes=2,
        classes_why=ONE_CLASS,
    )


IMPLEMENTATIONS = [
    _implementation("fairseq.label_smoothed_nll_loss(torch.log_softmax)", on_torch_log_softmax),
    _implementation("fairseq.label_smoothed_nll_loss(fairseq.utils.log_softmax)", on_fairseq_log_softmax),
]


def load(precision_defaults: bool = False) -> Framework:
    """PyTorch's framework (devices, tensors, autograd, torch.compile) with fairseq's loss as
    its implementations; raises ImportError without fairseq."""
    import fairseq.criterions.label_smoothed_cross_entropy  # a failing import is a skip

    return torch_adapter.load_as("fairseq", str(fairseq.__version__), IMPLEMENTATIONS, precision_defaults)
