"""The stored aggregates' oracle: every figure view against its full recomputation
(fieldkit/sql/recompute.sql, created as TEMP views named recomputed_*)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fieldkit.store.views import oracle_views

FIGURES = (
    "record_facts",
    "counted_records",
    "evidence_by_force",
    "evidence_summary",
    "scale_by_force",
    "scale_summary",
    "coverage",
    "duplicate_records",
)


def rows(conn: sqlite3.Connection, view: str) -> list[tuple]:
    """Every row of a view, in a fixed order."""
    return sorted(conn.execute(f"SELECT * FROM {view}").fetchall(), key=repr)


def assert_equal_to_recomputation(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        oracle_views(conn)
        for view in FIGURES:
            assert rows(conn, view) == rows(conn, f"recomputed_{view}"), view
    finally:
        conn.close()
