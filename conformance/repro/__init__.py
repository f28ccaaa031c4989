"""Standalone reproducers of known divergences: conformance-repro ID writes a one-file script that
exits 1 while the divergence shows.
May import: adapters, cases, checks, divergences, oracle, paths, registry, results, vocabulary."""

from __future__ import annotations

from conformance import divergences
from conformance.divergences import KnownDivergence
from conformance.repro.check import NoReproducer, judged
from conformance.repro.script import render

KINDS = ("defect", "precision")  # the kinds that are findings to file upstream: each has one

__all__ = ["KINDS", "NoReproducer", "entry", "markdown", "reproducible", "script"]


def reproducible() -> list[KnownDivergence]:
    """The known divergences that have a reproducer."""
    return [k for k in divergences.load() if k.repro]


def entry(id: str) -> KnownDivergence:
    """The known divergence ``id``; raises NoReproducer naming the ids there are."""
    for k in divergences.load():
        if k.id == id:
            return k
    raise NoReproducer(f"no known divergence {id!r}; conformance-repro --list lists them")


def script(id: str) -> tuple[str, bool]:
    """The reproducer of known divergence ``id``, and whether the suite sees it here (the
    exit status the script should give: 1 if so)."""
    k = entry(id)
    check = judged(k)
    return render(k, check), check.fails


def markdown() -> str:
    """The README's table of findings: each known divergence of kind defect or precision, the
    implementation its reproducer runs, the versions it applies to, its upstream link and the
    command that writes its reproducer."""
    rows = [
        "| finding | kind | reproduced on | versions | upstream | reproducer |",
        "|---|---|---|---|---|---|",
    ]
    for k in divergences.load():
        if k.kind not in KINDS:
            continue
        r = k.repro
        upstream = f"[{k.upstream.split('github.com/')[-1]}]({k.upstream})" if k.upstream else "none filed"
        on = f"`{r['implementation']}`, {r['dtype']}" if r else f"none: {k.no_repro}"
        command = f"`conformance-repro {k.id}`" if r else "none"
        rows.append(f"| {k.id} | {k.kind} | {on} | `{k.gate()}` | {upstream} | {command} |")
    return "\n".join(rows) + "\n"
