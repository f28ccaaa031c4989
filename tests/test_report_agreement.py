"""The agreement heatmaps: implementations compared on the same golden inputs, per mode,
dtype and label kind."""

from __future__ import annotations

import pytest

from conformance.report import agreement, page, views
from conformance.results.merge import merge
from tests.test_report import record, written_results


def test_the_heatmap_compares_same_inputs_with_the_same_exact_answer(tmp_path):
    eps32 = 2.0**-23
    records = [
        record("a", "numpy", got=[1.0]),
        record("b", "torch", got=[1.0 + 3 * eps32]),
        record("c", "jax", got=[float("nan")]),
        # another convention, another exact answer: not a disagreement
        record("d", "tensorflow", got=[2.0], expected=[2.0]),
    ]
    (heat,) = agreement.heatmaps(merge([written_results(tmp_path, "r.json", records)]))
    index = {name.split(" ")[0]: i for i, name in enumerate(heat.names)}
    assert heat.worst[index["a"], index["b"]] == pytest.approx(3.0)
    assert heat.worst[index["a"], index["c"]] == float("inf")
    assert (index["a"], index["d"]) not in heat.worst and heat.excluded == 3


def test_the_heatmap_keeps_label_kinds_apart(tmp_path):
    records = [
        record("a", "numpy", got=[1.0]),
        record("b", "torch", got=[2.0]),
        {**record("a", "numpy", labels="probabilities"), "id": "pa", "got": [1.5]},
        {**record("b", "torch", labels="probabilities"), "id": "pb", "got": [1.5]},
    ]
    (heat,) = agreement.heatmaps(merge([written_results(tmp_path, "r.json", records)]))
    assert max(heat.worst.values()) == pytest.approx(1.0 / 2.0**-23)  # indices' difference shows


def test_two_modes_of_one_implementation_are_two_columns_and_two_heatmaps(tmp_path):
    records = [
        record("a", "jax", got=[1.0]),
        {**record("a", "jax", mode="jit"), "id": "jit"},
        {**record("b", "jax", mode="jit"), "id": "b-jit"},
        {**record("a", "jax", dtype="float64"), "id": "f64"},
    ]
    merged = merge([written_results(tmp_path, "r.json", records)])
    m = views.matrix(merged)
    assert [(c.implementation, c.dtype, c.mode) for c in m.columns] == [
        ("a", "float64", "eager"),
        ("a", "float32", "eager"),
        ("a", "float32", "jit"),
        ("b", "float32", "jit"),
    ]
    # one heatmap: where only "a" ran (eager float32, float64) there is nothing to compare
    assert [(h.mode, h.dtype, len(h.names)) for h in agreement.heatmaps(merged)] == [("jit", "float32", 2)]
    assert views.summary(merged)["modes"] == ["eager", "jit"]
    html = page.render(merged)
    assert (
        "<small>jit</small>" in html and "<small>eager</small>" in html
    )  # the scoreboard's chips name the mode
    assert "<option>jit</option>" in html  # the agreement view's mode selector


def test_one_implementation_alone_gets_no_heatmap(tmp_path):
    """A --impl run of one implementation: no 1x1 heatmaps, and the page says why."""
    records = [{**record("mine", "torch", case=f"c{i}"), "id": f"t[{i}]"} for i in range(3)]
    merged = merge([written_results(tmp_path, "r.json", records)])
    assert agreement.heatmaps(merged) == []
    assert "nothing to compare: no two implementations ran" in page.render(merged)
