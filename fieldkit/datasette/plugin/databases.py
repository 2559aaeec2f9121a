"""Which databases Datasette serves are fieldkit's, and their metadata (read once per file
version: cached until the file or its WAL changes)."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

from fieldkit.datasette.metadata import DatabaseInfo, database_info, is_fieldkit
from fieldkit.store import read_uri

_lock = threading.Lock()
_cache: dict[str, tuple[tuple[int, int], DatabaseInfo | None]] = {}


def _signature(path: str) -> tuple[int, int]:
    def mtime(p: str) -> int:
        try:
            return os.stat(p).st_mtime_ns
        except OSError:
            return 0

    return mtime(path), mtime(path + "-wal")


def info(path: str | None) -> DatabaseInfo | None:
    """fieldkit's metadata for a database file (None if it is not a fieldkit database),
    cached until the file changes."""
    if not path:
        return None
    sig = _signature(path)
    with _lock:
        hit = _cache.get(path)
        if hit and hit[0] == sig:
            return hit[1]
    found: DatabaseInfo | None = None
    try:
        conn = sqlite3.connect(read_uri(Path(path)), uri=True)
        try:
            if is_fieldkit(conn):
                found = database_info(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        found = None
    with _lock:
        _cache[path] = (sig, found)
    return found


def served(datasette: Any) -> dict[str, DatabaseInfo]:
    out = {}
    for name, db in datasette.databases.items():
        found = info(getattr(db, "path", None))
        if found is not None:
            out[name] = found
    return out


def of(datasette: Any, database: str | None) -> DatabaseInfo | None:
    """The metadata of one served database, or None when it is not fieldkit's."""
    db = datasette.databases.get(database) if database else None
    return info(getattr(db, "path", None)) if db is not None else None
