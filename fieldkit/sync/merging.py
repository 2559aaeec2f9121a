"""Merging fieldkit databases: union the change logs, then fold the new changes.

`merge(sources, into)` checks every source, then in ONE transaction adds what is new in
each (ATTACHed read-only, never changed) straight to the target's log and folds the new rows
into current state, so a failure or a kill leaves the target exactly as it was. Each
source's log is checked beside that, in a thread (fieldkit.sync.logchecks), and the
transaction commits only once every check has passed. Current state (cells, conflicts,
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
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from fieldkit import sql
from fieldkit.errors import BadDatabase, BadInput
from fieldkit.store import connection, digest, keys, schema, views
from fieldkit.store.log import FOLD_STEPS, begin_fold, close_chains, fold_after
from fieldkit.store.store import Store
from fieldkit.sync import checks, logchecks, packs
from fieldkit.sync.logchecks import DEFAULT_CLOCK_SKEW_MS
from fieldkit.sync.publishing import publish, remove, remove_abandoned
from fieldkit.sync.trust import Admission, Policy

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
    "touch_cells": "finding cells changed twice",
    "aggregates_out": "taking out the old counts",
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
    trusted: tuple[str, ...] = ()  # keys this merge added to the keyring, as shown to people


# The tables of a source the merge's SQL names by a hole (fieldkit/sql/merge.sql).
_SOURCE_TABLES = {
    "changes": "changes",
    "parents": "change_parents",
    "heads": "chain_heads",
    "signatures": "signatures",
    "keyring": "keyring",
    "row_signatures": "row_signatures",
}


def _staged(n: int, table: str) -> str:
    """The temp table a source beyond the ten SQLite attaches is copied into (_stage)."""
    return f"s{n}_{table}"


@dataclass
class _Source:
    path: Path
    database_id: str
    version: int = schema.SCHEMA_VERSION
    read_path: Path | None = field(default=None)  # an upgraded private copy of an old source
    n: int = 0  # its place among the merge's sources
    name: Path | None = None  # the pack it was decrypted from (what the user named)
    schema: str = ""  # where the merge reads it: attached as s<n>, or staged in temp

    @property
    def reading(self) -> Path:
        return self.read_path or self.path

    def _located(self, name: str) -> tuple[str, str]:
        """(schema, table) where the merge reads one of its tables."""
        if self.schema == "temp":
            return "temp", _staged(self.n, name)
        return self.schema, name

    def table(self, name: str) -> str:
        schema_name, table = self._located(name)
        return f'{schema_name}."{table}"'

    def sql(self, query: str) -> str:
        """A merge.sql query with the source's tables in its holes."""
        for hole, table in _SOURCE_TABLES.items():
            query = query.replace("{" + hole + "}", self.table(table))
        return query

    def columns(self, conn: sqlite3.Connection, table: str) -> set[str] | None:
        """The columns of one of its tables (None: it has no such table)."""
        schema_name, name = self._located(table)
        if name not in _tables(conn, schema_name):
            return None
        return set(_columns(conn, schema_name, name))


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
            if quick_check:
                connection.quick_check(conn, path)
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


def check_source(path: Path, target: Path, *, quick_check: bool = True) -> _Source:
    """Refuse, with one clear line, a source that is missing, not a fieldkit database,
    corrupt, from a newer fieldkit, or the target file itself. A copy of the target is a
    source like any other: unchanged it brings nothing; written since, it brings what was
    written (copies handed out instead of merged back are a way teams work).

    Without `quick_check`, SQLite's check for damage is left to the check of the source's
    log during the merge (it reads every page: most of a second for ten inspectors'
    files), except for a source from an older fieldkit, which is upgraded first."""
    if _same_file(path, target):
        raise BadInput(f"{path}: is the target database itself")
    database_id, version = _check(path, quick_check=quick_check)
    if not quick_check and version < schema.SCHEMA_VERSION:
        _check(path, quick_check=True)
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
        # Temp tables (what a fold touches, the counts' deltas, sources staged beyond the
        # ten SQLite attaches) get the same cache as the file (SQLite's default for temp is
        # 2 MB: staging ten inspectors' logs in temp tables took 60% longer with it).
        conn.execute(f"PRAGMA temp.cache_size = {connection.CACHE_SIZE}")
    except sqlite3.DatabaseError as e:
        raise BadDatabase(f"{path}: cannot open ({e})") from None
    digest.register(conn)
    return conn


# ------------------------------------------------------------------------------ merging
def merge(
    sources: list[Path],
    into: Path,
    progress: Progress | None = None,
    *,
    clock_skew_ms: int = DEFAULT_CLOCK_SKEW_MS,
    identity: Path | None = None,
    trust_new: bool = False,
    signer: keys.Signer | None = None,
) -> list[MergeSummary]:
    """Merge the sources' changes into `into` (created if missing), all or nothing.

    A source may be a pack (fieldkit.sync.packs: decrypted with `identity` into a private
    temporary folder, removed however the merge ends); summaries and errors name the pack.

    Every source is checked before anything is kept: one that is missing, not a fieldkit
    database, from a newer fieldkit, or the target itself raises BadDatabase / BadInput
    (exit code 2) before anything is written; one that is damaged, or whose log does not
    hold (logchecks.check_source_log: ids, digests, chains, clocks more than
    `clock_skew_ms` ahead of this machine), or a scrubbed copy beside its original
    (logchecks.check_lineage), is refused before the commit, and the transaction rolls
    back. Signatures and keys are checked as fieldkit.sync.sigchecks and .trust say
    (`signer`: the merging device's key; `trust_new`: take keys not trusted yet). A pack
    (fieldkit.sync.packs) is opened with `identity` into a private temporary file first.
    Returns one summary per source, in order; each is also a row of the target's `merges`
    table."""
    trust = Policy(signer or keys.signer(), trust_new)
    with packs.opened(sources, identity) as opened, ExitStack() as stack:
        return _merge_files(opened.paths, into, progress, clock_skew_ms, stack, opened.names, trust)


def _merge_files(
    sources: list[Path],
    into: Path,
    progress: Progress | None,
    clock_skew_ms: int,
    stack: ExitStack,
    names: dict[Path, Path],
    trust: Policy,
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
    # A damaged source is refused before anything is written: up front when the target is
    # to be upgraded first, else by the check of its log beside the merge, which rolls back.
    upfront = not created and target_version < schema.SCHEMA_VERSION
    checked: list[_Source] = []
    for path in paths:
        tick(f"checking {path.name}")
        checked.append(check_source(path, into, quick_check=upfront))
        checked[-1].name = names.get(path)
    checks.check_sources(paths, into)  # definitions and register rows (fieldkit/sync/checks.py)
    for source in checked:
        if source.version < schema.SCHEMA_VERSION:
            source.read_path = _upgraded_copy(source, stack)

    # Only now is anything written: a new target, or an older one migrated (with a backup).
    # A new target is built under a hidden name beside it and given its name once whole,
    # so a merge killed half way leaves no team database that is not one.
    building = into.with_name(f".{into.name}.merging-{os.getpid()}") if created else into
    if created:
        remove_abandoned(into)
        remove(building)
        Store.create(building).close()
    elif target_version < schema.SCHEMA_VERSION:
        Store.open(into).close()
    try:
        conn = open_target(building)
        try:
            summaries = _merge(conn, building, checked, tick, clock_skew_ms, trust)
            if created:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        if created:
            publish(building, into)
    except BaseException:
        if created:
            remove(building)
        raise
    if progress is not None:
        progress(total, total, "done")
    return summaries


def _attach(conn: sqlite3.Connection, path: Path, name: str) -> None:
    try:
        conn.execute(f"ATTACH DATABASE ? AS {name}", (connection.read_uri(path),))
    except sqlite3.DatabaseError as e:
        raise BadDatabase(f"{path}: cannot open ({e})") from None


def _detach_all(conn: sqlite3.Connection) -> None:
    for _, name, _ in conn.execute("PRAGMA database_list").fetchall():
        if name not in ("main", "temp"):
            conn.execute(f"DETACH DATABASE {name}")


def _stage(conn: sqlite3.Connection, source: _Source) -> None:
    """A source beyond what SQLite attaches at once (ten files), copied into temp tables
    (temp."s<n>_<table>") before the transaction, in one read of it."""
    _attach(conn, source.reading, "stage")
    try:
        conn.execute("BEGIN")
        for table in (*_SOURCE_TABLES.values(), *DEFINITION_TABLES, *APPEND_ONLY_TABLES):
            if table in _tables(conn, "stage"):
                staged = _staged(source.n, table)
                conn.execute(f'DROP TABLE IF EXISTS temp."{staged}"')
                conn.execute(f'CREATE TEMP TABLE "{staged}" AS SELECT * FROM stage."{table}"')
        # (the log's ids looked up as in the file: merge.sql holds, for the chains' tips)
        log = _staged(source.n, "changes")
        conn.execute(f'CREATE INDEX temp."{log}_id" ON "{log}" (id)')
        conn.execute("COMMIT")
    except sqlite3.DatabaseError as e:
        raise BadDatabase(f"{source.path}: unreadable ({e})") from None
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.execute("DETACH DATABASE stage")
    source.schema = "temp"


def _union_inserts(conn: sqlite3.Connection, source: _Source) -> list[str]:
    """The statements that add the source's rows of the plain-union tables (definitions
    first) to the target: only the columns both databases have."""
    inserts: list[str] = []
    main_tables = _tables(conn, "main")
    for table in DEFINITION_TABLES + APPEND_ONLY_TABLES:
        if table not in main_tables:
            continue
        theirs = source.columns(conn, table)
        if theirs is None:
            continue
        cols = ", ".join(f'"{c}"' for c in _columns(conn, "main", table) if c in theirs)
        inserts.append(
            f'INSERT OR IGNORE INTO main."{table}" ({cols}) SELECT {cols} FROM {source.table(table)}'
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
    clock_skew_ms: int,
    trust: Policy,
) -> list[MergeSummary]:
    # Each source is attached (from the tenth on, staged in temp tables first: SQLite
    # attaches at most ten files and cannot detach one inside a transaction), and in ONE
    # write transaction its new changes join the log straight from it, then the new rows
    # are folded into current state. Each source's log is checked beside that, in threads
    # with connections of their own (logchecks.check_source_log: the digests are Python,
    # the merge SQLite, which lets go of the GIL); the transaction commits only once every
    # check of every source has passed. The checks start once the transaction holds the
    # target's write lock, so they see the target as the merge found it.
    limit = conn.getlimit(sqlite3.SQLITE_LIMIT_ATTACHED)
    direct = len(sources) if len(sources) <= limit else limit - 1
    with ExitStack() as stack:
        stack.callback(_detach_all, conn)
        for n, source in enumerate(sources):
            source.n = n
            if n < direct:
                _attach(conn, source.reading, f"s{n}")
                source.schema = f"s{n}"
            else:
                _stage(conn, source)
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="fieldkit-verify") as pool:
            try:
                with connection.transaction(conn):
                    begin_fold(conn)
                    lo = int(conn.execute(Q["fold_from"]).fetchone()[0])
                    held = [_tips_held(conn, s, lo) for s in sources]
                    # Checks of sources that bring changes are mostly Python (digests): two
                    # at once only fight over the GIL, so they take turns; the checks of
                    # sources the target holds all of are SQL, and run beside them.
                    digesting = threading.Lock()
                    checks = [
                        _start_check(
                            pool, s, sources, target, clock_skew_ms, None if h else digesting
                        )
                        for s, h in zip(sources, held, strict=True)
                    ]
                    admission = Admission.start(conn, trust.signer, trust.trust_new)
                    return _fold(conn, target, sources, held, checks, tick, admission)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)  # (Ctrl-C: no further source)
                raise
    raise AssertionError("unreachable")  # (for type checkers: the with block returns)


def _tips_held(conn: sqlite3.Connection, source: _Source, lo: int) -> bool:
    """Does the target hold the tips of all the source's chains (so nothing it holds is new)?
    A source this cannot be asked of is read (and refused, in its turn, by its check)."""
    try:
        return bool(conn.execute(source.sql(Q["tips_held"]), {"lo": lo}).fetchone()[0])
    except sqlite3.DatabaseError:
        return False


def _start_check(
    pool: ThreadPoolExecutor,
    source: _Source,
    sources: list[_Source],
    target: Path,
    clock_skew_ms: int,
    turn: threading.Lock | None,
) -> Future[logchecks.SourceLog]:
    others = [(s.path, s.reading) for s in sources if s is not source]

    def check() -> logchecks.SourceLog:
        with turn or nullcontext():
            return logchecks.check_source_log(
                source.path, source.reading, target, others, clock_skew_ms
            )

    return pool.submit(check)


def _chain_tips(
    conn: sqlite3.Connection, sources: list[_Source], logs: list[logchecks.SourceLog]
) -> tuple[set[bytes], set[bytes]]:
    """The chains' new tips and what the new changes name outside themselves, from the
    sources' checks: a source's tip is not one if a change it names leaves a source's new
    changes (another source named it), or another source holds it not as a tip (it holds
    the changes after it: its check saw them name it)."""
    named = set().union(*(log.named for log in logs))
    tips = set()
    for source, log in zip(sources, logs, strict=True):
        for tip in log.tips - named:
            if not any(
                tip not in other_log.tips
                and conn.execute(other.sql(Q["holds"]), {"id": tip}).fetchone()[0]
                for other, other_log in zip(sources, logs, strict=True)
                if other is not source
            ):
                tips.add(tip)
    return tips, named


def _first_failure(checks: list[Future[logchecks.SourceLog]]) -> None:
    """Raise the error of the first source, in order, whose log does not hold (waiting for
    their checks to end), so that the same files always give the same line."""
    for check in checks:
        if (failed := check.exception()) is not None:
            raise failed from None


# What SQLite says when a source cannot be read as one (a damaged file, a table or column
# missing or of another shape); anything else adding its changes (a full disk, say) is the
# target's.
_SOURCE_FAULTS = frozenset({"SQLITE_ERROR", "SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_MISMATCH"})


def _bring(
    conn: sqlite3.Connection,
    source: _Source,
    sources: list[_Source],
    held: bool,
    checks: list[Future[logchecks.SourceLog]],
) -> tuple[int, int]:
    """Add one source's new changes and union tables to the target: (the size of its log
    as read, the rows of the log it brought). A source whose chains' tips the target holds
    (`held`) brings nothing and is not read for changes."""
    try:
        size = int(conn.execute(source.sql(Q["log_size"])).fetchone()[0])
        first = int(conn.execute(Q["last_row"]).fetchone()[0])
        brought = 0 if held else conn.execute(source.sql(Q["ingest"])).rowcount
        conn.execute(Q["source_rows"], {"src": source.n, "lo": first, "hi": first + brought})
        conn.execute(source.sql(Q["ingest_parents"]), {"lo": first})
        for stmt in _union_inserts(conn, source):
            conn.execute(stmt)
        conn.execute(source.sql(Q["ingest_signatures"]))
        conn.execute(source.sql(Q["ingest_keyring"]))
        conn.execute(source.sql(Q["ingest_row_signatures"]))
    except sqlite3.DatabaseError as e:
        _first_failure(checks[: source.n + 1])  # (a damaged file: its check says so first)
        if getattr(e, "sqlite_errorname", "") not in _SOURCE_FAULTS:
            raise  # the target's (a full disk, say): said as such
        raise BadDatabase(f"{source.path}: unreadable ({e})") from None
    return size, brought


def _fold(
    conn: sqlite3.Connection,
    target: Path,
    sources: list[_Source],
    held: list[bool],
    checks: list[Future[logchecks.SourceLog]],
    tick: Callable[[str], None],
    admission: Admission,
) -> list[MergeSummary]:
    """Read the sources into the target and fold what they brought (the caller holds the
    transaction); record one summary per source once every check has passed."""
    connection.run_script(conn, Q["create_merge"])
    versions = conn.execute("SELECT count(*) FROM main.checklists").fetchone()[0]
    sizes, changes = [], {}
    for source, holds in zip(sources, held, strict=True):
        tick(f"reading {source.path.name}")
        size, changes[source.n] = _bring(conn, source, sources, holds, checks)
        sizes.append(size)
    new_versions = conn.execute("SELECT count(*) FROM main.checklists").fetchone()[0]
    try:
        connection.run_script(conn, Q["before_fold"])

        def at(step: str) -> None:
            tick(STEP_LABELS[step])
            if step == "fold_records":
                conn.execute(Q["new_records"])

        fold_after(conn, at)
        tick("saving")
        records = _by_src(conn, Q["count_records"])
        answers = _by_src(conn, Q["count_answers"])
        conflicts = _count_conflicts(conn)
    except sqlite3.DatabaseError as e:
        _first_failure(checks)  # a source's log that does not hold explains it first
        raise BadDatabase(f"{target}: the merge failed ({e}); nothing was written") from None
    # Before the commit (nothing is kept otherwise), source by source: its log's check, its
    # lineage (a scrubbed copy beside what it was made from, here or in an earlier source),
    # and that it was not written to while it was read.
    logs, trusted = [], {}
    for source, size, check in zip(sources, sizes, checks, strict=True):
        log = check.result()  # (raises what its check found)
        added = admission.admit(conn, source.path, target, log.keys)
        trusted[source.n] = tuple(u.shown() for u in added)
        conn.executemany(Q["source_device"], ((source.n, d) for d in sorted(log.devices)))
        logchecks.check_lineage(conn, source.path, source.n, [s.path for s in sources])
        if log.size != size:
            raise BadInput(f"{source.path}: was written to during the merge; merge it again")
        logs.append(log)
    close_chains(conn, *_chain_tips(conn, sources, logs))
    merged_at = datetime.now(UTC).isoformat(timespec="seconds")
    summaries = []
    for source in sources:
        named = source.name or source.path
        summary = MergeSummary(
            source_file=str(named),
            source_db_id=source.database_id,
            new_changes=changes.get(source.n, 0),
            new_records=records.get(source.n, 0),
            new_answers=answers.get(source.n, 0),
            new_conflicts=conflicts.get(source.n, 0),
            trusted=trusted.get(source.n, ()),
        )
        summaries.append(summary)
        conn.execute(
            Q["record_merge"],
            {**summary.__dict__, "source_file": str(named.resolve()), "merged_at": merged_at},
        )
    if new_versions != versions:
        views.refresh(conn)
    return summaries
