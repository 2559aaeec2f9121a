"""Every connection Datasette opens on a fieldkit database (prepare_connection): guard's
authorizer and value limit, fieldkit_percent()/fieldkit_label() and the comparison functions
(the report's rounding and tests, so a query shows what the report prints), the current view
definitions as TEMP views when the file's own are missing or stale (never writing the file),
and query_only."""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any

from datasette import hookimpl

from fieldkit.datasette import guard
from fieldkit.datasette.metadata import is_fieldkit
from fieldkit.errors import FieldkitError
from fieldkit.report import compare, numbers
from fieldkit.store import views


def _percent(completed: Any, applicable: Any) -> int | None:
    if completed is None or applicable is None:
        return None
    return numbers.percent(int(completed), int(applicable))


def _label(completed: Any, applicable: Any) -> str | None:
    if completed is None or applicable is None:
        return None
    return numbers.label(int(completed), int(applicable))


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    guard.limit_connection(conn)  # no pointer- or path-leaking SQL, no gigabyte values
    conn.create_function("fieldkit_percent", 2, _percent, deterministic=True)
    conn.create_function("fieldkit_label", 2, _label, deterministic=True)
    for name, (arity, fn) in compare.sql_functions().items():
        conn.create_function(name, arity, fn, deterministic=True)
    if not is_fieldkit(conn):
        return
    # An unreadable definition: browse the tables as they are.
    with contextlib.suppress(sqlite3.DatabaseError, FieldkitError):
        views.ensure(conn)
    conn.execute("PRAGMA query_only = 1")
