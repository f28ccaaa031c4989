"""The JSON Schema of the results file (schema version 3: the compact form, compact.py), against
which every file is checked when read."""

from __future__ import annotations

from typing import Any

from conformance.results.layout import GROUP_FIELDS, VERSION
from conformance.vocabulary import MODES, OUTCOMES

SCHEMA_VERSION = VERSION  # 3: the compact form (compact.py)

_NUMBER = {"type": ["number", "string"]}  # a non-finite float is the string "nan", "inf", "-inf"

_TEXT = {"type": "string"}

_TEXTS = {"type": "object", "additionalProperties": _TEXT}  # name -> text

_OR_NULL = {"type": ["string", "null"]}  # null: the check has none (compact.py)

_DIVERGENCE = {
    "type": "object",
    "required": ["id"],
    "properties": {"id": _TEXT, "reason": _TEXT, "kind": _TEXT},
}

_AT = {"type": "object", "required": ["at"], "properties": {"at": {"type": "integer", "minimum": 0}}}

_VALUE = {  # a value, or {"at": i}: the array at place i of "values" (compact_shared.py)
    "not": {"type": "object", "not": _AT},
    "description": 'an object other than {"at": a place in the file\'s values}',
}

_GROUPS = {"not": {}, "description": "its group's field, not a check's"}  # a check has none

_CHECK = {  # one check, less its group's fields (compact.py)
    "type": "object",
    "required": ["test", "outcome"],
    "properties": {
        **{field: _GROUPS for field in GROUP_FIELDS},
        "id": _TEXT,
        "test": _TEXT,
        "case": _TEXT,
        "framework_version": _OR_NULL,
        "operation": _OR_NULL,
        "convention": {"type": ["object", "null"]},
        "known_divergence": {"anyOf": [_TEXT, _DIVERGENCE]},  # an id in known_divergences
        "outcome": {"enum": list(OUTCOMES)},
        **{f: _NUMBER for f in ("error_eps", "error_ulps", "bound_eps", "tight_eps", "max_abs", "max_rel")},
        "message": {"anyOf": [_TEXT, {"type": "integer", "minimum": 0}]},  # an index in messages
        "reproduce": _OR_NULL,
        "returned_dtype": _OR_NULL,
        "returned_device": _OR_NULL,
        "expected": _VALUE,
        "got": _VALUE,
        "cases": {"anyOf": [{"type": "array", "items": _TEXT, "minItems": 2}, _AT]},
    },
    "not": {"required": ["case", "cases"]},
    "description": "a check has a case or cases, not both",  # what its "not" says
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["schema_version", "created", "environment", "results"],
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "created": {"type": "string"},
        "environment": {
            "type": "object",
            "required": ["python", "frameworks", "command"],
            "properties": {
                "frameworks": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "properties": {
                            "device_names": _TEXTS,
                            "precision": _TEXTS,
                            "modes": {"type": "array", "items": _TEXT},
                            "unavailable_modes": _TEXTS,
                        },
                    },
                },
                "conventions": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["convention", "value", "meaning"],
                        "properties": {"convention": _TEXT, "value": _TEXT, "meaning": _TEXT},
                    },
                },
                "reproduce_options": _TEXT,
                "duration_s": {"type": "number"},
            },
        },
        "cases": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "max_abs_logit": _NUMBER,
                    "expected": {"type": "array", "items": _TEXT},
                    "path": _TEXT,
                    "description": _TEXT,
                    "provenance": _TEXT,
                },
            },
        },
        "id_starts": _TEXTS,
        "implementations": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "framework": _TEXT,
                    "framework_version": _TEXT,
                    "operation": _TEXT,
                    "convention": {"type": "object"},
                },
            },
        },
        "known_divergences": {"type": "object", "additionalProperties": _DIVERGENCE},
        "messages": {"type": "array", "items": _TEXT},
        "values": {"type": "array", "items": {"type": "array"}},
        "results": {
            "type": "array",
            "items": {  # the checks that ran in one place
                "type": "object",
                "required": ["checks"],
                "dependentRequired": {"implementation": ["framework", "dtype"]},
                "properties": {
                    "framework": _TEXT,
                    "implementation": _TEXT,
                    "device": _TEXT,
                    "dtype": _TEXT,
                    "mode": {"type": "string", "enum": list(MODES)},
                    "labels": _TEXT,
                    "checks": {"type": "array", "items": _CHECK},
                },
            },
        },
    },
}
