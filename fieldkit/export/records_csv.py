"""A checklist's records as the CSV `fieldkit import` reads: the path for correcting records
through a spreadsheet (`fieldkit export csv --checklist ID`, edit, `fieldkit import FILE
--checklist ID`, then `--update`).

The columns are the importer's (fieldkit/importer.py): force, observed_at, status,
subject_ref, inspection, observer_role; then one column per answerable item in form order
(`item[KEY]` per instance of a repeat group), then `note:item` for each item that has a note.
Values are written as the importer parses them back to the same stored value: codes, not
labels; a multiple choice as `code;code`; not applicable as `na`. Computed items and notes
of the form are not columns (the importer refuses them). An item the rules make not
applicable and the record leaves blank stays blank (the importer treats the two alike).

One row per natural key: the record the figures count (the earliest of copies, as the
importer matches it). Deleted records, and records whose key items are all blank (the
importer could not tell which record a row is), are not written; `ExportedCsv` says how many
were left out and why. Not redacted: the file is for correcting the records, so it carries
the subject references and free text the importer needs; it is written owner-only (0600).
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fieldkit import sql
from fieldkit.checklists import Checklist, nesting
from fieldkit.files import write_privately
from fieldkit.store import Store, resolve_force

ENVELOPE = ("force", "observed_at", "status", "subject_ref", "inspection", "observer_role")


@dataclass
class ExportedCsv:
    path: Path
    rows: int
    copies: int = 0  # second copies of a natural key (duplicates): the counted one is written
    unkeyed: int = 0  # records with every key item blank: the importer could not match them


def text_value(value: Any, kind: str) -> str:
    """A stored answer as the importer reads it back to the same value."""
    if value is None:
        return ""
    if kind in ("multi", "rank") and isinstance(value, str) and value.startswith("["):
        try:
            return ";".join(str(c) for c in json.loads(value))
        except ValueError:
            return value
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _columns(
    checklist: Checklist, cells: list[tuple[str, str, str, str, Any]]
) -> list[tuple[str, str, str, str]]:
    """(heading, kind of cell, item id, repeat key) for each item column, form order."""
    seen_keys: dict[str, set[str]] = {}
    noted: set[tuple[str, str]] = set()
    for _rid, kind, field, rkey, _value in cells:
        if kind == "answer" and rkey:
            seen_keys.setdefault(field, set()).add(rkey)
        elif kind == "note":
            noted.add((field, rkey))
    answers: list[tuple[str, str, str, str]] = []
    notes: list[tuple[str, str, str, str]] = []
    for section in checklist.sections:
        for item in section.items:
            if section.repeat is None:
                keys = [""]
            elif section.repeat.fixed and section.repeat.parent is None:
                keys = [c.code for c in section.repeat.instances]
            else:  # open, or inside another repeat: the instances answered (`2/3`)
                keys = sorted(seen_keys.get(item.id, set()), key=nesting.order)
            for key in keys:
                name = f"{item.id}[{key}]" if key else item.id
                if item.answerable:
                    answers.append((name, "answer", item.id, key))
                if (item.id, key) in noted:
                    notes.append((f"note:{name}", "note", item.id, key))
    return answers + notes


def records_csv(
    conn: sqlite3.Connection, checklist: Checklist, force: str | None = None
) -> tuple[str, int, int, int]:
    """The CSV text, the rows written, the copies and the unkeyed records left out."""
    args = {"checklist": checklist.id, "force": resolve_force(force) if force else ""}
    records = conn.execute(sql.queries("export")["records_csv_records"], args).fetchall()
    cells = conn.execute(sql.queries("export")["records_csv_cells"], args).fetchall()
    columns = _columns(checklist, cells)
    by_record: dict[str, dict[tuple[str, str, str], Any]] = {}
    for rid, kind, field, rkey, value in cells:
        by_record.setdefault(rid, {})[(kind, field, rkey)] = value
    kinds = {i.id: i.kind for i in checklist.items}
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow([*ENVELOPE, *(c[0] for c in columns)])
    rows = copies = unkeyed = 0
    for rid, force_code, observed, status, subject, inspection, role, keyed, copy in records:
        if not keyed:
            unkeyed += 1
            continue
        if copy > 1:
            copies += 1
            continue
        mine = by_record.get(rid, {})
        out.writerow(
            [force_code, observed, status, subject or "", inspection or "", role or ""]
            + [
                text_value(mine.get((kind, item_id, key)), kinds[item_id])
                if kind == "answer"
                else (mine.get((kind, item_id, key)) or "")
                for _name, kind, item_id, key in columns
            ]
        )
        rows += 1
    return buf.getvalue(), rows, copies, unkeyed


def export_records_csv(
    store: Store, checklist_id: str, out: Path, *, force: str | None = None
) -> ExportedCsv:
    """Write a checklist's records (of one force, with `force`) as the importer's CSV."""
    checklist = store.checklist(checklist_id)
    text, rows, copies, unkeyed = records_csv(store.conn, checklist, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_privately(out, text)
    return ExportedCsv(out, rows, copies, unkeyed)
