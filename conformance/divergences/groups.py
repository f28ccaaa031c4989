"""Named groups of checks, so that a known divergence is scoped by where its mechanism acts
("every drawn check of the loss") rather than by a list of the checks seen to show it: an entry
writes ``test = ["@drawn-loss", "loss"]`` and the loader puts the group's checks in its place.

Each group is defined once, here; tests/test_divergences.py holds them to the property table
(every softmax property check is in exactly one drawn group)."""

from __future__ import annotations

from collections.abc import Sequence

GROUPS: dict[str, tuple[str, ...]] = {
    # the property checks of softmax cross-entropy that judge a loss value
    "@drawn-loss": (
        "agreement",
        "masked",
        "nan_row",
        "unsmoothed",
        "shift",
        "permutation",
        "halves",
        "hand_smoothed",
        "one_hot_rows",
        "options",
        "entropy_floor",
        "empty_batch",
    ),
    # the property checks of softmax cross-entropy that judge a gradient
    "@drawn-gradient": ("gradient_agreement", "options_gradient"),
    # the golden checks of a loss value: against the exact answer, and against another case's
    "@golden-loss": ("loss", "same_as"),
}


def expand(patterns: str | Sequence[str]) -> str | list[str]:
    """A ``test`` field with each group name replaced by its checks (order kept, no repeats);
    raises KeyError naming an unknown group."""
    if isinstance(patterns, str):
        return patterns if not patterns.startswith("@") else list(GROUPS[patterns])
    out: list[str] = []
    for p in patterns:
        for name in GROUPS[p] if p.startswith("@") else (p,):
            if name not in out:
                out.append(name)
    return out
