"""All of fieldkit's SQL, in .sql files beside this module.

Schema steps are `NNNN_name.sql`; the other files hold named statements, each introduced
by a line `-- name: <name>`, read with `queries("state")["recompute_cells"]`.
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
