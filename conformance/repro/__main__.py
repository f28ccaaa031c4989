"""conformance-repro: write the standalone reproducer of a known divergence.

conformance-repro --list           the known divergences with a reproducer
conformance-repro ID [-o FILE]     its script, on stdout or into FILE
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from conformance.adapters import FrameworkMissing
from conformance.repro import NoReproducer, entry, markdown, reproducible, script
from conformance.repro.check import framework_of
from conformance.results.results_file import write_atomically


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="conformance-repro", description=__doc__.split("\n")[0])
    parser.add_argument("id", nargs="?", help="a known divergence's id (conformance/divergences/known/)")
    parser.add_argument("--list", action="store_true", help="list the known divergences with a reproducer")
    parser.add_argument("--markdown", action="store_true", help="the README's table of findings")
    parser.add_argument("-o", "--output", type=Path, help="write the script here (default: stdout)")
    args = parser.parse_args(argv)
    if args.markdown:
        sys.stdout.write(markdown())
        return 0
    if args.list or not args.id:
        for k in reproducible():
            r = k.repro
            check = f"{r['implementation']}, {r['case']}, {r['dtype']}, {r.get('test', 'loss')}"
            print(f"{k.id}  ({k.kind}; {check})")
        return 0
    try:
        _keras_backend_for(args.id)
        text, shows = script(args.id)
    except (NoReproducer, FrameworkMissing) as e:
        print(f"conformance-repro: {e}", file=sys.stderr)
        return 2
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_atomically(args.output, text)
        print(
            f"{args.output}: exits {int(shows)} here ({'it shows' if shows else 'it does not show'})",
            file=sys.stderr,
        )
    return 0


def _keras_backend_for(id: str) -> None:
    """Keras' backend is the process's, chosen when Keras is first imported: set KERAS_BACKEND
    for an entry of Keras on JAX or PyTorch, and of TensorFlow (whose tf.keras would otherwise
    follow a keras.json naming another backend). It stays set: this process checks one entry."""
    spec = entry(id).repro
    framework = framework_of(spec["implementation"]) if spec else ""
    keras_backend = framework == "tensorflow" or framework.startswith("keras_")
    if keras_backend and "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = framework.removeprefix("keras_")


if __name__ == "__main__":
    sys.exit(main())
