"""The user's own implementation: ``pytest conformance --impl FRAMEWORK:MODULE:ATTR``.

FRAMEWORK (numpy, torch, tensorflow, jax) says which tensors it takes; MODULE is a dotted
module importable from the current folder or a path to a ``.py`` file; ATTR is either a
function ``loss(logits, labels, label_smoothing)`` or a class constructed with the smoothing
factor alone whose instances are called as ``instance(logits, labels)``. Logits are (N, K),
labels class indices (N,), and the result is the mean loss.

A fused linear loss (the loss of ``hidden @ weight.T + bias``, oracle/linear.py) is a function
``loss(hidden, weight, labels, label_smoothing)`` (no bias: checked on the cases without one)
or ``loss(hidden, weight, bias, labels, label_smoothing)``: hidden states (N, d), a weight
(K, d), a bias (K,); its gradients with respect to the hidden states, the weight and the bias
are checked. A constructor that refuses a
smoothing factor (an assertion, a ValueError) makes that input *rejected*, not a crash.
Only the named module is imported.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.adapters import FRAMEWORKS, Implementation, Unsupported
from conformance.oracle.linear import parts
from conformance.vocabulary import INDICES, LINEAR_CROSS_ENTROPY, SOFTMAX_CROSS_ENTROPY


class UserImplementationError(ValueError):
    """An --impl that cannot be used: what is wrong and what is accepted."""


class Rejected(Unsupported):
    """The user's implementation refused a parameter value (its constructor raised)."""


FORMAT = (
    "FRAMEWORK:MODULE:ATTR (FRAMEWORK one of numpy, torch, tensorflow, jax; "
    "MODULE a dotted module or a .py file)"
)


def parse(spec: str) -> tuple[str, str, str]:
    """``FRAMEWORK:MODULE:ATTR`` split into its parts (a path may hold a drive's colon)."""
    framework, _, rest = spec.partition(":")
    module, _, attr = rest.rpartition(":")
    if not (framework and module and attr):
        raise UserImplementationError(f"--impl {spec!r}: expected {FORMAT}")
    if framework not in FRAMEWORKS:
        raise UserImplementationError(
            f"--impl {spec!r}: unknown framework {framework!r}; known: {', '.join(FRAMEWORKS)}"
        )
    return framework, module, attr


def import_module(module: str, spec: str) -> Any:
    """Import a dotted module (from the current folder too) or a ``.py`` file by path."""
    try:
        if module.endswith(".py"):
            path = Path(module).resolve()
            if not path.is_file():
                raise UserImplementationError(f"--impl {spec!r}: no such file {module}")
            name = f"conformance_user_{path.stem}"
            loader = importlib.util.spec_from_file_location(name, path)
            assert loader is not None and loader.loader is not None
            found = importlib.util.module_from_spec(loader)
            sys.modules[name] = found
            loader.loader.exec_module(found)
            return found
        if "" not in sys.path and str(Path.cwd()) not in sys.path:
            sys.path.insert(0, str(Path.cwd()))
        return importlib.import_module(module)
    except UserImplementationError:
        raise
    except Exception as e:  # a module that does not import: say why, in one line
        why = f"{type(e).__name__}: {e}"
        raise UserImplementationError(f"--impl {spec!r}: cannot import {module}: {why}") from e


def load(spec: str) -> Implementation:
    """The Implementation an ``--impl`` names; UserImplementationError if it cannot be used."""
    framework, module, attr = parse(spec)
    found = getattr(import_module(module, spec), attr, None)
    if found is None:
        raise UserImplementationError(f"--impl {spec!r}: {module} has no attribute {attr!r}")
    if inspect.isclass(found):
        _require_parameters(found, 1, spec, "a class constructed with the smoothing factor alone")
        loss = _from_class(found)
    elif callable(found):
        fused = _required(found) in (4, 5)
        expected = "a function loss(logits, labels, label_smoothing), or fused: " + FUSED
        _require_parameters(found, _required(found) if fused else 3, spec, expected)
        loss = (_from_fused if fused else _from_function)(found)
    else:
        raise UserImplementationError(f"--impl {spec!r}: {attr} is neither a function nor a class")
    fused = not inspect.isclass(found) and _required(found) in (4, 5)
    name = f"{Path(module).stem if module.endswith('.py') else module}.{attr}"
    return Implementation(
        name,
        framework,
        loss,
        label_kinds=frozenset({INDICES}),
        reductions=frozenset({"mean"}),
        class_axis="rows",
        note=f"the user's implementation {spec}",
        operation=LINEAR_CROSS_ENTROPY if fused else SOFTMAX_CROSS_ENTROPY,
        takes_bias=not fused or _required(found) == 5,
        eager_only="a user's implementation refuses a parameter by raising, which a compiler turns "
        "into a graph error; it is checked as written",
    )


FUSED = "loss(hidden, weight, labels, label_smoothing) or loss(hidden, weight, bias, labels, label_smoothing)"


def _required(fn: Callable) -> int:
    """How many positional parameters ``fn`` requires (0 where it has no signature to read)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 0
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(p.kind in positional and p.default is inspect.Parameter.empty for p in parameters)


def _require_parameters(obj: Callable, count: int, spec: str, expected: str) -> None:
    try:
        inspect.signature(obj).bind(*range(count))
    except TypeError as e:
        raise UserImplementationError(
            f"--impl {spec!r}: expected {expected}; its signature does not fit ({e})"
        ) from e
    except ValueError:  # no signature to read (a builtin): let the call decide
        pass


def _from_function(fn: Callable) -> Callable:
    def loss(x, labels, e, reduction, axis):
        return fn(x, labels, e)

    return loss


def _from_class(cls: type) -> Callable:
    def loss(x, labels, e, reduction, axis):
        try:
            instance = cls(e)
        except (AssertionError, ValueError) as error:  # a refusal; any other error is a crash
            raise Rejected(f"{cls.__name__}({e!r}) refused: {type(error).__name__}: {error}") from error
        return instance(x, labels)

    return loss


def _from_fused(fn: Callable) -> Callable:
    with_bias = _required(fn) == 5

    def loss(x, labels, e, reduction, axis):
        h, w, b = parts(x, len(labels))
        return fn(h, w, b, labels, e) if with_bias else fn(h, w, labels, e)

    return loss
