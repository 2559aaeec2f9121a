"""The database as its log stood at a date: the same fold, stopped earlier.

`as_of_copy(source, when)` folds the changes dated before the cutoff into a new database in
a private temporary directory (owner-only), with the source's checklist definitions and
other reference tables, so every view, report and export reads it exactly as it reads a
live database. The source is only read.

The register and the action plans are not in the change log: their rows carry the date
they apply from (`event_date`: a recommendation's status or comment, an objective's RAG
rating, owner, due date or evidence, a link). As of a date, the rows dated after that day
are left out, so a status or rating is the one that applied then. Withdrawals are kept
whenever they were made: they take back a mistake, not a later event.
"""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fieldkit.errors import BadInput
from fieldkit.store import connection, views
from fieldkit.store.log import COUNTER_BITS, begin_fold, fold_incoming

# Tables of the log and the state folded from it (rebuilt, never copied), and the
# database's own bookkeeping.
_NOT_COPIED = {
    "changes",
    "change_parents",
    "chain_heads",
    "cells",
    "conflicts",
    "records",
    "record_agg",  # the stored aggregates: the fold below keeps them
    "agg_records",
    "agg_answers",
    "meta",
    "merges",
}


MAX_CLOCK = 2**63 - 1  # the largest clock SQLite holds (a change's hlc)

# The register's and plans' dated tables (schema steps 0002 and 0004): table -> date column.
DATED = {"rec_events": "event_date", "plan_events": "event_date", "plan_links": "event_date"}


def cutoff(when: str) -> int:
    """The clock a log stops at for `--as-of WHEN`: a date means the end of that day
    (UTC); a date and time (ISO 8601, UTC unless it says otherwise) means that moment."""
    text = when.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        else:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
    except ValueError:
        raise BadInput(f"--as-of {when!r}: not a date (say e.g. 2015-06-30)") from None
    except OverflowError:  # the day after 9999-12-31
        moment = None
    until = None if moment is None else int(moment.timestamp() * 1000) << COUNTER_BITS
    if until is None or not -MAX_CLOCK <= until <= MAX_CLOCK:
        latest = datetime.fromtimestamp((MAX_CLOCK >> COUNTER_BITS) / 1000, UTC).date()
        raise BadInput(
            f"--as-of {when!r}: beyond the dates a change's clock can hold (up to "
            f"{latest.isoformat()}); leave --as-of out for the figures of today"
        )
    return until


def last_day(until: int) -> str:
    """The last day (ISO, UTC) a clock cutoff includes: the day `--as-of DATE` names."""
    ms = until >> COUNTER_BITS
    moment = datetime.fromtimestamp(ms / 1000, UTC) - timedelta(milliseconds=1)
    return moment.date().isoformat()


def describe(conn: sqlite3.Connection) -> str | None:
    """What an as-of database shows, in words (None for a live database): for the About
    sheet of an export."""
    row = conn.execute("SELECT value FROM main.meta WHERE key = 'as_of_hlc'").fetchone()
    if row is None:
        return None
    until = int(row[0])
    moment = datetime.fromtimestamp((until >> COUNTER_BITS) / 1000, UTC)
    return (
        f"{last_day(until)}: the change log as it stood before "
        f"{moment.isoformat(timespec='seconds')}; register and action-plan events dated up "
        f"to {last_day(until)}"
    )


def _tables(conn: sqlite3.Connection, schema: str) -> dict[str, list[str]]:
    names = [
        r[0]
        for r in conn.execute(
            f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {n: [r[1] for r in conn.execute(f'PRAGMA {schema}.table_info("{n}")')] for n in names}


def fold_as_of(conn: sqlite3.Connection, source: Path, until: int) -> int:
    """Fill a new, empty fieldkit database (`conn`) with `source` as its log stood before
    the clock `until`: reference tables copied (the register's and plans' events dated up to
    that day), changes dated before it folded. Returns the number of changes folded."""
    conn.execute("ATTACH DATABASE ? AS src", (connection.read_uri(source),))
    try:
        with connection.transaction(conn):
            ours, theirs = _tables(conn, "main"), _tables(conn, "src")
            for table, cols in ours.items():
                if table in _NOT_COPIED or table not in theirs:
                    continue
                shared = ", ".join(f'"{c}"' for c in cols if c in theirs[table])
                conn.execute(
                    f'INSERT OR IGNORE INTO main."{table}" ({shared}) '
                    f'SELECT {shared} FROM src."{table}"'
                )
            for table, column in DATED.items():  # shipped rows too (installed by create)
                if table in ours:
                    conn.execute(
                        f'DELETE FROM main."{table}" WHERE "{column}" > ?', (last_day(until),)
                    )
            conn.execute(
                "INSERT OR REPLACE INTO main.meta (key, value) SELECT key, value FROM src.meta"
                " WHERE key IN ('database_id', 'inspector', 'created_at')"
            )
            begin_fold(conn)
            conn.execute(
                "INSERT INTO temp.incoming (id, device_id, seq, hlc, record_id, kind, field,"
                " rkey, value, author, parent, prev) SELECT id, device_id, seq, hlc, record_id,"
                " kind, field, rkey, value, author, parent, prev FROM src.changes"
                " WHERE hlc < ? ORDER BY id",
                (until,),
            )
            conn.execute(
                "INSERT OR IGNORE INTO temp.incoming_parents (child, parent)"
                " SELECT p.child, p.parent FROM src.change_parents p"
                " WHERE EXISTS (SELECT 1 FROM temp.incoming i WHERE i.id = p.child)"
            )
            n = int(conn.execute("SELECT count(*) FROM temp.incoming").fetchone()[0])
            fold_incoming(conn)
            conn.execute(
                "INSERT OR REPLACE INTO main.meta (key, value) VALUES ('as_of_hlc', ?)",
                (str(until),),
            )
            views.refresh(conn)
    finally:
        conn.execute("DETACH DATABASE src")
    return n


def as_of_directory() -> tempfile.TemporaryDirectory[str]:
    """A private (0700) directory for an as-of database, removed when closed."""
    return tempfile.TemporaryDirectory(prefix="fieldkit-as-of-")
