"""JAX with the vocabulary sharded: optax's losses on logits whose classes are split across two
host devices, as a model-parallel language model holds them: a ``NamedSharding`` of the class
axis over a one-axis mesh ("vocab"), so that XLA partitions the softmax's max and sum across the
devices (GSPMD), eagerly and under ``jax.jit``; the gradient through ``jax.vjp`` comes back
sharded the same way. Judged against the exact answer like any other implementation; the
unsharded optax losses are the jax framework's own, in the report beside them.

An opt-in framework of its own process: JAX makes its host devices when it starts, so two are
there only with ``XLA_FLAGS=--xla_force_host_platform_device_count=2`` set before (``tox -e
jax_sharded``); with fewer it is skipped, saying so."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from conformance.adapters import jax_adapter
from conformance.adapters.base import Framework, Implementation
from conformance.adapters.contract import FrameworkMissing
from conformance.vocabulary import INDICES, PROBABILITIES

DEVICES = 2
FLAG = f"--xla_force_host_platform_device_count={DEVICES}"


def shard_classes(x):
    """``x`` with its last axis (the classes) split across the first DEVICES host devices."""
    import jax
    import numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    mesh = Mesh(np.array(jax.devices("cpu")[:DEVICES]), ("vocab",))
    return jax.device_put(x, NamedSharding(mesh, PartitionSpec(*([None] * (x.ndim - 1)), "vocab")))


def put(array: Any, device: str) -> Any:
    """An input as a model-parallel program holds it: logits and probability rows (floating, the
    classes last) split across the mesh; class indices on every device of it."""
    import jax
    import numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    if np.issubdtype(np.asarray(array).dtype, np.floating) and np.ndim(array) >= 2:
        return shard_classes(array)
    mesh = Mesh(np.array(jax.devices("cpu")[:DEVICES]), ("vocab",))
    return jax.device_put(array, NamedSharding(mesh, PartitionSpec()))


def where(array: Any) -> str:
    """The mesh an array lies on, named by its first device ("cpu:0"), where it lies on the
    mesh's devices and nowhere else."""
    ids = sorted(d.id for d in array.devices())
    platforms = {d.platform for d in array.devices()}
    return "cpu:0" if platforms == {"cpu"} and set(ids) <= set(range(DEVICES)) else f"{platforms} {ids}"


def sharded_optax(x, labels, e, reduction, axis):
    return jax_adapter.with_optax(shard_classes(x), shard_classes(labels), e, reduction, axis)


def sharded_integer_labels(x, labels, e, reduction, axis, ignore_index=None):
    return jax_adapter.with_integer_labels(shard_classes(x), labels, e, reduction, axis, ignore_index)


def fetch(array: Any) -> tuple[Any, str]:
    import numpy as np

    return np.asarray(array), where(array)


def _sharded(base: Implementation, loss: Any) -> Implementation:
    return replace(
        base,
        name=f"{base.name} sharded over {DEVICES} devices",
        framework="jax_sharded",
        loss=loss,
        class_axis="last",
        classes_multiple=DEVICES,
        classes_why=f"the classes split evenly across {DEVICES} devices",
    )


BY_NAME = {i.name: i for i in jax_adapter.IMPLEMENTATIONS}
IMPLEMENTATIONS = [
    _sharded(BY_NAME["optax.softmax_cross_entropy(optax.smooth_labels)"], sharded_optax),
    _sharded(BY_NAME["optax.softmax_cross_entropy_with_integer_labels"], sharded_integer_labels),
]
assert {i.label_kinds for i in IMPLEMENTATIONS} == {frozenset({PROBABILITIES}), frozenset({INDICES})}


def load(precision_defaults: bool = False) -> Framework:
    """JAX's framework (its first host device the check's, the mesh its two) with the sharded
    losses as its implementations; FrameworkMissing where JAX has fewer than two host devices."""
    jax = jax_adapter.load(precision_defaults)
    import jax as jax_module

    found = len(jax_module.devices("cpu"))
    if found < DEVICES:
        flags = os.environ.get("XLA_FLAGS", "")
        raise FrameworkMissing(
            f"jax_sharded needs {DEVICES} host devices and JAX has {found} (XLA_FLAGS={flags!r}): "
            f"XLA_FLAGS={FLAG} pytest conformance --framework jax_sharded, or tox -e jax_sharded"
        )
    return replace(
        jax,
        name="jax_sharded",
        implementations=list(IMPLEMENTATIONS),
        devices=["cpu:0"],
        put=put,
        where=where,
        fetch=fetch,
        device_names={"cpu:0": f"a mesh of {DEVICES} host devices, the classes split across them"},
    )
