"""Known divergences: matching, and several entries acting as one."""

from __future__ import annotations

from conformance import divergences
from conformance.divergences import KnownDivergence


def entry(id: str, within: str | None, strict: bool = True, **match) -> KnownDivergence:
    return KnownDivergence(id, match, "precision", "because", within=within, strict=strict)


def test_patterns_and_lists_match_fields():
    k = entry("a", None, implementation="tf.keras.*", test=["loss", "agreement"])
    assert k.matches({"implementation": "tf.keras.losses.X", "test": "agreement"})
    assert not k.matches({"implementation": "torch.x", "test": "agreement"})
    assert not k.matches({"implementation": "tf.keras.losses.X", "test": "shift"})


def test_several_matches_act_as_one():
    check = {"test": "agreement", "implementation": "x"}
    both = divergences.find([entry("f32", "float32"), entry("bug", None, strict=False)], check)
    assert both.id == "f32 + bug" and both.within is None and both.strict
    looser = divergences.find([entry("f32", "float32"), entry("f16", "float16")], check)
    assert looser.within == "float16"
    assert divergences.find([entry("f32", "float32", test="shift")], check) is None


def test_repository_entries_are_valid():
    known = divergences.load()
    assert {k.kind for k in known} <= {"definition", "precision", "defect"}
    assert all(k.reason and k.evidence for k in known)
