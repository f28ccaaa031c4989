"""Article 1's PyTorch module, way 2: probabilities first, then their log. Right on the
worked example, wrong once a probability underflows to 0 (large logit gaps): the suite
catches it with a small counterexample.

    pytest conformance --impl torch:examples/label_smoothing_probabilities.py:LabelSmoothingCrossEntropy
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
        p = torch.softmax(x, dim=1)
        rows = torch.arange(x.shape[0])
        nll = -torch.log(p[rows, target])
        smooth = -torch.log(p).mean(dim=1)
        loss = self.confidence * nll + self.smoothing * smooth
        return loss.mean()
