"""An --impl run's last word on each user implementation: passed, or its distinct findings
(by outcome and check) with what caused them, read from their messages."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from conformance.plugin.shrinking import unshrunk
from conformance.vocabulary import FAILING, KNOWN_DIVERGENCE, PASSED, SKIP_OUTCOMES

# What a failure message says caused it, most telling first (a property check's message of
# several distinct failures counts as the most telling it names): a pattern and its phrase.
_CAUSES = (
    (re.compile(r"your loss matches (.+?); this suite checks"), "matching {}"),
    (re.compile(r"your loss returns what (\S+) returns on these inputs"), "failing as {} does"),
    (re.compile(r"returned (\w+ for \w+ inputs)"), "returning {}"),
    (re.compile(r"^\s*raised (\w+)", re.M), "raising {}"),
)
OTHER = "with other values"


def _short(names: str) -> str:
    """'the e/(K-1) convention: e spread ... (fairseq's ...) or smoothing ignored (e = 0) (...)'
    -> 'the e/(K-1) convention or smoothing ignored (e = 0)': each definition's name alone."""
    parts = re.split(r" \([^()]*(?:\([^()]*\)[^()]*)*\)(?: or |$)", names)
    return " or ".join(p.split(": ")[0] for p in parts if p)


def cause(message: str) -> str:
    """The phrase for what caused one failing check, or OTHER where its message names nothing."""
    for pattern, phrase in _CAUSES:
        found = pattern.search(message)
        if found:
            return phrase.format(_short(found.group(1)) if phrase.startswith("matching") else found.group(1))
    return OTHER


def causes(messages: list[str]) -> str:
    """', all matching X' where one cause explains every check; ': 26 matching X, 12 returning
    float32 for bfloat16 inputs, 3 with other values' where several do; '' where none is named."""
    counts = Counter(cause(m) for m in messages)
    if len(counts) == 1:
        (only,) = counts
        return "" if only == OTHER else f", all {only}"
    return ": " + ", ".join(f"{n} {phrase}" for phrase, n in counts.most_common())


def verdict_line(name: str, records: list[dict[str, Any]], report_path: str | None) -> str:
    """Passed, with the checks that ran; or each finding (outcome and check) with its count of
    checks and their causes, and where the report shows them."""
    mine = [r for r in records if r.get("implementation") == name]
    counts = Counter(r["outcome"] for r in mine)
    ran = sum(n for o, n in counts.items() if o not in SKIP_OUTCOMES)
    found: dict[tuple[str, str], list[str]] = {}
    for r in mine:
        if r["outcome"] in FAILING:
            found.setdefault((r["outcome"], r["test"]), []).append(str(r.get("message", "")))
    where = f"; the report: {report_path}" if report_path else ""
    inherits = inherited(mine)
    if not found:
        known = f", {counts[KNOWN_DIVERGENCE]} as known divergences" if counts[KNOWN_DIVERGENCE] else ""
        return f"{name}: passed ({ran} checks ran{known}; {counts[PASSED]} passed){inherits}{where}"
    kinds = ", ".join(
        f"{outcome} in {test} ({len(messages)} check{'s' if len(messages) > 1 else ''}{causes(messages)})"
        for (outcome, test), messages in sorted(found.items())
    )
    findings = f"{len(found)} finding{'s' if len(found) > 1 else ''}"
    left = unshrunk([r for r in mine if r["outcome"] in FAILING])
    return f"{name}: {findings} in {ran} checks that ran: {kinds}{inherits}{left}{where}"


def inherited(records: list[dict[str, Any]]) -> str:
    """'; inherits torch's half-precision-class-sum-overflows in 2 checks (from
    torch.nn.functional.cross_entropy)': the known divergences of its framework that a user's
    loss inherits (it returns, bit for bit, what the framework's own implementation returns)."""
    counts = Counter(
        (r.get("framework", ""), r["known_divergence"]["id"], r["inherited_from"])
        for r in records
        if r.get("inherited_from") and isinstance(r.get("known_divergence"), dict)
    )
    return "".join(
        f"; inherits {fw}'s {entry} in {n} check{'s' if n > 1 else ''} (as {impl} returns it)"
        for (fw, entry, impl), n in sorted(counts.items())
    )
