"""What the LLM trainers' losses needed of the suite: the e/(K-1) spread as a convention, property
checks for a loss without a mean, and draws of only the numbers of classes a loss takes; and,
where fairseq or Megatron-core is installed, their checks end to end."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance import adapters
from conformance.adapters.contract import Unsupported
from conformance.cases import Case
from conformance.checks import judge, property_table
from conformance.checks.failures import Point
from conformance.draws import strategies
from conformance.oracle.conventions import Convention


def numpy_point(**changes) -> Point:
    fw = adapters.load("numpy")
    impl = replace(fw.implementations[0], **changes)
    return Point(replace(fw, implementations=[impl]), impl, fw.devices[0], "float64", "indices")


def test_a_loss_without_a_mean_is_drawn_with_the_reductions_it_takes():
    """fairseq sums or keeps rows and Megatron keeps them: a property that draws its reduction
    runs them with one they take (it ran none of their property checks when it asked for the mean)."""
    impl = numpy_point(reductions=frozenset({"sum", "none"})).impl
    agreement = property_table.PROPERTIES["agreement"]
    assert agreement.reduction_for(impl) in {"sum", "none"}
    assert impl.unsupported("indices", agreement.reduction_for(impl), "float32") is None
    assert property_table.PROPERTIES["nan_row"].reduction_for(impl) == "none"


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_draws_hold_only_the_classes_a_loss_takes(data):
    case = data.draw(strategies.cases("float32", "indices", classes=(2, 2)))
    k = case.logits.shape[-1]
    assert k >= 2 and k % 2 == 0


def test_a_number_of_classes_a_loss_does_not_take_is_unsupported_with_why():
    point = numpy_point(min_classes=2, classes_why="one class has no other")
    case = Case("one", "(test)", "", np.zeros((2, 1)), np.array([0, 0]), 0.0, "mean", ())
    with pytest.raises(Unsupported, match="does not take 1 classes: one class has no other"):
        judge.run(point, case)


def test_the_other_classes_convention_is_judged_against_its_own_reference():
    """The suite's NumPy loss (e/K) under the other-classes convention diverges where it smooths:
    the reference follows the convention the implementation declares."""
    from conformance.checks.failures import Divergence

    case = Case("s", "(test)", "", np.array([[2.0, 1.0, 0.1]]), np.array([0]), 0.1, "none", ())
    judge.check_loss(numpy_point(), case)
    with pytest.raises(Divergence):
        judge.check_loss(numpy_point(convention=Convention(smoothing_spread="other-classes")), case)


@pytest.mark.parametrize("framework", ["fairseq", "megatron", "liger"])
def test_the_trainers_run_green_on_the_worked_example(run_suite, framework):
    """Where installed: fairseq's, Liger's and Megatron's checks of the worked example, and Megatron's
    over two ranks (started and torn down by the run) at 8,192 classes, come out as recorded:
    the ranks' smoothing over their own half of the vocabulary a known divergence."""
    pytest.importorskip(
        {"fairseq": "fairseq", "megatron": "megatron.core", "liger": "liger_kernel"}[framework]
    )
    selected = "article1 or (tensor-parallel and paddleapitest-478 and float32)"
    env = {"TRITON_INTERPRET": "1"} if framework == "liger" else None
    code, out, results = run_suite("--framework", framework, "-k", selected, serial=False, env=env)
    mine = [r for r in results["results"] if r.get("framework") == framework]
    outcomes = {r["outcome"] for r in mine}
    assert code == 0 and outcomes <= {"passed", "known divergence", "unsupported"}, out[-3000:]
    assert {"passed", "known divergence"} <= outcomes, out[-3000:]
    if framework == "megatron":
        ranks = [
            r for r in mine if "tensor-parallel" in r["implementation"] and r["outcome"] != "unsupported"
        ]
        assert len({r["implementation"] for r in ranks}) == 2, out[-3000:]  # rank 0's and rank 1's
        assert {r["known_divergence"]["id"] for r in ranks} == {
            "megatron-tensor-parallel-smoothing-over-the-rank-s-classes"
        }, out[-3000:]


def test_the_vocabulary_sharded_over_two_host_devices_is_judged_like_any_loss(run_suite):
    """optax's losses with the classes split across two host devices (a process whose XLA_FLAGS
    make them): their golden checks run on the mesh, eagerly and under jax.jit, and pass where the
    unsharded losses pass; with one device the framework is skipped, saying how to get two."""
    pytest.importorskip("jax")
    flags = {"XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    selected = ("--framework", "jax_sharded", "-k", "paddleapitest-478 and float32")
    code, out, results = run_suite(*selected, env=flags)
    mine = [
        r for r in results["results"] if r.get("framework") == "jax_sharded" and r["outcome"] != "unsupported"
    ]
    assert code == 0 and mine and {r["outcome"] for r in mine} == {"passed"}, out[-3000:]
    assert {r["mode"] for r in mine} == {"eager", "jit"}
    code, out, _ = run_suite("--framework", "jax_sharded", "-k", "loss", env={"XLA_FLAGS": ""})
    assert code == 0 and "jax_sharded needs 2 host devices and JAX has 1" in out, out[-3000:]
