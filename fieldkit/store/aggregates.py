"""The stored aggregates the reporting views read (schema step 0005, issue 13 point 1).

The fold (fieldkit.store.log.fold_after) calls `take_out` before the cells are settled
(it reads the cells as they were, from the log's rows before the new ones) and `put_in`
after the records are rebuilt, so the counts stay equal to a full
recomputation in the same transaction as every write and merge (fieldkit/sql/aggregates.sql
says how). `rebuild` recomputes them all: after a migration, when the view definitions (and
so the scope and stratum rules) change, and after history is rewritten.
`views.oracle_views` creates the old recomputing views (fieldkit/sql/recompute.sql) as TEMP views
named recomputed_*, for tests to compare against.
"""

from __future__ import annotations

import sqlite3

from fieldkit import sql
from fieldkit.store.connection import clear_temp, run_script

Q = sql.queries("aggregates")


# The cells before a fold's new changes: the log's rows up to temp.fold_from.lo.
_BEFORE = "AND a.rowid <= (SELECT lo FROM temp.fold_from)"


def _contribute(conn: sqlite3.Connection, sign: int, *, before: bool = False) -> None:
    script = Q["contribute"].replace("{sign}", str(int(sign)))
    run_script(conn, script.replace("{before}", _BEFORE if before else ""))


def _clear_temp(conn: sqlite3.Connection) -> None:
    clear_temp(conn, Q["create_temp"], Q["clear_temp"])


# Quiet folds: the common write, answers on a draft, changes no count. Checked cheaply
# (quiet_before / quiet_after): the touched records were not counted, and what decides
# their facts and their natural-key siblings' is as it was (row fields, stratum, scope).
# Then their own contribution is the draft count under the same stratum and scope (no
# answers: only counted records' answers are summed), and the siblings' cells and facts did
# not change: nothing to subtract or add. Otherwise take_out's subtraction, deferred to
# put_in, gives what it would have before the fold: it reads the stored facts (unchanged
# until `facts`) and counted records' answers (siblings only, whose cells the fold left).
QUIET_AT_MOST = 8  # touched records a fold may have for the check to be made
_deferred: dict[int, list[tuple[object, ...]]] = {}  # id(conn): quiet_before's rows


def take_out(conn: sqlite3.Connection) -> None:
    """Subtract the contribution of the records a fold affects (temp.touched_records and
    their natural-key siblings), from the state before the fold; deferred to put_in when
    none of the touched records is counted (see above)."""
    _clear_temp(conn)
    run_script(conn, Q["affected_before"])
    rows = conn.execute(Q["quiet_before"], (QUIET_AT_MOST + 1,)).fetchall()
    if len(rows) <= QUIET_AT_MOST and all(r[1] == 0 and r[5] is not None for r in rows):
        _deferred[id(conn)] = rows
        return
    _deferred.pop(id(conn), None)
    _contribute(conn, -1, before=True)


def put_in(conn: sqlite3.Connection) -> None:
    """After the fold: take out siblings under the new keys too, recompute the affected
    records' facts and add their new contribution (nothing, for a quiet fold)."""
    before = _deferred.pop(id(conn), None)
    if before is not None:
        if conn.execute(Q["quiet_after"]).fetchall() == before:
            return
        _contribute(conn, -1, before=True)  # take_out's, deferred
    run_script(conn, Q["affected_after"])
    _contribute(conn, -1, before=True)
    run_script(conn, Q["facts"])
    _contribute(conn, 1)
    run_script(conn, Q["apply"])


def rebuild(conn: sqlite3.Connection) -> None:
    """Recompute every stored aggregate from the records and cells (the caller holds the
    write transaction; the record_scope view must exist)."""
    _clear_temp(conn)
    run_script(conn, Q["clear"])
    run_script(conn, Q["facts"])
    _contribute(conn, 1)
    run_script(conn, Q["apply"])
