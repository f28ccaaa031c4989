"""What changed between two runs: ``conformance-report --compare OLD NEW`` and the page's
section against a ``--baseline``."""

from __future__ import annotations

import re

from conformance.report.__main__ import main
from conformance.report.changes import compare
from conformance.results.results_file import read
from tests.test_report import record, written_results

ENTRY = {"id": "torch-sums-in-lanes", "kind": "precision", "reason": "r"}


def _runs(tmp_path):
    """An upgrade of torch from 2.13 to 2.14 in which one check starts to diverge, a known
    divergence goes away, another moves from 3 to 300 ulps and one stays put."""
    old = [
        record("torch.a", "torch", "loss", "passed", error_ulps=1.0),
        record("torch.b", "torch", "loss", "known divergence", known_divergence=ENTRY, error_ulps=5.0),
        record(
            "torch.c",
            "torch",
            "gradient",
            "known divergence",
            known_divergence={**ENTRY, "id": "torch-moves"},
            error_ulps=3.0,
        ),
        record(
            "torch.d",
            "torch",
            "gradient",
            "known divergence",
            known_divergence={**ENTRY, "id": "torch-stays"},
            error_ulps=40.0,
        ),
    ]
    new = [
        record("torch.a", "torch", "loss", "diverged", error_ulps=900.0),
        record("torch.b", "torch", "loss", "passed", error_ulps=1.0),
        record(
            "torch.c",
            "torch",
            "gradient",
            "known divergence",
            known_divergence={**ENTRY, "id": "torch-moves"},
            error_ulps=300.0,
        ),
        record(
            "torch.d",
            "torch",
            "gradient",
            "known divergence",
            known_divergence={**ENTRY, "id": "torch-stays"},
            error_ulps=50.0,
        ),
    ]
    a = written_results(tmp_path, "old.json", old, {"torch": {"version": "2.13.0"}})
    b = written_results(tmp_path, "new.json", new, {"torch": {"version": "2.14.0"}})
    return a, b


def test_compare_lists_versions_outcomes_and_findings(tmp_path):
    old, new = _runs(tmp_path)
    changes = compare(read(old), read(new))
    assert changes.versions == {"torch": ("2.13.0", "2.14.0")}
    assert [(c.old, c.new) for c in changes.outcomes] == [
        ("passed", "diverged"),
        ("known divergence", "passed"),
    ]
    assert [f.key for f in changes.appeared] == ["diverged: torch.a, loss, float32"]
    assert [f.key for f in changes.disappeared] == ["known divergence torch-sums-in-lanes"]
    assert [(a.key, a.worst_ulps, b.worst_ulps) for a, b in changes.moved] == [
        ("known divergence torch-moves", 3.0, 300.0)
    ]


def test_the_command_prints_what_changed(tmp_path, capsys):
    old, new = _runs(tmp_path)
    assert main(["--compare", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "versions: torch 2.13.0 -> 2.14.0" in out
    assert "findings appeared: 1\n  diverged: torch.a, loss, float32 (1 checks, worst 900 ulps)" in out
    assert "known divergence torch-moves: worst 3 ulps -> 300 ulps" in out
    assert "torch-stays" not in out


def test_nothing_changed_says_so(tmp_path, capsys):
    old, _ = _runs(tmp_path)
    assert main(["--compare", str(old), str(old)]) == 0
    assert "nothing changed" in capsys.readouterr().out


def test_an_unreadable_file_is_named(tmp_path, capsys):
    old, _ = _runs(tmp_path)
    (tmp_path / "bad.json").write_text("{")
    assert main(["--compare", str(old), str(tmp_path / "bad.json")]) == 2
    assert "bad.json" in capsys.readouterr().err


def test_the_page_has_a_section_against_a_baseline(tmp_path):
    old, new = _runs(tmp_path)
    page = tmp_path / "page.html"
    assert main([str(new), "-o", str(page), "--baseline", str(old)]) == 0
    section = re.search(r'<section id="changes">(.*?)</section>', page.read_text(), re.S)
    assert section and "torch-moves" in section.group(1) and "2.14.0" in section.group(1)
    assert main([str(new), "-o", str(page)]) == 0
    assert 'id="changes"' not in page.read_text()


def test_a_known_divergence_named_by_its_id_alone_is_a_finding():
    """The results schema lets a record name its entry by id: the finding is the same."""
    from conformance.report.changes import finding_key

    assert finding_key({"outcome": "known divergence", "known_divergence": "torch-moves"}) == (
        "known divergence torch-moves"
    )
    assert finding_key({"outcome": "known divergence", "known_divergence": {"id": "torch-moves"}}) == (
        "known divergence torch-moves"
    )
