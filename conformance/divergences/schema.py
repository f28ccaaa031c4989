"""The known divergences' format: what each field means, and the JSON schema a file must meet.

They are kept as data in ``known/``, one TOML file per framework (``shared.toml`` for those whose
cause lies in several), each a list of ``[[divergence]]`` entries. Each entry matches checks by
glob patterns on the fields of a check (``test``, ``case``, ``labels``, ``framework``,
``implementation``, ``device``, ``dtype``, ``mode``; a list of patterns matches if any does; a
``test`` may name a group of checks, ``@drawn-loss``, defined once in groups.py) and
says why the implementation differs and of which kind: ``definition`` (it computes another
quantity on purpose, a convention), ``precision`` (it loses accuracy) or ``defect`` (a bug: it
computes neither what it documents nor another convention); ``raises``, a glob on the
exception's ``Type: message``, for one that shows as the implementation raising on an input it
should take (any other exception there is not excused); ``crashes = true`` for one that kills
the process (an abort inside a compiled kernel): its checks are not run (pytest's
``xfail(run=False)``), its reason quoting what the process prints as it dies. ``within`` names the dtype whose
accuracy the implementation still reaches (float32 for one that computes a float64 call in
float32); a result that misses even that is not excused. ``shows_as = "imprecise"`` (kind
``precision``) excuses a result beyond the tight bound only (oracle/tight.py): one beyond the
worst-case bound is then a new divergence. Matching checks are expected failures, strictly: one
that starts passing fails, so a fixed divergence is noticed and its entry removed; ``strict =
false`` only for a property check whose divergence shows on so few drawn cases that a search of
100 may miss it. A check that several entries match is expected to show them all: the least
accuracy any promises applies, strict if any is (matching.find).

``evidence`` is the source read or the run that shows it. A text several entries of one file
cite is written once, in the file's ``[evidence]`` table (name -> text), and each entry names it,
``evidence_ref = "name"``; the loader puts the text in the entry's ``evidence``.

``repro`` names the check its standalone reproducer runs (``conformance-repro ID``, see
conformance/repro): every ``defect`` and ``precision`` entry has one, or says in ``no_repro``
why it has none.

``versions`` gates an entry: package name -> the PEP 440 versions it was seen in
(``{ keras = "<=3.15.1" }``), ``absent`` the versions its reproducer was measured not to show it in
(``{ torch = "<2.9" }``), ``upstream`` the issue or pull request that reports or fixes it. An
upper bound of ``versions`` is the release that fixes it. A lower bound is the oldest version
where it was seen (its source read, or its reproducer run: the evidence says which); an older
release nobody measured is not a regression: the entry applies there, its excuse noting "not
measured on tensorflow 2.18.1, older than tensorflow>=2.21", and a result that does not fit its
prediction is still a new divergence. Where an installed version was measured absent, or is past
the upper bound, the entry does not excuse its checks: one that passes there is recorded as fixed
in that version; one that still fails is a new divergence whose message names the entry and its
gate (a regression, or a wrong gate).

An entry is scoped by its mechanism: the implementations, dtypes, modes and conditions where it
acts, and every check that can see it (a float32 reduction: every check of the loss, the
``@drawn-loss`` group); a list of checks or cases narrower than that only where the mechanism is
tied to them (a gradient-only one, an option, the golden cases that show a strict entry). Its
prediction, not its list, is what keeps it from excusing another fault.

``shows_when`` names conditions on a check's input (divergences/conditions.py: the class axis,
whether it smooths) that must all hold where the entry can be the cause: a failure whose input
meets none of its matching entries' conditions is not excused by them (a new divergence, named
with the entry and the condition unmet), and an entry is cited as a failure's cause (a user's
inherited divergence) only where its conditions fit the input shown.

``predicts`` names what a failing result it causes is (divergences/predictions.py: a NaN where
the answer is not, an infinity, numbers only, a zero, an empty array, a float32 result within
bound), read from its mechanism: a failure at its coordinates that is not that is not excused by
it (another fault there is a new divergence, named with the entry and its prediction). Together
with ``within``, ``shows_as = "imprecise"`` and ``raises`` it is the entry's model; an entry of
the suite's own files that has none says why in ``unmodelled``, and every ``definition`` entry
has one.

``order`` places an entry among all those loaded (files by name, then each file's entries in
turn, where none says): where a check matches several, they are combined in that order (their
ids joined with " + "), and ``conformance-repro`` lists them in it.
"""

from __future__ import annotations

from typing import Any

from conformance.divergences.conditions import CONDITIONS
from conformance.divergences.predictions import PREDICTIONS
from conformance.vocabulary import DIVERGED, DTYPES, IMPRECISE, LABEL_KINDS

FIELDS = ("test", "case", "labels", "framework", "implementation", "device", "dtype", "mode")

_PATTERNS = {"oneOf": [{"type": "string"}, {"type": "array", "minItems": 1, "items": {"type": "string"}}]}
ENTRY: dict[str, Any] = {
    "type": "object",
    "required": ["id", "match", "kind", "reason"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "order": {"type": "integer"},
        "match": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": False,
            "properties": {f: _PATTERNS for f in FIELDS},
        },
        "kind": {"enum": ["definition", "precision", "defect"]},
        "reason": {"type": "string", "minLength": 1},
        "evidence": {"type": "string"},
        "evidence_ref": {"type": "string", "minLength": 1},
        "within": {"enum": list(DTYPES)},
        "strict": {"type": "boolean"},
        "raises": _PATTERNS,
        "crashes": {"type": "boolean"},
        "shows_as": {"enum": [DIVERGED, IMPRECISE]},
        "versions": {"type": "object", "additionalProperties": {"type": "string"}},
        "absent": {"type": "object", "additionalProperties": {"type": "string"}},
        "upstream": {"type": "string", "pattern": "^https://"},
        "no_repro": {"type": "string", "minLength": 1},
        "shows_when": {"type": "array", "minItems": 1, "items": {"enum": sorted(CONDITIONS)}},
        "predicts": {"type": "array", "minItems": 1, "items": {"enum": sorted(PREDICTIONS)}},
        "unmodelled": {"type": "string", "minLength": 1},
        "repro": {
            "type": "object",
            "required": ["implementation", "case", "dtype"],
            "additionalProperties": False,
            "properties": {
                "implementation": {"type": "string"},
                "case": {"type": "string"},
                "dtype": {"enum": list(DTYPES)},
                "labels": {"enum": list(LABEL_KINDS)},
                "test": {"enum": ["loss", "gradient"]},
                "mode": {"type": "string"},
            },
        },
    },
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["divergence"],
    "additionalProperties": False,
    "properties": {
        "evidence": {"type": "object", "additionalProperties": {"type": "string", "minLength": 1}},
        "divergence": {"type": "array", "items": ENTRY},
    },
}
