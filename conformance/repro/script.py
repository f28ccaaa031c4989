"""A known divergence as a one-file Python script to paste into an upstream issue: it imports
the framework (and NumPy) only, builds the inputs inline (or with the suite's few lines of
generator), calls the framework as the suite does (the adapter's own code, by source.py),
prints the versions, the result, the exact value and the error in ulps, and exits 1 while the
divergence shows, 0 once it is fixed. The exact value and the error allowed are the suite's,
stored with their provenance: the reference is arbitrary precision (mpmath, or long double
with its error bounded), the bound is oracle/tight.py's for this case and dtype."""

from __future__ import annotations

import textwrap

import ml_dtypes
import numpy as np

from conformance.cases import generator
from conformance.checks import compare, exact_answer
from conformance.divergences import KnownDivergence
from conformance.repro.check import Judged
from conformance.repro.source import standalone
from conformance.repro.template import GENERATOR, HARNESSES, TEMPLATE

STORED = 1024  # exact values stored at most: past this, those of the elements furthest off
INLINE = 4096  # numbers written out at most; past this a generator or runs of equal numbers


def _number(v: float) -> str:
    """A float as Python source: its repr, or float('inf') and the like."""
    return repr(float(v)) if np.isfinite(v) else f"float('{float(v)}')"


def _numbers(values: np.ndarray) -> str:
    return "[" + ", ".join(_number(float(v)) for v in np.ravel(values)) + "]"


def _array(name: str, values: np.ndarray, integer: bool) -> str:
    """``name = np.array(...)`` of the values, written out, or as runs of equal numbers."""
    kind = "np.int64" if integer else "np.float64"
    flat = np.ravel(values).astype(np.int64 if integer else np.float64)
    if flat.size <= INLINE:
        written = "[" + ", ".join(str(int(v)) if integer else _number(float(v)) for v in flat) + "]"
        return f"{name} = np.array({written}, {kind}).reshape({values.shape})"
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
    counts = np.diff(np.r_[starts, flat.size])
    if starts.size > INLINE:
        raise ValueError(f"{name}: {flat.size} numbers with {starts.size} runs, too many to write out")
    values_of_runs = ", ".join(str(int(v)) if integer else _number(float(v)) for v in flat[starts])
    return (
        f"{name} = np.repeat(np.array([{values_of_runs}], {kind}), {counts.tolist()}).reshape({values.shape})"
    )


def _generated(name: str, table: generator.Generated, dtype: str, judged: Judged) -> str:
    """The suite's generator (generator.py) in a few lines, rounded to the dtype and laid out."""
    rounding = {
        "float64": "values",
        "float32": "values.astype(np.float32).astype(np.float64)",
        "float16": "values.astype(np.float16).astype(np.float64)",
        # nearest bfloat16 (8 significant bits), ties to even: round the significand
        "bfloat16": "np.ldexp(np.round(np.frexp(values)[0] * 256) / 256, np.frexp(values)[1])",
    }[dtype]
    case = judged.case
    made = f"generated({table.generator!r}, {table.seed}, {list(table.shape)}, {table.scale!r})"
    lines = [f"values = {made}", f"{name} = {rounding}"]
    if case.batch_shape is not None:
        lines.append(f"{name} = np.moveaxis({name}.reshape(*{case.batch_shape}, -1), -1, {case.axis})")
    return "\n".join(lines)


def _inputs(judged: Judged, logits: np.ndarray, labels: np.ndarray) -> tuple[str, str]:
    """The lines that make LOGITS and LABELS, and the generator's code if they need it."""
    case, dtype = judged.case, judged.point.dtype
    lines, code = [], ""
    for name, values, table in (("LOGITS", logits, case.logits_from), ("LABELS", labels, case.labels_from)):
        integer = values.dtype.kind in "iu"
        if table is not None and not integer:
            lines.append(_generated(name, table, dtype, judged))
            code = standalone(generator._mix, generator.hashes, generator._grid) + GENERATOR
        else:
            lines.append(_array(name, values, integer))
    return "\n".join(lines).strip(), code


def render(entry: KnownDivergence, judged: Judged) -> str:
    """The reproducer script of ``entry``, for the check ``judged`` describes."""
    point, case = judged.point, judged.case
    framework = point.framework.name
    harness = HARNESSES[framework]
    logits, labels = (
        case.arranged(np.asarray(a, np.int64 if a.dtype.kind in "iu" else np.float64))
        for a in exact_answer.inputs(case, point.label_kind, point.dtype)
    )
    inputs, generator_code = _inputs(judged, logits, labels)
    mode = point.framework.mode(point.mode)
    module = point.impl.loss.__module__
    differentiate = point.framework.differentiate if judged.gradient else None
    helpers = [h for h in (point.impl.loss, differentiate, mode.compile) if h is not None]
    code = standalone(*helpers) + ("\n\n" + generator_code if generator_code else "")
    where = np.sort(judged.furthest[:STORED])  # in order: printed beside the result
    info = ml_dtypes.finfo(point.dtype)
    return TEMPLATE.substitute(
        title=textwrap.shorten(entry.reason.split(". ")[0].replace("\\", "").rstrip(".") + ".", 400),
        about=_about(entry, judged),
        needs=harness.needs,
        imports=harness.imports,
        setup='jax.config.update("jax_enable_x64", True)  # float64 needs 64-bit mode\n'
        if framework.removeprefix("keras_") == "jax" and point.dtype == "float64"
        else "",
        adapter=f"{module.replace('.', '/')}.py, {point.impl.name}",
        code=code,
        inputs=inputs,
        smoothing=repr(case.label_smoothing),
        reduction=repr(case.reduction),
        axis=repr(case.axis % logits.ndim),
        options=repr({n: getattr(case, n) for n in case.option_names}),
        dtype=point.dtype,
        dtype_repr=repr(point.dtype),
        gradient=repr(judged.gradient),
        what="gradient" if judged.gradient else "loss",
        exact=(
            f"SIZE = {judged.exact_hi.size}  # elements; the {len(where)} furthest off are checked\n"
            f"WHERE = {np.asarray(where).tolist()}\n"
            f"EXACT_HI = {_numbers(judged.exact_hi[where])}\n"
            f"EXACT_LO = {_numbers(judged.exact_lo[where])}\n"
            f"ALLOWED = {_numbers(judged.allowed[where])}"
        ),
        nmant=info.nmant,
        minexp=info.minexp,
        overflow=_number(compare.overflow_limit(point.dtype)),
        as_is=harness.as_is,
        tensor=harness.tensor,
        host=harness.host,
        loss=point.impl.loss.__name__,
        run=textwrap.indent(
            _run_lines(mode.compile is not None, mode.around_gradient, judged.gradient, mode.compile), "    "
        ),
        packages=repr(harness.packages),
        banner=harness.banner,
    )


def _about(entry: KnownDivergence, judged: Judged) -> str:
    """The docstring's paragraph: the entry, its versions, upstream link and evidence, and the
    check the script runs."""
    point, case = judged.point, judged.case
    quantity = "gradient" if judged.gradient else "loss"
    text = (
        f"Known divergence {entry.id} ({entry.kind}) of {point.impl.name}, seen on "
        f"{entry.gate() or 'the versions it was recorded on'}. "
        f"Upstream: {entry.upstream or 'none filed'}. Evidence: {entry.evidence.rstrip('.')}. "
        f"Checked: the {quantity} of case {case.id!r} ({case.provenance}) in {point.dtype}, "
        f"{point.mode}, labels as {point.label_kind}."
    )
    return "\n".join(textwrap.wrap(text, width=96))


def _run_lines(compiled: bool, around_gradient: bool, gradient: bool, compile_fn: object) -> str:
    """How the suite runs the call in its mode (adapters/base.py, Framework._build)."""
    name = getattr(compile_fn, "__name__", "")
    if not gradient:
        return f"out = {name}(call)(x, y)" if compiled else "out = call(x, y)"
    if not compiled:
        return "_, out = differentiate(lambda v: call(v, y), x)"
    if around_gradient:
        return f"_, out = {name}(lambda x, y: differentiate(lambda v: call(v, y), x))(x, y)"
    return f"compiled = {name}(call)\n_, out = differentiate(lambda v: compiled(v, y), x)"
