"""What the checklist definitions stored in a database say about reporting: named summary
tables and the labels of the "in scope" rule. Read through the model's attributes when it
has them, else from the definition as written; a definition stored before it declared
these falls back to the shipped definition of the same id and version."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from fieldkit.checklists import Checklist, ChecklistError
from fieldkit.checklists import get as get_checklist
from fieldkit.store import views


def field_of(entry: Any, name: str, default: Any = None) -> Any:
    """`entry.name` or `entry[name]`: a model object or a mapping from the YAML."""
    if isinstance(entry, Mapping):
        return entry.get(name, default)
    return getattr(entry, name, default)


def _own(checklist: Checklist, name: str) -> Any:
    found = getattr(checklist, name, None)
    if found is None and isinstance(checklist.source, Mapping):
        found = checklist.source.get(name)
    return found


def declared(checklist: Checklist, name: str) -> Any:
    """A top-level fact of a checklist definition (None when it has none)."""
    found = _own(checklist, name)
    if found:
        return found
    try:
        shipped = get_checklist(checklist.id)
    except ChecklistError:
        return found
    if shipped.version != checklist.version:
        return found
    return _own(shipped, name) or found


def latest(conn: sqlite3.Connection) -> dict[str, Checklist]:
    """The latest stored version of every checklist in the database, by id."""
    return {cid: vs[max(vs)] for cid, vs in sorted(views.stored_checklists(conn).items())}


def scope_labels(conn: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    """checklist id -> (what the records in scope are, what the ones outside are), for the
    checklists whose definition limits which records the figures count."""
    out = {}
    for cid, checklist in latest(conn).items():
        scope = declared(checklist, "scope")
        if scope:
            out[cid] = (
                str(field_of(scope, "in_label") or "records in scope"),
                str(field_of(scope, "out_label") or "records outside the scope"),
            )
    return out
