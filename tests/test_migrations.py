"""Opening a database written by schema version 1 (tests/fixtures/schema_v1.db): it is
migrated to the current schema, keeps everything it held, and a backup of the schema-1
file is left beside it. Written to hold at any schema version >= 1."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import stat
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from helpers.oracle import assert_equal_to_recomputation
from helpers.records import call, case_file

from fieldkit.errors import BadDatabase
from fieldkit.report import evidence, not_counted, scales
from fieldkit.store import SCHEMA_VERSION, Store
from fieldkit.store import schema as schema_mod
from fieldkit.store.chain import verify
from fieldkit.sync import merge
from fieldkit.sync.conflicts import duplicates

FIXTURE = Path(__file__).parent / "fixtures" / "schema_v1.db"
RECORD_COLUMNS = (
    "record_id, checklist_id, checklist_version, inspection, force_code, inspector,"
    " observer_role, observed_at, subject_ref, status, deleted, natural_key"
)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def frozen(path: Path) -> sqlite3.Connection:
    """A read-only look at a file that creates nothing beside it."""
    return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)


def content(path: Path) -> list[str]:
    conn = frozen(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def v1_state(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    """What schema 1 held, read the same way from either schema."""
    q = conn.execute
    return {
        "records": q(f"SELECT {RECORD_COLUMNS} FROM records ORDER BY record_id").fetchall(),
        # A change is named by (device, seq): its id changes form at schema 3.
        "cells": q(
            "SELECT c.record_id, c.kind, c.field, c.rkey, c.value, w.device_id, w.seq"
            " FROM cells c JOIN changes w ON w.id = c.change_id ORDER BY 1, 2, 3, 4"
        ).fetchall(),
        "changes": q(
            "SELECT c.device_id, c.seq, c.record_id, c.kind, c.field, c.rkey, c.value,"
            " p.device_id, p.seq FROM changes c LEFT JOIN changes p ON p.id = c.parent"
            " ORDER BY 1, 2"
        ).fetchall(),
        "meta": q(
            "SELECT key, value FROM meta WHERE key IN ('database_id', 'device_id', 'inspector')"
            " ORDER BY key"
        ).fetchall(),
    }


@pytest.fixture(scope="module")
def fixture_state() -> dict[str, list[tuple]]:
    conn = frozen(FIXTURE)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        return v1_state(conn)
    finally:
        conn.close()


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    target = tmp_path / "fieldwork.db"
    shutil.copyfile(FIXTURE, target)
    target.chmod(0o600)
    return target


def backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.v1-*.bak"))


def test_fixture_is_schema_1_and_untouched_by_the_suite() -> None:
    conn = frozen(FIXTURE)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal"
    finally:
        conn.close()
    assert sorted(p.name for p in FIXTURE.parent.glob("schema_v1.db*")) == ["schema_v1.db"]


def test_opening_migrates_and_keeps_everything(old_db: Path, fixture_state: dict) -> None:
    with Store.open(old_db) as s:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert v1_state(s.conn) == fixture_state
        [case] = s.records(checklist="case_file_review")
        assert case["force_code"] == "kent" and case["subject_ref"] == "CR/1"
        assert case["inspection"] == "fixture"
        answers = s.answers(case["record_id"])
        assert answers[("cf_crime_ref", "")] == "CR/15/000001"
        assert answers[("cf_victim_injured", "")] == "no"
        assert answers[("cf_t2_bwv_used", "")] == "yes"
        assert s.notes(case["record_id"]) == {("cf_t2_bwv_used", ""): "BWV footage exhibited"}
        assert s.records(checklist="call_listening") == []
        [call] = s.records(checklist="call_listening", deleted=True)
        assert call["deleted"] == 1 and call["force_code"] == "gwent"
        assert s.answers(call["record_id"])[("cl_calm_reassuring", "")] == 4
        assert s.conn.execute(
            "SELECT checklist_id, stratum, force_code, target FROM targets"
        ).fetchall() == [("call_listening", "", "*", 12)]
        # and it still takes writes, which a reopen sees
        s.restore(call["record_id"])
    with Store.open(old_db, readonly=True) as s:
        assert len(s.records(checklist="call_listening")) == 1


def test_migration_leaves_a_schema_1_backup(old_db: Path) -> None:
    Store.open(old_db).close()
    found = backups(old_db)
    if SCHEMA_VERSION == 1:
        assert found == []
        return
    [backup] = found
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    conn = frozen(backup)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert content(backup) == content(FIXTURE)
    # Opening again migrates nothing and makes no second backup.
    Store.open(old_db).close()
    assert backups(old_db) == [backup]


def test_init_migrates_through_the_cli(cli, old_db: Path, fixture_state: dict) -> None:
    result = cli("init", "--db", old_db)
    assert result.exit_code == 0, result.stderr
    with Store.open(old_db, readonly=True) as s:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert v1_state(s.conn) == fixture_state
    assert len(backups(old_db)) == (1 if SCHEMA_VERSION > 1 else 0)


def test_read_only_open_of_an_old_schema_is_refused_untouched(old_db: Path) -> None:
    before = sha(old_db)
    if SCHEMA_VERSION == 1:
        Store.open(old_db, readonly=True).close()
    else:
        with pytest.raises(BadDatabase, match="older fieldkit schema 1"):
            Store.open(old_db, readonly=True)
        assert backups(old_db) == []
    assert sha(old_db) == before


def test_failed_migration_changes_nothing(
    old_db: Path, fixture_state: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All or nothing: a migration that fails part-way leaves the schema-1 content as it was."""

    def broken(conn: sqlite3.Connection) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(schema_mod, "install_reference", broken)
    before = content(old_db)
    if SCHEMA_VERSION == 1:
        Store.open(old_db).close()  # nothing to migrate, nothing to break
        return
    with pytest.raises(RuntimeError, match="disk on fire"):
        Store.open(old_db)
    monkeypatch.undo()
    conn = sqlite3.connect(old_db)  # a plain connection: checkpoint any WAL, then read
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert v1_state(conn) == fixture_state
    finally:
        conn.close()
    assert content(old_db) == before


@pytest.mark.parametrize("newer", [SCHEMA_VERSION + 1, SCHEMA_VERSION + 40])
def test_newer_schema_is_refused_untouched(cli, old_db: Path, newer: int) -> None:
    conn = sqlite3.connect(old_db)
    conn.execute(f"PRAGMA user_version = {newer}")
    conn.commit()
    conn.close()
    before = sha(old_db)
    with pytest.raises(BadDatabase, match="newer fieldkit"):
        Store.open(old_db)
    result = cli("init", "--db", old_db)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert f"schema {newer}" in result.stderr
    assert sha(old_db) == before
    assert backups(old_db) == []


def test_an_old_database_merges_as_a_source_untouched_with_the_ids_it_will_have(
    old_db: Path, tmp_path: Path
) -> None:
    """A laptop still on schema 1 is read through an upgraded private copy: its file is
    left as it was, and its changes get the ids they get when it upgrades itself."""
    before = old_db.read_bytes()
    team = tmp_path / "team.db"
    merge([old_db], team)
    assert old_db.read_bytes() == before
    assert not list(tmp_path.glob("*.bak"))
    with Store.open(team, readonly=True) as t:
        merged = t.conn.execute("SELECT id FROM changes ORDER BY id").fetchall()
        assert t.log_digest()
    with Store.open(old_db) as s:
        assert s.conn.execute("SELECT id FROM changes ORDER BY id").fetchall() == merged
    with Store.open(team, readonly=True) as t:
        assert verify(t.conn).ok


def rewind_step_7(conn: sqlite3.Connection) -> None:
    """Undo schema step 7 (records.keyed, a generated column): the database as a fieldkit
    at step 6 left it. The views reading the column go first; the migration makes them."""
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'view' AND sql LIKE '%keyed%'"
    ).fetchall():
        conn.execute(f'DROP VIEW "{name}"')
    conn.execute("ALTER TABLE records DROP COLUMN keyed")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0007_keyed_records'")
    conn.execute("PRAGMA user_version = 6")


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_xinfo({table})")]


def test_a_schema_6_database_gets_keyed_and_keeps_its_figures(tmp_path: Path) -> None:
    """Step 7 writes the blank-key rule once, as records.keyed: a database written at step 6,
    with copies of one case file and call, and records whose key items are blank (each
    counts on its own), opens with the column and the same figures, duplicates and
    counted records, equal to the recomputation."""
    db = tmp_path / "team.db"
    with Store.create(db, inspector="amy") as s:
        first = case_file(s, "kent", "CR/15/1", answers={"cf_t2_bwv_used": "yes"})
        copy = case_file(s, "kent", " cr/15/1", answers={"cf_t2_bwv_used": "no"})
        blank = [case_file(s, "kent", "", answers={"cf_t2_bwv_used": v}) for v in ("no", "no")]
        calls = [call(s, "gwent", ref, cl_calm_reassuring=3) for ref in ("C1", "C1", "", "")]

    def figures(conn: sqlite3.Connection) -> Any:
        return (
            evidence(conn),
            evidence(conn, by_force=True),
            scales(conn),
            not_counted(conn),
            duplicates(conn),
            conn.execute("SELECT * FROM duplicate_records ORDER BY record_id").fetchall(),
            conn.execute("SELECT * FROM record_agg ORDER BY record_id").fetchall(),
        )

    with Store.open(db, readonly=True) as s:
        keyed = dict(s.conn.execute("SELECT record_id, keyed FROM records"))
        before = figures(s.conn)
    assert [keyed[r] for r in (first, copy, *blank, *calls)] == [1, 1, 0, 0, 1, 1, 0, 0]
    assert before[3] == {"drafts": 0, "duplicates": 2}  # one copy of each key, no blank one
    with closing(sqlite3.connect(db)) as conn:
        rewind_step_7(conn)
        conn.commit()
        assert "keyed" not in columns(conn, "records")

    with Store.open(db) as s:  # migrates: step 7 adds the column, the aggregates are rebuilt
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert "keyed" in columns(s.conn, "records")
        assert dict(s.conn.execute("SELECT record_id, keyed FROM records")) == keyed
        assert figures(s.conn) == before
    assert len(list(tmp_path.glob("team.db.v6-*.bak"))) == 1
    assert_equal_to_recomputation(db)


# Schema step 5's current-state table and the log's cell index as they were, for
# step_5_layout: step 6 replaced them by the winner mark on changes and the `cells` view.
STEP_5_LAYOUT = (
    "CREATE TABLE cells_was AS SELECT * FROM cells",
    "DROP VIEW cells",
    "CREATE TABLE cells (record_id TEXT NOT NULL, kind TEXT NOT NULL, field TEXT NOT NULL,"
    " rkey TEXT NOT NULL DEFAULT '', value, change_id TEXT NOT NULL, hlc INTEGER NOT NULL,"
    " device_id TEXT NOT NULL, author TEXT, PRIMARY KEY (record_id, kind, field, rkey))",
    "INSERT INTO cells SELECT * FROM cells_was",
    "DROP TABLE cells_was",
    "CREATE INDEX cells_field ON cells (kind, field)",
    "DROP INDEX changes_cell",
    "CREATE INDEX changes_cell ON changes (record_id, kind, field, rkey)",
    "ALTER TABLE changes DROP COLUMN winner",
    "DELETE FROM _sqlite_migrations WHERE name = '0006_winner_marker'",
    "PRAGMA user_version = 5",
)


def test_a_schema_5_database_keeps_its_figures_conflicts_and_log(cli, tmp_path: Path) -> None:
    """Step 6 makes current state a mark on the log: a team database written at step 5
    (cells a table of its own), with a settled edit and an open conflict, opens with the
    same current values, conflicts, report figures and log, and `fieldkit verify` passes."""
    amy, bob, team = tmp_path / "amy.db", tmp_path / "bob.db", tmp_path / "team.db"
    with Store.create(amy, inspector="amy") as s:
        rid = case_file(s, "kent", "CR/15/1", answers={"cf_t2_bwv_used": "yes"})
        case_file(s, "gwent", "CR/15/2", injured="no")
    merge([amy], bob)
    with Store.open(amy) as s:
        s.set_answer(rid, "cf_da_flag", "no")  # concurrent with bob's: a conflict
    with Store.open(bob) as s:
        s.set_answer(rid, "cf_da_flag", "yes")
        s.set_answer(rid, "cf_t2_bwv_used", "no")  # settles over amy's earlier value
    merge([amy, bob], team)

    def state(path: Path) -> tuple[Any, ...]:
        conn = frozen(path)
        try:
            return (
                conn.execute("SELECT * FROM cells ORDER BY 1, 2, 3, 4").fetchall(),
                conn.execute("SELECT * FROM conflicts ORDER BY change_id").fetchall(),
                conn.execute(
                    f"SELECT {RECORD_COLUMNS}, created_hlc, updated_hlc FROM records"
                    " ORDER BY record_id"
                ).fetchall(),
            )
        finally:
            conn.close()

    def figures() -> Any:
        result = cli("report", "evidence", "--db", team, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    now, reported = state(team), figures()
    assert len(now[1]) == 1 and len(now[0]) > 10  # an open conflict, and cells to keep
    with closing(sqlite3.connect(team)) as conn:
        rewind_step_7(conn)
        for stmt in STEP_5_LAYOUT:
            conn.execute(stmt)
        conn.commit()
        assert conn.execute("SELECT type FROM sqlite_master WHERE name = 'cells'").fetchone() == (
            "table",
        )
    assert state(team) == now

    with Store.open(team) as s:  # migrates to the current schema
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert s.conn.execute("SELECT type FROM sqlite_master WHERE name = 'cells'").fetchone() == (
            "view",
        )
        assert verify(s.conn).ok
    assert state(team) == now
    assert figures() == reported
    result = cli("verify", "--db", team)
    assert result.exit_code == 0, result.output
