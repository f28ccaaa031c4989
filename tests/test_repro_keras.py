"""Reproducers of Keras on JAX and PyTorch: conformance-repro sets the backend, and each
script sets it before Keras is first imported; both exit as the suite judges the check."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from tests.repro_scripts import ALLOWED, BATCH, KERAS_BACKEND_IDS, imports

# Make each named entry's script with conformance-repro's own main() in one process (its exit
# status and what it said), as `conformance-repro ID -o PATH` would; write them to the first.
MAKE = """import contextlib, io, json, sys, traceback
from conformance.repro.__main__ import main
made = {}
for id, path in zip(sys.argv[2::2], sys.argv[3::2]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            code = main([id, "-o", path])
        except BaseException:
            code, _ = 3, err.write(traceback.format_exc())
    made[id] = [code, err.getvalue()]
with open(sys.argv[1], "w") as f:
    json.dump(made, f)
"""


@pytest.fixture(scope="session")
def keras_backend_scripts(tmp_path_factory):
    """backend -> id -> (conformance-repro's status and words, the script's text, its exit
    status and output): every reproducer of Keras on that backend made in one process and run
    in another, both where KERAS_BACKEND names TensorFlow (a backend is the process's, chosen
    when Keras is first imported: the first script of a batch chooses it as a lone one would)."""
    made: dict[str, dict] = {}

    def run(backend: str) -> dict:
        if backend in made:
            return made[backend]
        folder = tmp_path_factory.mktemp(f"repro-keras-{backend}")
        ids = sorted(id for id, b in KERAS_BACKEND_IDS.items() if b == backend)
        paths = {id: folder / f"{id}.py" for id in ids}
        env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
        made_file, ran_file = folder / "made.json", folder / "ran.json"
        pairs = [str(x) for id in ids for x in (id, paths[id])]
        subprocess.run(
            [sys.executable, "-c", MAKE, str(made_file), *pairs], capture_output=True, timeout=1200, env=env
        )
        said = json.loads(made_file.read_text()) if made_file.exists() else {}
        scripts = [str(paths[id]) for id in ids if paths[id].exists()]
        subprocess.run(
            [sys.executable, "-c", BATCH, str(ran_file), *scripts],
            capture_output=True,
            timeout=1200,
            cwd=folder,
            env=env,
        )
        ran = json.loads(ran_file.read_text()) if ran_file.exists() else {}
        made[backend] = {
            id: (
                said.get(id, (None, "the batch did not make it")),
                paths[id].read_text() if paths[id].exists() else "",
                *ran.get(str(paths[id]), (None, "the batch did not run it")),
            )
            for id in ids
        }
        return made[backend]

    return run


@pytest.mark.parametrize("id", sorted(KERAS_BACKEND_IDS))
def test_a_keras_backend_reproducer_sets_its_backend_and_exits_as_the_suite_judges(id, keras_backend_scripts):
    """conformance-repro sets KERAS_BACKEND for an entry of Keras on JAX or PyTorch, and its
    script sets it before Keras is imported: both run where KERAS_BACKEND names TensorFlow."""
    backend = KERAS_BACKEND_IDS[id]
    for package in ("keras", backend):
        if importlib.util.find_spec(package) is None:
            pytest.skip(f"{package} is not installed")
    (made, said), text, status, out = keras_backend_scripts(backend)[id]
    assert made == 0 and "exits 1 here (it shows)" in said, said[-3000:]
    assert imports(text) <= ALLOWED, imports(text) - ALLOWED
    assert f"Keras backend: {backend}" in out, out[-3000:]
    assert status == 1 and "DIVERGES" in out and "ModuleNotFoundError" not in out, out[-3000:]
