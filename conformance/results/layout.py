"""The layout of the results file's compact form: which fields a group of checks shares, how a
check's id is cut, the tables written once (compact.py writes it, expand.py reads it)."""

from __future__ import annotations

from typing import Any

VERSION = 3  # results.SCHEMA_VERSION

GROUP_FIELDS = ("framework", "implementation", "device", "dtype", "mode", "labels")

IMPLEMENTATION_FIELDS = ("framework_version", "operation", "convention")

ID_FIELDS = ("case", "labels", "implementation", "device", "dtype", "mode")

# null: the check has none
NULLABLE = (*IMPLEMENTATION_FIELDS, "reproduce", "returned_dtype", "returned_device")

TABLES = ("id_starts", "implementations", "known_divergences", "messages", "values")

LISTS = ("messages", "values")  # the tables that are lists

WORST_GROUP = ("operation", "framework", "implementation", "device", "dtype", "mode")

RETURNED = {"returned_dtype": "dtype", "returned_device": "device"}


def id_end(record: dict[str, Any]) -> str:
    """How a check's id ends: its ``ID_FIELDS`` joined by "-", then "]"."""
    return "-".join(str(record[f]) for f in ID_FIELDS if f in record) + "]"
