"""The rotation's memory (plugin/sampling.py): for each compiled program, the run that last
judged it, the seconds it took and whether it failed; kept between runs beside the compile
caches (``~/.cache/conformance/rotation/programs.json``, or the folder
``$CONFORMANCE_ROTATION``; empty: none, every run starts afresh), written atomically."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.adapters.caches import cache_folder
from conformance.results.results_file import write_atomically

VARIABLE = "CONFORMANCE_ROTATION"
VERSION = 1
WORKER_KEY = "conformance_rotation"  # xdist's workers get the controller's (one sample for all)


@dataclass(frozen=True)
class Judged:
    """When a program was last judged, what it cost, and whether it failed."""

    run: int
    seconds: float
    failed: bool


@dataclass
class Rotation:
    """The runs so far and each program's last judgement."""

    runs: int = 0
    judged: dict[str, Judged] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        programs = {k: [j.run, round(j.seconds, 3), j.failed] for k, j in sorted(self.judged.items())}
        return {"version": VERSION, "runs": self.runs, "programs": programs}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rotation:
        if data.get("version") != VERSION:
            raise ValueError(f"version {data.get('version')!r}, this suite reads {VERSION}")
        judged = {str(k): Judged(int(v[0]), float(v[1]), bool(v[2])) for k, v in data["programs"].items()}
        return cls(int(data["runs"]), judged)


def path() -> Path | None:
    """Where the rotation is kept (None: nowhere)."""
    folder = cache_folder("rotation", VARIABLE)
    return Path(folder) / "programs.json" if folder else None


def load(where: Path | None) -> Rotation:
    """The rotation kept at ``where``; a new one where there is none, or (with a warning that
    names the file) where it cannot be read: the rotation only orders the deferred programs,
    so starting it afresh loses no check."""
    if where is None or not where.exists():
        return Rotation()
    try:
        return Rotation.from_json(json.loads(where.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
        warnings.warn(f"{where}: not a rotation file this suite reads ({e}); starting afresh", stacklevel=2)
        return Rotation()


def of_run(config: Any) -> Rotation:
    """The rotation a run samples by: the controller's under pytest-xdist (every worker must
    collect the same checks), else the one kept on this machine."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and WORKER_KEY in workerinput:
        return Rotation.from_json(workerinput[WORKER_KEY])
    return load(path())


def judge(rotation: Rotation, judged: dict[str, tuple[float, bool]]) -> Rotation:
    """The rotation after one more run, which judged ``judged`` (key -> seconds, failed)."""
    run = rotation.runs + 1
    now = {k: Judged(run, seconds, failed) for k, (seconds, failed) in judged.items()}
    return Rotation(run, {**rotation.judged, **now})


def save(where: Path | None, rotation: Rotation) -> None:
    """Keep ``rotation`` at ``where`` (nothing where None), atomically."""
    if where is not None:
        write_atomically(where, json.dumps(rotation.to_json(), separators=(",", ":")))
