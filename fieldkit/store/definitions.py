"""The checklist definitions a database stores: the latest version of each, and the rows
a definition derives in `items` and `natural_key_items` (the one way they are made:
installing a checklist, a merge's check of a source, `fieldkit verify`)."""

from __future__ import annotations

import json
import sqlite3

from fieldkit import sql
from fieldkit.checklists import Checklist, dashboard_order, parse_stored

ITEM_COLUMNS = (
    "checklist_id",
    "checklist_version",
    "item_id",
    "position",
    "section_id",
    "section_title",
    "repeat_key",
    "prompt",
    "kind",
    "choices",
    "na_allowed",
    "na_when",
    "required",
    "help",
    "basis",
    "source",
)
KEY_ITEM_COLUMNS = ("checklist_id", "checklist_version", "position", "item_id")


def installed_checklists(conn: sqlite3.Connection) -> list[Checklist]:
    """Every checklist installed in a database (its latest version), in dashboard order."""
    rows = conn.execute(sql.queries("definitions")["latest_definitions"]).fetchall()
    return dashboard_order(parse_stored(d, f"{cid} v{v}") for cid, v, d in rows)


def checklist_rows(checklist: Checklist) -> tuple[list[tuple], list[tuple]]:
    """The `items` and `natural_key_items` rows a definition derives (columns as in
    ITEM_COLUMNS and KEY_ITEM_COLUMNS): the one way they are made, so a merge can check a
    source's rows against its definitions (fieldkit.sync.checks)."""
    items = []
    for section in checklist.sections:
        for item in section.items:
            items.append(
                (
                    checklist.id,
                    checklist.version,
                    item.id,
                    item.position,
                    section.id,
                    section.title,
                    section.repeat.key if section.repeat else None,
                    item.prompt,
                    item.kind,
                    json.dumps([{"code": c.code, "label": c.label} for c in item.choices])
                    if item.choices
                    else None,
                    item.na or None,
                    item.na_when.describe() if item.na_when else None,
                    int(item.required),
                    item.help or None,
                    item.basis or None,
                    item.source or None,
                )
            )
    key_items = [
        (checklist.id, checklist.version, i, k) for i, k in enumerate(checklist.natural_key)
    ]
    return items, key_items
