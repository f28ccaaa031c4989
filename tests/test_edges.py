"""Convention checks hold each implementation to its declared convention, and fail it on
another: shown on the real NumPy adapter and the real PyTorch."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conformance.adapters import load
from conformance.checks import edges
from conformance.checks.failures import Divergence, Point
from conformance.oracle.conventions import Convention


def point(framework: str, name: str, convention: Convention | None = None) -> Point:
    fw = load(framework)
    impl = fw.implementation(name)
    if convention is not None:
        impl = replace(impl, convention=convention)
    return Point(fw, impl, fw.devices[0], "float32", "indices")


def test_numpy_raises_on_labels_out_of_range_as_it_declares():
    numpy = point("numpy", "conformance.numpy.softmax_cross_entropy")
    for edge in ("label-K", "label-minus-1"):
        assert "raised" in edges.check_edge(numpy, edge)["outcome_detail"]
    wraps = point("numpy", "conformance.numpy.softmax_cross_entropy", Convention(label_out_of_range="wraps"))
    with pytest.raises(Divergence, match="should not raise"):
        edges.check_edge(wraps, "label-K")


def test_torch_takes_negative_smoothing_as_zero():
    """torch's label_smoothing < 0 is silently 0 (only > 1 raises): declared, and checked."""
    pytest.importorskip("torch")
    name = "torch.nn.functional.cross_entropy"
    edges.check_edge(point("torch", name), "smoothing-below-0")
    with pytest.raises(Divergence):
        edges.check_edge(point("torch", name, Convention(smoothing_above_one="raises")), "smoothing-below-0")
    with pytest.raises(Divergence, match="returned a value"):
        edges.check_edge(point("torch", name, Convention(smoothing_below_zero="raises")), "smoothing-below-0")


def test_optax_integer_labels_wrap():
    pytest.importorskip("optax")
    name = "optax.softmax_cross_entropy_with_integer_labels"
    for edge in ("label-K", "label-minus-1"):
        edges.check_edge(point("jax", name), edge)
    with pytest.raises(Divergence):
        edges.check_edge(point("jax", name, Convention()), "label-minus-1")


def test_torch_ignores_class_minus_100_by_default_as_it_declares():
    """PyTorch's ignore_index defaults to -100: a row of class -100 is ignored without being
    asked. Declared so, it passes (per row: that row's loss is 0); declared as ignoring nothing,
    it fails for not raising; and an implementation declared to ignore -100 that raises fails."""
    pytest.importorskip("torch")
    name = "torch.nn.functional.cross_entropy"
    record = edges.check_edge(point("torch", name), "label-minus-100")
    assert record["convention"] == "default_ignore_index = -100"
    with pytest.raises(Divergence, match="returned a value; its convention label_out_of_range = raises"):
        edges.check_edge(point("torch", name, Convention(default_ignore_index="none")), "label-minus-100")
    numpy = point("numpy", "conformance.numpy.softmax_cross_entropy", Convention(default_ignore_index="-100"))
    with pytest.raises(Divergence, match="should not raise"):
        edges.check_edge(numpy, "label-minus-100")


def test_an_optax_label_of_minus_100_is_below_minus_k_and_gives_nan():
    """Ignoring nothing by default, optax's integer labels wrap -K..-1 only: -100 of 3 classes
    is a NaN row, which the edge expects; declared to ignore -100 it fails."""
    pytest.importorskip("optax")
    name = "optax.softmax_cross_entropy_with_integer_labels"
    assert (
        edges.check_edge(point("jax", name), "label-minus-100")["convention"] == "label_out_of_range = wraps"
    )
    with pytest.raises(Divergence):
        edges.check_edge(
            point("jax", name, Convention(label_out_of_range="wraps", default_ignore_index="-100")),
            "label-minus-100",
        )
