"""A computed item's value as one SQL expression, with the calculations it reads written
out in it (the reports' views read no other view): the one place this is done, for the
views (fieldkit.store.views) and for the check at import that the reports can compute it.

A form whose calculations read calculations that read calculations ... (a food-security
index over five sub-scores over fifty answers) can give an expression too deep for
SQLite's parser; `too_deep` names the first such item, so an import refuses it in one
line instead of failing when the views are made.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from fieldkit.checklists import expr
from fieldkit.checklists.model import Checklist

Answer = Callable[[Any], str]  # the SQL of a stored answer (or, for ("all", item), a FROM)


def computed_sql(checklist: Checklist, item_id: Any, answer: Answer) -> str:
    """SQL for an item's value: its stored answer, or a computed item's formula with what
    it reads written out (a rule gives 'yes'/'no', as the capture app shows it)."""
    if isinstance(item_id, tuple):
        return answer(item_id)
    item = checklist.item(item_id)
    if item.computed is None:
        return answer(item_id)

    def inner(ref: Any) -> str:
        return computed_sql(checklist, ref, answer)

    if item.computed.boolean:
        return f"(CASE WHEN {expr.condition_sql(item.computed, inner)} THEN 'yes' ELSE 'no' END)"
    return item.computed.to_sql(inner)


def _placeholder(ref: Any) -> str:
    return "FROM (SELECT NULL AS value) a" if isinstance(ref, tuple) else "NULL"


def too_deep(checklist: Checklist) -> str | None:
    """The first computed item whose written-out SQL SQLite cannot parse (None: all can)."""
    conn = sqlite3.connect(":memory:")
    try:
        for item in checklist.items:
            if item.computed is None:
                continue
            try:
                conn.execute("EXPLAIN SELECT " + computed_sql(checklist, item.id, _placeholder))
            except (sqlite3.OperationalError, RecursionError):
                return item.id
    finally:
        conn.close()
    return None
