"""Megatron-core: ``megatron.core.tensor_parallel.vocab_parallel_cross_entropy``, the loss
Megatron's GPT models train with, its vocabulary split across tensor-parallel ranks; on the
PyTorch adapter's devices, tensors and autograd. An opt-in framework in an environment of its
own (``megatron-core`` 0.16.1, the last release for Python 3.11; ``tox -e megatron``).

Checked two ways:

- in this process, torch.distributed initialised with the gloo backend, world size 1, and
  Megatron's model parallel state with tensor-parallel size 1;
- over two ranks (megatron_ranks.py): two gloo processes, each holding half of the classes as
  Megatron splits them, each rank's loss judged as an implementation of its own ("rank 0's
  loss", "rank 1's loss": what each rank trains with), the gradient gathered from the halves.

What it computes (megatron/core/tensor_parallel/cross_entropy.py, _VocabParallelCrossEntropy):
the logits cast to float32 (``.float()``, line 28) whatever their dtype; the max, the target's
logit and the sum of exponentials all-reduced across the ranks; ``log(sum exp) - x_target`` per
token, no reduction; with smoothing ``(1 - s) loss - s mean(log p)``, ``s = e K / (K - 1)``
(lines 164-182): e spread over the K - 1 other classes. Class indices only, the classes last,
any batch shape; a float32 loss for every input dtype. ``torch.compile`` is not checked: the
collectives inside are a distributed program's, not a compiled one's."""

from __future__ import annotations

import functools
import os
import tempfile
from dataclasses import replace
from typing import Any

from conformance.adapters import torch_adapter
from conformance.adapters.base import Framework, Implementation
from conformance.adapters.megatron_ranks import RANKS, Result, TwoRanks
from conformance.oracle.conventions import Convention
from conformance.vocabulary import INDICES

NAME = "megatron.core.tensor_parallel.vocab_parallel_cross_entropy"
# e/(K - 1) off the target; smoothing below 0 is no smoothing (only e > 0 smooths), above 1 an
# assertion (1.0 > label_smoothing > 0.0, line 175); a class index out of range is masked (no
# error: lines 48-62).
CONVENTION = Convention(
    smoothing_spread="other-classes",
    smoothing_below_zero="ignored",
    smoothing_above_one="raises",
)
DISTRIBUTED = "torch.distributed collectives inside: checked eagerly, not compiled"


def in_one_process(x, labels, e, reduction, axis):
    from megatron.core.tensor_parallel import vocab_parallel_cross_entropy

    one_process_group()  # as a single-GPU Megatron run has it (a reproducer script too)
    # a float32 input is overwritten in place (the softmax, then the gradient): give it a copy
    return vocab_parallel_cross_entropy(x.clone(), labels, label_smoothing=e)


RANKS_IN_USE = TwoRanks()


@functools.lru_cache(maxsize=1)
def _over_two_ranks(logits: bytes, shape: tuple[int, ...], labels: bytes, e: float, dtype: str) -> Result:
    import numpy as np

    x = np.frombuffer(logits, np.float64).reshape(shape)
    y = np.frombuffer(labels, np.int64).reshape(shape[:-1])
    return RANKS_IN_USE.run(x, y, e, dtype)


def _ranks(x: Any, labels: Any, e: float) -> Result:
    """The two ranks' answer for these tensors (run once for a loss and its gradient)."""
    import torch

    logits = x.detach().to(torch.float64).cpu().numpy()
    y = labels.detach().to(torch.int64).cpu().numpy()
    result = _over_two_ranks(
        logits.tobytes(), logits.shape, y.tobytes(), float(e), str(x.dtype).removeprefix("torch.")
    )
    if result.error:
        raise RuntimeError(f"a tensor-parallel rank raised {result.error}")
    return result


def _tensor(values: Any, dtype: str, like: Any) -> Any:
    import torch

    return torch.from_numpy(values.copy()).to(getattr(torch, dtype)).to(like.device)  # not the cached array


def rank_loss(rank: int):
    def loss(x, labels, e, reduction, axis):
        result = _ranks(x, labels, e)
        return _tensor(result.losses[rank], result.loss_dtype, x)

    return loss


def gathered_gradient(x, labels, e, reduction, axis):
    result = _ranks(x, labels, e)
    return _tensor(result.grad, result.grad_dtype, x)


def _implementation(name: str, loss: Any, gradient: Any = None, multiple: int = 1) -> Implementation:
    split = (
        f"; the vocabulary splits evenly between {multiple} ranks (Megatron pads it so)"
        if multiple > 1
        else ""
    )
    return Implementation(
        name,
        "megatron",
        loss,
        frozenset({INDICES}),
        frozenset({"none"}),
        gradient=gradient,
        convention=CONVENTION,
        eager_only=DISTRIBUTED,
        min_classes=2,
        classes_multiple=multiple,
        classes_why=f"one class has no other for e/(K - 1) (it divides by K - 1 = 0 when it smooths){split}",
    )


IMPLEMENTATIONS = [
    _implementation(NAME, in_one_process),
    *(
        _implementation(
            f"{NAME}(tensor-parallel {RANKS}: rank {r}'s loss)", rank_loss(r), gathered_gradient, RANKS
        )
        for r in range(RANKS)
    ),
]


def one_process_group() -> None:
    """torch.distributed (gloo, world size 1) and Megatron's model parallel state
    (tensor-parallel size 1) in this process, as a single-GPU Megatron run has them."""
    import torch.distributed as dist
    from megatron.core import parallel_state

    if not dist.is_initialized():
        store = os.path.join(tempfile.mkdtemp(prefix="conformance-megatron-"), "store")
        dist.init_process_group("gloo", init_method=f"file://{store}", rank=0, world_size=1)
    if not parallel_state.model_parallel_is_initialized():
        parallel_state.initialize_model_parallel(tensor_model_parallel_size=1)


def load(precision_defaults: bool = False) -> Framework:
    """PyTorch's framework (its CPU device: gloo) with Megatron's loss as its implementations;
    raises ImportError without megatron-core."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Transformer Engine and Apex are not installed"
        import megatron.core
        from megatron.core.tensor_parallel import vocab_parallel_cross_entropy  # noqa: F401

    torch = torch_adapter.load_as(
        "megatron", str(megatron.core.__version__), IMPLEMENTATIONS, precision_defaults
    )
    return replace(torch, devices=[d for d in torch.devices if d.startswith("cpu")])
