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
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fieldkit import sql
from fieldkit.errors import BadDatabase, BadInput
from fieldkit.store import Store, keys
from fieldkit.store.fold import (
    DEFINITION_TABLES,
    FOLD_STEPS,
    SCHEMA_VERSION,
    UNION_TABLES,
    begin_fold,
    close_chains,
    fold_after,
    read_uri,
    refresh_views,
    run_script,
    transaction,
)
from fieldkit.sync import checks, logchecks, packs
from fieldkit.sync.logchecks import DEFAULT_CLOCK_SKEW_MS
from fieldkit.sync.publishing import publish, remove, remove_abandoned
from fieldkit.sync.sources import (
    SOURCE_TABLES,
    Source,
    check_database,
    check_source,
    columns_of,
    open_target,
    staged_name,
    table_names,
    upgraded_copy,
)
from fieldkit.sync.trust import Admission, Policy

Q = sql.queries("merge")
STATE = sql.queries("state")

# What merges besides the log: the store's lists (fieldkit/store/schema.py). A name here so
# a test can add a table.
APPEND_ONLY_TABLES: tuple[str, ...] = UNION_TABLES

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
    target_version = 0 if created else check_database(into, quick_check=False)[1]
    # A damaged source is refused before anything is written: up front when the target is
    # to be upgraded first, else by the check of its log beside the merge, which rolls back.
    upfront = not created and target_version < SCHEMA_VERSION
    checked: list[Source] = []
    for path in paths:
        tick(f"checking {path.name}")
        checked.append(check_source(path, into, quick_check=upfront))
        checked[-1].name = names.get(path)
    checks.check_sources(paths, into)  # definitions and register rows (fieldkit/sync/checks.py)
    for source in checked:
        if source.version < SCHEMA_VERSION:
            source.read_path = upgraded_copy(source, stack)

    # Only now is anything written: a new target, or an older one migrated (with a backup).
    # A new target is built under a hidden name beside it and given its name once whole,
    # so a merge killed half way leaves no team database that is not one.
    building = into.with_name(f".{into.name}.merging-{os.getpid()}") if created else into
    if created:
        remove_abandoned(into)
        remove(building)
        Store.create(building).close()
    elif target_version < SCHEMA_VERSION:
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
        conn.execute(f"ATTACH DATABASE ? AS {name}", (read_uri(path),))
    except sqlite3.DatabaseError as e:
        raise BadDatabase(f"{path}: cannot open ({e})") from None


def _detach_all(conn: sqlite3.Connection) -> None:
    for _, name, _ in conn.execute("PRAGMA database_list").fetchall():
        if name not in ("main", "temp"):
            conn.execute(f"DETACH DATABASE {name}")


def _stage(conn: sqlite3.Connection, source: Source) -> None:
    """A source beyond what SQLite attaches at once (ten files), copied into temp tables
    (temp."s<n>_<table>") before the transaction, in one read of it."""
    _attach(conn, source.reading, "stage")
    try:
        conn.execute("BEGIN")
        for table in (*SOURCE_TABLES.values(), *DEFINITION_TABLES, *APPEND_ONLY_TABLES):
            if table in table_names(conn, "stage"):
                staged = staged_name(source.n, table)
                conn.execute(f'DROP TABLE IF EXISTS temp."{staged}"')
                conn.execute(f'CREATE TEMP TABLE "{staged}" AS SELECT * FROM stage."{table}"')
        # (the log's ids looked up as in the file: merge.sql holds, for the chains' tips)
        log = staged_name(source.n, "changes")
        conn.execute(f'CREATE INDEX temp."{log}_id" ON "{log}" (id)')
        conn.execute("COMMIT")
    except sqlite3.DatabaseError as e:
        raise BadDatabase(f"{source.path}: unreadable ({e})") from None
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.execute("DETACH DATABASE stage")
    source.schema = "temp"


def _union_inserts(conn: sqlite3.Connection, source: Source) -> list[str]:
    """The statements that add the source's rows of the plain-union tables (definitions
    first) to the target: only the columns both databases have."""
    inserts: list[str] = []
    maintables = table_names(conn, "main")
    for table in DEFINITION_TABLES + APPEND_ONLY_TABLES:
        if table not in maintables:
            continue
        theirs = source.columns(conn, table)
        if theirs is None:
            continue
        cols = ", ".join(f'"{c}"' for c in columns_of(conn, "main", table) if c in theirs)
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
    sources: list[Source],
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
                with transaction(conn):
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
                    merged = _fold(conn, target, sources, held, checks, tick, admission)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)  # (Ctrl-C: no further source)
                raise
    return merged


def _tips_held(conn: sqlite3.Connection, source: Source, lo: int) -> bool:
    """Does the target hold the tips of all the source's chains (so nothing it holds is new)?
    A source this cannot be asked of is read (and refused, in its turn, by its check)."""
    try:
        return bool(conn.execute(source.sql(Q["tips_held"]), {"lo": lo}).fetchone()[0])
    except sqlite3.DatabaseError:
        return False


def _start_check(
    pool: ThreadPoolExecutor,
    source: Source,
    sources: list[Source],
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
    conn: sqlite3.Connection, sources: list[Source], logs: list[logchecks.SourceLog]
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
    source: Source,
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
    sources: list[Source],
    held: list[bool],
    checks: list[Future[logchecks.SourceLog]],
    tick: Callable[[str], None],
    admission: Admission,
) -> list[MergeSummary]:
    """Read the sources into the target and fold what they brought (the caller holds the
    transaction); record one summary per source once every check has passed."""
    run_script(conn, Q["create_merge"])
    versions = conn.execute("SELECT count(*) FROM main.checklists").fetchone()[0]
    sizes, changes = [], {}
    for source, holds in zip(sources, held, strict=True):
        tick(f"reading {source.path.name}")
        size, changes[source.n] = _bring(conn, source, holds, checks)
        sizes.append(size)
    new_versions = conn.execute("SELECT count(*) FROM main.checklists").fetchone()[0]
    try:
        run_script(conn, Q["before_fold"])

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
        refresh_views(conn)
    return summaries
