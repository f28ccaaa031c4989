"""Two rules of the results file's compact form (compact.py) that look across checks: an
array many checks hold is written once, and checks that differ only in their case are one.

- ``share_values``: an array that more than one check holds as one of ``SHARED_FIELDS`` is
  in the document's "values" once, and those checks hold ``{"at": index}`` in its place
  (the golden checks' exact values: every implementation of a case in a dtype has the same).
- ``merge_cases``: checks of a group that are the same but for their "case" (and whose ids
  follow from their fields) are one check with "cases", the list of their cases, in its
  place (the unsupported checks of a cell: the same test, outcome and message, case after case).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

SHARED_FIELDS = ("expected", "got", "cases")


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def share_values(checks: list[dict[str, Any]]) -> list[Any]:
    """Replace (in place) each array of ``SHARED_FIELDS`` that more than one check holds by
    ``{"at": i}``; the table of those arrays, in the order first held."""
    counts = Counter(_text(c[f]) for c in checks for f in SHARED_FIELDS if isinstance(c.get(f), list))
    places: dict[str, int] = {}
    values: list[Any] = []
    for check in checks:
        for field in SHARED_FIELDS:
            value = check.get(field)
            if not isinstance(value, list) or counts[text := _text(value)] < 2:
                continue
            if text not in places:
                places[text] = len(values)
                values.append(value)
            check[field] = {"at": places[text]}
    return values


def unshare_values(check: dict[str, Any], values: list[Any]) -> None:
    """Put back (in place) the arrays a check holds by their place in ``values``;
    LookupError(field, problem) where there is none."""
    for field in SHARED_FIELDS:
        ref = check.get(field)
        if isinstance(ref, dict):
            at = ref.get("at")
            if not isinstance(at, int) or not 0 <= at < len(values):
                raise LookupError(field, f"{at!r} is not a place in the file's values")
            check[field] = values[at]


def merge_cases(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The checks of one group with those that differ only in "case" (and hold no "id") made
    one, with "cases" in place of "case"; in the order of the first of each."""
    first: dict[str, dict[str, Any]] = {}  # the rest of a check -> the first check with it
    kept: list[dict[str, Any]] = []
    for check in checks:
        if "id" in check or not isinstance(check.get("case"), str):
            kept.append(check)
            continue
        rest = _text({k: v for k, v in check.items() if k != "case"})
        if rest in first:
            one = first[rest]
            if "case" in one:
                one["cases"] = [one.pop("case")]
            one["cases"].append(check["case"])
        else:
            first[rest] = check
            kept.append(check)
    return kept


def split_cases(check: dict[str, Any]) -> list[dict[str, Any]]:
    """One check per case of a check with "cases" (the check itself where it has none)."""
    if "cases" not in check:
        return [check]
    rest = {k: v for k, v in check.items() if k != "cases"}
    return [{**rest, "case": case} for case in check["cases"]]
