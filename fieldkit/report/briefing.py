"""A force briefing: one self-contained, printable HTML page for one force, read in five
minutes. It opens with the items where the force differs from the rest of England and
Wales beyond chance (fieldkit/report/compare.py: a named two-sided test at 95%, the
force's Wilson interval; a base under `min_base` is too small to call, never flagged),
sorted by the size of the gap; then its summary tables (Table 2) against the rest, coverage
against targets, the open recommendations and its action-plan objectives by RAG status.
Every item's table is in an appendix with `full`. Printed (A4, the page's print CSS), the
default briefing fits in four pages; no heading is parted from its table or chart.

Charts are inline SVG, styles inline: nothing is fetched, so the file opens offline and
prints as it shows. Every figure comes from fieldkit.report (the same views as the
terminal, the workbook and Datasette), so the briefing cannot disagree with them."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fieldkit.files import write_privately
from fieldkit.report.briefing_svg import RAG_COLOUR, RAG_ORDER, bars_svg, rag_svg
from fieldkit.report.compare import FISHER, HIGHER, LOWER, MIN_BASE, TOO_SMALL, Z_TEST
from fieldkit.report.definitions import titles as checklist_titles
from fieldkit.report.findings import evidence, scales
from fieldkit.report.return_figures import return_figures_html
from fieldkit.report.sampling import coverage
from fieldkit.report.summary import summary, summary_tables
from fieldkit.safetext import html_text
from fieldkit.store import resolve_force

CLOSED = ("complete", "not-taken-forward", "no-further-action-needed")
SHOWN_DIFFERENCES = 20  # the rest are in the appendix (--full) and `report evidence --by force`

CSS = """
@page { size: A4; margin: 14mm 13mm; }
body { font: 10pt/1.35 system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: #111;
  margin: 2em auto; max-width: 60em; padding: 0 1em; }
h1 { font-size: 1.5em; margin: 0 0 .2em; }
h2 { font-size: 1.15em; margin: 1.2em 0 .3em; border-bottom: 2px solid #2f6f9f; }
h3 { font-size: 1em; margin: 1em 0 .3em; }
p.source, p.rule { color: #444; font-size: .9em; margin: .2em 0; }
table { border-collapse: collapse; width: 100%; margin: .3em 0 .8em; font-size: .9em; }
th, td { text-align: left; vertical-align: top; padding: .18em .4em; border-bottom: 1px solid #ddd; }
th { background: #e8f0f7; }
td.n { text-align: right; white-space: nowrap; }
.lower { color: #a3261b; font-weight: bold; }
.higher { color: #1d6b40; font-weight: bold; }
.rag { display: inline-block; padding: 0 .5em; border-radius: .3em; color: #fff; }
svg { display: block; margin: .3em 0 .6em; max-width: 100%; height: auto; }
section.keep { break-inside: avoid; page-break-inside: avoid; }
section.appendix { break-before: page; page-break-before: always; }
span.cl { color: #555; font-size: .9em; }
@media print {
  body { margin: 0; max-width: none; padding: 0; }
  h1, h2, h3, p.source { break-after: avoid; page-break-after: avoid; }
  svg, tr { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
}
"""


def _e(value: Any) -> str:
    """Every stored text on the page (HTML and SVG) goes through this: filtered, escaped."""
    return html_text(value)


def _call(r: dict[str, Any]) -> str:
    """The comparison's verdict, coloured when it is a difference."""
    call = r.get("difference") or ""
    css = f" class='{call}'" if call in (HIGHER, LOWER) else ""
    return f"<span{css}>{_e(call)}</span>"


def _gap(r: dict[str, Any]) -> str:
    return "" if r.get("gap") is None else f"{r['gap']:+.0f}"


def _compared(
    rows: list[dict[str, Any]], force: str, *, checklist: dict[str, str] | None = None
) -> str:
    """A table of items: the force's figure and interval against the rest of England and
    Wales, the gap and the verdict (with the checklist's title when `checklist` is given)."""
    out = [
        f"<table><thead><tr><th>Question</th><th>{_e(force)}</th><th>95% interval</th>"
        "<th>Rest of England and Wales</th><th>Gap (points)</th><th>Difference</th></tr></thead>"
    ]
    for r in rows:
        where = (
            f"<span class='cl'>{_e(checklist.get(r['checklist_id'], r['checklist_id']))}:</span> "
            if checklist is not None
            else ""
        )
        out.append(
            f"<tr><td>{where}{_e(r['question'])}</td><td class='n'>{_e(r['label'])}</td>"
            f"<td class='n'>{_e(r.get('interval'))}</td><td class='n'>{_e(r.get('rest_label'))}</td>"
            f"<td class='n'>{_gap(r)}</td><td>{_call(r)}</td></tr>"
        )
    out.append("</table>")
    return "".join(out)


def _section(*parts: str, css: str = "keep") -> str:
    return f"<section class='{css}'>" + "".join(parts) + "</section>"


def briefing_html(
    conn: sqlite3.Connection,
    force: str,
    source: str,
    *,
    full: bool = False,
    min_base: int = MIN_BASE,
) -> str:
    """The whole page for one force (code or name); `full` adds every item's table as an
    appendix; `min_base`: below this many applicable records an item is too small to call."""
    code = resolve_force(force)
    name = conn.execute("SELECT name FROM forces WHERE code = ?", (code,)).fetchone()
    force_name = name[0] if name else code
    titles = checklist_titles(conn)
    items = [r for r in evidence(conn, force=code, min_base=min_base) if r["applicable"] > 0]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_e(force_name)}: fieldwork briefing</title><style>{CSS}</style></head><body>",
        _head(force_name, source, min_base),
        _differences(items, force_name, titles, min_base),
        _summaries(conn, code, force_name, min_base),
        return_figures_html(conn, code, force_name),
        _coverage(conn, code, titles),
        _recommendations(conn),
        _plans(conn, code),
    ]
    if full:
        parts.append(_appendix(conn, code, items, force_name, titles, min_base))
    parts.append("</body></html>")
    return "\n".join(parts)


def _head(force_name: str, source: str, min_base: int) -> str:
    when = datetime.now(UTC).strftime("%d %B %Y %H:%M UTC")
    return (
        f"<h1>{_e(force_name)}: fieldwork briefing</h1>"
        f"<p class='source'>Source: {_e(source)}; produced {when} by fieldkit.</p>"
        "<p class='rule'>Final, non-deleted records, one per case; not applicable left out of "
        "both counts; each figure as completed of applicable, rounded half up. The force is "
        "compared with the rest of England and Wales (every other force's counts pooled). A "
        f"difference is called when a two-sided {Z_TEST} ({FISHER} where a cell expects fewer "
        f"than 5) gives p &lt; 0.05; an item with a base under {min_base} is too small to call. "
        "The interval is the force's Wilson 95% interval.</p>"
    )


def _differences(
    items: list[dict[str, Any]], force_name: str, titles: dict[str, str], min_base: int
) -> str:
    """The items where the force differs from the rest beyond chance, largest gap first."""
    called = [r for r in items if r["difference"] in (HIGHER, LOWER)]
    called.sort(key=lambda r: (-abs(r["gap"]), r["checklist_id"], r["question"]))
    small: dict[str, int] = {}
    for r in items:
        if r["difference"] == TOO_SMALL:
            small[r["checklist_id"]] = small.get(r["checklist_id"], 0) + 1
    tested = len(items) - sum(small.values())
    heading = f"<h2>Where {_e(force_name)} differs from the rest of England and Wales</h2>"
    lines = [
        f"<p class='source'>{len(called)} of the {tested} items with a base of {min_base} or more "
        "differ beyond chance (at 95%, about 1 in 20 would by chance alone).</p>"
    ]
    if small:
        listed = "; ".join(f"{_e(titles.get(c, c))} {n}" for c, n in small.items())
        lines.append(
            f"<p class='source'>Too small to call (base under {min_base}), never flagged: "
            f"{listed} item(s).</p>"
        )
    if not called:
        return _section(heading, *lines, "<p>No item differs beyond chance.</p>")
    shown = called[:SHOWN_DIFFERENCES]
    if len(called) > len(shown):
        lines.append(
            f"<p class='source'>The {len(shown)} largest gaps; the other "
            f"{len(called) - len(shown)} are in the appendix (--full).</p>"
        )
    return _section(heading, *lines, _compared(shown, force_name, checklist=titles), css="")


def _summaries(conn: sqlite3.Connection, code: str, force_name: str, min_base: int) -> str:
    """Each summary table (Table 2): the force against the rest, as a chart and a table."""
    out = []
    for table in summary_tables(conn):
        mine = summary(conn, table, force=code)
        rows = [r for r in mine["rows"] if r["applicable"] > 0]
        if not rows:
            continue
        out.append(
            _section(
                f"<h2>{_e(mine['title'])}</h2>",
                f"<p class='source'>{mine['files']} of the force's case files in scope.</p>",
                bars_svg(rows, force_name),
                _compared(rows, force_name),
            )
        )
    return "".join(out)


def _appendix(
    conn: sqlite3.Connection,
    code: str,
    items: list[dict[str, Any]],
    force_name: str,
    titles: dict[str, str],
    min_base: int,
) -> str:
    """Every item, checklist by checklist (the briefing's appendix, with --full)."""
    parts = ["<section class='appendix'><h2>Appendix: every item</h2></section>"]
    scored_all = [r for r in scales(conn, force=code) if r["scored"]]
    national_scores = {(r["checklist_id"], r["item_id"]): r for r in scales(conn)}
    order = [r["checklist_id"] for r in items] + [r["checklist_id"] for r in scored_all]
    for cid in dict.fromkeys(order):
        rows = [r for r in items if r["checklist_id"] == cid]
        scored = [r for r in scored_all if r["checklist_id"] == cid]
        parts.append(f"<h3>{_e(titles.get(cid, cid))}: findings</h3>")
        if rows:
            parts.append(_compared(rows, force_name))
        if scored:
            parts.append(
                "<h3>Scored questions (3 = adequate, 4 = good)</h3><table><thead><tr>"
                "<th>Question</th><th>Mean</th><th>Scoring 3 or more</th><th>National</th>"
                "</tr></thead>"
            )
            for r in scored:
                nat = national_scores.get((cid, r["item_id"]), {})
                parts.append(
                    f"<tr><td>{_e(r['question'])}</td><td class='n'>{_e(r['mean'])}</td>"
                    f"<td class='n'>{_e(r['label'])}</td>"
                    f"<td class='n'>{_e(nat.get('label', ''))}</td></tr>"
                )
            parts.append("</table>")
    return "".join(parts)


def _coverage(conn: sqlite3.Connection, code: str, titles: dict[str, str]) -> str:
    rows = coverage(conn, force=code)
    out = [
        "<h2>Coverage against the sample targets</h2><table><thead><tr><th>Checklist</th>"
        "<th>Stratum</th><th>Final</th><th>Target</th><th>Still to do</th><th>Drafts</th>"
        "</tr></thead>"
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
    return _section("".join(out))


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
        return _section(out[0], "<p>None open.</p>")
    out.append(
        "<table><thead><tr><th>Ref</th><th>Recommendation</th><th>Lead</th><th>Status</th>"
        "<th>Since</th></tr></thead>"
    )
    for ref, title, lead, status, since in rows:
        out.append(
            f"<tr><td>{_e(ref)}</td><td>{_e(title)}</td><td>{_e(lead)}</td>"
            f"<td>{_e(status)}</td><td class='n'>{_e(since)}</td></tr>"
        )
    out.append("</table>")
    return _section("".join(out))


def _plans(conn: sqlite3.Connection, code: str) -> str:
    rows = conn.execute(
        "SELECT plan, objective_id, objective, owner, due, coalesce(rag, 'not-started'),"
        " rag_since, rag_note FROM plans_by_force WHERE force_code = ? ORDER BY plan, position",
        (code,),
    ).fetchall()
    heading = "<h2>Action plan: objectives by RAG status</h2>"
    if not rows:
        return _section(heading, "<p>No action plan recorded for this force.</p>")
    counts = {rag: sum(1 for r in rows if r[5] == rag) for rag in RAG_ORDER}
    out = [
        "<table><thead><tr><th>Objective</th><th>Owner</th><th>Due</th><th>RAG</th>"
        "<th>Since</th><th>Note</th></tr></thead>"
    ]
    for _plan, oid, text, owner, due, rag, since, note in rows:
        colour = RAG_COLOUR.get(rag, "#777")
        out.append(
            f"<tr><td>{_e(oid)} {_e(text)}</td><td>{_e(owner)}</td><td>{_e(due)}</td>"
            f"<td><span class='rag' style='background:{colour}'>{_e(rag)}</span></td>"
            f"<td>{_e(since)}</td><td>{_e(note)}</td></tr>"
        )
    out.append("</table>")
    return _section(heading, rag_svg(counts)) + _section("".join(out), css="")


def write_briefing(
    conn: sqlite3.Connection,
    force: str,
    out: Path,
    source: str,
    *,
    full: bool = False,
    min_base: int = MIN_BASE,
) -> Path:
    """Write the page (owner-only, atomically)."""
    html = briefing_html(conn, force, source, full=full, min_base=min_base)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_privately(out, html)
    return out
