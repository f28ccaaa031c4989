"""Article 1's PyTorch module, way 1: log-probabilities first (the stable form).

pytest conformance --impl torch:examples/label_smoothing_log_probabilities.py:LabelSmoothingCrossEntropy
"""

import torch
from torch import nn


class LabelSmoothingCrossEntropy(nn.Module):
    """Cross-entropy against targets smoothed as y * (1 - e) + e / K; the mean over the batch."""

    def __init__(self, smoothing: float = 0.1):
        super().__init__()
        assert 0 < smoothing < 1, "smoothing must be in (0, 1)"
        self.smoothing = smoothing
        self.confidence = 1.0 - smoothing

    def forward(self, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        logprobs = torch.log_softmax(x, dim=-1)
        nll = -logprobs.gather(dim=-1, index=target.unsqueeze(1)).squeeze(1)
        smooth = -logprobs.mean(dim=-1)
        loss = self.confidence * nll + self.smoothing * smooth
        return loss.mean()
