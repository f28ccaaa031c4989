"""The parity report as a person sees it: opened in a real headless Chromium (Debian's
``chromium``, which .ci/run installs), driven by Playwright. Skipped, saying why, where
either is missing; .ci/run checks that this test ran."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conformance.report import write_report

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"
)

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "reports" / "screenshots"
# What the machine's closed network needs (no background connections), as root no sandbox.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


def open_page(browser, path: Path):
    """The page, with every script error and console error it raised collected."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.goto(path.resolve().as_uri())
    page.wait_for_selector("body[data-ready='yes']", timeout=10_000)
    return page, errors


def test_the_report_opens_with_every_section_visible(browser, sample_results, tmp_path):
    out = tmp_path / "parity.html"
    write_report([sample_results], out)
    page, errors = open_page(browser, out)
    for section in (
        "summary",
        "matrix",
        "accuracy",
        "agreement",
        "golden",
        "divergences",
        "plot",
        "environment",
    ):
        assert page.locator(f"#{section}").first.is_visible(), section
    assert page.locator("#matrix td.cell").count() > 10
    assert page.locator("svg.plot circle").count() > 10
    assert page.locator(".heat td[title]").count() > 0
    # a divergence, with its reason, opens from its entry
    known = page.locator("details.known").first
    known.locator("summary").click()
    assert known.locator(".divergence").first.is_visible()
    # a cell of the matrix opens its checks
    page.locator("#matrix td.cell.o-known-divergence").first.click()
    assert page.locator("#details").is_visible()
    assert "known divergence" in page.locator("#details").inner_text()
    # the accuracy table sorts by a column, and back
    table = page.locator("#accuracy")
    assert table.locator("tbody tr").count() > 3
    table.locator("th", has_text="largest (ulps)").click()
    largest = [
        float(v)
        for v in table.locator("tbody tr td:nth-child(10)").evaluate_all(
            "cells => cells.map(c => c.dataset.sort)"
        )
    ]
    assert largest == sorted(largest)
    table.locator("th", has_text="largest (ulps)").click()
    again = [
        float(v)
        for v in table.locator("tbody tr td:nth-child(10)").evaluate_all(
            "cells => cells.map(c => c.dataset.sort)"
        )
    ]
    assert again == sorted(largest, reverse=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "parity.png"), full_page=False)
    assert errors == []


def test_text_from_the_results_shows_as_text_never_as_markup(browser, sample_results, tmp_path):
    """A case id, a message and an implementation name holding HTML and script: shown, not run."""
    hostile = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    document = json.loads(sample_results.read_text())
    checks_run = [r for r in document["results"] if "implementation" in r and "device" in r]
    for record in checks_run[:50]:
        record.update(case=hostile, implementation=hostile, message=hostile, outcome="diverged")
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(document))
    out = tmp_path / "parity.html"
    write_report([path], out)
    page, errors = open_page(browser, out)
    page.locator("#matrix td.cell.o-diverged").first.click()
    assert page.evaluate("window.__pwned") is None
    assert hostile in page.locator("body").inner_text()
    assert page.locator("img").count() == 0
    assert errors == []
