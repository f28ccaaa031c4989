"""A case written back as a case file's TOML (a property check's shrunk failure, --write-failures),
its exact expected values with it."""

from __future__ import annotations

import json
import math

import numpy as np

from conformance.cases.model import Case
from conformance.cases.schema import SCHEMA_VERSION
from conformance.vocabulary import SOFTMAX_CROSS_ENTROPY


def to_toml(case: Case, expected: tuple[str, ...], source: str) -> str:
    """A case file holding ``case`` (with its exact ``expected`` loss), in the format above."""

    def number(v: float) -> str:
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(float(v))

    def matrix(a: np.ndarray) -> str:
        return "[" + ", ".join("[" + ", ".join(number(v) for v in row) + "]" for row in a) + "]"

    def text(v: str) -> str:
        return json.dumps(v)  # a JSON string is a valid TOML basic string

    made = case.logits_from  # a drawn case's logits are the generator's, scaled: written out
    logits = made.toml() if made and np.array_equal(made.values(), case.logits) else matrix(case.logits)
    if case.labels.ndim == 1:
        labels = f"{{ indices = [{', '.join(str(int(i)) for i in case.labels)}] }}"
    else:
        rows = case.labels_from.toml() if case.labels_from else matrix(case.labels)
        labels = f"{{ probabilities = {rows} }}"
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
            f"logits = {logits}",
            f"labels = {labels}",
            f"label_smoothing = {number(case.label_smoothing)}",
            f"reduction = {text(case.reduction)}",
            *([f"batch_shape = {list(case.batch_shape)}", f"axis = {case.axis}"] if case.batch_shape else []),
            *([f"weights = [{', '.join(number(w) for w in case.weights)}]"] if case.weights else []),
            *([f"ignore_index = {case.ignore_index}"] if case.ignore_index is not None else []),
            *([f"operation = {text(case.operation)}"] if case.operation != SOFTMAX_CROSS_ENTROPY else []),
            f"expected = {{ loss = {loss} }}",
            "",
        ]
    )
