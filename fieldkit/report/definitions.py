"""What the checklist definitions stored in a database say about reporting: named summary
tables and the labels of the "in scope" rule (Checklist.summaries, Checklist.scope). A
definition stored before it declared summaries takes them from the shipped definition of
the same id and version."""

from __future__ import annotations

import sqlite3

from fieldkit.checklists import Checklist, ChecklistError
from fieldkit.checklists import get as get_checklist
from fieldkit.checklists.model import Summary
from fieldkit.store import installed_checklists


def titles(conn: sqlite3.Connection) -> dict[str, str]:
    """checklist id -> its title (the latest stored version's): how every output names it."""
    return dict(conn.execute("SELECT id, title FROM checklists ORDER BY version"))


def latest(conn: sqlite3.Connection) -> dict[str, Checklist]:
    """The latest stored version of every checklist in the database, in dashboard order."""
    return {c.id: c for c in installed_checklists(conn)}


def summaries_of(checklist: Checklist) -> tuple[Summary, ...]:
    if checklist.summaries:
        return checklist.summaries
    try:
        shipped = get_checklist(checklist.id)
    except ChecklistError:
        return ()
    return shipped.summaries if shipped.version == checklist.version else ()


def scope_labels(conn: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    """checklist id -> (what the records in scope are, what the ones outside are), for the
    checklists whose definition limits which records the figures count."""
    return {
        c.id: (c.scope.in_label, c.scope.out_label)
        for c in installed_checklists(conn)
        if c.scope.rule
    }
