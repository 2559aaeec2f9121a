"""Opening fieldkit databases safely: checks before touching, owner-only creation, WAL."""

from __future__ import annotations

import contextlib
import functools
import os
import random
import sqlite3
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from fieldkit.errors import BadDatabase
from fieldkit.store import digest

APPLICATION_ID = 0x464B4954  # "FKIT"
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000
# Waiting for the write lock (see begin): each try waits at most this long.
BEGIN_TRY_MS = 20
# Page cache per connection, in KiB (negative): room for the indexes a bulk write (demo,
# import, merge) updates at random places: change ids and cells' keys are not in write
# order. Memory is taken only as pages are used.
CACHE_SIZE = -65536
# Prepared statements kept per connection: a write's fold runs about 80 distinct statements,
# more than sqlite3's default of 128 leaves room for beside the reads.
CACHED_STATEMENTS = 512


def run_script(conn: sqlite3.Connection, sql: str) -> None:
    """Run several statements without sqlite3.executescript's implicit COMMIT."""
    for stmt in statements(sql):
        conn.execute(stmt)


def clear_temp(conn: sqlite3.Connection, create: str, clear: str) -> None:
    """Run `clear` (statements emptying temp tables), after `create` (making them) when one
    is missing: a statement naming a missing table fails before it runs, leaving the
    transaction as it was."""
    try:
        run_script(conn, clear)
    except sqlite3.OperationalError as e:
        if "no such table" not in str(e):
            raise
        run_script(conn, create)
        run_script(conn, clear)


@functools.lru_cache(maxsize=256)
def statements(sql: str) -> tuple[str, ...]:
    """The statements of a script, comments-only parts left out. Cached: the fold runs the
    same few scripts on every write (splitting them cost about 0.4 ms an answer)."""
    out: list[str] = []
    buf = ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    out.append(buf.strip())
    return tuple(
        stmt
        for stmt in out
        if stmt
        and not all(ln.strip().startswith("--") or not ln.strip() for ln in stmt.splitlines())
    )


def check_file(path: Path) -> None:
    """Refuse, with one clear line, a file that is missing, not SQLite, or truncated.

    Reads the header only; writes nothing."""
    if not path.exists():
        raise BadDatabase(f"{path}: no such database (create one with `fieldkit init --db {path}`)")
    if path.is_dir():
        raise BadDatabase(f"{path}: is a directory, not a database file")
    size = path.stat().st_size
    try:
        with path.open("rb") as f:
            header = f.read(100)
    except OSError as e:
        raise BadDatabase(f"{path}: cannot read ({e.strerror})") from None
    if size == 0:
        raise BadDatabase(f"{path}: empty file, not a fieldkit database")
    if len(header) < 100 or not header.startswith(SQLITE_HEADER):
        raise BadDatabase(f"{path}: not a SQLite database")
    page_size = struct.unpack(">H", header[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    change_counter = struct.unpack(">I", header[24:28])[0]
    pages = struct.unpack(">I", header[28:32])[0]
    valid_for = struct.unpack(">I", header[92:96])[0]
    wal = Path(str(path) + "-wal")
    if (
        pages
        and valid_for == change_counter
        and size < pages * page_size
        and not (wal.exists() and wal.stat().st_size > 0)
    ):
        raise BadDatabase(
            f"{path}: truncated database ({size} of {pages * page_size} bytes); "
            "restore it from a copy"
        )


def _ro_uri(path: Path, *, immutable: bool = False) -> str:
    uri = f"file:{quote(path.resolve().as_posix())}?mode=ro"
    return uri + "&immutable=1" if immutable else uri


def _has_wal(path: Path) -> bool:
    return Path(f"{path}-wal").exists()


def read_uri(path: Path) -> str:
    """A read-only URI that leaves no -wal/-shm files behind and works on read-only media
    (a write-protected USB stick): `immutable` unless the database has a -wal file, which
    means a writer may have it open or it holds committed changes not yet checkpointed
    (then plain read-only, with locking, which reads them)."""
    return _ro_uri(path, immutable=not _has_wal(path))


def open_read_uri(path: Path) -> str:
    """A read-only URI for a database another connection of this process has open for
    writing (never `immutable`: its -wal file may come and go)."""
    return _ro_uri(path)


def connect_read(path: Path) -> sqlite3.Connection:
    """A connection that only reads a database by its read_uri (nothing written to it, not
    even a -wal file: a merge's source, a file on a write-protected stick)."""
    try:
        return sqlite3.connect(read_uri(path), uri=True, isolation_level=None)
    except sqlite3.DatabaseError as e:
        raise BadDatabase(f"{path}: cannot open ({e})") from None


def is_busy(error: BaseException) -> bool:
    """Another connection holds the database ("database is locked" / SQLITE_BUSY)."""
    text = str(error).lower()
    return isinstance(error, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def one_line(text: str, limit: int = 1000) -> str:
    """An error message as one printable line (SQLite quotes schema text, newlines and all),
    cut only past `limit` characters: room for two file paths and two key fingerprints."""
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def inspect(path: Path, *, schema: bool = True) -> tuple[int, int]:
    """(application_id, user_version) of a database file, read without changing anything:
    no -wal or -shm file is left behind (an immutable read when there is no WAL to replay).
    `schema`: its schema read too (refused if SQLite cannot read it); without, only what
    the header says, for a caller whose own connection reads it first (`connect`)."""
    check_file(path)
    try:
        conn = sqlite3.connect(read_uri(path), uri=True)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if schema:
                _read_schema(conn)
        finally:
            conn.close()
    except (sqlite3.DatabaseError, UnicodeDecodeError) as e:
        raise BadDatabase(f"{path}: unreadable database ({one_line(str(e))})") from None
    return app_id, version


def _read_schema(conn: sqlite3.Connection) -> None:
    """Have SQLite read (parse) the database's schema: it raises if it cannot."""
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()


def require_fieldkit(path: Path, schema_version: int, *, schema: bool = True) -> int:
    """Check a file is a fieldkit database this version can use; return its schema version.
    `schema`: as for `inspect`."""
    app_id, version = inspect(path, schema=schema)
    if app_id != APPLICATION_ID:
        raise BadDatabase(f"{path}: not a fieldkit database")
    if version > schema_version:
        raise BadDatabase(
            f"{path}: made by a newer fieldkit (schema {version}, this one knows {schema_version}); "
            "upgrade fieldkit to open it"
        )
    return version


def quick_check(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a database SQLite finds damaged (PRAGMA quick_check), in one line."""
    try:
        problems = [r[0] for r in conn.execute("PRAGMA main.quick_check")]
    except sqlite3.DatabaseError as e:
        problems = [str(e)]
    if problems != ["ok"]:
        raise BadDatabase(f"{path}: corrupt database ({problems[0]}); restore it from a copy")


def connect(path: Path, *, readonly: bool = False, attaching: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) with WAL, foreign keys
    and a busy timeout: the one opener of a fieldkit database, for a Store and the merge.

    A read-only connection is a normal one with `query_only` set, so that closing it removes
    the -wal/-shm files as a writer's would; a file we may not write is opened mode=ro.
    `attaching` (the merge's target): the existing file opened by a mode=rw URI, so that
    read-only URIs (read_uri) can be attached to it, and temp tables (what a fold touches,
    the counts' deltas, sources staged beyond the ten SQLite attaches) given the file's
    cache (SQLite's default for temp is 2 MB: staging ten inspectors' logs in temp tables
    took 60% longer with it)."""
    timeout = BUSY_TIMEOUT_MS / 1000
    try:
        uri = attaching or (readonly and not os.access(path, os.W_OK))
        if attaching:
            target = f"file:{quote(path.resolve().as_posix())}?mode=rw"
        else:
            target = _ro_uri(path) if uri else str(path)
        conn = sqlite3.connect(
            target,
            uri=uri,
            isolation_level=None,
            timeout=timeout,
            cached_statements=CACHED_STATEMENTS,
        )
    except (sqlite3.DatabaseError, UnicodeDecodeError) as e:
        raise BadDatabase(f"{path}: cannot open ({one_line(str(e))})") from None
    try:
        # The schema first, before any statement that could write (journal_mode): a file
        # whose schema SQLite cannot read is refused as `inspect` refuses it, unchanged.
        # Read once here, on the connection that keeps it (45 views: 5-10 ms a reading).
        _read_schema(conn)
    except (sqlite3.DatabaseError, UnicodeDecodeError) as e:
        conn.close()
        raise BadDatabase(f"{path}: unreadable database ({one_line(str(e))})") from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if readonly:
            conn.execute("PRAGMA query_only = ON")
        else:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            # The fold's scratch tables (TEMP, emptied at each write's start) keep their rollback
            # journal in memory, not in a temp file: a third of an answer's CPU went there.
            conn.execute("PRAGMA temp.journal_mode = MEMORY")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA cache_size = {CACHE_SIZE}")
        if attaching:
            conn.execute(f"PRAGMA temp.cache_size = {CACHE_SIZE}")
    except (sqlite3.DatabaseError, UnicodeDecodeError) as e:
        raise BadDatabase(f"{path}: cannot open ({one_line(str(e))})") from None
    digest.register(conn)
    return conn


def create_file(path: Path) -> None:
    """Create an empty file readable and writable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BadDatabase(f"{path}: already exists") from None
    os.close(fd)
    os.chmod(path, 0o600)


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection, mode: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error: all or nothing."""
    begin(conn, mode)
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def begin(conn: sqlite3.Connection, mode: str = "IMMEDIATE") -> None:
    """BEGIN a transaction, waiting as long as the connection's busy timeout for another
    writer, in short tries a few random milliseconds apart: fair to a writer that never
    pauses for long (SQLite's own handler backs off to a try every 100 ms)."""
    timeout_ms = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    deadline = time.monotonic() + timeout_ms / 1000
    conn.execute(f"PRAGMA busy_timeout = {min(timeout_ms, BEGIN_TRY_MS)}")
    try:
        while True:
            try:
                conn.execute(f"BEGIN {mode}")
                return
            except sqlite3.OperationalError as e:
                if not is_busy(e) or time.monotonic() >= deadline:
                    raise
            time.sleep(random.uniform(0.0005, 0.003))
    finally:
        conn.execute(f"PRAGMA busy_timeout = {timeout_ms}")
