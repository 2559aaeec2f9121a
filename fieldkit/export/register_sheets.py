"""The register's sheets in the Excel export: Recommendations, their timeline, Action plans."""

from __future__ import annotations

import sqlite3
from typing import Any

from fieldkit.export.workbook import REDACTED, Sheet
from fieldkit.register.plans import plan_rows
from fieldkit.register.recs import rec_event_rows, recommendation_rows

_RECOMMENDATIONS = [
    ("ref", "Reference"),
    ("report", "Report"),
    ("number", "Number"),
    ("register_ids", "Register id(s)"),
    ("title", "Recommendation"),
    ("lead_org", "Lead organisation"),
    ("current_status", "Current status"),
    ("status_since", "Status since"),
    ("events", "Events"),
    ("comments", "Comments"),
    ("last_event", "Last event"),
    ("annex_e_status", "Progress (Annex E, 2015)"),
    ("gist", "Gist"),
]
_TIMELINE = [
    ("ref", "Reference"),
    ("title", "Recommendation"),
    ("position", "#"),
    ("event_date", "Date"),
    ("kind", "Kind"),
    ("body", "Status or comment"),
    ("source", "Source"),
    ("current_status", "Current status"),
]
_PLANS = [
    ("force_name", "Force"),
    ("plan", "Plan"),
    ("theme", "Theme"),
    ("objective_id", "Objective id"),
    ("objective", "Objective"),
    ("owner", "Owner"),
    ("due", "Due"),
    ("rag", "RAG status"),
    ("rag_since", "Status since"),
    ("rag_note", "Status note"),
    ("rag_history", "RAG history (date status; oldest first)"),
    ("evidence_notes", "Evidence notes (count)"),
    ("recommendations", "Linked recommendations"),
]
# Free text a redacted export leaves out: comments, notes, and staff names.
_REDACT = {"body", "rag_note", "owner"}


def _has(conn: sqlite3.Connection, name: str) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = ? AND type IN ('table', 'view')", (name,)
        ).fetchone()
        is not None
    )


def _sheet(
    title: str,
    columns: list[tuple[str, str]],
    rows: list[dict[str, Any]],
    redact: bool,
    redact_when: Any = None,
) -> Sheet:
    def value(row: dict[str, Any], key: str) -> Any:
        if redact and key in _REDACT and (redact_when is None or redact_when(row)):
            return REDACTED if row.get(key) not in (None, "") else None
        return row.get(key)

    return Sheet(
        title,
        [label for _, label in columns],
        [[value(r, k) for k, _ in columns] for r in rows],
    )


def register_sheets(conn: sqlite3.Connection, *, redact: bool, force: str | None) -> list[Sheet]:
    """Recommendations, Recommendation timeline and Action plans (the last filtered by force).
    Empty when the database predates the register."""
    if not _has(conn, "rec_status"):
        return []
    plans = [r for r in plan_rows(conn) if force is None or r["force_code"] == force]
    out = [
        _sheet("Recommendations", _RECOMMENDATIONS, recommendation_rows(conn), redact),
        _sheet(
            "Recommendation timeline",
            _TIMELINE,
            rec_event_rows(conn),
            redact,
            redact_when=lambda r: r["kind"] == "comment",
        ),
        _sheet("Action plans", _PLANS, plans, redact),
    ]
    return out
