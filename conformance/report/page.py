"""The parity report as one self-contained HTML page (inline CSS, JS and SVG; opens offline).

Every text that comes from a results file (case ids, messages, implementation names) is
escaped with ``html.escape`` where it enters the page, or reaches it as JSON data that the
script writes with ``textContent``, never as markup.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import astuple
from html import escape
from typing import Any

from conformance.merge import Merged
from conformance.report import plot, views

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:0 24px 48px;color:#222}
h1{font-size:22px;margin:18px 0 4px}h2{font-size:18px;margin:28px 0 6px;border-bottom:1px solid #ddd}
table{border-collapse:collapse}td,th{padding:2px 6px;border:1px solid #e3e3e3;vertical-align:top}
th{background:#f6f6f6;font-weight:600;text-align:left}
pre{white-space:pre-wrap;background:#f8f8f8;padding:6px;margin:4px 0;font-size:12px}
code{font-size:12px}.muted{color:#777}.problems{color:#a00}
.summary span{display:inline-block;margin-right:12px}
.matrix{font-size:12px}.matrix th.impl{vertical-align:bottom;font-weight:500;font-size:11px;
  text-align:center;max-width:140px}
.matrix th.device,.matrix th.dtype,.matrix th.mode{font-weight:400;font-size:11px;text-align:center}
.matrix td.cell{text-align:center;cursor:pointer;min-width:34px}
.o-passed{background:#cdeccd}.o-known-divergence{background:#ffe1a8}.o-diverged{background:#f4a3a3}
.o-errored{background:#e06666;color:#fff}.o-stale-divergence{background:#d5b3f0}
.o-unsupported,.o-rejected,.o-skipped{background:#f1f1f1;color:#999}
.badge{padding:0 6px;border-radius:3px}
#details{position:sticky;bottom:0;background:#fff;border-top:2px solid #888;max-height:45vh;
  overflow:auto;padding:4px 8px;display:none}
#details.open{display:block}
.heat td{width:30px;height:22px;text-align:center;font-size:11px}
.heat th{font-weight:500;font-size:12px}
svg.plot{margin:6px 12px 6px 0;border:1px solid #eee}svg.plot text{font-size:11px;fill:#444}
svg.plot text.title{font-size:13px;font-weight:600}svg.plot line.grid{stroke:#eee}
.key{margin-right:14px}.scroll{overflow-x:auto}details{margin:4px 0}summary{cursor:pointer}
"""

# Renders a clicked matrix cell's checks into #details; data only through textContent.
SCRIPT = """
(function(){
  const data = JSON.parse(document.getElementById('cell-data').textContent);
  const box = document.getElementById('details');
  function el(tag, text, cls){const e=document.createElement(tag);
    if(text!==undefined)e.textContent=text; if(cls)e.className=cls; return e;}
  function show(key){
    const cell = data[key]; box.replaceChildren();
    const close = el('button','close'); close.onclick=()=>box.classList.remove('open');
    box.append(close, el('h3', cell.title));
    for(const r of cell.records){
      const d = el('div');
      const metrics = r.error_eps!==undefined ? '  error '+r.error_eps+' eps, bound '+r.bound_eps : '';
      const head = el('div');
      head.append(el('span', r.outcome, 'badge o-'+r.outcome.replace(/ /g,'-')),
        el('span', ' '+(r.case||'')+metrics));
      d.append(head);
      if(r.message) d.append(el('pre', r.message));
      if(r.reason) d.append(el('div', 'known divergence: '+r.reason, 'muted'));
      if(r.reproduce) d.append(el('code', r.reproduce));
      box.append(d);
    }
    box.classList.add('open');
  }
  document.querySelectorAll('td.cell').forEach(td=>td.addEventListener('click',()=>show(td.dataset.key)));
  document.body.dataset.ready = 'yes';
})();
"""


def fmt(value: Any) -> str:
    """A number as the page shows it: three significant digits."""
    x = views.number(value)
    if x is None:
        return ""
    if math.isnan(x) or math.isinf(x):
        return str(x)
    return f"{x:.3g}"


def _json_for_script(value: Any) -> str:
    """JSON that cannot end its <script> element: <, > and & as \\u escapes."""
    text = json.dumps(value, allow_nan=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def outcome_class(outcome: str) -> str:
    return "o-" + outcome.replace(" ", "-")


def _badge(outcome: str) -> str:
    return f'<span class="badge {outcome_class(outcome)}">{escape(outcome)}</span>'


def _pairs(mapping: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in mapping.items())


def section_summary(merged: Merged) -> str:
    s = views.summary(merged)
    counts = "".join(
        f'<span class="badge {outcome_class(o)}">{n} {escape(o)}</span> ' for o, n in s["counts"].items()
    )
    frameworks = ", ".join(f"{escape(n)} {escape(v)}" for n, v in sorted(s["frameworks"].items()))
    runs = len(merged.runs)
    lines = [
        f'<p class="summary" id="counts">{counts}</p>',
        f"<p>Frameworks: {frameworks or 'none'}. Devices: {escape(', '.join(s['devices'])) or 'none'}. "
        f"Dtypes: {escape(', '.join(s['dtypes']))}. Modes: {escape(', '.join(s['modes']))}. "
        f"From {runs} results file{'s' * (runs != 1)}"
        + (f"; {merged.superseded} checks superseded by a newer file" if merged.superseded else "")
        + ".</p>",
    ]
    if merged.problems:
        lines.append(
            '<ul class="problems">' + "".join(f"<li>{escape(p)}</li>" for p in merged.problems) + "</ul>"
        )
    return "".join(lines)


def _cell_record(r: dict[str, Any]) -> dict[str, Any]:
    """What a clicked cell shows of one check (messages only where it did not pass)."""
    out = {"outcome": r["outcome"], "case": r.get("case", ""), "reproduce": r.get("reproduce", "")}
    if r.get("error_eps") is not None:
        out.update(error_eps=fmt(r["error_eps"]), bound_eps=fmt(r.get("bound_eps")))
    if r["outcome"] != "passed" and r.get("message"):
        out["message"] = r["message"]
    if r.get("known_divergence"):
        out["reason"] = r["known_divergence"].get("reason", "")
    return out


def section_matrix(merged: Merged) -> tuple[str, dict[str, Any]]:
    """The parity matrix, and the data its cells open."""
    m = views.matrix(merged)
    data: dict[str, Any] = {}
    body = []
    operation = None
    for row in m.rows:
        if row.operation != operation:
            operation = row.operation
            body.append(
                f'<tr><th colspan="{len(m.columns) + 1}">{escape(operation or "(no operation)")}</th></tr>'
            )
        tds = []
        for col in m.columns:
            cell = m.cells.get((row, col))
            if cell is None:
                tds.append("<td></td>")
                continue
            key = str(len(data))
            data[key] = {
                "title": f"{row.label()} · {col.label()}",
                "records": [_cell_record(r) for r in cell.records],
            }
            shown = fmt(cell.error_eps) if cell.outcome not in NOT_RUN else "-"
            tip = f"{cell.outcome}: {len(cell.records)} check(s); worst error {shown} eps"
            tds.append(
                f'<td class="cell {outcome_class(cell.outcome)}" data-key="{key}" '
                f'title="{escape(tip)}">{escape(shown)}</td>'
            )
        body.append(f"<tr><th>{escape(row.label())}</th>{''.join(tds)}</tr>")
    table = (
        f'<div class="scroll"><table class="matrix" id="matrix">{_matrix_head(m.columns)}'
        f"{''.join(body)}</table></div>"
    )
    return table, data


def _breakable(name: str) -> str:
    """An implementation's name, escaped, that may wrap after its dots, underscores and "("."""
    return re.sub(r"([._(])", r"\1<wbr>", escape(name))


def _matrix_head(columns: list[views.Column]) -> str:
    """Header rows: the implementation (written upwards, over all its columns), the device
    under it, the dtype under that, and the mode under that (only if more than one appears)."""
    levels = [(2, "impl"), (3, "device"), (4, "dtype")]
    if len({c.mode for c in columns}) > 1:
        levels.append((5, "mode"))
    rows = []
    for depth, cls in levels:
        cells = ['<th class="corner"></th>']
        for key, group in itertools.groupby(columns, key=lambda c: astuple(c)[:depth]):
            span, text = len(list(group)), key[-1]
            shown = _breakable(text) if cls == "impl" else escape(text)
            cells.append(f'<th class="{cls}" colspan="{span}" title="{escape(text)}">{shown}</th>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return "".join(rows)


def _heat_colour(d: float) -> str:
    """White at 0 epsilons, through yellow, to red at 1e6 or more (log scale); grey-black for inf."""
    if not math.isfinite(d):
        return "#333"
    t = min(math.log10(1 + d) / 6, 1.0)
    return f"hsl({60 * (1 - t):.0f},90%,{97 - 45 * t:.0f}%)"


def section_heatmaps(merged: Merged) -> str:
    parts = []
    for h in views.heatmaps(merged):
        rows = []
        for i, a in enumerate(h.names):
            tds = []
            for j in range(len(h.names)):
                if i == j:
                    tds.append('<td class="muted">·</td>')
                elif (i, j) not in h.worst:
                    tds.append("<td></td>")
                else:
                    d = h.worst[i, j]
                    tip = f"{a} vs {h.names[j]}: {fmt(d)} eps on case {h.cases[i, j]}"
                    colour = "#fff" if not math.isfinite(d) else "#000"
                    tds.append(
                        f'<td style="background:{_heat_colour(d)};color:{colour}" title="{escape(tip)}">'
                        f"{escape(fmt(d))}</td>"
                    )
            rows.append(f"<tr><th>{i + 1}. {escape(a)}</th>{''.join(tds)}</tr>")
        head = "".join(f"<th>{j + 1}</th>" for j in range(len(h.names)))
        note = (
            f" ({h.excluded} pairs with different exact answers, by convention, left out)"
            if h.excluded
            else ""
        )
        parts.append(
            f"<h3>{escape(h.operation)}: {escape(h.quantity)} in {escape(h.dtype)}, {escape(h.mode)}</h3>"
            f'<p class="muted">largest |difference| between two implementations on the same golden '
            f"case, in epsilons of {escape(h.dtype)}{escape(note)}</p>"
            f'<table class="heat"><tr><th></th>{head}</tr>{"".join(rows)}</table>'
        )
    return "".join(parts) or '<p class="muted">no golden results to compare</p>'


def _value(value: Any) -> str:
    """A value or the first few elements of an array, at full float64 precision."""
    if not isinstance(value, list):
        return fmt17(value)
    flat = views.flat(value)
    return "[" + ", ".join(fmt17(v) for v in flat[:4]) + (", …" if len(flat) > 4 else "") + "]"


def fmt17(value: Any) -> str:
    x = views.number(value)
    return "" if x is None else repr(x)


NOT_RUN = ("unsupported", "rejected", "skipped")  # outcomes with no value to show


def section_golden(merged: Merged) -> str:
    parts = []
    for g in views.golden(merged):
        info = g.info
        documented = ""
        if g.document is not None:
            doc = info.get("documented", {})
            documented = (
                f"<tr><th>printed by the document</th><td>{escape(fmt17(g.document.get('got')))} "
                f"({escape(str(doc.get('implementation', '')))} in {escape(str(doc.get('dtype', '')))}, "
                f"{escape(str(doc.get('where', '')))}): "
                f"{_badge(g.document['outcome'])}"
                f" error {escape(fmt(g.document.get('error_eps')))} eps of its dtype</td></tr>"
            )
        rows = "".join(
            f"<tr><td>{escape(r['implementation'])}</td><td>{escape(r.get('device', ''))}</td>"
            f"<td>{escape(r['dtype'])}</td><td>{escape(views.mode_of(r))}</td>"
            f"<td>{escape(r.get('labels', ''))}</td>"
            f"<td>{escape(r['test'])}</td><td><code>{escape(_value(r.get('got')))}</code></td>"
            f"<td>{escape(fmt(r.get('error_eps')))}</td><td>{escape(fmt(r.get('bound_eps')))}</td>"
            f'<td class="{outcome_class(r["outcome"])}">{escape(r["outcome"])}</td></tr>'
            for r in g.results
            if r["outcome"] not in NOT_RUN
        )
        counts = Counter("new divergence" if r["outcome"] in views.NEW else r["outcome"] for r in g.results)
        counts_text = ", ".join(f"{n} {o}" for o, n in sorted(counts.items()))
        parts.append(
            f"<details{' open' if g.document is not None else ''}><summary><b>{escape(g.id)}</b> "
            f'<span class="muted">{escape(info.get("description", ""))}</span> · '
            f"{escape(counts_text)}</summary>"
            f"<table><tr><th>file</th><td>{escape(str(info.get('path', '')))}</td></tr>"
            f"<tr><th>provenance</th><td>{escape(str(info.get('provenance', '')))}</td></tr>"
            f"{documented}<tr><th>exact</th><td><code>{escape(', '.join(info.get('expected', [])))}</code>"
            f"</td></tr></table>"
            f"<table><tr><th>implementation</th><th>device</th><th>dtype</th><th>mode</th><th>labels</th>"
            "<th>check</th>"
            f"<th>value</th><th>error (eps)</th><th>bound (eps)</th><th>outcome</th></tr>{rows}</table>"
            "</details>"
        )
    return "".join(parts) or '<p class="muted">no golden cases in these results</p>'


def _divergence(r: dict[str, Any]) -> str:
    where = " · ".join(str(r[k]) for k in ("implementation", "device", "dtype", "mode", "labels") if r.get(k))
    metrics = ""
    if r.get("error_eps") is not None:
        metrics = (
            f"<div>expected <code>{escape(_value(r.get('expected')))}</code>, got "
            f"<code>{escape(_value(r.get('got')))}</code>; error {escape(fmt(r['error_eps']))} eps against "
            f"a bound of {escape(fmt(r.get('bound_eps')))} (max abs {escape(fmt(r.get('max_abs')))}, "
            f"max rel {escape(fmt(r.get('max_rel')))})</div>"
        )
    convention = r.get("convention")
    conv = f'<div class="muted">conventions: {escape(_pairs(convention))}</div>' if convention else ""
    return (
        f'<div class="divergence"><div>{_badge(r["outcome"])} <b>{escape(r["test"])}</b> '
        f"{escape(str(r.get('case', '')))} · "
        f"{escape(where)}</div>{metrics}{conv}"
        f"<pre>{escape(r.get('message', ''))}</pre><code>{escape(r.get('reproduce', ''))}</code></div>"
    )


def section_divergences(merged: Merged) -> str:
    new, known = views.divergences(merged)
    parts = [f"<h3>New ({len(new)})</h3>"]
    parts += [_divergence(r) for r in new] or ['<p class="muted">none: every check passed or is known</p>']
    parts.append(f"<h3>Known ({sum(len(g.records) for g in known)} checks, {len(known)} entries)</h3>")
    for g in known:
        e = g.entry
        parts.append(
            f'<details class="known"><summary><b>{escape(e["id"])}</b> '
            f"({escape(str(e.get('kind', '')))}, {len(g.records)} checks)</summary>"
            f"<p>{escape(str(e.get('reason', '')))}</p>"
            + (f'<p class="muted">evidence: {escape(str(e["evidence"]))}</p>' if e.get("evidence") else "")
            + "".join(_divergence(r) for r in g.records)
            + "</details>"
        )
    return "".join(parts)


# a framework entry's fields with a column of their own; the rest are shown as its flags
FRAMEWORK_FIELDS = (
    "version",
    "devices",
    "device_names",
    "precision",
    "modes",
    "unavailable_modes",
    "missing",
)
PRECISION_NOTE = (
    "Precision flags as each run recorded them: the suite sets the most precise (no TF32 matmuls, "
    "the highest matmul precision) unless a run used --precision-defaults, which leaves each "
    "framework's own."
)


def _lines(items: Iterable[str]) -> str:
    """Each item escaped, one a line."""
    return "<br>".join(escape(item) for item in items)


def _framework_row(name: str, fw: dict[str, Any]) -> str:
    """One framework of a run: its devices with what each is, precision flags and modes."""
    devices, names = [str(d) for d in fw.get("devices", [])], fw.get("device_names", {})
    devices += [d for d in names if d not in devices]
    cells = (
        escape(name),
        escape(str(fw.get("version", ""))),
        _lines(f"{d}: {names[d]}" if d in names else d for d in devices),
        _lines(f"{flag} = {value}" for flag, value in fw.get("precision", {}).items()),
        escape(", ".join(fw.get("modes", []))),
        _lines(f"{mode}: {why}" for mode, why in fw.get("unavailable_modes", {}).items()),
        escape(str(fw.get("missing", ""))),
        escape(_pairs({k: v for k, v in fw.items() if k not in FRAMEWORK_FIELDS})),
    )
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def section_environment(merged: Merged) -> str:
    parts = [f'<p class="muted">{escape(PRECISION_NOTE)}</p>']
    for run in merged.runs:
        env = run.environment
        fws = "".join(_framework_row(n, fw) for n, fw in sorted(env.get("frameworks", {}).items()))
        facts = "".join(
            f"<tr><th>{escape(k)}</th><td>{escape(str(env.get(k, '')))}</td></tr>"
            for k in ("os", "machine", "processor", "python", "hypothesis_profile", "command")
            if env.get(k)
        )
        parts.append(
            f"<h3>{escape(run.path)} <span class='muted'>({escape(run.created)})</span></h3>"
            f"<table>{facts}</table><table><tr><th>framework</th><th>version</th><th>devices</th>"
            "<th>precision flags</th><th>modes</th><th>unavailable modes</th><th>missing</th>"
            f"<th>flags</th></tr>{fws}</table>"
        )
    conventions: dict[tuple[str, str], str] = {}
    for run in merged.runs:
        for c in run.environment.get("conventions", []):
            conventions[c["convention"], c["value"]] = c["meaning"]
    if conventions:
        parts.append(
            "<h3>Conventions</h3><table><tr><th>convention</th><th>value</th><th>meaning</th></tr>"
            + "".join(
                f"<tr><td>{escape(k)}</td><td>{escape(v)}</td><td>{escape(m)}</td></tr>"
                for (k, v), m in sorted(conventions.items())
            )
            + "</table>"
        )
    return "".join(parts)


def render(merged: Merged) -> str:
    """The whole page."""
    matrix, cell_data = section_matrix(merged)
    sections = [
        ("summary", "Summary", section_summary(merged)),
        (
            "parity",
            "Parity matrix",
            '<p class="muted">rows: operation, check and label kind; columns: implementation · device · '
            "dtype, and mode (eager, or a compiler) where more than one ran; each cell is coloured by "
            "its worst outcome and shows its worst error in epsilons of the dtype. Click a cell for "
            "its checks.</p>" + matrix,
        ),
        ("agreement", "Agreement between implementations", section_heatmaps(merged)),
        ("golden", "Golden cases", section_golden(merged)),
        ("divergences", "Divergences", section_divergences(merged)),
        (
            "plot",
            "Error against input size",
            '<p class="muted">every golden loss check: its error in epsilons of its dtype against '
            "the largest |logit| of its case (errors of 0 drawn at 0.001)</p>"
            + plot.plots(views.error_points(merged)),
        ),
        ("environment", "Environment", section_environment(merged)),
    ]
    body = "".join(
        f'<section id="{sid}"><h2>{escape(title)}</h2>{html}</section>' for sid, title, html in sections
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Conformance parity report</title>"
        f"<style>{STYLE}</style></head><body><h1>Softmax cross-entropy parity report</h1>{body}"
        '<div id="details"></div>'
        f'<script type="application/json" id="cell-data">{_json_for_script(cell_data)}</script>'
        f"<script>{SCRIPT}</script></body></html>"
    )
