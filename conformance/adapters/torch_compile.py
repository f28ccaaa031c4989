"""torch.compile as a mode of the PyTorch adapters: whether inductor can build CPU kernels here,
where its builds are kept between runs, and the full-graph static build the checks judge."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sysconfig
from pathlib import Path

from conformance.adapters.base import Framework
from conformance.adapters.caches import cache_folder
from conformance.adapters.contract import Mode, Unsupported


def compiler_missing() -> str:
    """Why torch.compile's default backend (inductor) cannot build CPU kernels here, or ""."""
    if not any(shutil.which(c) for c in ("c++", "g++", "clang++")):
        return "torch.compile (inductor) needs a C++ compiler on the host; none is on the PATH"
    if not Path(sysconfig.get_paths()["include"], "Python.h").exists():
        return "torch.compile (inductor) needs Python's headers (Python.h); they are not installed"
    if importlib.util.find_spec("setuptools") is None:  # a uv venv, or Python 3.12+, has none
        return (
            "torch.compile (inductor) needs setuptools: its CPU builds import torch.utils.cpp_extension, "
            "which imports it; it is not installed (pip install setuptools)"
        )
    return ""


CACHE = "CONFORMANCE_TORCH_CACHE"  # where inductor keeps its builds between runs ("": none kept)


def inductor_cache() -> str:
    """Keep torch.compile's builds (inductor's FX graphs and C++ kernels) in one documented
    folder beside JAX's, shared by the workers and later runs; a TORCHINDUCTOR_CACHE_DIR the
    user set stands. Inductor's keys cover the graph, its inputs' shapes and dtypes, the
    configuration and the versions, so a cached build is the build. Returns the folder."""
    if os.environ.get("TORCHINDUCTOR_CACHE_DIR"):
        return os.environ["TORCHINDUCTOR_CACHE_DIR"]
    os.environ.pop("TORCHINDUCTOR_CACHE_DIR", None)  # empty: torch would cache in the current folder
    folder = cache_folder("inductor", CACHE)
    if folder:
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = folder
        return folder
    for cache in ("TORCHINDUCTOR_FX_GRAPH_CACHE", "TORCHINDUCTOR_AUTOGRAD_CACHE"):  # none kept
        os.environ.setdefault(cache, "0")
    return "none"


def compile_fully(f):
    """torch.compile(f, fullgraph=True, dynamic=False): a graph break is an error, not a
    silent fall back to eager; and so is a function recompiled more often than dynamo allows
    (it would otherwise run eagerly from then on, with only a warning). Every shape gets a
    static build, the program a fixed-shape training loop runs: with dynamo's default, the
    program a check got would depend on the checks before it (after a shape changes, dynamo
    builds for symbolic shapes)."""
    import torch

    config = torch._dynamo.config
    if config.disable or os.environ.get("TORCHDYNAMO_DISABLE") == "1":
        raise Unsupported("torch.compile is disabled here (TORCHDYNAMO_DISABLE): it would run eagerly")
    config.suppress_errors = False  # an inductor failure is an error, not a fall back to eager
    for limit in (
        "recompile_limit",
        "cache_size_limit",
        "accumulated_recompile_limit",
        "accumulated_cache_size_limit",  # its name before torch 2.6
    ):
        if hasattr(config, limit):
            setattr(config, limit, 1_000_000)
    if hasattr(config, "fail_on_recompile_limit_hit"):
        config.fail_on_recompile_limit_hit = True
    return torch.compile(f, fullgraph=True, dynamic=False)


COMPILE = Mode(
    "compile",
    compile_fully,
    around_gradient=False,
    note="torch.compile(fullgraph=True, dynamic=False) of the loss (inductor, a static build per shape);"
    " autograd differentiates it",
)


def graphs_built(fw: Framework) -> int:
    """The graphs dynamo has built in this process (torch.compile's programs)."""
    from torch._dynamo.utils import counters

    return int(counters["stats"]["unique_graphs"])
