"""Schema steps (through sqlite-utils Migrations), backups before migrating, reference data."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils
    from sqlite_utils.migrations import Migrations

from fieldkit import forces as forces_data
from fieldkit import sql
from fieldkit.checklists import Checklist, load_all
from fieldkit.store import views
from fieldkit.store.connection import APPLICATION_ID, begin, run_script
from fieldkit.store.definitions import ITEM_COLUMNS, KEY_ITEM_COLUMNS, checklist_rows

STEPS = sql.schema_steps()

# What a merge takes from a source besides its change log (fieldkit.sync reads these):
# checklist definitions (databases on different versions of a checklist keep both; a
# definition is checked against what is held first, fieldkit.sync.checks), and tables merged
# by plain union (INSERT OR IGNORE, in this order; none has a foreign key): rows never changed
# once written, keyed by a digest of their content so that two databases holding a key hold
# the same row. The union tables are the register's and the plans' (schema steps 0002 and
# 0004; fieldkit.register writes them) and the attachments (0010, keyed by content digest).
DEFINITION_TABLES: tuple[str, ...] = ("checklists", "items", "natural_key_items")
UNION_TABLES: tuple[str, ...] = (
    "register_entries",
    "rec_events",
    "plans",
    "plan_themes",
    "plan_objectives",
    "plan_events",
    "plan_links",
    "register_withdrawals",
    "attachments",
)
SCHEMA_VERSION = len(STEPS)


def _rekey(conn: sqlite3.Connection) -> None:
    from fieldkit.store.chain import prepare_rekey

    prepare_rekey(conn)


# Python run just before a schema step's SQL, for what SQL alone cannot compute.
BEFORE_STEP = {"0003_verifiable_log": _rekey}


@cache
def _migrations() -> Migrations:
    """The schema steps as a sqlite-utils Migrations set (built on first use: importing
    sqlite-utils costs start-up time the capture app does not need)."""
    from sqlite_utils.migrations import Migrations

    migrations = Migrations("fieldkit")
    for name, text in STEPS:

        def step(db: sqlite_utils.Database, text: str = text, name: str = name) -> None:
            if name in BEFORE_STEP:
                BEFORE_STEP[name](db.conn)
            run_script(db.conn, text)

        step.__name__ = name
        migrations(name=name)(step)
    return migrations


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending schema steps in ONE transaction (all or nothing); return the new version.

    The caller has already checked the database is not from a newer fieldkit and, for an
    existing database, written a backup."""
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    begin(conn)
    try:
        _migrations().apply(db)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        install_reference(conn)
        views.refresh(conn, rebuild=True)  # computes the stored aggregates (step 0005)
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return SCHEMA_VERSION


SIGNED_FROM = [name for name, _ in STEPS].index("0008_signatures") + 1
ROWS_SIGNED_FROM = [name for name, _ in STEPS].index("0009_row_signatures") + 1


def vouch_upgraded(conn: sqlite3.Connection, version: int, signer: Any = None) -> str | None:
    """A database made before change logs (or register rows and checklist definitions)
    were signed (schema `version`), just migrated: the device upgrading it signs every
    chain tip its log holds and every row (fieldkit.store.signing, .rowsigs), vouching for
    what it holds. What to tell its user, or None when there was nothing to vouch for."""
    if version >= ROWS_SIGNED_FROM or version == 0:
        return None
    from fieldkit.store import keys, rowsigs
    from fieldkit.store.connection import transaction
    from fieldkit.store.signing import sign_heads

    signer = signer or keys.signer()
    with transaction(conn):
        tips = sign_heads(conn, signer) if version < SIGNED_FROM else 0
        rows = rowsigs.sign_unsigned(conn, signer)
        if rows and signer.fingerprint not in rowsigs.known_keys(conn):
            tips = sign_heads(conn, signer)  # (so that the log knows the key vouching)
        changes, devices = conn.execute(
            "SELECT count(*), count(DISTINCT device_id) FROM changes"
        ).fetchone()
    told = []
    if tips:
        told.append(f"its {changes:,} change(s) from {devices} device(s)")
    if rows:
        told.append(f"its {rows:,} register, plan and checklist row(s)")
    if not told:
        return None
    return (
        f"upgraded to signed change logs and rows: {' and '.join(told)} are vouched for by "
        f"this device's key {signer.fingerprint}"
    )


def backup(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    """Copy the database (SQLite's online backup) beside it before a migration, owner-only."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.v{version}-{stamp}.bak")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.v{version}-{stamp}-{n}.bak")
    target.touch(mode=0o600)
    dest = sqlite3.connect(str(target))
    try:
        conn.backup(dest)
    finally:
        dest.close()
    target.chmod(0o600)
    return target


def install_reference(conn: sqlite3.Connection) -> None:
    """Forces, their aliases, and every shipped checklist definition (idempotent)."""
    conn.executemany(
        "INSERT OR IGNORE INTO forces (code, name, welsh) VALUES (?, ?, ?)",
        [(c, n, int(c in forces_data.WELSH_FORCES)) for c, n, _ in forces_data.FORCES],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO force_aliases (alias, code) VALUES (?, ?)",
        forces_data.alias_rows(),
    )
    for checklist in load_all().values():
        install_checklist(conn, checklist, refresh_views=False)


def checklist_hash(checklist: Checklist) -> str:
    return hashlib.sha256(checklist.definition_json().encode()).hexdigest()


def install_checklist(
    conn: sqlite3.Connection, checklist: Checklist, *, refresh_views: bool = True
) -> None:
    """Store a checklist definition and its items, unless that id and version are there
    (and then rebuild the views, which have a wide view per checklist version)."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO checklists (id, version, title, definition, hash) VALUES (?, ?, ?, ?, ?)",
        (
            checklist.id,
            checklist.version,
            checklist.title,
            checklist.definition_json(),
            checklist_hash(checklist),
        ),
    )
    if cur.rowcount == 0:
        return
    items, key_items = checklist_rows(checklist)
    conn.executemany(
        f"INSERT OR IGNORE INTO items ({', '.join(ITEM_COLUMNS)})"
        f" VALUES ({', '.join('?' * len(ITEM_COLUMNS))})",
        items,
    )
    conn.executemany(
        f"INSERT OR IGNORE INTO natural_key_items ({', '.join(KEY_ITEM_COLUMNS)})"
        " VALUES (?, ?, ?, ?)",
        key_items,
    )
    if refresh_views:
        views.refresh(conn)
