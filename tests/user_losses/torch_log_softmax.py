"""A user's label-smoothed losses written the standard ways on ``torch.log_softmax``: the
smoothed targets' sum (one-hot rows), the form of timm's and NVIDIA's (nll and mean), and the
first with a planted defect (its smoothing constant half again too large). Run as
``--impl torch:tests/user_losses/torch_log_softmax.py:NAME``."""

import torch
import torch.nn.functional as F


def smoothed_targets(logits, labels, label_smoothing):
    k = logits.shape[-1]
    targets = F.one_hot(labels, k).to(logits.dtype) * (1 - label_smoothing) + label_smoothing / k
    return -(targets * torch.log_softmax(logits, dim=-1)).sum(dim=-1).mean()


def nll_and_mean(logits, labels, label_smoothing):
    logp = torch.log_softmax(logits, dim=-1)
    nll = -logp.gather(-1, labels.unsqueeze(-1)).squeeze(-1)
    if label_smoothing == 0:  # a masked class's -inf times 0 would be NaN
        return nll.mean()
    return ((1 - label_smoothing) * nll + label_smoothing * -logp.mean(dim=-1)).mean()


def wrong_smoothing(logits, labels, label_smoothing):
    return smoothed_targets(logits, labels, label_smoothing * 1.5)
