"""What JAX keeps of its builds, and how the suite keeps or frees it: the compiled programs on
disk between runs, a count of the compilations in this process, and the lowered modules it
can let go of without building a program again.

Eager JAX builds a program for every primitive, shape and dtype it meets: it lowers the
primitive to an MLIR module (about 9 ms, a new MLIR context each), then compiles it or reads
it from the disk cache. JAX keeps both: the modules in its lowering caches, the programs in
jit's own. The modules are most of the memory (JAX 0.10.2, the loss and gradient of optax's
integer-label loss on 50 shapes: 1.19 GB resident, 0.46 GB with the modules released, 0.31 GB
with everything released), and a shape met again needs the program alone (the 50 shapes
again: 0.4 s with the programs kept, 31 s with everything built again).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.adapters.caches import cache_folder

CACHE = "CONFORMANCE_JAX_CACHE"  # where compiled XLA programs are kept between runs ("": nowhere)

# JAX's lowering caches, by module and name, across the releases the suite supports: jit's
# lowering of a program (``_pjit_lower``; ``_pjit_lower_cached`` before JAX 0.5) and the
# module it lowers to (``_cached_lowering_to_hlo``)
LOWERING_CACHES = (
    ("jax._src.pjit", "_pjit_lower"),
    ("jax._src.pjit", "_pjit_lower_cached"),
    ("jax._src.interpreters.pxla", "_cached_lowering_to_hlo"),
)

BUILDS = [0]  # XLA programs compiled in this process (counted once load() has run)


def compilation_cache(jax: Any) -> str:
    """Keep JAX's compiled programs on disk, eager ops' too, so that a shape compiled once (by
    this run's other worker, or by an earlier run) is not compiled again: eager JAX compiles
    every primitive for every new shape and dtype, most of the suite's time. A cache the user
    configured stands. The cache key covers the program, the compile options and the versions
    of jax, jaxlib and the backend, so a cached program is the program. Returns the folder."""
    if jax.config.jax_compilation_cache_dir:
        return str(jax.config.jax_compilation_cache_dir)
    folder = cache_folder("jax", CACHE)
    if folder:
        jax.config.update("jax_compilation_cache_dir", folder)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)  # eager ops compile in ms
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    return folder


def count_builds() -> None:
    """Count every XLA compilation (jit's, and eager ops' alike) from now on, once."""
    import jax

    def listen(event: str, *_args: Any, **_kwargs: Any) -> None:
        if "backend_compile" in event:
            BUILDS[0] += 1

    if not getattr(count_builds, "listening", False):
        jax.monitoring.register_event_duration_secs_listener(listen)
        count_builds.listening = True  # type: ignore[attr-defined]


def lowering_caches() -> list[Any]:
    """Those of LOWERING_CACHES this JAX has (each with ``cache_clear`` and ``cache_info``)."""
    import importlib

    found = (getattr(importlib.import_module(module), name, None) for module, name in LOWERING_CACHES)
    return [cache for cache in found if callable(getattr(cache, "cache_clear", None))]


def release_lowered(jax: Any) -> Callable[[], None]:
    """A function that empties JAX's lowering caches (lowering_caches), keeping the compiled
    programs: pure memoisation, so a program lowered again is the same program. Where this JAX
    has none of them, ``jax.clear_caches`` (everything, the documented way)."""
    caches = lowering_caches()
    if not caches:
        return jax.clear_caches  # type: ignore[no-any-return]

    def release() -> None:
        for cache in caches:
            cache.cache_clear()

    return release
