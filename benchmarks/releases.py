"""Each known divergence's reproducer on other releases of its framework: where it shows, where
it was measured absent, where its script cannot run.

    python -m benchmarks.releases --release tensorflow-cpu==2.18.1 --release "torch==2.6.0"
    python -m benchmarks.releases --release "jax==0.4.38 jaxlib==0.4.38 optax==0.2.4 chex<0.1.89"

A release is one or more pip requirements installed, with NumPy, into a venv of its own (uv:
``CONFORMANCE_RELEASES`` or /tmp/conformance-releases, one folder per release, kept). The
reproducers (``conformance-repro ID``, written here once, in the main environment) of the
entries whose implementation runs on the release's framework run there; each exits 1 where
the divergence shows ("shows"), 0 where it does not ("absent"), and anything else where the
release cannot run it ("cannot run": an API it lacks). The table is printed and written as
JSON (``--json``, default reports/releases.json), to be read into each entry's ``versions``
(where it showed) and ``absent`` (where it was measured absent).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conformance.repro import reproducible
from conformance.repro.check import framework_of
from conformance.results.results_file import write_atomically

FOLDER = Path(os.environ.get("CONFORMANCE_RELEASES", "/tmp/conformance-releases"))
# the distribution a release names -> the frameworks whose entries it measures
MEASURES = {
    "tensorflow-cpu": ("tensorflow",),
    "tensorflow": ("tensorflow",),
    "torch": ("torch",),
    "jax": ("jax",),
    "keras": ("tensorflow", "keras_jax", "keras_torch"),
}
SHOWS, ABSENT, CANNOT = "shows", "absent", "cannot run"


def venv(release: str) -> Path:
    """The Python of a venv with ``release`` (pip requirements, space separated) and NumPy."""
    folder = FOLDER / re.sub(r"[^A-Za-z0-9.=_-]+", "_", release)
    python = folder / "bin" / "python"
    if not python.exists():
        uv = shutil.which("uv") or sys.exit("benchmarks.releases: needs uv (pip install uv)")
        subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(folder)], check=True)
        subprocess.run(
            [uv, "pip", "install", "-q", "--python", str(python), "numpy", *release.split()], check=True
        )
    return python


def frameworks_of(release: str) -> set[str]:
    names = [re.split(r"[=<>!~ ]", r)[0].lower() for r in release.split()]
    return {fw for name in names for fw in MEASURES.get(name, ())}


def reproducer(id: str, scripts: Path) -> Path | None:
    """The reproducer of entry ``id``, written once (None where it cannot be written here)."""
    path = scripts / f"{id}.py"
    if not path.exists():
        done = subprocess.run(
            [sys.executable, "-m", "conformance.repro", id, "-o", str(path)], capture_output=True, text=True
        )
        if done.returncode != 0:
            return None
    return path


def measure(release: str, scripts: Path, timeout: float) -> dict[str, str]:
    """Each entry of the release's frameworks: shows, absent or cannot run (with the last line)."""
    python, found = venv(release), {}
    for k in reproducible():
        if framework_of(k.repro["implementation"]) not in frameworks_of(release):
            continue
        path = reproducer(k.id, scripts)
        if path is None:
            found[k.id] = f"{CANNOT}: no reproducer written here"
            continue
        try:
            done = subprocess.run([str(python), str(path)], capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            found[k.id] = f"{CANNOT}: over {timeout:g} s"
            continue
        last = (done.stdout + done.stderr).strip().splitlines()[-1:] or [""]
        outcome = {1: SHOWS, 0: ABSENT}.get(done.returncode, CANNOT)
        found[k.id] = outcome if outcome != CANNOT else f"{CANNOT}: {last[0][:200]}"
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.releases", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--release", action="append", required=True, help="pip requirements of one release")
    parser.add_argument("--json", type=Path, default=Path("reports/releases.json"))
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per reproducer")
    args = parser.parse_args(argv)
    scripts = FOLDER / "scripts"
    scripts.mkdir(parents=True, exist_ok=True)
    table = {release: measure(release, scripts, args.timeout) for release in args.release}
    for release, found in table.items():
        print(f"{release}:")
        for id, outcome in found.items():
            print(f"  {id}: {outcome}")
    write_atomically(args.json, json.dumps(table, indent=1))
    print(f"\nwritten to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
