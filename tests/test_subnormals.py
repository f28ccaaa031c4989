"""A call that leaves the process flushing subnormals to zero is that check's error, and the
state is set back (torch.compile's CPU kernels did so in torch 2.4.1: adapters/subnormals.py)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conformance.adapters import load, subnormals

LOGITS = np.array([[4.0, 5.0, 10.0], [1.0, 5.0, 4.0]])
LABELS = np.array([2, 1])


def test_a_call_that_switches_on_flushing_subnormals_errs_and_the_state_is_set_back():
    torch = pytest.importorskip("torch")
    framework = load("torch")
    plain = framework.implementation("torch.nn.functional.cross_entropy")

    def flushing(*args, **options):
        assert torch.set_flush_denormal(True), "this CPU cannot flush subnormals"
        return plain.loss(*args, **options)

    planted = replace(plain, name="planted flushing", loss=flushing)
    assert not subnormals.flushed()
    with pytest.raises(
        subnormals.FlushedSubnormals, match=r"planted flushing \(eager\) left the process flushing"
    ):
        framework.run(planted, "cpu:0", LOGITS, LABELS, 0.1, "mean")
    assert not subnormals.flushed() and np.array([1e-310])[0] * 1.0 > 0
    assert framework.run(plain, "cpu:0", LOGITS, LABELS, 0.1, "mean").value > 0  # the next call is fine
