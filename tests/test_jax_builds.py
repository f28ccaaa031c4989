"""JAX's lowered modules are released and its compiled programs kept (adapters/jax_builds.py):
a shape met again runs without being lowered again, where releasing everything lowers it anew."""

from __future__ import annotations

import numpy as np
import pytest

from conformance.adapters import jax_builds


def lowered() -> int:
    """How many lowerings JAX's lowering caches hold now."""
    return sum(cache.cache_info().currsize for cache in jax_builds.lowering_caches())


def test_a_shape_met_again_after_the_release_is_not_lowered_again():
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    def eager(x):  # three primitives, each built for every new shape
        return float(jnp.sum(jnp.exp(x) * 2.0))

    shapes = [np.linspace(0, 1, n) for n in (5, 6, 7)]
    first = [eager(x) for x in shapes]
    assert lowered() > 0
    jax_builds.release_lowered(jax)()
    assert lowered() == 0
    assert [eager(x) for x in shapes] == first and lowered() == 0  # the programs kept ran
    jax.clear_caches()  # everything released: each shape is lowered again
    assert [eager(x) for x in shapes] == first and lowered() > 0
