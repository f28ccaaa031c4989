"""Fused linear losses on PyTorch: one correct, two with planted faults. Run as
``--impl torch:tests/user_losses/torch_fused.py:without_bias`` (and so on)."""

import torch
import torch.nn.functional as F


def without_bias(hidden, weight, labels, label_smoothing):
    """Correct, and takes no bias: checked on the cases without one."""
    return F.cross_entropy(hidden @ weight.T, labels, label_smoothing=label_smoothing)


def logits_in_bfloat16(hidden, weight, bias, labels, label_smoothing):
    """Planted: the logits formed in bfloat16 (8 bits) whatever the inputs' dtype."""
    logits = hidden.to(torch.bfloat16) @ weight.to(torch.bfloat16).T + bias.to(torch.bfloat16)
    return F.cross_entropy(logits.to(hidden.dtype), labels, label_smoothing=label_smoothing)


def bias_detached(hidden, weight, bias, labels, label_smoothing):
    """Planted: the bias cut from the graph, so its gradient is lost (the loss is right)."""
    return F.cross_entropy(hidden @ weight.T + bias.detach(), labels, label_smoothing=label_smoothing)
