"""The files a merge reads and writes, and their safety: a source is checked before
anything is read from it (missing, not fieldkit's, corrupt, newer, the target itself, a
copy scrubbed by an older fieldkit: one line each), an older source is upgraded in a
private copy, and the target is opened for writing with read-only sources attachable.
Where the merge reads each source's tables (attached, or staged in temp) is a Source."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from fieldkit import sql
from fieldkit.errors import BadDatabase, BadInput
from fieldkit.store import Store
from fieldkit.store.fold import (
    SCHEMA_VERSION,
    connect,
    connect_read,
    create_file,
    read_uri,
    require_fieldkit,
)
from fieldkit.store.fold import quick_check as integrity_check

Q = sql.queries("merge")

SOURCE_TABLES = {
    "changes": "changes",
    "parents": "change_parents",
    "heads": "chain_heads",
    "signatures": "signatures",
    "keyring": "keyring",
    "row_signatures": "row_signatures",
}


def staged_name(n: int, table: str) -> str:
    """The temp table a source beyond the ten SQLite attaches is copied into (_stage)."""
    return f"s{n}_{table}"


@dataclass
class Source:
    path: Path
    database_id: str
    version: int = SCHEMA_VERSION
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
            return "temp", staged_name(self.n, name)
        return self.schema, name

    def table(self, name: str) -> str:
        schema_name, table = self._located(name)
        return f'{schema_name}."{table}"'

    def sql(self, query: str) -> str:
        """A merge.sql query with the source's tables in its holes."""
        for hole, table in SOURCE_TABLES.items():
            query = query.replace("{" + hole + "}", self.table(table))
        return query

    def columns(self, conn: sqlite3.Connection, table: str) -> set[str] | None:
        """The columns of one of its tables (None: it has no such table)."""
        schema_name, name = self._located(table)
        if name not in table_names(conn, schema_name):
            return None
        return set(columns_of(conn, schema_name, name))


# ------------------------------------------------------------------------ opening files
def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def table_names(conn: sqlite3.Connection, schema_name: str) -> set[str]:
    rows = conn.execute(f"SELECT name FROM {schema_name}.sqlite_master WHERE type = 'table'")
    return {r[0] for r in rows}


def columns_of(conn: sqlite3.Connection, schema_name: str, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f'PRAGMA {schema_name}.table_info("{table}")')]


def check_database(path: Path, *, quick_check: bool) -> tuple[str, int]:
    """(database id, schema version) of a fieldkit database this fieldkit can read, or one
    clear error (connection.require_fieldkit, then an integrity check). Writes nothing."""
    version = require_fieldkit(path, SCHEMA_VERSION)
    conn = connect_read(path)
    try:
        try:
            tables = table_names(conn, "main")
            if not {"meta", "changes"} <= tables:
                raise BadDatabase(f"{path}: not a fieldkit database")
            if quick_check:
                integrity_check(conn, path)
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


def check_source(path: Path, target: Path, *, quick_check: bool = True) -> Source:
    """Refuse, with one clear line, a source that is missing, not a fieldkit database,
    corrupt, from a newer fieldkit, or the target file itself. A copy of the target is a
    source like any other: unchanged it brings nothing; written since, it brings what was
    written (copies handed out instead of merged back are a way teams work).

    Without `quick_check`, SQLite's check for damage is left to the check of the source's
    log during the merge (it reads every page: most of a second for ten inspectors'
    files), except for a source from an older fieldkit, which is upgraded first."""
    if _same_file(path, target):
        raise BadInput(f"{path}: is the target database itself")
    database_id, version = check_database(path, quick_check=quick_check)
    if not quick_check and version < SCHEMA_VERSION:
        check_database(path, quick_check=True)
    return Source(path, database_id, version)


def upgraded_copy(source: Source, stack: ExitStack) -> Path:
    """A source made by an older fieldkit, copied (owner-only, in a private temporary
    directory removed after the merge) and brought to this schema there: its changes get
    the ids its own fieldkit will give them when it upgrades. The source is only read."""
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fieldkit-merge-")))
    copy = tmp / "source.db"
    create_file(copy)
    src = sqlite3.connect(read_uri(source.path), uri=True)
    dst = sqlite3.connect(str(copy))
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    Store.open(copy).close()
    return copy


def open_target(path: Path) -> sqlite3.Connection:
    """A writing connection to a fieldkit database that can ATTACH read-only URIs: the
    store's one opener (fieldkit.store.connection.connect), foreign keys on as for a Store."""
    return connect(path, attaching=True)
