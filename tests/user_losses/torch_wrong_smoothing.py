"""A user's loss with a planted defect: PyTorch's own F.cross_entropy with the smoothing
constant half again too large. Run as ``--impl torch:tests/user_losses/torch_wrong_smoothing.py:loss``."""

import torch.nn.functional as F


def loss(logits, labels, label_smoothing):
    return F.cross_entropy(logits, labels, label_smoothing=label_smoothing * 1.5)
