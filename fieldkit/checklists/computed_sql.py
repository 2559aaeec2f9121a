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


def computed_sql(
    checklist: Checklist, item_id: Any, answer: Answer, column: Answer | None = None
) -> str:
    """SQL for an item's value: its stored answer, or a computed item's formula with what
    it reads written out (a rule gives 'yes'/'no', as the capture app shows it). With
    `column`, a computed item another reads is not written out: `column(id)` gives the
    SQL of its value computed already (a staged view's earlier column)."""
    if isinstance(item_id, tuple):
        if item_id[0] == "pulldata":  # a CSV the definition holds (checklists.lookups)
            return lookup_sql(dict(checklist.lookups), item_id)
        return answer(item_id)
    item = checklist.item(item_id)
    if item.computed is None:
        return answer(item_id)

    def inner(ref: Any) -> str:
        read = None if isinstance(ref, tuple) else checklist.item(ref).computed
        if read is not None and column is not None:
            sql = column(ref)
        else:
            sql = computed_sql(checklist, ref, answer, column)
        if read is not None and not read.boolean and read.tree.op in NUMERIC_OPS:
            return NUMBER + sql  # arithmetic: a number or null, read as it is
        return sql

    if item.computed.boolean:
        return f"(CASE WHEN {expr.condition_sql(item.computed, inner)} THEN 'yes' ELSE 'no' END)"
    return item.computed.to_sql(inner)


def stages(checklist: Checklist) -> list[list[str]]:
    """The computed items in the order a staged view computes them: first those that read
    no calculation, then those reading only the first, and so on."""
    deps = {i.id: i.computed.refs for i in checklist.items if i.computed is not None}
    level: dict[str, int] = {}

    def depth(iid: str) -> int:
        if iid not in level:
            level[iid] = 1 + max((depth(r) for r in deps[iid] if r in deps), default=-1)
        return level[iid]

    out: list[list[str]] = []
    for iid in deps:  # (the loader refuses calculations that read each other in a ring)
        n = depth(iid)
        out += [[] for _ in range(n + 1 - len(out))]
        out[n].append(iid)
    return out


STAGE = '"={}"'  # a staged view's column for a computed item (never a record column's name)


def stage_column(item_id: str) -> str:
    return "r." + STAGE.format(item_id.replace('"', '""'))


_STAGED: dict[tuple[Any, ...], bool] = {}


def staged(checklist: Checklist) -> bool:
    """Whether the reports compute the checklist's calculations in stages (each reading
    the earlier ones' columns): when one written out whole is too deep for SQLite's
    parser. Remembered per set of formulas (views are made often)."""
    key = (checklist.id, tuple((i.id, i.formula) for i in checklist.items if i.computed))
    if key not in _STAGED:
        _STAGED[key] = (
            _inline_size(checklist) > MAX_INLINE or _unparsable(checklist, None) is not None
        )
    return _STAGED[key]


MAX_INLINE = 200_000  # characters of one calculation's SQL with every one it reads inlined


def _inline_size(checklist: Checklist) -> int:
    """The largest calculation's SQL written out whole, in characters, counted without
    writing it (a calculation naming the one before twice, thirty deep, is 2**30 copies)."""
    size: dict[str, int] = {}
    for level in stages(checklist):
        for iid in level:
            own = computed_sql(checklist, iid, _answer, lambda ref: f"\x00{ref}\x00")
            total = len(own)
            for ref in set(checklist.item(iid).computed.refs):  # type: ignore[union-attr]
                if ref in size:
                    total += own.count(f"\x00{ref}\x00") * size[ref]
            size[iid] = min(total, 10 * MAX_INLINE)
    return max(size.values(), default=0)


def _answer(ref: Any) -> str:
    """An answer as the views read it (fieldkit.store.views): as deep for the parser."""
    if ref == ("position",):
        return "1"
    field = "'" + str(ref[1] if isinstance(ref, tuple) else ref).replace("'", "''") + "'"
    where = f"a.record_id = r.record_id AND a.kind = 'answer' AND a.field = {field}"
    if isinstance(ref, tuple):
        return f"FROM cells a WHERE {where}"
    return f"(SELECT a.value FROM cells a WHERE {where} AND a.rkey = '')"


def _unparsable(checklist: Checklist, column: Answer | None) -> str | None:
    """The first computed item whose SQL SQLite cannot parse, tried as the views hold it,
    inside two more calls than they wrap it in (None: all can)."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE TABLE cells (record_id, kind, field, value, rkey)")
        names = ", ".join(STAGE.format(i.id.replace('"', '""')) for i in checklist.items)
        conn.execute(f"CREATE TABLE records (record_id, {names})")
        for item in checklist.items:
            if item.computed is None:
                continue
            sql = computed_sql(checklist, item.id, _answer, column)
            try:
                conn.execute(f"EXPLAIN SELECT coalesce(coalesce({sql}, 1), 1) FROM records r")
            except (sqlite3.OperationalError, RecursionError):
                return item.id
    finally:
        conn.close()
    return None


def too_deep(checklist: Checklist) -> str | None:
    """The first computed item the reports cannot compute even in stages (its own formula
    too deep for SQLite's parser), or None."""
    if not staged(checklist):
        return None
    return _unparsable(checklist, stage_column)
