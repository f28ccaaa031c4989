"""Planted wrong NumPy implementations, swapped in by a pytest plugin module (-p planted),
to show that the suite fails on them; and a known-divergences file to excuse one."""

from __future__ import annotations

PLANTED = """
import numpy as np
import conformance.adapters.numpy_adapter as adapter
from conformance.adapters import Unsupported
from conformance.oracle import softmax
from conformance.oracle.targets import is_indices, one_hot

def smoothing_over_k_minus_1(x, labels, e, reduction):
    k = x.shape[-1]
    y = one_hot(labels, k, x.dtype) if is_indices(labels) else labels
    t = y * (1 - e) + e / (k - 1)
    return softmax.reduce(-(t * softmax.log_softmax(x)).sum(-1), reduction)

def float32_inside(x, labels, e, reduction):
    return softmax.softmax_cross_entropy(x.astype(np.float32), labels, e, reduction).astype(x.dtype)

def refuses_sums(x, labels, e, reduction):
    if reduction == "sum":
        raise Unsupported("planted: no sums")
    return softmax.softmax_cross_entropy(x, labels, e, reduction)

def raises_on_sums(x, labels, e, reduction):
    if reduction == "sum":
        raise ValueError("planted: a known crash on sums")
    return softmax.softmax_cross_entropy(x, labels, e, reduction)

def hangs_on_sums(x, labels, e, reduction):
    if reduction == "sum":
        import time
        time.sleep(120)
    return softmax.softmax_cross_entropy(x, labels, e, reduction)

def segfaults_on_sums(x, labels, e, reduction):
    if reduction == "sum":
        import os, signal
        os.kill(os.getpid(), signal.SIGSEGV)
    return softmax.softmax_cross_entropy(x, labels, e, reduction)

def rows_always(x, labels, e, reduction):
    return softmax.softmax_cross_entropy(x, labels, e, "none")

def float32_out(x, labels, e, reduction):
    return softmax.softmax_cross_entropy(x, labels, e, reduction).astype(np.float32)

def takes_axis(loss):
    def on_axis(x, labels, e, reduction, axis, **options):
        if options:
            raise Unsupported("planted: takes no options")
        if labels.ndim < x.ndim and ((labels < 0) | (labels >= x.shape[axis])).any():
            raise IndexError("a class index out of range")  # as the adapter's own loss does
        y = labels if labels.ndim < x.ndim else np.moveaxis(labels, axis, -1)
        return loss(np.moveaxis(x, axis, -1), y, e, reduction)
    return on_axis

from tests.planting import naive_sum_in_the_dtype
from dataclasses import replace
adapter.IMPLEMENTATIONS[0] = replace(adapter.IMPLEMENTATIONS[0], loss=takes_axis({planted}))
"""


def naive_sum_in_the_dtype(x, labels, e, reduction):
    """The stable form, every sum left to right in the input dtype (no wider accumulator):
    in float16 the sum of 2^15 exponentials stalls near 2^11."""
    import numpy as np

    from conformance.oracle import softmax
    from conformance.oracle.targets import is_indices, one_hot

    k, dtype = x.shape[-1], x.dtype.type
    d = x - x.max(axis=-1, keepdims=True)
    logp = d - np.log(np.cumsum(np.exp(d), axis=-1)[..., -1:])
    y = one_hot(labels, k, dtype) if is_indices(labels) else labels.astype(dtype)
    t = y * dtype(1 - e) + dtype(e / k)
    return softmax.reduce(-np.cumsum(t * logp, axis=-1)[..., -1], reduction)


def plant(tmp_path, name: str) -> dict[str, str]:
    """A pytest plugin module (-p planted) that swaps the NumPy adapter's loss for a planted one."""
    (tmp_path / "planted.py").write_text(PLANTED.replace("{planted}", name))
    return {"PYTHONPATH": str(tmp_path)}


def known_file(tmp_path, match: str, within: str = "float32", versions: str = "") -> str:
    """``versions``: its gate as TOML ('numpy = "<1"'), none if empty."""
    path = tmp_path / "known.toml"
    gate = f"versions = {{ {versions} }}\n" if versions else ""
    path.write_text(
        f'[[divergence]]\nid = "planted"\nmatch = {{ {match} }}\nkind = "precision"\n'
        f'reason = "planted"\nwithin = "{within}"\n{gate}'
    )
    return str(path)


def wrong_jit(when: str = "True") -> str:
    """A pytest plugin (its source) whose JAX adapter compiles with a jax.jit that rounds its
    results through float32 where ``when`` (an expression of the program's ``args``) holds."""
    return f"""
import jax.numpy as jnp
import conformance.adapters.jax_adapter as adapter
from dataclasses import replace
from conformance.adapters.contract import Mode

load = adapter.load

def load_with_a_wrong_jit(precision_defaults=False):
    fw = load(precision_defaults)
    def jit(f):
        import jax
        def planted(*args):
            out = f(*args)
            if not ({when}):
                return out
            return jax.tree.map(lambda v: v.astype(jnp.float32).astype(v.dtype), out)
        return jax.jit(planted)
    return replace(fw, modes=tuple(Mode("jit", jit) if m.name == "jit" else m for m in fw.modes))

adapter.load = load_with_a_wrong_jit
"""
