"""Which checklists the capture app offers: every checklist installed in the database,
in the order and with the label and noun its definition gives (no checklist is named in
code). No Textual here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fieldkit.errors import FieldkitError
from fieldkit.store import Store

KEYS = "123456789"


@dataclass(frozen=True)
class Instrument:
    """One checklist as the dashboard lists it."""

    id: str
    version: int
    title: str
    label: str  # short: the dashboard line, the key bar
    noun: str  # what one record is called in messages
    key: str  # the dashboard key ("1".."9"), "" past the ninth


def _app_info(checklist: Any) -> tuple[int | None, str, str]:
    """(order, label, noun) from the definition's `app` block; the title where it has none."""
    app = getattr(checklist, "app", None)
    title = checklist.title
    order = getattr(app, "order", None)
    label = getattr(app, "label", "") or title
    noun = getattr(app, "noun", "") or title[:1].lower() + title[1:]
    return order, label, noun


def installed(store: Store) -> tuple[list[Instrument], list[str]]:
    """The checklists installed in `store`, latest version of each, in dashboard order
    (the definition's order, then the order they were installed), and one line for each
    stored definition that cannot be read (it is left out, not fatal)."""
    rows = store.conn.execute(
        "SELECT id, max(version), min(rowid) FROM checklists GROUP BY id ORDER BY min(rowid)"
    ).fetchall()
    found: list[tuple[tuple[int, int, int], Instrument]] = []
    problems: list[str] = []
    for n, (cid, version, _rowid) in enumerate(rows):
        try:
            checklist = store.checklist(str(cid), int(version))
        except (FieldkitError, TypeError, ValueError) as e:
            problems.append(f"checklist {cid!s} v{version!s} cannot be read: {e}")
            continue
        order, label, noun = _app_info(checklist)
        rank = (0 if order is not None else 1, order or 0, n)
        found.append(
            (rank, Instrument(checklist.id, checklist.version, checklist.title, label, noun, ""))
        )
    found.sort(key=lambda pair: pair[0])
    out = [
        Instrument(i.id, i.version, i.title, i.label, i.noun, KEYS[n] if n < len(KEYS) else "")
        for n, (_, i) in enumerate(found)
    ]
    return out, problems
