"""The quarterly progress update (`fieldkit register report`), in the structure of the
National Oversight Group's December 2014 update (seed 001).

For a period [since, until]: each recommendation, grouped as the update groups them (2 and
3 together), with its full text, lead organisation, its status at the start and end of the
period and how it changed, the period's comments and events in date order, and the RAG
ratings of forces' action-plan objectives linked to it; then a summary table of statuses at
the start and end, and each force's RAG counts for linked objectives. Withdrawn events
never count. Rendered as Markdown, HTML or Word (.docx)."""

from __future__ import annotations

import html
import io
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from fieldkit import sql
from fieldkit.errors import BadInput
from fieldkit.register import reference
from fieldkit.register.ids import iso_date, today_iso
from fieldkit.register.parse import format_date
from fieldkit.safetext import safe_data

FORMATS = (".md", ".html", ".docx")
UNRATED = "unrated"


@dataclass
class RecUpdate:
    ref: str
    number: int | None
    title: str
    text: str
    lead: str
    status_start: str | None
    status_end: str | None
    changes: list[tuple[str, str]]  # (date, status) in the period


@dataclass
class Section:
    heading: str  # "Recommendation 1" / "Recommendations 2 and 3"
    recs: list[RecUpdate]
    events: list[dict[str, Any]]  # the period's events, date order, one per text
    rag: dict[str, Counter[str]]  # force -> RAG -> objectives linked to these recs


@dataclass
class Update:
    since: str
    until: str
    title: str
    sections: list[Section]
    rag_values: list[str]
    forces: dict[str, Counter[str]] = field(default_factory=dict)  # every linked objective


def _status_at(events: list[dict[str, Any]], day: str) -> str | None:
    """The latest status on or before `day` (events in timeline order)."""
    held = None
    for e in events:
        if e["kind"] == "status" and e["event_date"] <= day:
            held = e["status_slug"]
    return held


def build_update(conn: sqlite3.Connection, since: str, until: str | None = None) -> Update:
    """The update for the period from `since` to `until` (default: today), both included."""
    start = iso_date(since, "--since date")
    end = iso_date(until, "--until date") if until else today_iso()
    if end < start:
        raise BadInput(f"--until {end} is before --since {start}")
    before = (date.fromisoformat(start) - timedelta(days=1)).isoformat()
    recs = sql.rows(
        conn,
        "SELECT rec_id, ref, rec_number, title, lead_org, full_text, update_group, gist"
        " FROM rec_status WHERE source_report = ? ORDER BY rec_number",
        (reference.TEXT_REPORT,),
    )
    events: dict[str, list[dict[str, Any]]] = {}
    for e in sql.rows(
        conn,
        "SELECT rec_id, event_date, kind, status_slug, comment_text, source FROM rec_events_current"
        " ORDER BY rec_id, event_date, seq, event_id",
    ):
        events.setdefault(e["rec_id"], []).append(e)
    links = sql.rows(
        conn,
        "SELECT l.rec_id, coalesce(f.name, l.force_code) AS force, l.plan_id, l.objective_id"
        " FROM rec_plan_links l LEFT JOIN forces f ON f.code = l.force_code",
    )
    rag_at = _rag_at(conn, end)
    groups: dict[int, list[dict[str, Any]]] = {}
    for r in recs:
        groups.setdefault(r["update_group"] or r["rec_number"], []).append(r)
    sections: list[Section] = []
    forces: dict[str, Counter[str]] = {}
    counted: set[tuple[str, str]] = set()
    for _, members in sorted(groups.items()):
        numbers = [m["rec_number"] for m in members]
        heading = (
            f"Recommendation {numbers[0]}"
            if len(numbers) == 1
            else f"Recommendations {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"
        )
        seen: set[tuple[str, str]] = set()
        period: list[dict[str, Any]] = []
        updates: list[RecUpdate] = []
        ids = {m["rec_id"] for m in members}
        for m in members:
            evs = events.get(m["rec_id"], [])
            updates.append(
                RecUpdate(
                    ref=m["ref"],
                    number=m["rec_number"],
                    title=m["title"],
                    text=m["full_text"] or m["gist"] or "",
                    lead=m["lead_org"] or "",
                    status_start=_status_at(evs, before),
                    status_end=_status_at(evs, end),
                    changes=[
                        (e["event_date"], e["status_slug"])
                        for e in evs
                        if e["kind"] == "status" and start <= e["event_date"] <= end
                    ],
                )
            )
            for e in evs:
                body = e["status_slug"] if e["kind"] == "status" else e["comment_text"].strip()
                key = (e["event_date"], body)
                if start <= e["event_date"] <= end and key not in seen:
                    seen.add(key)
                    period.append({**e, "body": body, "ref": m["ref"]})
        period.sort(key=lambda e: e["event_date"])
        rag: dict[str, Counter[str]] = {}
        for link in links:
            if link["rec_id"] not in ids:
                continue
            key = (link["plan_id"], link["objective_id"])
            value = rag_at.get(key, UNRATED)
            rag.setdefault(link["force"], Counter())[value] += 1
            if key not in counted:
                counted.add(key)
                forces.setdefault(link["force"], Counter())[value] += 1
        sections.append(Section(heading=heading, recs=updates, events=period, rag=rag))
    values = [c for c, _, _ in reference.load().rag_values] + [UNRATED]
    title = "National Oversight Group update report"
    return Update(start, end, title, sections, values, dict(sorted(forces.items())))


def _rag_at(conn: sqlite3.Connection, day: str) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for pid, obj, value in conn.execute(
        "SELECT plan_id, objective_id, value FROM plan_events_current"
        " WHERE kind = 'rag' AND event_date <= ? ORDER BY event_date, seq, event_id",
        (day,),
    ):
        out[(pid, obj)] = value
    return out


# ---------------------------------------------------------------------------- rendering
def _period(u: Update) -> str:
    return f"{format_date(u.since)} to {format_date(u.until)}"


def _status_line(r: RecUpdate) -> str:
    start, end = r.status_start or "none recorded", r.status_end or "none recorded"
    if not r.changes:
        return f"Status: {end} (no change in the period)."
    steps = "; ".join(f"{s} on {format_date(d)}" for d, s in r.changes)
    return f"Status: {start} at the start of the period, {end} at its end ({steps})."


def _rag_text(counts: Counter[str], values: list[str]) -> str:
    return ", ".join(f"{counts[v]} {v}" for v in values if counts[v])


def _event_text(e: dict[str, Any]) -> str:
    if e["kind"] == "status":
        return f"Status recorded: {e['body']}."
    return e["body"]


def render_markdown(u: Update) -> str:
    out = [f"# {u.title}", "", f"Progress against the recommendations of *Everyone's business*, "
           f"{_period(u)}.", "", "## Summary of statuses", "",
           "| Recommendation | Lead | Status at the start | Status at the end |",
           "| --- | --- | --- | --- |"]  # fmt: skip
    for s in u.sections:
        for r in s.recs:
            out.append(
                f"| {r.number}. {r.title} | {r.lead} | {r.status_start or '-'} | "
                f"{r.status_end or '-'} |"
            )
    out += ["", "## Update on progress against recommendations", ""]
    for s in u.sections:
        out += [f"### {s.heading}", ""]
        for r in s.recs:
            out += [f"**Recommendation {r.number}** ({r.ref}, lead: {r.lead}): {r.title}", ""]
            out += [r.text, "", _status_line(r), ""]
        if s.events:
            for e in s.events:
                lines = _event_text(e).splitlines() or [""]
                out.append(f"- {format_date(e['event_date'])}: {lines[0].lstrip('- ')}")
                out += [f"  {line}" for line in lines[1:]]
        else:
            out.append("- No events recorded in the period.")
        out.append("")
        if s.rag:
            out.append(
                "Forces' action-plan objectives linked to it (RAG at the end of the period):"
            )
            out.append("")
            for force, counts in sorted(s.rag.items()):
                out.append(f"- {force}: {_rag_text(counts, u.rag_values)}")
            out.append("")
    out += ["## Forces' action plans", ""]
    if u.forces:
        out.append("| Force | " + " | ".join(u.rag_values) + " |")
        out.append("| --- |" + " --- |" * len(u.rag_values))
        for force, counts in u.forces.items():
            out.append(f"| {force} | " + " | ".join(str(counts[v]) for v in u.rag_values) + " |")
    else:
        out.append("No action-plan objective is linked to these recommendations.")
    return "\n".join(out) + "\n"


def render_html(u: Update) -> str:
    e = html.escape
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(u.title)}</title></head><body>",
        f"<h1>{e(u.title)}</h1>",
        f"<p>Progress against the recommendations of <em>Everyone's business</em>, "
        f"{e(_period(u))}.</p>",
        "<h2>Summary of statuses</h2>",
        "<table><tr><th>Recommendation</th><th>Lead</th><th>Status at the start</th>"
        "<th>Status at the end</th></tr>",
    ]
    for s in u.sections:
        for r in s.recs:
            parts.append(
                f"<tr><td>{r.number}. {e(r.title)}</td><td>{e(r.lead)}</td>"
                f"<td>{e(r.status_start or '-')}</td><td>{e(r.status_end or '-')}</td></tr>"
            )
    parts += ["</table>", "<h2>Update on progress against recommendations</h2>"]
    for s in u.sections:
        parts.append(f"<h3>{e(s.heading)}</h3>")
        for r in s.recs:
            parts.append(
                f"<p><strong>Recommendation {r.number}</strong> ({e(r.ref)}, lead: "
                f"{e(r.lead)}): {e(r.title)}</p>"
            )
            for para in r.text.split("\n\n"):
                parts.append(f"<p>{e(para).replace(chr(10), '<br>')}</p>")
            parts.append(f"<p>{e(_status_line(r))}</p>")
        parts.append("<ul>")
        for ev in s.events or [{"event_date": "", "kind": "none", "body": ""}]:
            if ev["kind"] == "none":
                parts.append("<li>No events recorded in the period.</li>")
            else:
                text = e(_event_text(ev)).replace("\n", "<br>")
                parts.append(f"<li>{e(format_date(ev['event_date']))}: {text}</li>")
        parts.append("</ul>")
        if s.rag:
            parts.append("<p>Forces' action-plan objectives linked to it:</p><ul>")
            for force, counts in sorted(s.rag.items()):
                parts.append(f"<li>{e(force)}: {e(_rag_text(counts, u.rag_values))}</li>")
            parts.append("</ul>")
    parts.append("<h2>Forces' action plans</h2>")
    if u.forces:
        parts.append(
            "<table><tr><th>Force</th>" + "".join(f"<th>{v}</th>" for v in u.rag_values) + "</tr>"
        )
        for force, counts in u.forces.items():
            cells = "".join(f"<td>{counts[v]}</td>" for v in u.rag_values)
            parts.append(f"<tr><td>{e(force)}</td>{cells}</tr>")
        parts.append("</table>")
    else:
        parts.append("<p>No action-plan objective is linked to these recommendations.</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def render_docx(u: Update) -> bytes:
    from docx import Document

    doc = Document()
    doc.add_heading(u.title, 0)
    doc.add_paragraph(f"Progress against the recommendations of Everyone's business, {_period(u)}.")
    doc.add_heading("Summary of statuses", 1)
    table = doc.add_table(rows=1, cols=4)
    for cell, text in zip(
        table.rows[0].cells,
        ("Recommendation", "Lead", "Status at the start", "Status at the end"),
        strict=True,
    ):
        cell.text = text
    for s in u.sections:
        for r in s.recs:
            row = table.add_row().cells
            row[0].text, row[1].text = f"{r.number}. {r.title}", r.lead
            row[2].text, row[3].text = r.status_start or "-", r.status_end or "-"
    doc.add_heading("Update on progress against recommendations", 1)
    for s in u.sections:
        doc.add_heading(s.heading, 2)
        for r in s.recs:
            p = doc.add_paragraph()
            p.add_run(f"Recommendation {r.number}").bold = True
            p.add_run(f" ({r.ref}, lead: {r.lead}): {r.title}")
            for para in r.text.split("\n\n"):
                doc.add_paragraph(para)
            doc.add_paragraph(_status_line(r))
        for ev in s.events:
            doc.add_paragraph(
                f"{format_date(ev['event_date'])}: {_event_text(ev)}", style="List Bullet"
            )
        if not s.events:
            doc.add_paragraph("No events recorded in the period.", style="List Bullet")
        for force, counts in sorted(s.rag.items()):
            doc.add_paragraph(
                f"Action plans, {force}: {_rag_text(counts, u.rag_values)}", style="List Bullet"
            )
    doc.add_heading("Forces' action plans", 1)
    if u.forces:
        t = doc.add_table(rows=1, cols=1 + len(u.rag_values))
        for cell, text in zip(t.rows[0].cells, ["Force", *u.rag_values], strict=True):
            cell.text = text
        for force, counts in u.forces.items():
            cells = t.add_row().cells
            cells[0].text = force
            for cell, v in zip(cells[1:], u.rag_values, strict=True):
                cell.text = str(counts[v])
    else:
        doc.add_paragraph("No action-plan objective is linked to these recommendations.")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def render(u: Update, suffix: str) -> str | bytes:
    """The update in the format its file name asks for (.md, .html, .docx), from its text
    filtered (fieldkit.safetext: stored comments may hold control characters, which a
    terminal would run and a Word file cannot hold)."""
    u = safe_data(u)
    if suffix == ".md":
        return render_markdown(u)
    if suffix == ".html":
        return render_html(u)
    if suffix == ".docx":
        return render_docx(u)
    raise BadInput(f"--out: write the update as {', '.join(FORMATS)} (not {suffix or 'no suffix'})")
