"""Writing the results file's compact form (schema version 3); expand.py reads it back.

A run's records repeat a lot: each names its implementation's framework, version, operation
and conventions, its known divergence in full, its reproduce command, where it ran. The
compact form (``compact``) writes each of those once; ``expand`` (expand.py) gives back the
flat records of version 1 (results_file.py), sorted by id, so that their readers (merge.py, the report, the
tests) see no difference. The compact document::

    {"schema_version": 3, "created": ..., "cases": {...},
     "environment": {..., "reproduce_options": " --hypothesis-profile ci"},
     "id_starts": {test: text},
     "implementations": {name: {"framework", "framework_version", "operation", "convention"}},
     "known_divergences": {id: entry},
     "messages": [text, ...], "values": [array, ...],
     "results": [{"framework", "implementation", "device", "dtype", "mode", "labels",
                  "checks": [{"test", "case", "outcome", ...}, ...]}, ...]}

- "results" holds the checks grouped by where they ran: a group holds those of
  ``GROUP_FIELDS`` its checks have, all the same (a check that lacks one is in a group that
  lacks it), and its checks omit them.
- A check omits its "id" where it is its test's "id_starts" entry followed by its
  ``ID_FIELDS`` joined by "-" and a "]" (``conformance/test_golden.py::test_loss[`` +
  ``CASE-LABELS-IMPLEMENTATION-DEVICE-DTYPE-MODE]``).
- A check omits "framework_version", "operation" and "convention" where they are its
  implementation's entry in "implementations"; one that lacks a field its entry has holds null.
- A check's "known_divergence" is the id of its entry in "known_divergences" (the entry
  itself where it differs from the one there).
- A message that more than one check gave is in "messages" once, and those checks'
  "message" is its index there.
- "reproduce" is omitted where it is ``shlex.join(["pytest", id])`` followed by
  ``environment["reproduce_options"]`` (the options most checks' commands add); null where a
  check has none.
- A check that holds "got" omits "returned_dtype" and "returned_device" where they are its
  dtype and device (null where it has none).
- An array that more than one check holds as its "expected", "got" or "cases" is in "values"
  once, and those checks hold ``{"at": index}`` in its place; checks of a group that are the
  same but for their case are one check, with "cases" (a list) in place of "case"
  (compact_shared.py).
- "worst_input" (the drawn example a property check's "error_ulps" came from) is kept only
  where the check did not pass, or where it is the one the report's accuracy table shows
  for its group (``worst_inputs``). ``expand(compact(d))["results"]`` is d's records, sorted
  by id, with only those dropped.
"""

from __future__ import annotations

import json
import math
import shlex
from collections import Counter
from typing import Any

from conformance.results.compact_shared import merge_cases, share_values
from conformance.results.layout import (
    GROUP_FIELDS,
    IMPLEMENTATION_FIELDS,
    RETURNED,
    VERSION,
    WORST_GROUP,
    id_end,
)


def compact(document: dict[str, Any]) -> dict[str, Any]:
    """The version-2 form of a version-1 document (its records sorted by id; not modified)."""
    records = [dict(r) for r in sorted(document["results"], key=lambda r: r["id"])]
    worst_inputs(records)
    options = _common_reproduce_options(records)
    starts = _id_starts(records)
    implementations = _implementations(records)
    divergences: dict[str, Any] = {}
    counts = Counter(r["message"] for r in records if isinstance(r.get("message"), str))
    messages = [m for m, n in counts.items() if n > 1]
    index = {m: i for i, m in enumerate(messages)}
    groups: dict[tuple[tuple[str, Any], ...], list[dict[str, Any]]] = {}
    for record in records:
        _compact_record(record, options, implementations, divergences, index)
        if record.get("test") in starts and record["id"] == starts[record["test"]] + id_end(record):
            del record["id"]
        key = tuple((f, record.pop(f)) for f in GROUP_FIELDS if f in record)
        groups.setdefault(key, []).append(record)
    merged = {key: merge_cases(checks) for key, checks in groups.items()}
    values = share_values([check for checks in merged.values() for check in checks])
    return {
        "schema_version": VERSION,
        "created": document["created"],
        "environment": {**document["environment"], "reproduce_options": options},
        "cases": document.get("cases", {}),
        "id_starts": starts,
        "implementations": implementations,
        "known_divergences": divergences,
        "messages": messages,
        "values": values,
        "results": [{**dict(key), "checks": checks} for key, checks in merged.items()],
    }


def worst_inputs(records: list[dict[str, Any]]) -> None:
    """Drop "worst_input" from each passed check (in place) but the one the report shows: of
    the passed checks with an "error_ulps" in a group (operation, implementation, device,
    dtype, mode, and whether it compared with another result), the largest, NaN the largest,
    the first by id of equals."""
    worst: dict[tuple[Any, ...], tuple[tuple[bool, float], dict[str, Any]]] = {}
    for r in records:
        if r.get("outcome") != "passed":
            continue
        try:
            ulps = float(r["error_ulps"])
        except (KeyError, TypeError, ValueError):
            r.pop("worst_input", None)
            continue
        key = (*(r.get(f) for f in WORST_GROUP), "compared_with" in r, r.get("test"))
        key = key if key[-1] in ("document", "case_files") else key[:-1]  # not in the report's table
        rank = (math.isnan(ulps), ulps)
        if key in worst and not rank > worst[key][0]:
            r.pop("worst_input", None)
            continue
        if key in worst:
            worst[key][1].pop("worst_input", None)
        worst[key] = (rank, r)


def _common_reproduce_options(records: list[dict[str, Any]]) -> str:
    """The options most reproduce commands add after ``pytest ID`` ("" if none do)."""
    found = Counter(
        r["reproduce"][len(start) :]
        for r in records
        if isinstance(r.get("reproduce"), str)
        and r["reproduce"].startswith(start := shlex.join(["pytest", r["id"]]))
    )
    return found.most_common(1)[0][0] if found else ""


def _implementations(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each implementation's framework, version, operation and conventions: for each field,
    the value most of its checks hold (absent if most lack it)."""
    seen: dict[str, dict[str, Counter[str]]] = {}
    for r in records:
        if isinstance(r.get("implementation"), str):
            fields = seen.setdefault(r["implementation"], {})
            for f in ("framework", *IMPLEMENTATION_FIELDS):
                fields.setdefault(f, Counter())[json.dumps(r.get(f), sort_keys=True)] += 1
    entries = {}
    for name, fields in seen.items():
        chosen = {f: json.loads(counts.most_common(1)[0][0]) for f, counts in fields.items()}
        entries[name] = {f: v for f, v in chosen.items() if v is not None}
    return entries


def _compact_record(
    record: dict[str, Any],
    options: str,
    implementations: dict[str, dict[str, Any]],
    divergences: dict[str, Any],
    messages: dict[str, int],
) -> None:
    """Drop from one record (in place) what the document's tables and the rules above give."""
    entry = implementations.get(record["implementation"], {}) if "implementation" in record else {}
    for field in IMPLEMENTATION_FIELDS:
        if field in entry and field not in record:
            record[field] = None
        elif field in entry and record[field] == entry[field]:
            del record[field]
    known = record.get("known_divergence")
    key = known.get("id") if isinstance(known, dict) else None
    if isinstance(key, str) and divergences.setdefault(key, known) == known:
        record["known_divergence"] = key  # else it differs from the table's entry: kept whole
    if isinstance(record.get("message"), str) and record["message"] in messages:
        record["message"] = messages[record["message"]]
    for returned, asked in RETURNED.items():
        if "got" in record and returned not in record:
            record[returned] = None
        elif "got" in record and asked in record and record[returned] == record[asked]:
            del record[returned]
    if "reproduce" not in record:
        record["reproduce"] = None
    elif record["reproduce"] == shlex.join(["pytest", record["id"]]) + options:
        del record["reproduce"]


def _id_starts(records: list[dict[str, Any]]) -> dict[str, str]:
    """Per test, how most of its ids start: the id less ``id_end``."""
    found: dict[str, Counter[str]] = {}
    for r in records:
        end = id_end(r)
        if r["id"].endswith(end) and isinstance(r.get("test"), str):
            found.setdefault(r["test"], Counter())[r["id"][: -len(end)]] += 1
    return {test: starts.most_common(1)[0][0] for test, starts in found.items()}
