"""The error plots: against the largest |logit| and against K, each check ringed by the bound
it misses."""

from __future__ import annotations

from conformance.report import plot
from conformance.report.views import Point


def _point(classes: float, error: float, tight: float | None = 10.0) -> Point:
    return Point(1.0, error, 100.0, "torch", "float16", f"K={classes:g}", classes, tight)


def test_there_is_a_panel_against_k_whose_dots_run_with_k():
    points = [_point(32000, 1.0), _point(3, 1.0), _point(262144, 1.0)]
    axes = dict(plot.plots(points)["axes"])
    assert set(axes) == {"largest |logit| of the case", "number of classes K"}
    (panel,) = axes["number of classes K"]
    xs = {d.title.split(":")[0]: d.x for d in panel.dots}
    assert xs["K=3"] < xs["K=32000"] < xs["K=262144"]
    assert [label for _, label in panel.xticks][:2] == ["1", "10"]


def test_a_dot_is_ringed_by_the_bound_it_misses():
    points = [_point(3, 5.0), _point(3, 50.0), _point(3, 500.0), _point(3, 50.0, tight=None)]
    (panel,) = dict(plot.plots(points)["axes"])["number of classes K"]
    assert [d.over for d in panel.dots] == ["", "tight", "worst", ""]  # no tight bound recorded: none
    assert "bounds: tight 10, worst-case 100" in panel.dots[1].title
