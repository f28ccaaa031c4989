"""The results file's compact form back to one flat record per check, as the report and a user
reading the file want it (compact.py writes it)."""

from __future__ import annotations

import shlex
from typing import Any

from conformance.results.compact_shared import split_cases, unshare_values
from conformance.results.layout import (
    GROUP_FIELDS,
    IMPLEMENTATION_FIELDS,
    LISTS,
    NULLABLE,
    RETURNED,
    TABLES,
    id_end,
)


class ExpandError(ValueError):
    """A compact document whose check refers to what its tables lack: ``where`` is the path
    to the field (as JSON Schema errors give it), the message what is wrong."""

    def __init__(self, where: str, problem: str):
        super().__init__(problem)
        self.where = where


def expand(document: dict[str, Any]) -> dict[str, Any]:
    """The document with one flat record per check, as version 1 had them (sorted by id);
    ExpandError if a check refers to what the tables lack."""
    options = document["environment"].get("reproduce_options", "")
    tables = {name: document.get(name, [] if name in LISTS else {}) for name in TABLES}
    records = []
    for g, group in enumerate(document["results"]):
        shared = {f: group[f] for f in GROUP_FIELDS if f in group}
        for c, check in enumerate(group["checks"]):
            try:
                whole = {**shared, **check}
                unshare_values(whole, tables["values"])
                for one in split_cases(whole):
                    records.append(_expand_record(one, tables, options))
            except LookupError as e:
                field, problem = e.args
                raise ExpandError(f"results/{g}/checks/{c}/{field}", problem) from None
    records.sort(key=lambda r: r["id"])
    rest = {k: v for k, v in document.items() if k not in TABLES}
    return {**rest, "results": records}


def _expand_record(record: dict[str, Any], tables: dict[str, Any], options: str) -> dict[str, Any]:
    """One check's flat record; LookupError(field, problem) where the file lacks what it needs."""
    if "id" not in record:
        if record["test"] not in tables["id_starts"]:
            raise LookupError("id", f"{record['test']!r} is not in the file's id_starts")
        record["id"] = tables["id_starts"][record["test"]] + id_end(record)
    entry = tables["implementations"].get(record.get("implementation"), {})
    for field in IMPLEMENTATION_FIELDS:
        if field in entry:
            record.setdefault(field, entry[field])
    known, message = record.get("known_divergence"), record.get("message")
    if isinstance(known, str):
        if known not in tables["known_divergences"]:
            raise LookupError("known_divergence", f"{known!r} is not in the file's known_divergences")
        record["known_divergence"] = tables["known_divergences"][known]
    if isinstance(message, int):
        if not 0 <= message < len(tables["messages"]):
            raise LookupError("message", f"{message!r} is not in the file's messages")
        record["message"] = tables["messages"][message]
    for returned, asked in RETURNED.items():
        if "got" in record and returned not in record:
            if asked not in record:
                raise LookupError(returned, f"the check has a result but no {asked} (nor {returned})")
            record[returned] = record[asked]
    record.setdefault("reproduce", shlex.join(["pytest", record["id"]]) + options)
    return {k: v for k, v in record.items() if not (k in NULLABLE and v is None)}
