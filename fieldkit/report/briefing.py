"""A force briefing: one self-contained, printable HTML page for one force. Its summary
tables (Table 2) against the national (all forces pooled) figures, its findings from every
other instrument against national, coverage against targets, the open recommendations and
its action-plan objectives by RAG status. Charts are inline SVG, styles inline: nothing is
fetched, so the file opens offline and prints as it shows.

Every figure comes from fieldkit.report (the same views as the terminal, the workbook and
Datasette), so the briefing cannot disagree with them."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fieldkit.files import write_privately
from fieldkit.report.definitions import titles as checklist_titles
from fieldkit.report.findings import evidence, scales
from fieldkit.report.return_figures import return_figures_html
from fieldkit.report.sampling import coverage
from fieldkit.report.summary import summary, summary_tables
from fieldkit.safetext import html_text
from fieldkit.store import resolve_force

CLOSED = ("complete", "not-taken-forward", "no-further-action-needed")
RAG_ORDER = ("red", "amber", "green", "complete", "not-started")
RAG_COLOUR = {
    "red": "#c0392b",
    "amber": "#e69f00",
    "green": "#2e8b57",
    "complete": "#555",
    "not-started": "#aaa",
}

CSS = """
body { font: 11pt/1.4 system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: #111;
  margin: 2em auto; max-width: 60em; padding: 0 1em; }
h1 { font-size: 1.6em; margin: 0 0 .2em; }
h2 { font-size: 1.2em; margin: 1.6em 0 .4em; border-bottom: 2px solid #2f6f9f; }
h3 { font-size: 1em; margin: 1.2em 0 .3em; }
p.source, p.rule { color: #444; font-size: .9em; margin: .2em 0; }
table { border-collapse: collapse; width: 100%; margin: .4em 0 1em; font-size: .92em; }
th, td { text-align: left; vertical-align: top; padding: .25em .5em; border-bottom: 1px solid #ddd; }
th { background: #e8f0f7; }
td.n { text-align: right; white-space: nowrap; }
.rag { display: inline-block; padding: 0 .5em; border-radius: .3em; color: #fff; }
svg { display: block; margin: .3em 0 1em; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; }
  table, svg { break-inside: avoid; } }
"""


def _e(value: Any) -> str:
    """Every stored text on the page (HTML and SVG) goes through this: filtered, escaped."""
    return html_text(value)


def bars_svg(rows: list[tuple[str, int | None, int | None]], force: str) -> str:
    """Paired horizontal bars per question: the force's % and the national %."""
    label_w, bar_w, row_h = 330, 300, 34
    height = row_h * len(rows) + 30
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 60}" '
        f'height="{height}" role="img" font-family="Arial, sans-serif" font-size="11">'
    ]
    for n, (text, mine, national) in enumerate(rows):
        y = 20 + n * row_h
        short = text if len(text) <= 58 else text[:57] + "…"
        out.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{_e(short)}</text>')
        for k, (value, colour) in enumerate(((mine, "#2f6f9f"), (national, "#b7c9d9"))):
            if value is None:
                continue
            w = bar_w * value / 100
            yy = y + k * 13
            out.append(
                f'<rect x="{label_w}" y="{yy}" width="{w:.1f}" height="12" fill="{colour}"/>'
            )
            out.append(f'<text x="{label_w + w + 4}" y="{yy + 10}">{value}%</text>')
    out.append(
        f'<rect x="{label_w}" y="4" width="10" height="10" fill="#2f6f9f"/>'
        f'<text x="{label_w + 14}" y="13">{_e(force)}</text>'
        f'<rect x="{label_w + 150}" y="4" width="10" height="10" fill="#b7c9d9"/>'
        f'<text x="{label_w + 164}" y="13">National (all forces pooled)</text>'
    )
    out.append("</svg>")
    return "".join(out)


def _against(
    mine: list[dict[str, Any]], national: list[dict[str, Any]], force: str
) -> tuple[str, str]:
    """A table and a chart: each question, the force's figure and the national one."""
    nat = {(r["checklist_id"], r["item_id"]): r for r in national}
    rows, chart = [], []
    for r in mine:
        n = nat.get((r["checklist_id"], r["item_id"]), {})
        rows.append(
            f"<tr><td>{_e(r['question'])}</td><td class='n'>{_e(r['label'])}</td>"
            f"<td class='n'>{_e(n.get('label', ''))}</td></tr>"
        )
        chart.append((r["question"], r["percent"], n.get("percent")))
    table = (
        "<table><tr><th>Question</th><th>"
        + _e(force)
        + "</th><th>National</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    return table, bars_svg(chart, force)


def briefing_html(conn: sqlite3.Connection, force: str, source: str) -> str:
    """The whole page for one force (code or name)."""
    code = resolve_force(force)
    name = conn.execute("SELECT name FROM forces WHERE code = ?", (code,)).fetchone()
    force_name = name[0] if name else code
    when = datetime.now(UTC).strftime("%d %B %Y %H:%M UTC")
    titles = checklist_titles(conn)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_e(force_name)}: fieldwork briefing</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(force_name)}: fieldwork briefing</h1>",
        f"<p class='source'>Source: {_e(source)}; produced {when} by fieldkit.</p>",
        "<p class='rule'>Final, non-deleted records, one per case. Not applicable left out "
        "of both counts. National figures pool every force's counts (never an average of "
        "percentages). Percentages rounded half up; each figure as completed of applicable.</p>",
    ]
    summarised: set[tuple[str, str]] = set()
    for table in summary_tables(conn):
        mine = summary(conn, table, force=code)
        national = summary(conn, table)
        summarised |= {(table.checklist_id, i) for i in table.items}
        parts.append(f"<h2>{_e(mine['title'])}</h2>")
        parts.append(
            f"<p class='source'>{mine['files']} of the force's case files in scope; "
            f"{national['files']} nationally.</p>"
        )
        t, svg = _against(mine["rows"], national["rows"], force_name)
        parts += [svg, t]
    parts.append(return_figures_html(conn, code, force_name))
    mine_all = evidence(conn, force=code)
    national_all = evidence(conn)
    scored_all = [r for r in scales(conn, force=code) if r["scored"]]
    national_scores = {(r["checklist_id"], r["item_id"]): r for r in scales(conn)}
    order = [r["checklist_id"] for r in mine_all] + [r["checklist_id"] for r in scored_all]
    for cid in dict.fromkeys(order):
        rows = [
            r
            for r in mine_all
            if r["checklist_id"] == cid
            and (cid, r["item_id"]) not in summarised
            and r["applicable"] > 0
        ]
        scored = [r for r in scored_all if r["checklist_id"] == cid]
        if not rows and not scored:
            continue
        parts.append(f"<h2>{_e(titles.get(cid, cid))}: findings</h2>")
        if rows:
            t, svg = _against(rows, national_all, force_name)
            parts += [svg, t]
        if scored:
            parts.append("<h3>Scored questions (3 = adequate, 4 = good)</h3><table>")
            parts.append(
                "<tr><th>Question</th><th>Mean</th><th>Scoring 3 or more</th><th>National</th></tr>"
            )
            for r in scored:
                nat = national_scores.get((cid, r["item_id"]), {})
                parts.append(
                    f"<tr><td>{_e(r['question'])}</td><td class='n'>{_e(r['mean'])}</td>"
                    f"<td class='n'>{_e(r['label'])}</td>"
                    f"<td class='n'>{_e(nat.get('label', ''))}</td></tr>"
                )
            parts.append("</table>")
    parts.append(_coverage(conn, code, titles))
    parts.append(_recommendations(conn))
    parts.append(_plans(conn, code))
    parts.append("</body></html>")
    return "\n".join(parts)


def _coverage(conn: sqlite3.Connection, code: str, titles: dict[str, str]) -> str:
    rows = coverage(conn, force=code)
    out = [
        "<h2>Coverage against the sample targets</h2><table><tr><th>Checklist</th>"
        "<th>Stratum</th><th>Final</th><th>Target</th><th>Still to do</th><th>Drafts</th></tr>"
    ]
    for r in rows:
        out.append(
            f"<tr><td>{_e(titles.get(r['checklist_id'], r['checklist_id']))}</td>"
            f"<td>{_e(r['stratum'].replace('_', ' '))}</td><td class='n'>{r['final']}</td>"
            f"<td class='n'>{_e('as recorded' if r['target'] is None else r['target'])}</td>"
            f"<td class='n'>{_e('' if r['remaining'] is None else r['remaining'])}</td>"
            f"<td class='n'>{_e(r['drafts'] or '')}</td></tr>"
        )
    out.append("</table>")
    return "".join(out)


def _recommendations(conn: sqlite3.Connection) -> str:
    marks = ", ".join("?" for _ in CLOSED)
    rows = conn.execute(
        "SELECT ref, title, lead_org, coalesce(status_label, current_status, 'no status yet'),"
        f" status_since FROM rec_status WHERE coalesce(current_status, '') NOT IN ({marks})"
        " ORDER BY source_report, rec_number",
        CLOSED,
    ).fetchall()
    out = [f"<h2>Open recommendations ({len(rows)})</h2>"]
    if not rows:
        return out[0] + "<p>None open.</p>"
    out.append(
        "<table><tr><th>Ref</th><th>Recommendation</th><th>Lead</th><th>Status</th>"
        "<th>Since</th></tr>"
    )
    for ref, title, lead, status, since in rows:
        out.append(
            f"<tr><td>{_e(ref)}</td><td>{_e(title)}</td><td>{_e(lead)}</td>"
            f"<td>{_e(status)}</td><td>{_e(since)}</td></tr>"
        )
    out.append("</table>")
    return "".join(out)


def _plans(conn: sqlite3.Connection, code: str) -> str:
    rows = conn.execute(
        "SELECT plan, objective_id, objective, owner, due, coalesce(rag, 'not-started'),"
        " rag_since, rag_note FROM plans_by_force WHERE force_code = ? ORDER BY plan, position",
        (code,),
    ).fetchall()
    out = ["<h2>Action plan: objectives by RAG status</h2>"]
    if not rows:
        return out[0] + "<p>No action plan recorded for this force.</p>"
    counts = {rag: sum(1 for r in rows if r[5] == rag) for rag in RAG_ORDER}
    out.append(_rag_svg(counts))
    out.append(
        "<table><tr><th>Objective</th><th>Owner</th><th>Due</th><th>RAG</th><th>Since</th>"
        "<th>Note</th></tr>"
    )
    for _plan, oid, text, owner, due, rag, since, note in rows:
        colour = RAG_COLOUR.get(rag, "#777")
        out.append(
            f"<tr><td>{_e(oid)} {_e(text)}</td><td>{_e(owner)}</td><td>{_e(due)}</td>"
            f"<td><span class='rag' style='background:{colour}'>{_e(rag)}</span></td>"
            f"<td>{_e(since)}</td><td>{_e(note)}</td></tr>"
        )
    out.append("</table>")
    return "".join(out)


def _rag_svg(counts: dict[str, int]) -> str:
    total = sum(counts.values()) or 1
    x, parts = 0.0, []
    for rag in RAG_ORDER:
        n = counts.get(rag, 0)
        if not n:
            continue
        w = 600 * n / total
        parts.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="22" fill="{RAG_COLOUR[rag]}"/>'
            f'<text x="{x + 4:.1f}" y="15" fill="#fff">{_e(rag)} {n}</text>'
        )
        x += w
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="22" role="img" '
        'font-family="Arial, sans-serif" font-size="11">' + "".join(parts) + "</svg>"
    )


def write_briefing(conn: sqlite3.Connection, force: str, out: Path, source: str) -> Path:
    """Write the page (owner-only, atomically)."""
    html = briefing_html(conn, force, source)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_privately(out, html)
    return out
