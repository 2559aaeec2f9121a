"""A calculation inside a repeat, in the wide views: its value in each instance, as the
app computes it there (JSON {instance: value}, as an open repeat's answers are shown).

XLSForm's rule holds in the SQL as in the app (fieldkit.checklists.nesting): a question
of the same repeat is read in the same instance, one of an outer repeat in the enclosing
instance (the key with its last numbers cut: `rtrim(rtrim('2/3', digits), '/')` is `2`),
one outside every repeat from the record; sum() and count() over an inner repeat read
the instance's own inner instances (`rkey LIKE '2/%'`). Only open repeats (numbered
instances) are computed so; a calculation in a fixed one keeps the record-level value.
"""

from __future__ import annotations

from typing import Any

from fieldkit.checklists import Checklist, Item, nesting
from fieldkit.checklists.computed_sql import computed_sql


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _chain(repeat: Any) -> list[str]:
    keys = []
    while repeat is not None:
        keys.append(repeat.key)
        repeat = repeat.parent
    return keys


def computed_per_instance(checklist: Checklist, item: Item) -> str | None:
    """SQL for a computed item in an open repeat: {instance key: value} (None: the item is
    not in such a repeat)."""
    repeat = checklist.section_of(item.id).repeat
    r = repeat
    while r is not None:
        if r.fixed:
            return None
        r = r.parent
    if repeat is None:
        return None
    depth = nesting.depth(repeat)
    outer = _chain(repeat)

    def key_at(n: int) -> str:
        sql = "k.rkey"
        for _ in range(depth - n):
            sql = f"rtrim(rtrim({sql}, '0123456789'), '/')"
        return sql

    def answer(ref: Any) -> str:
        if ref == ("position",):  # position(..): the instance's own number, "2/3" -> 3
            return "CAST(substr(k.rkey, length(rtrim(k.rkey, '0123456789')) + 1) AS INTEGER)"
        iid = ref[1] if isinstance(ref, tuple) else ref
        where = f"a.record_id = r.record_id AND a.kind = 'answer' AND a.field = {_lit(iid)}"
        other = checklist.section_of(iid).repeat
        if isinstance(ref, tuple):  # sum()/count(): the instance's own inner instances
            if other is not None and repeat.key in _chain(other)[1:]:
                where += " AND a.rkey LIKE k.rkey || '/%'"
            return f"FROM cells a WHERE {where}"
        if other is None:
            key = "''"
        elif other.key in outer:
            key = key_at(nesting.depth(other))
        else:
            key = "k.rkey"  # another repeat: as the app, the same numbers
        return f"(SELECT a.value FROM cells a WHERE {where} AND a.rkey = {key})"

    own = ", ".join(_lit(i) for i in sorted(checklist.repeat_items.get(repeat.key, ())))
    keys = (
        "SELECT DISTINCT o.rkey AS rkey FROM cells o WHERE o.record_id = r.record_id"
        f" AND o.kind = 'answer' AND o.value IS NOT NULL AND o.field IN ({own})"
    )
    value = computed_sql(checklist, item.id, answer)
    return f"(SELECT nullif(json_group_object(k.rkey, {value}), '{{}}') FROM ({keys}) k)"
