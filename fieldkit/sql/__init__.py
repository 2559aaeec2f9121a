"""How fieldkit reaches its database: the rule every module follows, and its helpers.

Where SQL lives. Schema steps are `NNNN_name.sql` here. A statement that is long (more
than a short lookup) or run from more than one place is a named statement in a
`<group>.sql` file here, introduced by a line `-- name: <name>` and the comment saying
what it does, and read with `queries("state")["recompute_cells"]`. A short statement run
by one function (a lookup, a count, a filter built with `where()`, an INSERT whose
columns come from the register's key rules) stays inline in that function. So a
statement is either in the function that runs it or, where that function names
`queries(...)[name]`, in that group's file.

Reads are plain functions over a connection (a Store's `conn`): rows as dicts come from
`rows()` / `row()` below, filters from `where()`; a single value from
`conn.execute(...).fetchone()`.

Writes happen only inside a write transaction the store grants, so each is all or
nothing: a `Store` method (every record, answer, note, target and settled conflict is a
row of the change log, fieldkit.store.log), or a `with store.writing() as w:` block
(the Writer's methods: checklist installs, the CSV import, the demo; the register and
plans run their own statements with it), which refuses a read-only store. Only the
store's own modules and the merge (fieldkit.sync, through fieldkit.store.fold) open their
transaction themselves. tests/test_db_rule.py holds the
list of modules with write statements of their own, checks every named statement is
run, and watches a day's commands for a write outside a transaction.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
_NAME = re.compile(r"^--\s*name:\s*([a-z0-9_]+)\s*$", re.M)


def read(filename: str) -> str:
    return (HERE / filename).read_text(encoding="utf-8")


@cache
def queries(group: str) -> dict[str, str]:
    """The named statements in `<group>.sql`."""
    text = read(f"{group}.sql")
    parts = _NAME.split(text)
    out: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        out[name] = body.strip()
    return out


def schema_steps() -> list[tuple[str, str]]:
    """(name, sql) for every schema step, in order."""
    return [
        (p.stem, p.read_text(encoding="utf-8"))
        for p in sorted(HERE.glob("[0-9][0-9][0-9][0-9]_*.sql"))
    ]


def rows(conn: sqlite3.Connection, query: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Every row `query` returns, each as a dict of column name to value."""
    cur = conn.execute(query, tuple(args))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur]


def row(conn: sqlite3.Connection, query: str, args: Sequence[Any] = ()) -> dict[str, Any] | None:
    """The first row `query` returns as a dict of column name to value, or None."""
    cur = conn.execute(query, tuple(args))
    first = cur.fetchone()
    if first is None:
        return None
    return dict(zip([d[0] for d in cur.description], first, strict=True))


def where(
    equal: Mapping[str, Any],
    *also: tuple[str, Sequence[Any]],
    keyword: str = "WHERE",
) -> tuple[str, list[Any]]:
    """A filter and its arguments: `column = ?` for each column of `equal` whose value is
    given (None or '' leaves it out), and each (clause, arguments) of `also`, joined by AND
    after `keyword` ("AND" to extend a WHERE already written). ("", []) when nothing is."""
    clauses: list[str] = []
    args: list[Any] = []
    for column, value in equal.items():
        if value is None or value == "":
            continue
        clauses.append(f"{column} = ?")
        args.append(value)
    for clause, clause_args in also:
        clauses.append(clause)
        args.extend(clause_args)
    if not clauses:
        return "", []
    return f"{keyword} {' AND '.join(clauses)}", args
