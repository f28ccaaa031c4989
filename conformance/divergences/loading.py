"""Reading the known divergences: a folder of TOML files (every ``*.toml``, by name) or one file,
each validated, its evidence references resolved, all of them in one deterministic order."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsonschema
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from conformance.divergences.groups import GROUPS, expand
from conformance.divergences.model import KnownDivergence
from conformance.divergences.schema import SCHEMA
from conformance.paths import KNOWN_DIVERGENCES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_PATH = KNOWN_DIVERGENCES


def files(path: Path) -> list[Path]:
    """The files ``path`` names: every ``*.toml`` in a folder, by name, or the one file."""
    if not path.is_dir():
        return [path]
    found = sorted(path.glob("*.toml"))
    if not found:
        raise ValueError(f"{path}: a folder without *.toml files of known divergences")
    return found


def _error(path: Path, n: int, entry: dict[str, Any], field: str, why: str) -> ValueError:
    return ValueError(f"{path}: divergence/{n}/{field} ({entry['id']}): {why}")


def _schema_error(path: Path, data: dict[str, Any]) -> ValueError | None:
    """The file's worst departure from the schema, named by its field (and its entry's id)."""
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data))
    if error is None:
        return None
    at: Sequence[Any] = list(error.absolute_path)
    where = "/".join(str(p) for p in at) or "(top level)"
    if len(at) >= 2 and at[0] == "divergence" and isinstance(at[1], int):
        entry = data["divergence"][at[1]]
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            where += f" ({entry['id']})"
    return ValueError(f"{path}: {where}: {error.message}")


def read(path: Path) -> list[dict[str, Any]]:
    """One file's entries, validated, each reference to its ``[evidence]`` table replaced by the
    text; raises ValueError naming the file, the entry and the field."""
    with open(path, "rb") as f:
        try:
            data = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise ValueError(f"{path}: not valid TOML: {e}") from None
    error = _schema_error(path, data)
    if error is not None:
        raise error
    texts: dict[str, str] = data.get("evidence", {})
    cited: set[str] = set()
    entries = []
    for n, entry in enumerate(data["divergence"]):
        for gate in ("versions", "absent"):
            for package, spec in entry.get(gate, {}).items():
                try:
                    SpecifierSet(spec)
                except InvalidSpecifier:
                    why = f'{spec!r} is not a PEP 440 version specifier (like ">=2.0,<2.14")'
                    raise _error(path, n, entry, f"{gate}/{package}", why) from None
        tests = entry["match"].get("test")
        if tests is not None:
            unknown = [
                t
                for t in ([tests] if isinstance(tests, str) else tests)
                if t.startswith("@") and t not in GROUPS
            ]
            if unknown:
                why = f"{unknown[0]!r} is not a group of checks ({', '.join(GROUPS)})"
                raise _error(path, n, entry, "match/test", why)
            entry = {**entry, "match": {**entry["match"], "test": expand(tests)}}
        if "evidence_ref" in entry:
            entry = dict(entry)
            name = entry.pop("evidence_ref")
            if "evidence" in entry:
                raise _error(path, n, entry, "evidence_ref", "given with evidence: one or the other")
            if name not in texts:
                has = f"it has {', '.join(sorted(texts))}" if texts else "it has none"
                why = f"{name!r} is not in the file's [evidence] ({has})"
                raise _error(path, n, entry, "evidence_ref", why)
            entry["evidence"] = texts[name]
            cited.add(name)
        entries.append(entry)
    unused = sorted(set(texts) - cited)
    if unused:
        raise ValueError(f"{path}: evidence/{unused[0]}: no entry's evidence_ref names it")
    return entries


def load(path: Path = DEFAULT_PATH) -> list[KnownDivergence]:
    """The known divergences in ``path`` (a folder of TOML files, or one file), in their order:
    by ``order`` where given, then the rest as read (schema.py). Raises ValueError naming the
    file, the entry and the field; an id given twice names both places."""
    first: dict[str, str] = {}
    entries = []
    for file in files(Path(path)):
        for n, entry in enumerate(read(file)):
            place = first.setdefault(entry["id"], f"divergence/{n} in {file}")
            if place != f"divergence/{n} in {file}":
                raise _error(file, n, entry, "id", f"{entry['id']!r} is also the id of {place}")
            entries.append(entry)
    entries.sort(key=lambda e: (e.get("order") is None, e.get("order", 0)))  # stable: the rest as read
    for entry in entries:
        entry.pop("order", None)
        # implementation first: the field that rules most entries out for a check, at once
        entry["match"] = dict(sorted(entry["match"].items(), key=lambda field: field[0] != "implementation"))
        for name in ("shows_when", "predicts"):
            if name in entry:
                entry[name] = tuple(entry[name])
    return [KnownDivergence(**entry) for entry in entries]
