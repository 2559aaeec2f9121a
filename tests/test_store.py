"""The store: round trips, the change log, owner-only files, and refusing bad databases."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from helpers.records import case_file

from fieldkit.errors import BadDatabase, BadInput
from fieldkit.store import SCHEMA_VERSION, IncompleteRecord, Store
from fieldkit.store.identity import natural_key


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_database_is_owner_only_wal_with_reference_data(store: Store, db_path: Path) -> None:
    assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("SELECT count(*) FROM forces").fetchone()[0] == 43
    ids = {r[0] for r in store.conn.execute("SELECT id FROM checklists")}
    assert {"call_listening", "front_desk", "marac_observation", "case_file_review"} <= ids
    items = store.conn.execute(
        "SELECT prompt FROM items WHERE checklist_id = 'case_file_review' AND item_id = ?",
        ("cf_t2_bwv_used",),
    ).fetchone()
    assert "Body-worn video" in items[0]
    assert store.device_id and store.database_id and store.inspector == "tester"


def test_answer_round_trip_with_change_log(store: Store) -> None:
    rid = store.create_record("call_listening", "Avon & Somerset", subject_ref="INC-1")
    store.set_answer(rid, "cl_calm_reassuring", "4")
    store.set_answer(rid, "cl_identified_as_da", "y")
    store.set_note(rid, "cl_calm_reassuring", "steady throughout")
    store.close()
    with Store.open(store.path) as again:
        rec = again.record(rid)
        assert rec["force_code"] == "avon_somerset"
        assert rec["status"] == "draft" and rec["inspector"] == "tester"
        assert again.answers(rid) == {
            ("cl_calm_reassuring", ""): 4,
            ("cl_identified_as_da", ""): "yes",
        }
        assert again.notes(rid) == {("cl_calm_reassuring", ""): "steady throughout"}
        log = again.conn.execute(
            "SELECT field, value, author, device_id FROM changes WHERE kind = 'answer' ORDER BY hlc"
        ).fetchall()
        assert [(f, v) for f, v, _, _ in log] == [
            ("cl_calm_reassuring", 4),
            ("cl_identified_as_da", "yes"),
        ]
        assert {a for _, _, a, _ in log} == {"tester"}
        assert {d for _, _, _, d in log} == {again.device_id}


def test_every_change_is_kept_and_the_latest_wins(store: Store) -> None:
    rid = store.create_record("front_desk", "kent")
    for value in ("yes", "no", "yes"):
        store.set_answer(rid, "fd_open_at_visit", value)
    assert store.answers(rid)[("fd_open_at_visit", "")] == "yes"
    values = [
        r[0]
        for r in store.conn.execute(
            "SELECT value FROM changes WHERE field = 'fd_open_at_visit' ORDER BY hlc"
        )
    ]
    assert values == ["yes", "no", "yes"]
    hlcs = [r[0] for r in store.conn.execute("SELECT hlc FROM changes ORDER BY seq")]
    assert hlcs == sorted(hlcs) and len(set(hlcs)) == len(hlcs)


def test_relevance_rule_sets_and_clears_na(store: Store) -> None:
    rid = store.create_record("front_desk", "kent")
    written = store.set_answer(rid, "fd_open_at_visit", "no")
    assert written[("fd_wait_minutes", "")] == "na"
    assert store.answers(rid)[("fd_staff_role", "")] == "na"
    store.set_answer(rid, "fd_open_at_visit", "yes")
    assert ("fd_wait_minutes", "") not in store.answers(rid)


def test_na_refused_where_not_allowed(store: Store) -> None:
    rid = store.create_record("case_file_review", "kent")
    with pytest.raises(BadInput, match="not applicable is not allowed"):
        store.set_answer(rid, "cf_da_flag", "na")
    store.set_answer(rid, "cf_victim_injured", "yes")
    with pytest.raises(BadInput, match="can be na only when cf_victim_injured = no"):
        store.set_answer(rid, "cf_t2_injury_photos", "na")
    with pytest.raises(BadInput, match="has no item"):
        store.set_answer(rid, "cf_nope", "yes")


def test_finalise_refused_until_complete_then_reopen(store: Store) -> None:
    rid = store.create_record("front_desk", "dorset")
    with pytest.raises(IncompleteRecord) as e:
        store.finalise(rid)
    assert e.value.missing[0] == ("fd_station_name", "")
    checklist = store.checklist("front_desk")
    store.set_answer(rid, "fd_open_at_visit", "yes")
    store.set_answer(rid, "fd_da_leaflets_present", "yes")
    store.set_answer(rid, "fd_observed_vulnerable_interaction", "no")
    for item in checklist.items:
        if not item.answerable or (item.id, "") in store.answers(rid):
            continue
        if item.kind in ("yn", "ynna"):
            store.set_answer(rid, item.id, "yes")
        elif item.kind in ("q4", "count", "minutes"):
            store.set_answer(rid, item.id, "3")
        elif item.kind == "datetime":
            store.set_answer(rid, item.id, "2015-06-01T10:00")
        elif item.kind == "date":
            store.set_answer(rid, item.id, "2015-05-01")
        elif item.kind in ("choice", "multi"):
            store.set_answer(rid, item.id, item.choices[0].code)
        elif item.required:
            store.set_answer(rid, item.id, "Dorchester")
    store.finalise(rid)
    assert store.record(rid)["status"] == "final"
    store.reopen(rid)
    assert store.record(rid)["status"] == "draft"
    statuses = [
        r[0]
        for r in store.conn.execute("SELECT value FROM changes WHERE field = 'status' ORDER BY hlc")
    ]
    assert statuses == ["draft", "final", "draft"]


def test_soft_delete_and_restore(store: Store) -> None:
    rid = store.create_record("call_listening", "essex")
    store.delete(rid)
    assert store.records() == []
    assert [r["record_id"] for r in store.records(deleted=True)] == [rid]
    store.restore(rid)
    assert [r["record_id"] for r in store.records()] == [rid]


def test_duplicate_as_new_keeps_answers_but_not_the_key(store: Store) -> None:
    rid = store.create_record("call_listening", "essex")
    store.set_answer(rid, "cl_call_ref", "INC-9")
    store.set_answer(rid, "cl_ctx_thrive_adopted", "yes")
    new = store.duplicate(rid)
    assert new != rid
    assert store.answers(new) == {("cl_ctx_thrive_adopted", ""): "yes"}


def test_search_finds_subject_refs_and_notes(store: Store) -> None:
    a = store.create_record("call_listening", "essex", subject_ref="INC-42")
    b = store.create_record("call_listening", "essex")
    store.set_note(b, "cl_calm_reassuring", "handler used the script well")
    assert [r["record_id"] for r in store.records(search="INC-42")] == [a]
    assert [r["record_id"] for r in store.records(search="script")] == [b]


@pytest.mark.parametrize("ref", ["CR/1", "  Cr/2 ", "ÉCR/3", "Straße/4", "cr\t5", "6"])
def test_the_python_natural_key_is_the_one_the_fold_stores(store: Store, ref: str) -> None:
    """The importer matches rows to stored records with natural_key(); the records fold
    builds records.natural_key in SQL: the two must agree on every reference."""
    rid = store.create_record("case_file_review", "kent", answers={("cf_crime_ref", ""): ref})
    assert store.record(rid)["natural_key"] == natural_key("kent", [ref])


def test_unknown_force_is_one_clear_error(store: Store) -> None:
    with pytest.raises(BadInput, match="unknown force 'Atlantis'"):
        store.create_record("call_listening", "Atlantis")


# --------------------------------------------------------------- bad database files


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty file"),
        (b"force,observed_at\nkent,2015-06-01\n" * 10, "not a SQLite database"),
        (os.urandom(4096), "not a SQLite database"),
    ],
    ids=["empty", "csv text", "random bytes"],  # the same names in every xdist worker
)
def test_not_a_database_is_refused_untouched(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.db"
    path.write_bytes(content)
    before = sha(path)
    with pytest.raises(BadDatabase, match=message) as e:
        Store.open(path)
    assert e.value.exit_code == 2
    assert sha(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.db"]


def test_plain_sqlite_database_is_not_fieldkit(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    before = sha(path)
    with pytest.raises(BadDatabase, match="not a fieldkit database"):
        Store.open(path)
    assert sha(path) == before


def test_truncated_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "team.db"
    with Store.create(path, inspector="ann") as s:
        for n in range(40):
            case_file(s, "kent", f"K/{n}", answers={"cf_offence_detail": "x" * 400})
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    before = sha(path)
    with pytest.raises(BadDatabase, match="truncated"):
        Store.open(path)
    assert sha(path) == before


def test_newer_schema_is_refused_untouched(db_path: Path) -> None:
    Store.create(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = sha(db_path)
    with pytest.raises(BadDatabase, match="newer fieldkit"):
        Store.open(db_path)
    assert sha(db_path) == before


@pytest.mark.parametrize("kind", ["text", "empty", "newer"])
def test_cli_bad_database_one_line_exit_2(cli, tmp_path: Path, kind: str) -> None:
    path = tmp_path / "bad.db"
    if kind == "text":
        path.write_text("not a database at all\n" * 20)
    elif kind == "empty":
        path.write_bytes(b"")
    else:
        Store.create(path).close()
        conn = sqlite3.connect(path)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
        conn.close()
    before = sha(path)
    result = cli("init", "--db", path)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert sha(path) == before


def test_db_option_falls_back_to_env_then_user_default(cli, tmp_path: Path, monkeypatch) -> None:
    env_db = tmp_path / "env.db"
    monkeypatch.setenv("FIELDKIT_DB", str(env_db))
    assert cli("where").output.strip() == str(env_db)
    assert cli("init", "--inspector", "amy").exit_code == 0
    assert env_db.exists()
    monkeypatch.delenv("FIELDKIT_DB")
    default = Path(cli("where").output.strip())
    assert default.name == "fieldkit.db"
    assert str(tmp_path) in str(default)  # under the (isolated) per-user config dir


def test_rules_hold_when_another_writer_changes_the_record_meanwhile(db_path: Path) -> None:
    """set_answer reads, applies the relevance rules and writes in one transaction, so a
    second writer cannot slip a change in between and leave the record inconsistent."""
    from fieldkit.checklists import check_consistency

    a = Store.create(db_path, inspector="a")
    rid = a.create_record("call_listening", "kent")
    b = Store.open(db_path)
    original = b.answers

    def answers_then_race(record_id: str) -> dict:
        seen = original(record_id)
        # the other app answers while b is between reading and writing; with b holding the
        # write lock it has to wait (and here gives up), which is the point
        with contextlib.suppress(sqlite3.OperationalError):
            a.set_answer(rid, "cl_ctx_auto_repeat_id", "yes")
        return seen

    b.answers = answers_then_race  # type: ignore[method-assign]
    b.conn.execute("PRAGMA busy_timeout = 100")
    a.conn.execute("PRAGMA busy_timeout = 100")
    b.set_answer(rid, "cl_ctx_repeat_id_fallback", "handler_asks_caller")
    assert check_consistency(a.checklist("call_listening"), a.answers(rid)) == []
    a.close()
    b.close()


def test_a_new_record_carries_the_visit_answers_of_the_inspectors_last_one(store: Store) -> None:
    """A call's control-room context (a `scope: visit` section) is asked once per visit: the
    next call by the same inspector at the same force starts with it; nobody else's does."""
    first = store.create_record("call_listening", "kent", inspector="Ann")
    store.set_answer(first, "cl_visit_unannounced", "no")
    second = store.create_record("call_listening", "kent", inspector="Ann")
    store.set_answer(second, "cl_visit_unannounced", "yes")
    store.set_answer(second, "cl_call_ref", "CR-2")  # not a visit question: stays behind
    carried, source = store.visit_carryover("call_listening", "kent", "Ann")
    assert carried[("cl_visit_unannounced", "")] == "yes"  # the latest of Ann's calls
    assert ("cl_call_ref", "") not in carried
    assert source == second[:8]
    assert store.visit_carryover("call_listening", "kent", "Bob") == ({}, "")
    assert store.visit_carryover("call_listening", "essex", "Ann") == ({}, "")
    assert store.visit_carryover("case_file_review", "kent", "Ann") == ({}, "")


def test_files_fieldkit_writes_are_private_and_all_or_nothing(tmp_path: Path) -> None:
    """One way to write an output (workbooks, exports, briefings, forms, the context): the
    file is owner-only, and a write that fails leaves the old file and no temporary behind."""
    from fieldkit.files import replace_privately, write_privately

    out = tmp_path / "out.txt"
    write_privately(out, "first")
    assert out.read_text() == "first"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    def half_then_fail(tmp: Path) -> None:
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        replace_privately(out, half_then_fail)
    assert out.read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_a_writer_block_is_all_or_nothing(store: Store) -> None:
    """Everything a Writer does in one `writing()` block (a checklist installed, a change
    appended, a meta value set) is undone together when the block raises."""
    from fieldkit.checklists import get
    from fieldkit.store import Change

    before = (store.counts(), store.latest_versions(), store.inspector)
    target = Change("target", "setting", "front_desk", 7, "@kent")
    with pytest.raises(RuntimeError), store.writing() as w:
        w.install(get("front_desk"))
        assert w.append([target]) == 1
        w.set_meta([("inspector", "Someone Else")])
        raise RuntimeError("stop")
    assert (store.counts(), store.latest_versions(), store.inspector) == before
    with store.writing() as w:
        w.append([target], author="A. Author")
    row = store.conn.execute(
        "SELECT c.author, v.value FROM changes c JOIN cells v ON v.record_id = c.record_id"
        " WHERE c.record_id = 'target' AND v.rkey = '@kent'"
    ).fetchone()
    assert row == ("A. Author", 7)
