"""A user's label-smoothed loss written the standard way on ``torch.log_softmax`` (the form
PyTorch's own cross_entropy computes): the smoothed targets' sum, the mean over rows. Run as
``--impl torch:tests/user_losses/torch_log_softmax.py:loss``."""

import torch


def loss(logits, labels, label_smoothing):
    logp = torch.log_softmax(logits, dim=-1)
    nll = -logp.gather(-1, labels.unsqueeze(-1)).squeeze(-1)
    smooth = -logp.mean(dim=-1)
    return ((1 - label_smoothing) * nll + label_smoothing * smooth).mean()
