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

from conformance.adapters.contract import Unsupported

RANKS = 2
START_TIMEOUT_S = 180.0
CALL_TIMEOUT_S = 540.0  # under a check's own timeout, so that this one says why
POLL_S = 1.0  # how often a waiting side looks whether the other is still there
READY = "ready"


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
    """One rank: join the group, say so (or why not), then answer requests, each under its number,
    until None comes or the process that started it is gone."""
    try:
        import warnings

        warnings.filterwarnings("ignore")  # Megatron's "Transformer Engine and Apex are not installed"
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        import torch
        import torch.distributed as dist

        dist.init_process_group("gloo", rank=rank, world_size=RANKS)
        from megatron.core import parallel_state
        from megatron.core.tensor_parallel import vocab_parallel_cross_entropy

        parallel_state.initialize_model_parallel(tensor_model_parallel_size=RANKS)
    except Exception as error:
        results.put((rank, 0, f"{type(error).__name__}: {error}"))
        return
    results.put((rank, 0, READY))
    parent = multiprocessing.parent_process()
    while True:
        try:
            job = requests.get(timeout=POLL_S)
        except queue.Empty:
            if parent is not None and not parent.is_alive():  # orphaned: leave
                return
            continue
        if job is None:
            break
        number, logits, labels, e, dtype = job
        try:
            part = logits.shape[-1] // RANKS
            mine = torch.from_numpy(logits[..., rank * part : (rank + 1) * part].copy())
            x = mine.to(getattr(torch, dtype)).requires_grad_(True)
            loss = vocab_parallel_cross_entropy(x.clone(), torch.from_numpy(labels), label_smoothing=e)
            loss.sum().backward()
            assert x.grad is not None
            dtypes = (str(loss.dtype).removeprefix("torch."), str(x.grad.dtype).removeprefix("torch."))
            answer = (loss.detach().double().numpy(), dtypes[0], x.grad.double().numpy(), dtypes[1])
            results.put((rank, number, answer))
        except Exception as error:  # the rank's own error, for the check to show
            results.put((rank, number, f"{type(error).__name__}: {error}"))
    parallel_state.destroy_model_parallel()
    dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TwoRanks:
    """The two ranks, started on first use; started again after one dies or a call is cut short
    (every answer carries its request's number, so a late one is never taken for another's)."""

    def __init__(self) -> None:
        self._processes: list[Any] = []
        self._requests: list[Any] = []
        self._results: Any = None
        self._number = 0
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
        answers = self._collect(0, START_TIMEOUT_S)
        why = answers if isinstance(answers, str) else "; ".join(a for a in answers.values() if a != READY)
        if why:
            self.stop()
            self._failed = f"the {RANKS} tensor-parallel ranks could not start: {why}"

    def _collect(self, number: int, timeout: float) -> dict[int, Any] | str:
        """Each rank's answer to request ``number`` (older ones dropped), or why none came: a
        rank that exited, or the time it took."""
        answers: dict[int, Any] = {}
        waited = 0.0
        while len(answers) < RANKS:
            try:
                rank, answered, answer = self._results.get(timeout=POLL_S)
            except queue.Empty:
                waited += POLL_S
                dead = [r for r, p in enumerate(self._processes) if not p.is_alive()]
                if dead:
                    return f"rank {dead[0]} exited (code {self._processes[dead[0]].exitcode})"
                if waited >= timeout:
                    return f"no answer within {timeout:.0f} s"
                continue
            if answered == number:
                answers[rank] = answer
        return answers

    def run(self, logits: np.ndarray, labels: np.ndarray, e: float, dtype: str) -> Result:
        """Each rank's loss and the gathered gradient of ``vocab_parallel_cross_entropy`` for
        ``logits`` (float64 values of ``dtype``, the classes last) and class indices; raises
        Unsupported where the ranks cannot start here, RuntimeError where they stop answering."""
        if not self._processes and not self._failed:
            self._start()
        if self._failed:
            raise Unsupported(self._failed)
        self._number += 1
        job = (self._number, np.ascontiguousarray(logits), np.ascontiguousarray(labels), float(e), dtype)
        for requests in self._requests:
            requests.put(job)
        try:
            answers = self._collect(self._number, CALL_TIMEOUT_S)
        except BaseException:  # cut short (a timeout's signal, ^C): start afresh next time
            self.stop()
            raise
        if isinstance(answers, str):
            self.stop()  # started again by the next call
            raise RuntimeError(f"the tensor-parallel ranks stopped answering: {answers}")
        errors = [answers[r] for r in range(RANKS) if isinstance(answers[r], str)]
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
