"""The stored aggregates' oracle: every figure view against its full recomputation
(fieldkit/sql/recompute.sql, created as TEMP views named recomputed_*)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fieldkit.report.numbers import percent
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


# Columns the views have and the recomputation does not: "% of all" and its base, which
# the views add to the counts the two are compared on (tests/test_report_formats.py and
# tests/test_views.py check them against hand counts).
BASE_COLUMNS = {"repeat_key", "base", "base_unit", "percent_of_base"}


def rows(conn: sqlite3.Connection, view: str, columns: str = "*") -> list[tuple]:
    """Every row of a view, in a fixed order."""
    return sorted(conn.execute(f"SELECT {columns} FROM {view}").fetchall(), key=repr)


def columns(conn: sqlite3.Connection, view: str) -> list[str]:
    return [d[0] for d in conn.execute(f"SELECT * FROM {view} LIMIT 0").description]


def assert_equal_to_recomputation(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        oracle_views(conn)
        for view in FIGURES:
            ours, theirs = columns(conn, view), columns(conn, f"recomputed_{view}")
            assert set(ours) - set(theirs) <= BASE_COLUMNS, view
            shared = ", ".join(c for c in ours if c in theirs)
            assert rows(conn, view, shared) == rows(conn, f"recomputed_{view}", shared), view
            if set(ours) & BASE_COLUMNS:
                assert_true_base(conn, view)
    finally:
        conn.close()


def assert_true_base(conn: sqlite3.Connection, view: str) -> None:
    """ "% of all" over its true base: the records in scope for an ordinary item, the repeat
    rows answered for an item asked per agency or per case (written out here on its own)."""
    for r in conn.execute(
        f"SELECT repeat_key, files, applicable, not_applicable, unknown, completed, base,"
        f" base_unit, percent_of_base FROM {view}"
    ):
        repeat, files, applicable, na, unknown, completed, base, unit, of_base = r
        rows_answered = applicable + na + unknown
        want = (files, "records") if repeat is None else (rows_answered, f"{repeat} rows")
        assert (base, unit) == want, (view, r)
        assert of_base == percent(completed, base), (view, r)
