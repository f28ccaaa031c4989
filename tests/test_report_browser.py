"""The parity report as a person sees it: opened in a real headless Chromium (Debian's
``chromium``, which .ci/run installs), driven by Playwright. Skipped, saying why, where
either is missing; .ci/run checks that this test ran."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conformance.report import write_report
from conformance.results import results_file
from conformance.results.results_file import read
from conformance.vocabulary import OPERATIONS
from tests.conftest import golden_results

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
    """The page, with every script error and console error it raised collected; prints how
    long it took to be ready (its script's own time, and from navigation) and its size."""
    page = browser.new_page(viewport={"width": WIDTH, "height": FOLD})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.goto(path.resolve().as_uri())
    page.wait_for_selector("body[data-ready='yes']", timeout=10_000)
    script_ms = float(page.evaluate("document.body.dataset.readyMs"))
    ready_ms = page.evaluate("performance.now()")
    size, shown = (
        path.stat().st_size,
        f"ready {ready_ms:.0f} ms after navigation ({script_ms:.0f} ms of script)",
    )
    print(f"{path.name}: {size:,} bytes; {shown}")
    return page, errors


WIDTH, FOLD = 1400, 900  # the first screen


def above_the_fold(page, selector: str) -> bool:
    """Whether the top of the first element ``selector`` finds (its first 30 pixels, or all of
    it) is on the first screen."""
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["y"] + min(box["height"], 30) <= FOLD


def matrix_has_no_empty_row_or_column(page) -> bool:
    return page.evaluate(
        """() => {
        const rows = [...document.querySelectorAll('#matrix tr')].filter(tr => tr.querySelector('td'));
        const width = rows.length ? rows[0].querySelectorAll('td').length : 0;
        const used = new Array(width).fill(false);
        for (const tr of rows) {
            const tds = [...tr.querySelectorAll('td')];
            if (!tds.some(td => td.classList.contains('cell'))) return false;
            tds.forEach((td, i) => { if (td.classList.contains('cell')) used[i] = true; });
        }
        return used.every(x => x);
    }"""
    )


@pytest.mark.slow
def test_the_first_screen_answers_who_agrees_and_what_is_wrong(browser, sample_results, tmp_path):
    out = tmp_path / "parity.html"
    write_report([sample_results], out)
    page, errors = open_page(browser, out)
    recorded = read(sample_results)["results"]
    commands = {r["reproduce"] for r in recorded if r.get("reproduce")}
    implementations = {r["implementation"] for r in recorded if "implementation" in r and "device" in r}
    # the verdict, the scoreboard and the findings are on the first screen
    for selector in ("#verdict", "table.scoreboard", "#findings h2", "tr.finding"):
        assert above_the_fold(page, selector), selector
    assert "the run fails" in page.locator("#verdict").inner_text()  # the planted NumPy loss
    assert page.locator("table.scoreboard th.impl").count() == len(implementations)
    for outcome in ("passed", "known-divergence", "diverged"):
        assert page.locator(f"table.scoreboard .chip.o-{outcome}").count() > 0, outcome
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "parity.png"), full_page=False)
    # new findings first; a click opens the checks behind one, each with its command
    finding = page.locator("tr.finding").first
    assert finding.locator("span.kind").inner_text() == "new"
    finding.click()
    body = page.locator("tr.finding-body").first
    assert body.is_visible()
    shown = body.locator(".check code").all_inner_texts()
    assert len(shown) == int(finding.locator("td").last.inner_text()) and set(shown) <= commands
    # the filters: at first what did not pass; "any" shows more; a dtype and a framework narrow it
    cells = page.locator("#matrix td.cell")
    problems = cells.count()
    assert problems > 0 and page.locator("#matrix td.cell.o-passed").count() == 0
    page.select_option("select[name=outcome]", "any")
    assert cells.count() > problems and matrix_has_no_empty_row_or_column(page)
    page.select_option("select[name=dtype]", "float64")
    assert set(page.locator("#matrix th.dtype").all_inner_texts()) == {"float64"}
    page.select_option("select[name=framework]", "torch")
    assert all(name.startswith("torch") for name in page.locator("#matrix th.impl").all_inner_texts())
    assert matrix_has_no_empty_row_or_column(page)
    page.select_option("select[name=check]", "gradient")
    rows = page.locator("#matrix tr > th:first-child").all_inner_texts()
    assert rows and all(r.startswith("gradient") or r in (*OPERATIONS, "") for r in rows)
    # a cell opens its checks, each with the command its record holds
    page.locator("#matrix td.cell").first.click()
    assert page.locator("#panel").is_visible()
    assert set(page.locator("#panel code").all_inner_texts()) <= commands
    page.locator("#panel button.close").click()
    # a cell's passed checks are counted: the one with the largest error shows for them
    page.select_option("select[name=outcome]", "passed")
    many = page.evaluate(
        "() => [...document.querySelectorAll('#matrix td.cell')]"
        ".findIndex(td => /^passed: ([2-9]|[0-9]{2,}) check/.test(td.title))"
    )
    assert many >= 0
    page.locator("#matrix td.cell").nth(many).click()
    assert (
        "checks alike (this outcome): the one with the largest error is shown"
        in page.locator("#panel").inner_text()
    )
    page.locator("#panel button.close").click()
    # the agreement view's mode selector redraws its table
    view = page.locator(".agreement-view").filter(has=page.locator("option:nth-child(2)")).first
    before = view.locator("table.heat").inner_text()
    modes = view.locator("select option").all_inner_texts()
    assert len(modes) >= 2
    view.locator("select").select_option(modes[1])
    assert (
        view.locator("table.heat td[title]").count() > 0 and view.locator("table.heat").inner_text() != before
    )
    # a golden case opened lists every implementation's value; the plots are drawn
    index = page.locator("details.golden:not([open])").first.get_attribute("data-golden")
    golden = page.locator(f"details.golden[data-golden='{index}']")
    golden.locator("summary").click()
    # the rows are drawn on the details' toggle event, which the browser fires as a task of its own
    golden.locator("table.golden-results tr").nth(1).wait_for(timeout=5_000)
    assert golden.locator("table.golden-results tr").count() > 1
    assert page.locator("svg.plot circle").count() > 10
    # the accuracy table sorts by a column, and back
    table = page.locator("#accuracy")
    table.locator("th", has_text="largest (ulps)").click()
    largest = [
        float(v)
        for v in table.locator("tbody tr td:nth-child(10)").evaluate_all("c => c.map(x => x.dataset.sort)")
    ]
    assert largest == sorted(largest)
    assert errors == []


@pytest.fixture(scope="module")
def impl_results(tmp_path_factory) -> Path:
    """A real ``--impl`` run: the README's example loss (PyTorch) through the golden checks alone,
    without PyTorch's own implementations beside it (``--framework none``)."""
    pytest.importorskip("torch", reason="torch is not installed")
    return golden_results(
        tmp_path_factory.mktemp("impl") / "results.json", "--impl", IMPL, "--framework", "none"
    )


IMPL = "torch:examples/label_smoothing_probabilities.py:LabelSmoothingCrossEntropy"


def test_the_first_screen_of_an_impl_run_is_about_that_implementation(browser, impl_results, tmp_path):
    out = tmp_path / "parity.html"
    write_report([impl_results], out)
    page, errors = open_page(browser, out)
    (name,) = page.locator("table.scoreboard th.impl").all_inner_texts()
    assert "LabelSmoothingCrossEntropy" in name
    assert above_the_fold(page, "table.scoreboard") and above_the_fold(page, "#findings h2")
    assert page.locator(".agreement-view").count() == 0  # one implementation agrees with nothing
    assert "nothing to compare" in page.locator("#agreement").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "parity-impl.png"), full_page=False)
    assert errors == []


@pytest.mark.slow
def test_text_from_the_results_shows_as_text_never_as_markup(browser, sample_results, tmp_path):
    """A case id, a message and an implementation name holding HTML and script: shown, not run."""
    hostile = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    document = read(sample_results)
    checks_run = [r for r in document["results"] if "implementation" in r and "device" in r]
    for record in checks_run[:50]:
        record.update(case=hostile, implementation=hostile, message=hostile, outcome="diverged")
    path = tmp_path / "hostile.json"
    results_file.write(path, document["results"], document["environment"], document["cases"])
    out = tmp_path / "parity.html"
    write_report([path], out)
    page, errors = open_page(browser, out)
    page.locator("#matrix td.cell.o-diverged").first.click()
    page.locator("tr.finding").first.click()  # its checks, drawn from the page's data
    page.locator("details.golden summary").first.click()
    assert page.evaluate("window.__pwned") is None
    assert hostile in page.locator("body").inner_text()
    assert page.locator("img").count() == 0
    assert errors == []
