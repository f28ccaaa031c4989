"""Running reproducer scripts as a user would, for the tests: what a script may import, the
suite made unimportable, and one process for many scripts (importing a framework costs
seconds; a script costs milliseconds)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conformance import repro
from conformance.repro.check import framework_of

# What a script may import: the frameworks, NumPy and the standard library it uses.
ALLOWED = {
    "__future__",
    "importlib",
    "inspect",  # which arguments an optax release takes (jax_adapter.optax_takes)
    "math",
    "sys",
    "fractions",
    "numpy",
    "torch",
    "tensorflow",
    "keras",  # Keras 3: tf.keras is this package where KERAS_BACKEND is tensorflow
    "jax",
    "optax",
    "mlx",
    "transformers",
    "timm",
    "tinygrad",
    "paddle",
    "os",
}
# Run a script with the suite unimportable: an import of conformance raises.
BLOCKED = (
    "import runpy, sys; sys.modules['conformance'] = None; runpy.run_path(sys.argv[1], run_name='__main__')"
)


def run_script(text: str, folder: Path) -> subprocess.CompletedProcess[str]:
    path = folder / "repro.py"
    path.write_text(text)
    return subprocess.run(
        [sys.executable, "-c", BLOCKED, str(path)], capture_output=True, text=True, timeout=600, cwd=folder
    )


# Run each script named after the first argument in turn, the suite unimportable, as
# ``python script.py`` would (its exit status, what it printed); write them to the first.
BATCH = """import contextlib, io, json, runpy, sys
sys.modules['conformance'] = None
ran = {}
for path in sys.argv[2:]:
    out, code = io.StringIO(), 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            runpy.run_path(path, run_name='__main__')
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException as e:
            code, _ = 3, out.write(f'{type(e).__name__}: {e}')
    ran[path] = [code, out.getvalue()]
with open(sys.argv[1], 'w') as f:
    json.dump(ran, f)
"""


def imports(text: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add((node.module or "").split(".")[0])
    return found


# Keras' losses on JAX and PyTorch: their reproducers are made in a process of their own
KERAS_BACKEND_IDS = {
    k.id: framework_of(k.repro["implementation"]).removeprefix("keras_")
    for k in repro.reproducible()
    if framework_of(k.repro["implementation"]).startswith("keras_")
}
