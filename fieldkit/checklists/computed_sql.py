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
from fieldkit.checklists.expr_sql import NUMBER, NUMERIC_OPS
from fieldkit.checklists.lookups import lookup_sql
from fieldkit.checklists.model import Checklist

Answer = Callable[[Any], str]  # the SQL of a stored answer (or, for ("all", item), a FROM)


def computed_sql(checklist: Checklist, item_id: Any, answer: Answer) -> str:
    """SQL for an item's value: its stored answer, or a computed item's formula with what
    it reads written out (a rule gives 'yes'/'no', as the capture app shows it)."""
    if isinstance(item_id, tuple):
        if item_id[0] == "pulldata":  # a CSV the definition holds (checklists.lookups)
            return lookup_sql(dict(checklist.lookups), item_id)
        return answer(item_id)
    item = checklist.item(item_id)
    if item.computed is None:
        return answer(item_id)

    def inner(ref: Any) -> str:
        sql = computed_sql(checklist, ref, answer)
        read = None if isinstance(ref, tuple) else checklist.item(ref).computed
        if read is not None and not read.boolean and read.tree.op in NUMERIC_OPS:
            return NUMBER + sql  # arithmetic: a number or null, read as it is
        return sql

    if item.computed.boolean:
        return f"(CASE WHEN {expr.condition_sql(item.computed, inner)} THEN 'yes' ELSE 'no' END)"
    return item.computed.to_sql(inner)


def _answer(ref: Any) -> str:
    """An answer as the views read it (fieldkit.store.views): as deep for the parser."""
    field = "'" + str(ref[1] if isinstance(ref, tuple) else ref).replace("'", "''") + "'"
    where = f"a.record_id = r.record_id AND a.kind = 'answer' AND a.field = {field}"
    if isinstance(ref, tuple):
        return f"FROM cells a WHERE {where}"
    return f"(SELECT a.value FROM cells a WHERE {where} AND a.rkey = '')"


def too_deep(checklist: Checklist) -> str | None:
    """The first computed item whose written-out SQL SQLite cannot parse (None: all can),
    tried as the views hold it, inside two more calls than they wrap it in."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE TABLE cells (record_id, kind, field, value, rkey)")
        conn.execute("CREATE TABLE records (record_id)")
        for item in checklist.items:
            if item.computed is None:
                continue
            sql = computed_sql(checklist, item.id, _answer)
            try:
                conn.execute(f"EXPLAIN SELECT coalesce(coalesce({sql}, 1), 1) FROM records r")
            except (sqlite3.OperationalError, RecursionError):
                return item.id
    finally:
        conn.close()
    return None
