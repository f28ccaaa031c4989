"""Golden case files: loading and validation (writing a case back as TOML: writer.py).

A case file is TOML (read with the standard library's safe parser), one file per source,
validated against ``SCHEMA`` (JSON Schema) and then for consistency (shapes, label ranges,
probability rows, unique ids). Every problem names the file, the case and the field; a bad
case is reported and the valid cases of the file still load.
"""

from __future__ import annotations

import hashlib
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np

from conformance.cases import linear_inputs
from conformance.cases.generator import Generated
from conformance.cases.model import Case, CaseError, Observed
from conformance.cases.schema import CASE_SCHEMA, FILE_SCHEMA
from conformance.paths import CASES_DIR
from conformance.vocabulary import LINEAR_CROSS_ENTROPY, SIGMOID_CROSS_ENTROPY, SOFTMAX_CROSS_ENTROPY

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def load_file(path: Path) -> tuple[list[Case], list[CaseError]]:
    """Load one case file: its valid cases, and an error for each invalid one."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        return [], [CaseError(path, None, None, f"not valid TOML: {e}")]
    except OSError as e:
        return [], [CaseError(path, None, None, f"cannot be read: {e}")]
    file_error = _first_error(FILE_SCHEMA, data)
    if file_error:
        return [], [CaseError(path, None, *file_error)]
    cases: list[Case] = []
    errors: list[CaseError] = []
    seen: set[str] = set()
    for index, raw in enumerate(data["case"]):
        case_id = raw.get("id") if isinstance(raw.get("id"), str) else f"#{index + 1}"
        try:
            problem = _first_error(CASE_SCHEMA, raw)
            if problem:
                raise CaseError(path, case_id, *problem)
            if case_id in seen:
                raise CaseError(path, case_id, "id", "duplicate id in this file")
            seen.add(case_id)
            cases.append(_build(path, raw))
        except CaseError as e:
            errors.append(e)
    return _resolve_same_as(path, cases, errors)


def _resolve_same_as(
    path: Path, cases: list[Case], errors: list[CaseError]
) -> tuple[list[Case], list[CaseError]]:
    """Drop cases whose ``same_as`` names no valid case of this file, itself, or one whose
    labels cannot be given the same way; repeat until every reference holds."""
    while True:
        by_id = {c.id: c for c in cases}
        bad = []
        for case in cases:
            other = by_id.get(case.same_as) if case.same_as is not None else case
            if other is None:
                bad.append((case, f"no valid case {case.same_as!r} in this file"))
            elif other is case and case.same_as is not None:
                bad.append((case, "names the case itself"))
            elif not set(case.label_kinds) & set(other.label_kinds):
                bad.append(
                    (
                        case,
                        f"case {other.id!r} takes labels as {other.label_kinds}, not {case.label_kinds}",
                    )
                )
        if not bad:
            return cases, errors
        for case, message in bad:
            errors.append(CaseError(path, case.id, "same_as", message))
            cases.remove(case)


def digest(directory: Path = CASES_DIR) -> str:
    """A SHA-256 of the case files' names and bytes: two runs read the same cases or not."""
    h = hashlib.sha256()
    for path in sorted(Path(directory).glob("*.toml")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def load_all(directory: Path = CASES_DIR) -> tuple[list[Case], list[CaseError]]:
    """Load every ``*.toml`` case file in ``directory``; ids must be unique across files."""
    cases: list[Case] = []
    errors: list[CaseError] = []
    owner: dict[str, str] = {}
    for path in sorted(Path(directory).glob("*.toml")):
        file_cases, file_errors = load_file(path)
        errors.extend(file_errors)
        for case in file_cases:
            if case.id in owner:
                errors.append(CaseError(path, case.id, "id", f"duplicate id, also in {owner[case.id]}"))
                continue
            owner[case.id] = str(path)
            cases.append(case)
    return cases, errors


def _first_error(schema: dict[str, Any], data: Any) -> tuple[str, str] | None:
    """(field path, message) of the most relevant schema error, or None."""
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if error is None:
        return None
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return field.lstrip(".") or "(top level)", error.message


def _build(path: Path, raw: dict[str, Any]) -> Case:
    case_id = raw["id"]

    def fail(field: str, message: str) -> CaseError:
        return CaseError(path, case_id, field, message)

    if not math.isfinite(raw["label_smoothing"]):
        raise fail("label_smoothing", "must be a finite number in [0, 1)")
    if "observed" in raw and raw["reduction"] == "none":
        raise fail("observed", "a printed number needs a reduction to one value (mean or sum)")
    logits_from = None
    if raw.get("operation") == LINEAR_CROSS_ENTROPY:
        x, n, k = linear_inputs.packed(raw, fail)
    else:
        x, logits_from = _logits(raw, fail)
        n, k = x.shape
    if raw.get("operation") == SIGMOID_CROSS_ENTROPY:
        for field in ("weights", "ignore_index", "batch_shape"):
            if field in raw:
                raise fail(field, "does not apply to binary (sigmoid) cross-entropy")
        if "indices" in raw["labels"]:
            raise fail("labels.indices", "binary cross-entropy takes targets in [0, 1]: labels.probabilities")
    weights = raw.get("weights")
    if weights is not None and len(weights) != k:
        raise fail("weights", f"has {len(weights)} class weights for {k} classes")
    ignore_index = raw.get("ignore_index")
    if ignore_index is not None and "indices" not in raw["labels"]:
        raise fail("ignore_index", "applies to class indices, not probability rows")
    labels_from = None
    if "indices" in raw["labels"]:
        labels = np.asarray(raw["labels"]["indices"], np.int64)
        if labels.shape != (n,):
            raise fail("labels.indices", f"has {labels.size} labels for {n} rows of logits")
        bad = np.flatnonzero(((labels < 0) | (labels >= k)) & (labels != ignore_index))
        if bad.size:
            raise fail(f"labels.indices[{bad[0]}]", f"{labels[bad[0]]} is not a class in [0, {k})")
    else:
        labels_from = _generated(raw["labels"]["probabilities"], fail, "labels.probabilities")
        if labels_from is not None and labels_from.generator != "simplex":
            raise fail("labels.probabilities", "probability rows come from the 'simplex' generator")
        rows = labels_from.values() if labels_from else raw["labels"]["probabilities"]
        if len(rows) != n or any(len(r) != k for r in rows):
            raise fail("labels.probabilities", f"must have the logits' shape ({n}, {k})")
        labels = np.asarray(rows, np.float64)
        binary = raw.get("operation") == SIGMOID_CROSS_ENTROPY
        for i, row in enumerate(labels):
            if not np.all(np.isfinite(row)) or np.any(row < 0) or (binary and np.any(row > 1)):
                limits = "in [0, 1]" if binary else ">= 0"
                raise fail(f"labels.probabilities[{i}]", f"entries must be finite and {limits}")
            if not binary and abs(math.fsum(row) - 1.0) > 4 * k * np.finfo(np.float64).eps:
                raise fail(f"labels.probabilities[{i}]", f"sums to {math.fsum(row)!r}, not 1")
    loss = raw["expected"]["loss"]
    expected = tuple(loss) if isinstance(loss, list) else (loss,)
    want = (
        (n * k if raw.get("operation") == SIGMOID_CROSS_ENTROPY else n) if raw["reduction"] == "none" else 1
    )
    if len(expected) != want:
        raise fail(
            "expected.loss", f"has {len(expected)} values; reduction {raw['reduction']!r} gives {want}"
        )
    batch_shape = tuple(raw["batch_shape"]) if "batch_shape" in raw else None
    if batch_shape is not None and math.prod(batch_shape) != n:
        raise fail("batch_shape", f"holds {math.prod(batch_shape)} rows, the logits {n}")
    axis = raw.get("axis", -1)
    rank = len(batch_shape or (n,)) + 1
    if not -rank <= axis < rank:
        raise fail("axis", f"{axis} is not an axis of logits of rank {rank}")
    observed = raw.get("observed")
    return Case(
        id=case_id,
        path=str(path),
        provenance=raw["provenance"],
        logits=x,
        labels=labels,
        label_smoothing=float(raw["label_smoothing"]),
        reduction=raw["reduction"],
        expected=expected,
        description=raw.get("description", ""),
        observed=Observed(**observed) if observed else None,
        same_as=raw.get("same_as"),
        batch_shape=batch_shape,
        axis=axis,
        weights=tuple(float(w) for w in weights) if weights is not None else None,
        ignore_index=ignore_index,
        operation=raw.get("operation", SOFTMAX_CROSS_ENTROPY),
        logits_from=logits_from,
        labels_from=labels_from,
    )


def _logits(
    raw: dict[str, Any], fail: Callable[[str, str], CaseError]
) -> tuple[np.ndarray, Generated | None]:
    """The (N, K) logits a case gives, written out or from a generator."""
    if "logits" not in raw:
        raise fail("logits", "is required")
    logits_from = _generated(raw["logits"], fail, "logits")
    if logits_from is not None and logits_from.generator != "uniform":
        raise fail("logits", "logits come from the 'uniform' generator")
    logits = logits_from.values() if logits_from else raw["logits"]
    if logits_from is None and (not logits or len({len(row) for row in logits}) != 1 or not logits[0]):
        raise fail("logits", "must be a non-empty (N, K) matrix with rows of one length")
    return np.asarray(logits, np.float64), logits_from


def _generated(value: Any, fail: Callable[[str, str], CaseError], field: str) -> Generated | None:
    """The generator a field names (a table), or None for numbers written out."""
    if not isinstance(value, dict):
        return None
    try:
        return Generated.from_table(value)
    except ValueError as e:
        raise fail(field, str(e)) from None
