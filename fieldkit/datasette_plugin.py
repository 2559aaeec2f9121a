"""fieldkit's Datasette plugin (registered through the `datasette` entry point, so plain
`datasette team.db` shows the same as `fieldkit serve`).

- get_metadata: titles and descriptions for every table, view and column, question text
  for item columns, canned queries and default facets, for every fieldkit database served;
- prepare_connection: the current view definitions (as TEMP views when the file's own are
  missing or stale, never writing the file), fieldkit_percent()/fieldkit_label() SQL
  functions (the same half-up rounding as the report), and query_only;
- render_cell: answers shown readably (n/a, choice labels, "3 Adequate").
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from typing import Any

from datasette import hookimpl
from markupsafe import Markup, escape

from fieldkit.checklists.model import NA, UNKNOWN
from fieldkit.datasette.metadata import INSTANCE, DatabaseInfo, database_info, is_fieldkit
from fieldkit.errors import FieldkitError
from fieldkit.report import numbers
from fieldkit.store import views

_lock = threading.Lock()
_cache: dict[str, tuple[tuple[int, int], DatabaseInfo | None]] = {}
DEFAULT_TIME_LIMIT_MS = 1000
FIELDKIT_TIME_LIMIT_MS = 15000


def _signature(path: str) -> tuple[int, int]:
    def mtime(p: str) -> int:
        try:
            return os.stat(p).st_mtime_ns
        except OSError:
            return 0

    return mtime(path), mtime(path + "-wal")


def _info(path: str | None) -> DatabaseInfo | None:
    """fieldkit's metadata for a database file (None if it is not a fieldkit database),
    cached until the file changes."""
    if not path:
        return None
    sig = _signature(path)
    with _lock:
        hit = _cache.get(path)
        if hit and hit[0] == sig:
            return hit[1]
    info: DatabaseInfo | None = None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if is_fieldkit(conn):
                info = database_info(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        info = None
    with _lock:
        _cache[path] = (sig, info)
    return info


def _databases(datasette: Any) -> dict[str, DatabaseInfo]:
    out = {}
    for name, db in datasette.databases.items():
        info = _info(getattr(db, "path", None))
        if info is not None:
            out[name] = info
    return out


@hookimpl
def get_metadata(datasette: Any, key: str, database: str | None, table: str | None) -> dict:
    dbs = _databases(datasette)
    if not dbs:
        return {}
    return {
        "title": INSTANCE["title"],
        "description": INSTANCE["description"],
        "databases": {name: info.metadata for name, info in dbs.items()},
    }


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
    conn.create_function("fieldkit_percent", 2, _percent, deterministic=True)
    conn.create_function("fieldkit_label", 2, _label, deterministic=True)
    if not is_fieldkit(conn):
        return
    # An unreadable definition: browse the tables as they are.
    with contextlib.suppress(sqlite3.DatabaseError, FieldkitError):
        views.ensure(conn)
    conn.execute("PRAGMA query_only = 1")


@hookimpl
def startup(datasette: Any) -> None:
    # The views aggregate every answer; Datasette's default one-second limit is too short
    # for a large merged database. Raise it only when nobody set it.
    if not _databases(datasette):
        return
    settings = getattr(datasette, "_settings", None)
    if isinstance(settings, dict) and settings.get("sql_time_limit_ms") == DEFAULT_TIME_LIMIT_MS:
        settings["sql_time_limit_ms"] = FIELDKIT_TIME_LIMIT_MS


def readable(item: Any, value: Any) -> str:
    if value == NA:
        return "n/a"
    if value == UNKNOWN:
        return "unknown"
    return item.display(value)


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Any:
    if value is None or table is None:
        return None
    db = datasette.databases.get(database)
    info = _info(getattr(db, "path", None)) if db is not None else None
    if info is None or table not in info.item_columns:
        return None
    item = info.item_columns[table].get(column)
    if item is None and column in ("value", "kept_value", "other_value", "winner_value"):
        keys = list(row.keys()) if hasattr(row, "keys") else []
        if "kind" in keys and row["kind"] != "answer":
            return None
        field = row["item_id"] if "item_id" in keys else row["field"] if "field" in keys else None
        item = info.items.get(field) if isinstance(field, str) else None
    if item is None:
        return None
    try:
        text = readable(item, value)
    except (TypeError, ValueError):
        return None
    if text == str(value):
        return None
    return Markup(f'<span title="stored as {escape(str(value))}">{escape(text)}</span>')
