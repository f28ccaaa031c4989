"""Golden case files: loading and validation.

A case file is TOML (read with the standard library's safe parser), one file per source,
validated against ``SCHEMA`` (JSON Schema) and then for consistency (shapes, label ranges,
probability rows, unique ids). Every problem names the file, the case and the field; a bad
case is reported and the valid cases of the file still load.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np

from conformance.conventions import DEFAULT, Convention
from conformance.reference import REDUCTIONS, Options, one_hot

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SCHEMA_VERSION = 1
CASES_DIR = Path(__file__).resolve().parent.parent / "cases"

_NUMBER = {"type": "number"}
_DECIMAL = {"type": "string", "pattern": r"^[-+]?(\d+(\.\d*)?([eE][-+]?\d+)?|inf|nan)$"}
_MATRIX = {"type": "array", "items": {"type": "array", "items": _NUMBER}}

CASE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "provenance", "logits", "labels", "label_smoothing", "reduction", "expected"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_.+=-]*$"},
        "description": {"type": "string"},
        "provenance": {"type": "string", "minLength": 1},
        "logits": _MATRIX,
        "labels": {
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "additionalProperties": False,
            "properties": {
                "indices": {"type": "array", "items": {"type": "integer"}},
                "probabilities": _MATRIX,
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
                "dtype": {"enum": ["float16", "bfloat16", "float32", "float64"]},
                "where": {"type": "string"},
            },
        },
        "same_as": {"type": "string"},
        "batch_shape": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1}},
        "axis": {"type": "integer"},
        "weights": {"type": "array", "minItems": 1, "items": {"type": "number", "minimum": 0}},
        "operation": {"enum": ["softmax_cross_entropy", "sigmoid_cross_entropy"]},
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


class CaseError(ValueError):
    """A problem in a case file, naming the file, the case and the field."""

    def __init__(self, path: Path | str, case_id: str | None, field: str | None, message: str):
        self.path, self.case_id, self.field, self.message = str(path), case_id, field, message
        where = [self.path]
        if case_id is not None:
            where.append(f"case {case_id!r}")
        if field:
            where.append(f"field {field!r}")
        super().__init__(f"{': '.join(where)}: {message}")


@dataclass(frozen=True)
class Observed:
    """A value a document printed, and what printed it."""

    loss: float
    implementation: str
    dtype: str
    where: str


@dataclass(frozen=True, eq=False)
class Case:
    """One golden case: inputs, parameters, provenance and the exact expected loss."""

    id: str
    path: str
    provenance: str
    logits: np.ndarray
    labels: np.ndarray  # int64 class indices (N,) or float64 probability rows (N, K)
    label_smoothing: float
    reduction: str
    expected: tuple[str, ...]  # exact loss as decimal strings: one, or one per row for "none"
    description: str = ""
    observed: Observed | None = None
    same_as: str | None = None
    # The layout the implementation receives: the N rows as ``batch_shape`` (None: (N,)) with
    # the classes on ``axis`` of the logits (and of probability labels). The reference works
    # on the N x K rows whatever the layout.
    batch_shape: tuple[int, ...] | None = None
    axis: int = -1
    # Options (reference.Options): per-class weights, and the class index of ignored rows.
    # The expected loss is under the default conventions (conventions.py).
    weights: tuple[float, ...] | None = None
    ignore_index: int | None = None
    # softmax cross-entropy over the classes, or binary (sigmoid) cross-entropy per element,
    # whose labels are targets in [0, 1] of the logits' shape (binary.py)
    operation: str = "softmax_cross_entropy"

    def summary(self) -> dict[str, Any]:
        """What the results file (and so the report) says of the case: where it comes from,
        its exact loss, a document's printed value if any, and the size of its logits."""
        logits = np.abs(self.logits[np.isfinite(self.logits)])
        info: dict[str, Any] = {
            "path": self.path,
            "description": self.description,
            "provenance": self.provenance,
            "operation": self.operation,
            "reduction": self.reduction,
            "label_smoothing": self.label_smoothing,
            "shape": list(self.logits.shape),
            "expected": list(self.expected),
            "max_abs_logit": float(logits.max()) if logits.size else 0.0,
        }
        if self.observed is not None:
            info["documented"] = dataclasses.asdict(self.observed)
        return info

    def options(self, convention: Convention = DEFAULT) -> Options:
        """The case's options under an implementation's ``convention``."""
        return Options(self.weights, self.ignore_index, convention)

    @property
    def option_names(self) -> tuple[str, ...]:
        """The options the case sets, as implementations declare them."""
        return tuple(n for n in ("weights", "ignore_index") if getattr(self, n) is not None)

    def arranged(self, array: np.ndarray) -> np.ndarray:
        """Rows (N, K) or indices (N,) arranged in the case's layout."""
        if self.batch_shape is None:
            return array
        if array.ndim == 1:
            return array.reshape(self.batch_shape)
        return np.moveaxis(array.reshape(*self.batch_shape, array.shape[-1]), -1, self.axis)

    def as_rows(self, array: np.ndarray) -> np.ndarray:
        """The inverse of ``arranged`` for an array shaped like the arranged logits: rows (N, K)."""
        if self.batch_shape is None:
            return array
        return np.moveaxis(array, self.axis, -1).reshape(-1, array.shape[self.axis])

    @property
    def drawn(self) -> bool:
        """Whether Hypothesis drew this case (rather than a case file holding it)."""
        return self.path.startswith("(drawn")

    @property
    def label_kinds(self) -> tuple[str, ...]:
        """Label kinds this case can be given as: indices also run as their one-hot rows
        (but for ignored rows, which have none)."""
        if self.labels.ndim == 2 or self.operation != "softmax_cross_entropy":
            return ("probabilities",)
        return ("indices",) if self.ignore_index is not None else ("indices", "probabilities")

    def labels_as(self, kind: str) -> np.ndarray:
        """The labels as class ``indices`` or as ``probabilities`` rows (float64)."""
        if kind == "indices" and self.labels.ndim == 1:
            return self.labels
        if kind == "probabilities":
            return one_hot(self.labels, self.logits.shape[1]) if self.labels.ndim == 1 else self.labels
        raise ValueError(f"case {self.id!r} has no {kind} labels")


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
    logits = raw["logits"]
    if not logits or len({len(row) for row in logits}) != 1 or not logits[0]:
        raise fail("logits", "must be a non-empty (N, K) matrix with rows of one length")
    x = np.asarray(logits, np.float64)
    n, k = x.shape
    if raw.get("operation") == "sigmoid_cross_entropy":
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
    if "indices" in raw["labels"]:
        labels = np.asarray(raw["labels"]["indices"], np.int64)
        if labels.shape != (n,):
            raise fail("labels.indices", f"has {labels.size} labels for {n} rows of logits")
        bad = np.flatnonzero(((labels < 0) | (labels >= k)) & (labels != ignore_index))
        if bad.size:
            raise fail(f"labels.indices[{bad[0]}]", f"{labels[bad[0]]} is not a class in [0, {k})")
    else:
        rows = raw["labels"]["probabilities"]
        if len(rows) != n or any(len(r) != k for r in rows):
            raise fail("labels.probabilities", f"must have the logits' shape ({n}, {k})")
        labels = np.asarray(rows, np.float64)
        binary = raw.get("operation") == "sigmoid_cross_entropy"
        for i, row in enumerate(labels):
            if not np.all(np.isfinite(row)) or np.any(row < 0) or (binary and np.any(row > 1)):
                limits = "in [0, 1]" if binary else ">= 0"
                raise fail(f"labels.probabilities[{i}]", f"entries must be finite and {limits}")
            if not binary and abs(math.fsum(row) - 1.0) > 4 * k * np.finfo(np.float64).eps:
                raise fail(f"labels.probabilities[{i}]", f"sums to {math.fsum(row)!r}, not 1")
    loss = raw["expected"]["loss"]
    expected = tuple(loss) if isinstance(loss, list) else (loss,)
    want = (
        (n * k if raw.get("operation") == "sigmoid_cross_entropy" else n) if raw["reduction"] == "none" else 1
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
        operation=raw.get("operation", "softmax_cross_entropy"),
    )


def to_toml(case: Case, expected: tuple[str, ...], source: str) -> str:
    """A case file holding ``case`` (with its exact ``expected`` loss), in the format above."""

    def number(v: float) -> str:
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(float(v))

    def matrix(a: np.ndarray) -> str:
        return "[" + ", ".join("[" + ", ".join(number(v) for v in row) + "]" for row in a) + "]"

    def text(v: str) -> str:
        return json.dumps(v)  # a JSON string is a valid TOML basic string

    labels = (
        f"{{ indices = [{', '.join(str(int(i)) for i in case.labels)}] }}"
        if case.labels.ndim == 1
        else f"{{ probabilities = {matrix(case.labels)} }}"
    )
    loss = text(expected[0]) if case.reduction != "none" else "[" + ", ".join(map(text, expected)) + "]"
    return "\n".join(
        [
            f"schema = {SCHEMA_VERSION}",
            f"source = {text(source)}",
            "",
            "[[case]]",
            f"id = {text(case.id)}",
            f"description = {text(case.description)}",
            f"provenance = {text(case.provenance)}",
            f"logits = {matrix(case.logits)}",
            f"labels = {labels}",
            f"label_smoothing = {number(case.label_smoothing)}",
            f"reduction = {text(case.reduction)}",
            *([f"batch_shape = {list(case.batch_shape)}", f"axis = {case.axis}"] if case.batch_shape else []),
            *([f"weights = [{', '.join(number(w) for w in case.weights)}]"] if case.weights else []),
            *([f"ignore_index = {case.ignore_index}"] if case.ignore_index is not None else []),
            *([f"operation = {text(case.operation)}"] if case.operation != "softmax_cross_entropy" else []),
            f"expected = {{ loss = {loss} }}",
            "",
        ]
    )
