"""The golden cases as the report shows them: each case's inputs, exact values and what every
implementation returned for it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.report.views import dtype_order, mode_of, mode_order
from conformance.results.merge import Merged


@dataclass
class GoldenCase:
    id: str
    info: dict[str, Any]
    document: dict[str, Any] | None  # the check of a document's printed number, if any
    results: list[dict[str, Any]]  # every implementation's loss check of this case

    @property
    def file(self) -> str:
        """The case file it comes from (its group on the page): upstream.toml, say."""
        return Path(str(self.info.get("path", ""))).name or "(drawn or unknown)"


def golden(merged: Merged) -> list[GoldenCase]:
    by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    documents: dict[str, dict[str, Any]] = {}
    for r in merged.results:
        if r["test"] == "document" and "case" in r:
            documents[r["case"]] = r
        elif r["test"] in ("loss", "document_reproduced") and "case" in r and "implementation" in r:
            by_case[r["case"]].append(r)

    def file(c: str) -> str:
        return Path(str(merged.cases.get(c, {}).get("path", ""))).name

    # by file (upstream.toml's replayed reports one group), a document's cases first in each
    ids = sorted(set(merged.cases) | set(by_case), key=lambda c: (file(c), c not in documents, c))
    return [
        GoldenCase(
            c,
            merged.cases.get(c, {}),
            documents.get(c),
            sorted(
                by_case.get(c, []),
                key=lambda r: (
                    r["implementation"],
                    dtype_order(r["dtype"]),
                    mode_order(mode_of(r)),
                    r.get("labels", ""),
                ),
            ),
        )
        for c in ids
    ]
