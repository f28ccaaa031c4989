"""Keras on its JAX and PyTorch backends: each in a process whose KERAS_BACKEND names it."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.adapters import FrameworkMissing, load
from conformance.adapters.keras_backends import configured_backend

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_a_backend_this_process_does_not_have_is_missing_with_how_to_run_it(monkeypatch, tmp_path, backend):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # no keras.json: Keras' default, tensorflow
    monkeypatch.delitem(sys.modules, "keras", raising=False)  # as in a process not yet importing it
    with pytest.raises(
        FrameworkMissing,
        match=f"keras_{backend}'s losses need KERAS_BACKEND={backend} .*tox -e keras_{backend}",
    ):
        load(f"keras_{backend}")


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_keras_runs_on_the_backend_its_process_names(backend):
    """In a process of its own: Keras' loss on the backend's tensors and devices, the same value
    as TensorFlow's Keras computes (0.5076 for this row), its implementations named for it."""
    if not (importlib.util.find_spec(backend) and importlib.util.find_spec("keras")):  # not imported here
        pytest.skip(f"{backend} and keras are not both installed")
    code = (
        "import numpy as np\n"
        "from conformance.adapters import load\n"
        f"fw = load('keras_{backend}')\n"
        "impl = fw.implementations[0]\n"
        "x = np.array([[1., 2., 3.]], np.float32); y = np.array([[0., 0., 1.]], np.float32)\n"
        "r = fw.run(impl, 'cpu:0', x, y, label_smoothing=0.1, reduction='mean')\n"
        "print(fw.name, fw.details['keras_backend'], impl.name, r.dtype, round(float(r.value), 4))\n"
    )
    env = {"KERAS_BACKEND": backend, "PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
    run = [sys.executable, "-c", code]
    out = subprocess.run(run, capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == [
        f"keras_{backend}",
        backend,
        f"keras.losses.CategoricalCrossentropy({backend})",
        "float32",
        "0.5076",
    ]


def test_tensorflow_is_missing_where_keras_is_another_backend(monkeypatch):
    """tf.keras is the process's Keras: on the JAX backend it would not be TensorFlow's."""
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    monkeypatch.delitem(sys.modules, "keras", raising=False)  # as in a process not yet importing it
    said = r"need KERAS_BACKEND=tensorflow \(.*here jax, from KERAS_BACKEND\); elsewhere: keras_jax"
    with pytest.raises(FrameworkMissing, match=said):
        load("tensorflow")


def test_keras_json_names_the_backend_where_KERAS_BACKEND_is_unset(monkeypatch, tmp_path):
    """As Keras reads it: KERAS_BACKEND first, else keras.json's backend (KERAS_HOME or ~/.keras),
    so a user whose keras.json says jax does not get Keras on JAX checked as TensorFlow's."""
    (tmp_path / "keras.json").write_text(json.dumps({"floatx": "float32", "backend": "jax"}))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.delitem(sys.modules, "keras", raising=False)
    assert configured_backend() == ("jax", str(tmp_path / "keras.json"))
    with pytest.raises(FrameworkMissing, match=r"here jax, from .*keras\.json\); elsewhere: keras_jax"):
        load("tensorflow")
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    assert configured_backend() == ("torch", "KERAS_BACKEND")


def test_keras_imported_already_keeps_its_backend():
    """Once Keras is imported its backend is fixed: a KERAS_BACKEND set afterwards changes nothing."""
    if importlib.util.find_spec("keras") is None or importlib.util.find_spec("jax") is None:
        pytest.skip("keras and jax are not both installed")
    code = (
        "import os\n"
        "os.environ['KERAS_BACKEND'] = 'jax'\n"
        "import keras\n"
        "os.environ['KERAS_BACKEND'] = 'torch'\n"
        "from conformance.adapters.keras_backends import configured_backend\n"
        "print(configured_backend())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "('jax', 'Keras, imported already')"
