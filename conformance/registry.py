"""Every framework the suite checks, declared once: the packages its checks run on (a version
gate reads these), the starts of its implementations' names (a reproducer finds its harness
by them), and the oldest release of its packages the suite supports. Its adapter is
``adapters/NAME_adapter.py``, its pip extra and its tox environment are NAME (NumPy's: none and
numpy), its reproducers' harness ``repro/template.py: HARNESSES[NAME]``; tests/test_registry.py
holds them all equal to this table, pyproject.toml, tox.ini and the CI workflow.
Imports only the vocabulary."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.vocabulary import FRAMEWORKS


@dataclass(frozen=True)
class Declared:
    """One framework of the suite."""

    name: str
    packages: tuple[str, ...]  # the distributions its checks run on, its own first
    prefixes: tuple[str, ...] = ()  # its implementations' names start with one of these, then "."
    # the oldest release supported: its pins in tox -e NAME_oldest, their versions pyproject.toml's floors
    oldest: tuple[str, ...] = ()

    @property
    def extra(self) -> str:
        """The pip extra that installs it ("" for NumPy, always installed; JAX's for its sharded run)."""
        return {"numpy": "", "jax_sharded": "jax"}.get(self.name, self.name)


DECLARED = (
    Declared("numpy", ("numpy",), ("conformance",)),
    Declared("torch", ("torch",), ("torch",), ("torch==2.4.1",)),
    Declared("tensorflow", ("tensorflow", "keras"), ("tf",), ("tensorflow-cpu==2.16.2",)),
    Declared("jax", ("jax", "optax"), ("jax", "optax"), ("jax==0.4.30", "optax==0.2.3")),
    Declared("keras_jax", ("keras", "jax")),
    Declared("keras_torch", ("keras", "torch")),
    Declared("mlx", ("mlx",), ("mlx",)),
    Declared("transformers", ("transformers", "torch"), ("transformers",)),
    Declared("timm", ("timm", "torch"), ("timm",)),
    Declared("tinygrad", ("tinygrad",), ("tinygrad",)),
    Declared("paddle", ("paddlepaddle",), ("paddle",)),
    Declared("fairseq", ("fairseq", "torch"), ("fairseq",)),
    Declared("megatron", ("megatron-core", "torch"), ("megatron",)),
    Declared("jax_sharded", ("jax", "optax")),
    Declared("liger", ("liger-kernel", "torch"), ("liger_kernel",)),
)
BY_NAME = {d.name: d for d in DECLARED}
assert tuple(BY_NAME) == FRAMEWORKS, "the registry names the vocabulary's frameworks, in order"
