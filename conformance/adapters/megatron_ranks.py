"""Two tensor-parallel ranks of Megatron-core, each a process of its own on torch.distributed's
gloo backend, holding half of the vocabulary as Megatron splits it (VocabUtility: rank r has
classes [r K/2, (r + 1) K/2)). Started when a check first needs them, kept for the run (a start
costs seconds: the import and the process group), and torn down when the process that started
them exits. Each request runs ``vocab_parallel_cross_entropy`` on both ranks, and comes back
as each rank's loss and the gradient gathered from their halves."""

from __future__ import annotations

import atexit
import multiprocessing
import os
import queue
import socket
from dataclasses import dataclass
from typing import Any

import numpy as np

RANKS = 2
START_TIMEOUT_S = 180.0
CALL_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Result:
    """What the ranks returned: each rank's loss, the gradient gathered along the classes,
    their dtypes (names), or the exception a rank raised ("Type: message")."""

    losses: list[np.ndarray]
    grad: np.ndarray
    loss_dtype: str
    grad_dtype: str
    error: str = ""


def _serve(rank: int, port: int, requests: Any, results: Any) -> None:  # pragma: no cover (a child)
    """One rank: join the group, then answer requests until None comes."""
    import warnings

    warnings.filterwarnings("ignore")  # Megatron's "Transformer Engine and Apex are not installed"
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    import torch
    import torch.distributed as dist

    dist.init_process_group("gloo", rank=rank, world_size=RANKS)
    from megatron.core import parallel_state
    from megatron.core.tensor_parallel import vocab_parallel_cross_entropy

    parallel_state.initialize_model_parallel(tensor_model_parallel_size=RANKS)
    results.put((rank, "ready"))
    while (job := requests.get()) is not None:
        logits, labels, e, dtype = job
        try:
            part = logits.shape[-1] // RANKS
            mine = torch.from_numpy(logits[..., rank * part : (rank + 1) * part].copy())
            x = mine.to(getattr(torch, dtype)).requires_grad_(True)
            loss = vocab_parallel_cross_entropy(x.clone(), torch.from_numpy(labels), label_smoothing=e)
            loss.sum().backward()
            assert x.grad is not None
            dtypes = (str(loss.dtype).removeprefix("torch."), str(x.grad.dtype).removeprefix("torch."))
            results.put(
                (rank, (loss.detach().double().numpy(), dtypes[0], x.grad.double().numpy(), dtypes[1]))
            )
        except Exception as error:  # the rank's own error, for the check to show
            results.put((rank, f"{type(error).__name__}: {error}"))
    parallel_state.destroy_model_parallel()
    dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TwoRanks:
    """The two ranks, started on first use."""

    def __init__(self) -> None:
        self._processes: list[Any] = []
        self._requests: list[Any] = []
        self._results: Any = None
        self._failed = ""

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited torch state
        self._results = context.Queue()
        port = _free_port()
        for rank in range(RANKS):
            requests = context.Queue()
            process = context.Process(target=_serve, args=(rank, port, requests, self._results), daemon=True)
            process.start()
            self._requests.append(requests)
            self._processes.append(process)
        atexit.register(self.stop)
        try:
            for _ in range(RANKS):
                self._results.get(timeout=START_TIMEOUT_S)
        except queue.Empty:
            self.stop()
            self._failed = f"the {RANKS} tensor-parallel ranks did not start within {START_TIMEOUT_S:.0f} s"

    def run(self, logits: np.ndarray, labels: np.ndarray, e: float, dtype: str) -> Result:
        """Each rank's loss and the gathered gradient of ``vocab_parallel_cross_entropy`` for
        ``logits`` (float64 values of ``dtype``, the classes last) and class indices."""
        if not self._processes and not self._failed:
            self._start()
        if self._failed:
            raise RuntimeError(self._failed)
        for requests in self._requests:
            requests.put((np.ascontiguousarray(logits), np.ascontiguousarray(labels), float(e), dtype))
        answers = dict(self._results.get(timeout=CALL_TIMEOUT_S) for _ in range(RANKS))
        errors = [a for a in answers.values() if isinstance(a, str)]
        if errors:
            return Result([], np.empty(0), "", "", errors[0])
        ordered = [answers[r] for r in range(RANKS)]
        grad = np.concatenate([a[2] for a in ordered], axis=-1)
        return Result([a[0] for a in ordered], grad, ordered[0][1], ordered[0][3])

    def stop(self) -> None:
        """Tear the ranks down: ask each to leave the group, then make sure it is gone."""
        for requests in self._requests:
            requests.put(None)
        for process in self._processes:
            process.join(timeout=20)
            if process.is_alive():
                process.terminate()
        self._processes, self._requests = [], []
