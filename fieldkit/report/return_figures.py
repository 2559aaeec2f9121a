"""A force's own figures from its data returns against national: every column of every
`rates` summary the database's checklists declare (Figure 6's arrest rates, the DVPO
figures, Figure 7's risk mix), the force's value beside the pooled national one, marked
provisional until the force has agreed its return. Read by the force briefing."""

from __future__ import annotations

import sqlite3
from html import escape
from typing import Any

from fieldkit.report.summary import summary, summary_tables


def return_figure_rows(conn: sqlite3.Connection, force: str) -> list[dict[str, Any]]:
    """One row per rates column: table, figure, the force's label and value, national's,
    and whether the force's figure is provisional."""
    out: list[dict[str, Any]] = []
    for table in summary_tables(conn, ("rates",)):
        got = summary(conn, table, force=force)
        mine = got["rows"][0] if got["rows"] else {}
        national = got["national"] or {}
        for c in got["columns"]:
            out.append(
                {
                    "summary": got["id"],
                    "title": got["title"],
                    "column": c["id"],
                    "figure": c["label"],
                    "force_value": mine.get(c["id"]),
                    "force_label": mine.get(f"{c['id']}__label", "no data"),
                    "national_value": national.get(c["id"]),
                    "national_label": national.get(f"{c['id']}__label", "no data"),
                    "provisional": bool(mine.get("provisional")),
                }
            )
    return out


def return_figures_html(conn: sqlite3.Connection, force: str, force_name: str) -> str:
    """The briefing's section: a table per summary (nothing when there are no returns)."""
    rows = return_figure_rows(conn, force)
    if not rows:
        return ""
    parts = ["<h2>The force's data return against national</h2>"]
    title = None
    for r in rows:
        if r["title"] != title:
            if title is not None:
                parts.append("</table>")
            title = r["title"]
            parts.append(
                f"<h3>{escape(title)}</h3><table><tr><th>Figure</th>"
                f"<th>{escape(force_name)}</th><th>National (pooled)</th></tr>"
            )
        parts.append(
            f"<tr><td>{escape(r['figure'])}</td><td class='n'>{escape(r['force_label'])}</td>"
            f"<td class='n'>{escape(r['national_label'])}</td></tr>"
        )
    parts.append("</table>")
    if any(r["provisional"] for r in rows):
        parts.append(
            "<p class='source'>(provisional): from a return the force has not yet agreed.</p>"
        )
    return "".join(parts)
