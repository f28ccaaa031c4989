"""The JSON Schema of a golden case file (a TOML file, one per source, ``schema = 1``)."""

from __future__ import annotations

from typing import Any

from conformance.cases import generator
from conformance.vocabulary import DTYPES, OPERATIONS, REDUCTIONS

SCHEMA_VERSION = 1

_NUMBER = {"type": "number"}
_DECIMAL = {"type": "string", "pattern": r"^[-+]?(\d+(\.\d*)?([eE][-+]?\d+)?|inf|nan)$"}
_MATRIX = {"type": "array", "items": {"type": "array", "items": _NUMBER}}

CASE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "provenance", "labels", "label_smoothing", "reduction", "expected"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_.+=-]*$"},
        "description": {"type": "string"},
        "provenance": {"type": "string", "minLength": 1},
        "logits": {"oneOf": [_MATRIX, generator.SCHEMA]},  # or, for linear_cross_entropy:
        "hidden": _MATRIX,
        "weight": _MATRIX,
        "bias": {"type": "array", "items": _NUMBER},
        "labels": {
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "additionalProperties": False,
            "properties": {
                "indices": {"type": "array", "items": {"type": "integer"}},
                "probabilities": {"oneOf": [_MATRIX, generator.SCHEMA]},
            },
        },
        "label_smoothing": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
        "reduction": {"enum": list(REDUCTIONS)},
        "expected": {
            "type": "object",
            "required": ["loss"],
            "additionalProperties": False,
            "properties": {"loss": {"oneOf": [_DECIMAL, {"type": "array", "items": _DECIMAL}]}},
        },
        "observed": {
            "type": "object",
            "required": ["loss", "implementation", "dtype", "where"],
            "additionalProperties": False,
            "properties": {
                "loss": _NUMBER,
                "implementation": {"type": "string"},
                "dtype": {"enum": list(DTYPES)},
                "where": {"type": "string"},
            },
        },
        "same_as": {"type": "string"},
        "batch_shape": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1}},
        "axis": {"type": "integer"},
        "weights": {"type": "array", "minItems": 1, "items": {"type": "number", "minimum": 0}},
        "operation": {"enum": list(OPERATIONS)},
        "ignore_index": {"type": "integer"},
    },
}

FILE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["schema", "source", "case"],
    "additionalProperties": False,
    "properties": {
        "schema": {"const": SCHEMA_VERSION},
        "source": {"type": "string", "minLength": 1},
        "case": {"type": "array", "minItems": 1, "items": {"type": "object"}},
    },
}
