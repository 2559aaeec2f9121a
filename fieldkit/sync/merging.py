"""Merging fieldkit databases: union the change logs, then fold the new changes.

`merge(sources, into)` checks every source, reads what is new in each (ATTACHed read-only,
never changed) into temp tables, then folds it all into the target in ONE transaction, so a
failure or a kill leaves the target exactly as it was. Current state (cells, conflicts,
records) is a function of the change log alone (fieldkit/sql/state.sql), which is what
makes merging idempotent, commutative and associative.

Everything happens in SQL (`ATTACH` + `INSERT … SELECT`); the fold rebuilds only the cells
the new changes touch. A source is read for its change log, checklist definitions and the
append-only tables; its derived tables (cells, records, conflicts) are never trusted.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from fieldkit import sql
from fieldkit.errors import BadDatabase, BadInput
from fieldkit.store import connection, digest, schema, views
from fieldkit.store.log import FOLD_STEPS, begin_fold, fold_incoming
from fieldkit.store.store import Store
from fieldkit.sync import checks, logchecks
from fieldkit.sync.logchecks import DEFAULT_CLOCK_SKEW_MS

Q = sql.queries("merge")
STATE = sql.queries("state")

# What merges besides the log: the store's lists (fieldkit/store/schema.py). A name here so
# a test can add a table.
APPEND_ONLY_TABLES: tuple[str, ...] = schema.UNION_TABLES
DEFINITION_TABLES: tuple[str, ...] = schema.DEFINITION_TABLES

Progress = Callable[[int, int, str], None]
"""progress(done, total, what): called as each step of a merge starts."""

STEP_LABELS = {
    "touch": "finding what changed",
    "aggregates_out": "taking out the old counts",
    "append": "adding to the change log",
    "fold_cells": "updating current values",
    "fold_conflicts": "finding conflicts",
    "fold_records": "updating records",
    "aggregates_in": "updating the counts",
}


@dataclass(frozen=True)
class MergeSummary:
    """What one source brought to the target."""

    source_file: str
    source_db_id: str
    new_changes: int
    new_records: int
    new_answers: int  # answers new to the target, or whose value the merge changed
    new_conflicts: int


@dataclass
class _Source:
    path: Path
    database_id: str
    version: int = schema.SCHEMA_VERSION
    read_path: Path | None = field(default=None)  # an upgraded private copy of an old source

    @property
    def reading(self) -> Path:
        return self.read_path or self.path


# ------------------------------------------------------------------------ opening files
def _uri(path: Path, mode: str) -> str:
    return f"file:{quote(path.resolve().as_posix())}?mode={mode}"


def _read(path: Path) -> sqlite3.Connection:
    try:
        return sqlite3.connect(connection.read_uri(path), uri=True, isolation_level=None)
    except sqlite3.DatabaseError as e:
        raise BadDatabase(f"{path}: cannot open ({e})") from None


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _tables(conn: sqlite3.Connection, schema_name: str) -> set[str]:
    rows = conn.execute(f"SELECT name FROM {schema_name}.sqlite_master WHERE type = 'table'")
    return {r[0] for r in rows}


def _columns(conn: sqlite3.Connection, schema_name: str, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f'PRAGMA {schema_name}.table_info("{table}")')]


def _check(path: Path, *, quick_check: bool) -> tuple[str, int]:
    """(database id, schema version) of a fieldkit database this fieldkit can read, or one
    clear error (connection.require_fieldkit, then an integrity check). Writes nothing."""
    version = connection.require_fieldkit(path, schema.SCHEMA_VERSION)
    conn = _read(path)
    try:
        try:
            tables = _tables(conn, "main")
            if not {"meta", "changes"} <= tables:
                raise BadDatabase(f"{path}: not a fieldkit database")
            problems = [r[0] for r in conn.execute("PRAGMA quick_check")] if quick_check else ["ok"]
            if problems != ["ok"]:
                raise BadDatabase(
                    f"{path}: corrupt database ({problems[0]}); restore it from a copy"
                )
            row = conn.execute("SELECT value FROM meta WHERE key = 'database_id'").fetchone()
            old_scrub = conn.execute(Q["old_scrub"]).fetchone()[0]
        except (sqlite3.DatabaseError, UnicodeDecodeError) as e:
            raise BadDatabase(f"{path}: corrupt database ({e}); restore it from a copy") from None
    finally:
        conn.close()
    if not row or not row[0]:
        raise BadDatabase(f"{path}: not a fieldkit database (no database id)")
    if old_scrub:
        raise BadInput(
            f"{path}: a copy scrubbed by an older fieldkit, which kept its original's devices, "
            "so its blanked values cannot be told from the real ones: scrub the original "
            "again with this fieldkit and merge that copy; refused"
        )
    return str(row[0]), int(version)


def check_source(path: Path, target: Path) -> _Source:
    """Refuse, with one clear line, a source that is missing, not a fieldkit database,
    corrupt, from a newer fieldkit, or the target file itself. A copy of the target is a
    source like any other: unchanged it brings nothing; written since, it brings what was
    written (copies handed out instead of merged back are a way teams work)."""
    if _same_file(path, target):
        raise BadInput(f"{path}: is the target database itself")
    database_id, version = _check(path, quick_check=True)
    return _Source(path, database_id, version)


def _upgraded_copy(source: _Source, stack: ExitStack) -> Path:
    """A source made by an older fieldkit, copied (owner-only, in a private temporary
    directory removed after the merge) and brought to this schema there: its changes get
    the ids its own fieldkit will give them when it upgrades. The source is only read."""
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fieldkit-merge-")))
    copy = tmp / "source.db"
    connection.create_file(copy)
    src = sqlite3.connect(connection.read_uri(source.path), uri=True)
    dst = sqlite3.connect(str(copy))
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    Store.open(copy).close()
    return copy


def open_target(path: Path) -> sqlite3.Connection:
    """A writing connection to a fieldkit database that can ATTACH read-only URIs."""
    try:
        conn = sqlite3.connect(
            _uri(path, "rw"),
            uri=True,
            isolation_level=None,
            timeout=connection.BUSY_TIMEOUT_MS / 1000,
        )
        conn.execute(f"PRAGMA busy_timeout = {connection.BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute(f"PRAGMA cache_size = {connection.CACHE_SIZE}")
        # The temp tables a merge stages every new change in get the same cache as the file
        # (SQLite's default for temp is 2 MB: staging ten inspectors' logs took 60% longer).
        conn.execute(f"PRAGMA temp.cache_size = {connection.CACHE_SIZE}")
    except sqlite3.DatabaseError as e:
        raise BadDatabase(f"{path}: cannot open ({e})") from None
    digest.register(conn)
    return conn


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with suppress(OSError):
            Path(f"{path}{suffix}").unlink()


# ------------------------------------------------------------------------------ merging
def merge(
    sources: list[Path],
    into: Path,
    progress: Progress | None = None,
    *,
    clock_skew_ms: int = DEFAULT_CLOCK_SKEW_MS,
) -> list[MergeSummary]:
    """Merge the sources' changes into `into` (created if missing), all or nothing.

    Every source is checked before anything is kept: one that is missing, not a fieldkit
    database, corrupt, from a newer fieldkit, or the target itself raises BadDatabase /
    BadInput (exit code 2) before anything is written; so does a source whose log does not
    hold (_check_source: ids, clocks more than `clock_skew_ms` ahead of this machine; its
    digests and chains, checked beside the fold, roll the transaction back). Returns one
    summary per source, in order; each is also a row of the target's `merges` table."""
    with ExitStack() as stack:
        return _merge_files(sources, into, progress, clock_skew_ms, stack)


def _merge_files(
    sources: list[Path],
    into: Path,
    progress: Progress | None,
    clock_skew_ms: int,
    stack: ExitStack,
) -> list[MergeSummary]:
    into = Path(into)
    paths = [Path(s) for s in sources]
    if not paths:
        raise BadInput("nothing to merge: name at least one source database")
    total = 2 * len(paths) + len(FOLD_STEPS) + 1
    done = 0

    def tick(what: str) -> None:
        nonlocal done
        if progress is not None:
            progress(done, total, what)
        done += 1

    created = not into.exists()
    target_version = 0 if created else _check(into, quick_check=False)[1]
    checked: list[_Source] = []
    for path in paths:
        tick(f"checking {path.name}")
        checked.append(check_source(path, into))
    checks.check_sources(paths, into)  # definitions and register rows (fieldkit/sync/checks.py)
    for source in checked:
        if source.version < schema.SCHEMA_VERSION:
            source.read_path = _upgraded_copy(source, stack)

    # Only now is anything written: a new target, or an older one migrated (with a backup).
    # A new target is built under a hidden name beside it and given its name once whole,
    # so a merge killed half way leaves no team database that is not one.
    building = into.with_name(f".{into.name}.merging-{os.getpid()}") if created else into
    if created:
        _remove_abandoned(into)
        _remove(building)
        Store.create(building).close()
    elif target_version < schema.SCHEMA_VERSION:
        Store.open(into).close()
    try:
        conn = open_target(building)
        try:
            summaries = _merge(conn, building, checked, tick, clock_skew_ms)
            if created:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        if created:
            _publish(building, into)
    except BaseException:
        if created:
            _remove(building)
        raise
    if progress is not None:
        progress(total, total, "done")
    return summaries


def _remove_abandoned(into: Path) -> None:
    """What merges into `into` that were killed before it existed left beside it (their
    process is gone): copies of sensitive data nobody would think to look for."""
    for path in into.parent.glob(f".{into.name}.merging-*"):
        pid = path.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or _running(int(pid)):
            continue
        _remove(path)


def _running(pid: int) -> bool:
    if os.name != "posix":  # os.kill(pid, 0) would end the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but not ours, or no way to tell: leave its file alone
        return True
    return True


def _publish(building: Path, into: Path) -> None:
    """Give the finished new database its name, never over a file that appeared there in
    the meantime (a hard link where the file system has them, else a checked rename)."""
    if Path(f"{building}-wal").exists() and Path(f"{building}-wal").stat().st_size:
        raise BadDatabase(f"{building}: the merged database was not fully written; try again")
    try:
        os.link(building, into)
    except FileExistsError:
        raise BadInput(f"{into}: was created by something else during the merge") from None
    except OSError:  # no hard links here (e.g. a FAT-formatted USB stick)
        if into.exists():
            raise BadInput(f"{into}: was created by something else during the merge") from None
        os.replace(building, into)
    _remove(building)


@contextmanager
def _attached(conn: sqlite3.Connection, path: Path) -> Iterator[None]:
    try:
        conn.execute("ATTACH DATABASE ? AS src", (connection.read_uri(path),))
    except sqlite3.DatabaseError as e:
        raise BadDatabase(f"{path}: cannot open ({e})") from None
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.execute("DETACH DATABASE src")


def _stage_tables(conn: sqlite3.Connection, n: int, tables: tuple[str, ...]) -> list[str]:
    """Copy the attached source's rows of plain-union tables into temp tables; return the
    statements that add them to the target (run inside the transaction). Only the columns
    both databases have are copied."""
    inserts: list[str] = []
    main_tables = _tables(conn, "main")
    src_tables = _tables(conn, "src")
    for table in tables:
        if table not in main_tables or table not in src_tables:
            continue
        src_cols = set(_columns(conn, "src", table))
        cols = ", ".join(f'"{c}"' for c in _columns(conn, "main", table) if c in src_cols)
        staged = f"merge_stage_{n}_{table}"
        conn.execute(f'DROP TABLE IF EXISTS temp."{staged}"')
        conn.execute(f'CREATE TEMP TABLE "{staged}" AS SELECT {cols} FROM src."{table}"')
        inserts.append(
            f'INSERT OR IGNORE INTO main."{table}" ({cols}) SELECT {cols} FROM temp."{staged}"'
        )
    return inserts


def _by_src(conn: sqlite3.Connection, query: str) -> dict[int, int]:
    return {int(s): int(n) for s, n in conn.execute(query) if s is not None}


def _count_conflicts(conn: sqlite3.Connection) -> dict[int, int]:
    """New conflicts per source: the one that brought the losing value, else the winner."""
    counts: dict[int, int] = {}
    for ids in conn.execute(Q["new_conflicts"]).fetchall():
        for shown in ids:
            try:
                ident = bytes.fromhex(shown)
            except (TypeError, ValueError):
                continue
            row = conn.execute(Q["source_of"], (ident,)).fetchone()
            if row is not None and row[0] is not None:
                counts[int(row[0])] = counts.get(int(row[0]), 0) + 1
                break
    return counts


def _merge(
    conn: sqlite3.Connection,
    target: Path,
    sources: list[_Source],
    tick: Callable[[str], None],
    clock_skew_ms: int = DEFAULT_CLOCK_SKEW_MS,
) -> list[MergeSummary]:
    # 1. Read: each source's new changes into temp.incoming (its rows tagged with its
    # number), one read transaction per source so its log is read as one snapshot.
    # SQLite cannot DETACH inside a transaction (and attaches at most 10 files), so the
    # reading happens before the target's write transaction. Each source's digests and
    # chains are checked in a thread beside the reading and the fold (on connections of
    # its own: the digests are Python, the reading and folding SQLite, which lets go of
    # the GIL); the transaction commits only once every check of every source has passed.
    begin_fold(conn)
    connection.run_script(conn, Q["create_checks"])
    version_before = conn.execute("PRAGMA data_version").fetchone()[0]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fieldkit-verify") as pool:
        try:
            inserts, verified = _read_all(conn, pool, target, sources, tick, clock_skew_ms)
            # 2. Fold, all in one write transaction.
            with connection.transaction(conn):
                summaries = _fold(conn, sources, inserts, version_before, tick)
                _first_failure(verified)  # before the commit: nothing is kept
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)  # (Ctrl-C: no further source)
            raise
    return summaries


def _read_all(
    conn: sqlite3.Connection,
    pool: ThreadPoolExecutor,
    target: Path,
    sources: list[_Source],
    tick: Callable[[str], None],
    clock_skew_ms: int,
) -> tuple[list[str], list[Future[None]]]:
    """Read and check every source (_read_source), and start the check of its digests and
    chains in `pool`: (the statements that add the sources' union tables, the checks)."""
    inserts: list[str] = []
    verified: list[Future[None]] = []
    try:
        for n, source in enumerate(sources):
            tick(f"reading {source.path.name}")
            inserts += _read_source(conn, n, source, sources, clock_skew_ms)
            others = [(s.path, s.reading) for s in sources if s is not source]
            check = logchecks.check_digests_and_chains
            verified.append(pool.submit(check, source.path, source.reading, target, others))
    except (BadInput, BadDatabase):
        _first_failure(verified)  # a source before this one that failed comes first
        raise
    return inserts, verified


def _first_failure(checks: list[Future[None]]) -> None:
    """Raise the error of the first source, in order, whose digests or chains do not hold
    (waiting for their checks to end), so that the same files always give the same line."""
    for check in checks:
        if (failed := check.exception()) is not None:
            raise failed from None


def _fold(
    conn: sqlite3.Connection,
    sources: list[_Source],
    inserts: list[str],
    version_before: int,
    tick: Callable[[str], None],
) -> list[MergeSummary]:
    """Fold what the sources brought into the target (the caller holds the transaction)
    and record one summary per source."""
    if conn.execute("PRAGMA data_version").fetchone()[0] != version_before:
        # Another connection wrote the target while the sources were read.
        connection.run_script(conn, STATE["drop_known"])
    versions = conn.execute("SELECT count(*) FROM main.checklists").fetchone()[0]
    for stmt in inserts:
        conn.execute(stmt)
    new_versions = conn.execute("SELECT count(*) FROM main.checklists").fetchone()[0]
    connection.run_script(conn, Q["before_fold"])
    changes = _by_src(conn, Q["count_changes"])
    fold_incoming(conn, lambda step: tick(STEP_LABELS[step]))
    tick("saving")
    records = _by_src(conn, Q["count_records"])
    answers = _by_src(conn, Q["count_answers"])
    conflicts = _count_conflicts(conn)
    merged_at = datetime.now(UTC).isoformat(timespec="seconds")
    summaries = []
    for n, source in enumerate(sources):
        summary = MergeSummary(
            source_file=str(source.path),
            source_db_id=source.database_id,
            new_changes=changes.get(n, 0),
            new_records=records.get(n, 0),
            new_answers=answers.get(n, 0),
            new_conflicts=conflicts.get(n, 0),
        )
        summaries.append(summary)
        conn.execute(
            Q["record_merge"],
            {**summary.__dict__, "source_file": str(source.path.resolve()), "merged_at": merged_at},
        )
    if new_versions != versions:
        views.refresh(conn)
    return summaries


def _read_source(
    conn: sqlite3.Connection,
    n: int,
    source: _Source,
    sources: list[_Source],
    clock_skew_ms: int,
) -> list[str]:
    """Read one source's new changes into temp.incoming and check them (all but digests
    and chains); return the statements that add its union tables to the target."""
    try:
        with _attached(conn, source.reading):
            conn.execute("BEGIN")
            # this source's new changes will be the rows after the last one now
            lo = int(conn.execute(Q["last_incoming"]).fetchone()[0])
            conn.execute(Q["read_changes"], {"src": n})
            logchecks.check_held(conn, source.path, lo)
            conn.execute(Q["read_parents"])
            _check_source(conn, source, n, lo, clock_skew_ms, sources)
            inserts = _stage_tables(conn, n, DEFINITION_TABLES + APPEND_ONLY_TABLES)
            conn.execute("COMMIT")
            return inserts
    except sqlite3.DatabaseError as e:
        raise BadDatabase(f"{source.path}: unreadable ({e})") from None


# ------------------------------------------------------------------- checking a source
def _check_source(
    conn: sqlite3.Connection,
    source: _Source,
    n: int,
    lo: int,
    clock_skew_ms: int,
    sources: list[_Source],
) -> None:
    """The checks of one source run on its new changes (temp.incoming after rowid `lo`,
    src = n) and its attached file (`src`) before anything is written: the log's ids,
    clocks and chain tips, and a scrubbed copy beside its original (fieldkit.sync.logchecks;
    digests and chains are checked in a thread, before the commit). One clear line
    (BadInput, exit 2) for the first that fails."""
    logchecks.check_log(conn, source.path, n, lo, clock_skew_ms)
    logchecks.check_lineage(conn, source.path, n, [s.path for s in sources])
