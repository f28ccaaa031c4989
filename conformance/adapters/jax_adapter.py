"""JAX: ``optax.softmax_cross_entropy`` with ``optax.smooth_labels``,
``optax.softmax_cross_entropy_with_integer_labels`` (ignored rows masked with its ``where``),
and a ``jax.nn.log_softmax`` form.

64-bit mode is the user's setting, as in their program: a float64 check runs inside
``jax.enable_x64(True)`` (so that float64 really is float64), every other check under JAX's
configuration as it is (by default 32-bit: ``jax.nn.one_hot`` gives float32, integer labels
are int32). Turning it on for the whole process, as the suite once did, changed what a user's
loss returns in float32 (a float64 one-hot made the optax idiom return float64)."""

from __future__ import annotations

import contextlib
import importlib
import inspect
from typing import Any, cast

import numpy as np

from conformance.adapters.base import Framework, Implementation
from conformance.adapters.contract import Mode, Unsupported, normalise_device, reduce_rows
from conformance.adapters.jax_builds import BUILDS, compilation_cache, count_builds, release_lowered
from conformance.oracle.conventions import Convention
from conformance.vocabulary import EAGER, INDICES, PROBABILITIES, SIGMOID_CROSS_ENTROPY

# take_along_axis semantics for class indices; ignored rows masked with ``where`` and left
# out of the mean (jnp.mean(where=...): NaN when no row is kept).
OPTAX_INTEGER = Convention(weighted_mean="kept-rows", label_out_of_range="wraps")


# --- the losses checked: each imports JAX when called (importing this module starts none)


def optax_takes(function, axis, last, **more):
    """The keyword arguments to give an optax loss: ``axis`` where it takes one (else the class
    axis must be the last, the only one an older optax knows), and ``more`` where it takes each
    (else an older optax lacks what the check needs: unsupported there, with why)."""
    import optax

    takes = inspect.signature(function).parameters
    missing = [name for name in ("axis", *more) if name not in takes and (name != "axis" or axis != last)]
    if missing:
        raise Unsupported(
            f"optax {optax.__version__}'s {function.__name__} takes no {' or '.join(missing)} "
            "(classes on another axis than the last, or rows left out, need a newer optax)"
        )
    return {**({"axis": axis} if "axis" in takes else {}), **more}


def with_optax(x, labels, e, reduction, axis):
    import jax.numpy as jnp
    import optax

    smoothed = optax.smooth_labels(labels, e, **optax_takes(optax.smooth_labels, axis, x.ndim - 1))
    rows = optax.softmax_cross_entropy(
        x, smoothed, **optax_takes(optax.softmax_cross_entropy, axis, x.ndim - 1)
    )
    return reduce_rows(rows, reduction, jnp.mean, jnp.sum)


def with_integer_labels(x, labels, e, reduction, axis, ignore_index=None):
    import jax.numpy as jnp
    import optax

    loss = optax.softmax_cross_entropy_with_integer_labels
    if ignore_index is None:
        rows = loss(x, labels, **optax_takes(loss, axis, x.ndim - 1))
        return reduce_rows(rows, reduction, jnp.mean, jnp.sum)
    kept = labels != ignore_index
    rows = loss(x, labels, **optax_takes(loss, axis, x.ndim - 1, where=jnp.expand_dims(kept, axis)))
    return reduce_rows(rows, reduction, lambda r: jnp.mean(r, where=kept), jnp.sum)


def sigmoid_by_hand(x, labels, e, reduction, axis):
    import jax.numpy as jnp
    import optax

    elements = optax.sigmoid_binary_cross_entropy(x, labels * (1 - e) + e / 2)
    return reduce_rows(elements, reduction, jnp.mean, jnp.sum)


def log_softmax_form(x, labels, e, reduction, axis):
    import jax
    import jax.numpy as jnp

    smoothed = labels * (1 - e) + e / x.shape[axis]
    rows = -jnp.sum(smoothed * jax.nn.log_softmax(x, axis=axis), axis=axis)
    return reduce_rows(rows, reduction, jnp.mean, jnp.sum)


IMPLEMENTATIONS = [
    Implementation(
        "optax.softmax_cross_entropy(optax.smooth_labels)",
        "jax",
        with_optax,
        frozenset({PROBABILITIES}),
        class_axis="any",
    ),
    Implementation(
        "jax.nn.log_softmax",
        "jax",
        log_softmax_form,
        frozenset({PROBABILITIES}),
        class_axis="any",
        smooths_by_hand=True,
    ),
    Implementation(
        "optax.sigmoid_binary_cross_entropy(hand-smoothed)",
        "jax",
        sigmoid_by_hand,
        frozenset({PROBABILITIES}),
        class_axis="rows",
        operation=SIGMOID_CROSS_ENTROPY,
    ),
    Implementation(
        "optax.softmax_cross_entropy_with_integer_labels",
        "jax",
        with_integer_labels,
        frozenset({INDICES}),
        class_axis="any",
        smoothing=False,
        options=frozenset({"ignore_index"}),
        convention=OPTAX_INTEGER,
    ),
]


# --- moving arrays, differentiating, compiling


def where(array: Any) -> str:
    (d,) = array.devices()
    return normalise_device(d.platform, d.id)


def fetch(array: Any) -> tuple[np.ndarray, str]:
    return np.asarray(array), where(array)


def differentiate(f, x: Any) -> tuple[Any, Any]:
    import jax
    import jax.numpy as jnp

    value, pullback = jax.vjp(f, x)
    (grad,) = pullback(jnp.ones_like(value))
    return value, grad


def jit(f):
    import jax

    return jax.jit(f)


PRECISION_FLAGS = ("jax_enable_x64", "jax_default_matmul_precision")
X64_SCOPED = "True in float64 checks (jax.enable_x64), as configured in the others"


def scope(jax: Any, device: Any, dtype: str) -> contextlib.ExitStack:
    """A check's context: its device, and 64-bit mode for a float64 check only."""
    stack = contextlib.ExitStack()
    stack.enter_context(jax.default_device(device))
    if dtype == "float64":
        stack.enter_context(x64(jax))
    return stack


def x64(jax: Any) -> contextlib.AbstractContextManager[Any]:
    """64-bit mode for a block: ``jax.enable_x64(True)``, or where a JAX has none (0.4.38 has not)
    ``jax.experimental.enable_x64()``, the same context under its older name."""
    scoped = getattr(jax, "enable_x64", None)
    if scoped is None:
        scoped = importlib.import_module("jax.experimental").enable_x64
    return cast(contextlib.AbstractContextManager[Any], scoped(True))


def load(precision_defaults: bool = False) -> Framework:
    """``precision_defaults``: keep JAX's default matmul precision (else "highest"). Several
    host devices: ``XLA_FLAGS=--xla_force_host_platform_device_count=N`` before JAX starts."""
    import jax
    import optax

    cache = compilation_cache(jax)
    if not precision_defaults:
        jax.config.update("jax_default_matmul_precision", "highest")
    count_builds()
    # every device of the default platform, and the host's, which is there also when an
    # accelerator is the default
    devices = {normalise_device(d.platform, d.id): d for d in jax.devices() + jax.devices("cpu")}
    jit_disabled = bool(jax.config.jax_disable_jit)  # type: ignore[attr-defined]  # jit runs eagerly
    return Framework(
        name="jax",
        version=str(jax.__version__),
        devices=list(devices),
        implementations=list(IMPLEMENTATIONS),
        put=lambda array, device: jax.device_put(array, devices[device]),
        fetch=fetch,
        scope=lambda device, dtype: scope(jax, devices[device], dtype),
        differentiate=differentiate,
        details={"optax": optax.__version__, "compilation_cache": cache or "none"},
        release=jax.clear_caches,
        release_lowered=release_lowered(jax),
        where=where,
        device_names={name: str(d.device_kind) for name, d in devices.items()},
        precision={
            "jax_enable_x64": f"{X64_SCOPED}: {jax.config.jax_enable_x64}",  # type: ignore[attr-defined]
            "jax_default_matmul_precision": str(jax.config.jax_default_matmul_precision),  # type: ignore[attr-defined]
        },
        modes=(Mode(EAGER),)
        + (() if jit_disabled else (Mode("jit", jit, note="jax.jit of the loss, or of its jax.vjp"),)),
        unavailable={"jit": "jax.jit is disabled here (JAX_DISABLE_JIT): it would run eagerly"}
        if jit_disabled
        else {},
        built=lambda fw: BUILDS[0],
    )
