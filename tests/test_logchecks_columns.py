"""The merge's check of a source reads each change by column name (issue 28, point 6): the
names it reads by are the query's own, in its order, so a SELECT reordered or widened
fails here instead of checking the wrong values."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from helpers.hostile import laptop

from fieldkit import sql
from fieldkit.sync import logchecks


def test_the_names_a_source_change_is_read_by_are_the_querys_columns(tmp_path: Path) -> None:
    source = laptop(tmp_path / "ann.db", "ann")
    target = laptop(tmp_path / "team.db", "ben")
    with closing(sqlite3.connect(source)) as conn:
        conn.execute("ATTACH DATABASE ? AS target", (str(target),))
        cur = conn.execute(sql.queries("merge")["source_changes"])
        names = tuple(d[0] for d in cur.description)
        rows = cur.fetchall()
    assert names == logchecks.SOURCE_CHANGE
    assert rows and all(r[logchecks.DEVICE] != "" and r[logchecks.HELD] == 0 for r in rows)
    assert all(len(r[logchecks.ID]) == 16 for r in rows)
