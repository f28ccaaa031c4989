"""A user's loss that is PyTorch's own: F.cross_entropy with label smoothing, the mean, and the
same with a planted second fault. Run as ``--impl torch:tests/user_losses/torch_cross_entropy.py:loss``."""

import torch
import torch.nn.functional as F


def loss(logits, labels, label_smoothing):
    return F.cross_entropy(logits, labels, label_smoothing=label_smoothing)


def overflow_hidden(logits, labels, label_smoothing):
    """A planted second fault: PyTorch's own loss, its float16 overflow to inf replaced by a
    finite wrong value (the largest float16 number)."""
    return torch.nan_to_num(loss(logits, labels, label_smoothing), posinf=65504.0)
