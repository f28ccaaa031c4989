"""Hugging Face transformers: ``transformers.trainer_pt_utils.LabelSmoother``, the loss its
``Trainer`` uses when ``label_smoothing_factor`` is set, on the PyTorch adapter's devices,
tensors, autograd and ``torch.compile``. An opt-in framework: ``pip install -e .[transformers]``
(PyTorch's CPU build first, as for the torch extra).

What it computes (trainer_pt_utils.py, LabelSmoother.__call__): ``-log_softmax`` over the last
axis; the target's term and the row sum of every class's term (summed with
``dtype=torch.float32``), each zeroed on rows whose label is ``ignore_index`` (-100) and divided
by the number of rows that are not, the row sum also by K; ``(1 - e) nll + e smoothed``. So:
class indices, the classes last, the mean over kept rows (Keras' kept-rows divisor), and
``torch.clamp(labels, min=0)`` before the gather."""

from __future__ import annotations

from conformance.adapters import torch_adapter
from conformance.adapters.base import Framework, Implementation
from conformance.oracle.conventions import Convention
from conformance.vocabulary import INDICES

# No check of the smoothing (used as given on either side of [0, 1]); a class index at K or
# beyond raises (torch.gather); the mean divides by the rows that are not ignored, -100 unless
# told otherwise (LabelSmoother.ignore_index's default).
CONVENTION = Convention(weighted_mean="kept-rows", default_ignore_index="-100")


def label_smoother(x, labels, e, reduction, axis, ignore_index=None):
    from transformers.trainer_pt_utils import LabelSmoother

    smoother = LabelSmoother(epsilon=e) if ignore_index is None else LabelSmoother(e, ignore_index)
    return smoother({"logits": x}, labels)


IMPLEMENTATIONS = [
    Implementation(
        "transformers.trainer_pt_utils.LabelSmoother",
        "transformers",
        label_smoother,
        frozenset({INDICES}),
        frozenset({"mean"}),
        options=frozenset({"ignore_index"}),
        convention=CONVENTION,
    ),
]


def load(precision_defaults: bool = False) -> Framework:
    """PyTorch's framework (devices, tensors, autograd, torch.compile) with LabelSmoother as
    its implementation; raises ImportError without transformers."""
    import transformers.trainer_pt_utils  # where LabelSmoother is: a failing import is a skip

    return torch_adapter.load_as(
        "transformers", str(transformers.__version__), IMPLEMENTATIONS, precision_defaults
    )
