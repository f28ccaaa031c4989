"""The code a reproducer runs, taken from the suite's adapters as they are: the function the
suite calls for an implementation, and every helper it names from the suite (functions,
classes and constants), so that the script calls the framework exactly as the suite does
and imports nothing of the suite."""

from __future__ import annotations

import dis
import inspect
import types
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

CONSTANTS = (dict, str, int, float, tuple, frozenset, bool)


def _names(code: types.CodeType) -> Iterator[str]:
    """The global names a function's code (and its lambdas') load."""
    for instruction in dis.get_instructions(code):
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            yield instruction.argval
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _names(const)


def _ours(value: Any) -> bool:
    return getattr(value, "__module__", "").startswith("conformance")


def standalone(*functions: Callable[..., Any]) -> str:
    """The source of ``functions`` and of every helper of the suite they use, helpers first,
    each once; modules they name are imported as they name them."""
    seen: set[str] = {f.__name__ for f in functions}
    imports: list[str] = []
    parts: list[str] = []

    def visit(f: Callable[..., Any]) -> None:
        for name in dict.fromkeys(_names(f.__code__)):
            if name in seen or name not in f.__globals__:
                continue
            value = f.__globals__[name]
            if inspect.ismodule(value):
                imported = value.__name__
                imports.append(f"import {imported}" + ("" if imported == name else f" as {name}"))
            elif inspect.isfunction(value) and _ours(value):
                seen.add(name)
                visit(value)
                parts.append(inspect.getsource(value))
            elif inspect.isclass(value) and _ours(value):
                parts.append(inspect.getsource(value))
            elif isinstance(value, CONSTANTS):
                parts.append(f"{name} = {value!r}\n")
            elif isinstance(value, np.generic):  # a NumPy scalar: its type and value
                parts.append(f"{name} = np.{type(value).__name__}({value.item()!r})\n")
            else:
                continue
            seen.add(name)

    for f in functions:
        visit(f)
    parts += [inspect.getsource(f) for f in functions]
    return "\n".join([*dict.fromkeys(imports), "", "", *(p + "\n" for p in parts)]).strip() + "\n"
