"""The reporting views: what counts, the Table 2 rule, wide views, and staying current."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from helpers.records import call, case_file, rows_by_item

from fieldkit import report
from fieldkit.checklists import get, parse_checklist
from fieldkit.store import Store, views


def names(conn: sqlite3.Connection, kind: str = "view") -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = ?", (kind,))}


def test_a_new_database_has_every_view_and_a_wide_view_per_checklist(store: Store) -> None:
    have = names(store.conn)
    assert {
        "counted_records",
        "evidence_summary",
        "evidence_by_force",
        "scale_summary",
        "scale_by_force",
        "coverage",
        "open_conflicts",
        "answers_long",
        "targets",
    } <= have
    checklists = {r[0] for r in store.conn.execute("SELECT id FROM checklists")}
    assert {f"wide_{c}" for c in checklists} <= have
    assert views.current(store.conn)


def test_wide_view_has_a_row_per_record_and_a_column_per_item(store: Store) -> None:
    rid = case_file(store, "kent", "CR/9", answers={"cf_t2_bwv_used": "no"})
    draft = case_file(store, "kent", "CR/10", status="draft")
    store.delete(case_file(store, "kent", "CR/11"))
    cur = store.conn.execute("SELECT * FROM wide_case_file_review ORDER BY record_id")
    cols = [d[0] for d in cur.description]
    rows = {r[0]: dict(zip(cols, r, strict=True)) for r in cur}
    assert set(rows) == {rid, draft}  # deleted records are gone
    item_ids = [
        r[0]
        for r in store.conn.execute(
            "SELECT item_id FROM items WHERE checklist_id = 'case_file_review' ORDER BY position"
        )
    ]
    # the record, then the questions in form order, then the rest of the envelope
    assert cols[0] == "record_id" and cols[1 : 1 + len(item_ids)] == item_ids
    assert cols[1 + len(item_ids) :][:2] == ["checklist_version", "force_code"]
    row = rows[rid]
    assert row["cf_crime_ref"] == "CR/9" and row["cf_t2_bwv_used"] == "no"
    assert row["cf_in_da_analysis"] == "yes" and row["counted"] == 1
    assert rows[draft]["counted"] == 0 and rows[draft]["status"] == "draft"


def test_repeat_groups_get_a_column_per_fixed_instance_and_json_for_open_ones(
    store: Store,
) -> None:
    rid = store.create_record(
        "marac_observation",
        "kent",
        status="final",
        answers={
            ("mo_marac_area", ""): "Kent West",
            ("mo_meeting_date", ""): "2015-06-01",
            ("mo_start_time", ""): "09:30",
            ("mo_end_time", ""): "13:00",
            ("mo_cases_heard", ""): 7,
            ("mo_att_status", "police"): "attended",
            ("mo_case_ref", "1"): "M1",
            ("mo_case_ref", "2"): "M2",
        },
    )
    row = store.conn.execute(
        "SELECT mo_att_status__police, mo_att_status__health, mo_case_ref, mo_minutes_per_case"
        " FROM wide_marac_observation WHERE record_id = ?",
        (rid,),
    ).fetchone()
    assert row[0] == "attended" and row[1] is None
    assert json.loads(row[2]) == {"1": "M1", "2": "M2"}
    assert row[3] == 30.0  # 210 minutes over 7 cases


def test_counted_records_are_final_not_deleted_and_one_per_case_file(
    tmp_path: Path,
) -> None:
    a = Store.create(tmp_path / "a.db", inspector="A")
    first = case_file(a, "kent", "CR/1")
    again = case_file(a, "Kent Police", " cr/1 ")  # same file, recorded later
    case_file(a, "essex", "CR/1")  # another force: another file
    case_file(a, "kent", "CR/2", status="draft")
    gone = case_file(a, "kent", "CR/3")
    a.delete(gone)
    counted = {r[0] for r in a.conn.execute("SELECT record_id FROM counted_records")}
    assert first in counted and again not in counted and gone not in counted
    assert len(counted) == 2
    dups = a.conn.execute("SELECT record_id, counted FROM duplicate_records").fetchall()
    assert sorted(dups) == sorted([(first, 1), (again, 0)])
    # Deleting the counted copy makes the other one count.
    a.delete(first)
    counted = {r[0] for r in a.conn.execute("SELECT record_id FROM counted_records")}
    assert again in counted
    a.close()


def test_records_without_a_natural_key_are_never_merged_into_one(store: Store) -> None:
    r1 = store.create_record("call_listening", "kent", status="final")
    r2 = store.create_record("call_listening", "kent", status="final")
    counted = {r[0] for r in store.conn.execute("SELECT record_id FROM counted_records")}
    assert {r1, r2} <= counted


def test_not_applicable_and_unknown_are_left_out_of_both_counts(store: Store) -> None:
    answers = ["yes", "yes", "no", "na", "na"]
    for i, v in enumerate(answers):
        case_file(store, "kent", f"CR/{i}", answers={"cf_t2_bwv_used": v})
    row = rows_by_item(report.evidence(store.conn, checklist="case_file_review"))["cf_t2_bwv_used"]
    assert (row["applicable"], row["completed"], row["not_applicable"]) == (3, 2, 2)
    assert row["percent"] == 67 and row["label"] == "67% (2 of 3)"
    assert row["files"] == 5 and row["percent_of_base"] == 40  # the 2014 denominator
    assert row["base_label"] == "40% (2 of 5 records)"
    view = store.conn.execute(
        "SELECT applicable, completed, percent, label FROM evidence_summary"
        " WHERE item_id = 'cf_t2_bwv_used' AND in_scope = 1"
    ).fetchone()
    assert view == (3, 2, 67, "67% (2 of 3)")


def test_forces_are_pooled_never_averaged(store: Store) -> None:
    # Kent 1 of 1 (100%), Essex 1 of 3 (33%): pooled 2 of 4 = 50%, not the mean 67%.
    case_file(store, "kent", "K1", answers={"cf_t2_house_to_house": "yes"})
    for i, v in enumerate(["yes", "no", "no"]):
        case_file(store, "essex", f"E{i}", answers={"cf_t2_house_to_house": v})
    pooled = rows_by_item(report.evidence(store.conn, checklist="case_file_review"))
    assert pooled["cf_t2_house_to_house"]["label"] == "50% (2 of 4)"
    per = [
        r
        for r in report.evidence(store.conn, checklist="case_file_review", by_force=True)
        if r["item_id"] == "cf_t2_house_to_house"
    ]
    assert {r["force"]: r["label"] for r in per} == {
        "essex": "33% (1 of 3)",
        "kent": "100% (1 of 1)",
    }


def test_only_da_files_in_rape_serious_violence_and_abh_are_in_scope(store: Store) -> None:
    case_file(store, "kent", "IN1", category="rape", answers={"cf_t2_bwv_used": "yes"})
    case_file(store, "kent", "IN2", category="serious_violence", answers={"cf_t2_bwv_used": "no"})
    case_file(store, "kent", "OUT1", category="burglary", answers={"cf_t2_bwv_used": "yes"})
    case_file(store, "kent", "OUT2", category="abh", da="no", answers={"cf_t2_bwv_used": "yes"})
    case_file(store, "kent", "OUT3", status="draft", answers={"cf_t2_bwv_used": "yes"})
    inside = rows_by_item(report.evidence(store.conn, checklist="case_file_review"))
    assert inside["cf_t2_bwv_used"]["label"] == "50% (1 of 2)"
    outside = rows_by_item(
        report.evidence(store.conn, checklist="case_file_review", in_scope=False)
    )
    assert outside["cf_t2_bwv_used"]["label"] == "100% (2 of 2)"
    assert report.not_counted(store.conn, "case_file_review") == {"drafts": 1, "duplicates": 0}


def test_blank_answers_are_counted_beside_the_figure(store: Store) -> None:
    case_file(store, "kent", "A", answers={"cf_t2_bwv_used": "yes"})
    case_file(store, "kent", "B")  # no answer: a legacy import
    row = rows_by_item(report.evidence(store.conn, checklist="case_file_review"))["cf_t2_bwv_used"]
    assert (row["applicable"], row["blank"], row["files"]) == (1, 1, 2)


def test_scale_items_count_mean_and_share_meeting_the_standard(store: Store) -> None:
    for i, score in enumerate([4, 3, 2, 1, "na"]):
        call(store, "kent", f"C{i}", cl_calm_reassuring=score)
    row = rows_by_item(report.scales(store.conn, checklist="call_listening"))["cl_calm_reassuring"]
    assert (row["scored"], row["met"], row["mean"], row["not_applicable"]) == (4, 2, "2.5", 1)
    assert row["label"] == "50% (2 of 4)"


def test_sql_rounding_is_the_decimal_half_up_rule_for_every_count(store: Store) -> None:
    rows = store.conn.execute(
        "WITH RECURSIVE n(a) AS (SELECT 1 UNION ALL SELECT a + 1 FROM n WHERE a < 600),"
        " pairs(c, a) AS (SELECT m.a - 1, n.a FROM n JOIN n AS m ON m.a - 1 <= n.a)"
        " SELECT c, a, (200 * c + a) / (2 * a) FROM pairs"
    ).fetchall()
    assert len(rows) > 180_000
    for c, a, p in rows:
        want = int((Decimal(100 * c) / Decimal(a)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
        assert p == want == report.percent(c, a), (c, a)
    assert report.percent(1, 8) == 13 and report.percent(1, 40) == 3  # halves go up
    assert report.percent(0, 0) is None and report.label(0, 0) == "no applicable records"


def test_a_new_checklist_version_gets_its_own_wide_view(store: Store) -> None:
    v1 = get("front_desk")
    source = dict(v1.source)
    source["version"] = 2
    sections = [dict(s) for s in source["sections"]]
    sections[0] = dict(sections[0])
    sections[0]["items"] = list(sections[0]["items"]) + [
        {"id": "fd_new_question", "prompt": "A question added in version 2", "kind": "yn"}
    ]
    source["sections"] = sections
    v2 = parse_checklist(source, "front_desk v2")
    with store.writing() as w:
        w.install(v2)
    have = names(store.conn)
    assert {"wide_front_desk", "wide_front_desk_v1", "wide_front_desk_v2"} <= have
    cols = [d[1] for d in store.conn.execute("PRAGMA table_info(wide_front_desk)")]
    assert "fd_new_question" in cols
    assert views.current(store.conn)


def test_stale_views_are_replaced_for_readers_without_writing_the_file(
    db_path: Path,
) -> None:
    with Store.create(db_path) as s:
        case_file(s, "kent", "CR/1", answers={"cf_t2_bwv_used": "yes"})
        s.conn.execute("DROP VIEW evidence_summary")
        s.conn.execute("DROP VIEW fieldkit_views")
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = hashlib.sha256(db_path.read_bytes()).hexdigest()
    with Store.open(db_path, readonly=True) as s:
        assert not views.current(s.conn)
        rows = rows_by_item(report.evidence(s.conn, checklist="case_file_review"))
        assert rows["cf_t2_bwv_used"]["label"] == "100% (1 of 1)"
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == before
    with Store.open(db_path) as s:
        views.refresh(s.conn)
        assert views.current(s.conn)
        assert "evidence_summary" in names(s.conn)


def test_refresh_is_idempotent_and_leaves_other_views_alone(store: Store) -> None:
    store.conn.execute("CREATE VIEW someone_elses AS SELECT 1 AS x")
    before = names(store.conn)
    views.refresh(store.conn)
    views.refresh(store.conn)
    assert names(store.conn) == before


def test_init_stores_this_fieldkits_views_in_a_file_an_older_one_made(cli, db_path: Path) -> None:
    with Store.create(db_path) as s:
        call(s, "kent", "INC-1", cl_non_judgemental="yes")
        with s.writing() as w:  # as an older fieldkit left it: another coverage view
            w.execute("DROP VIEW coverage")
            w.execute("CREATE VIEW coverage AS SELECT 'old' AS checklist_id")
            w.execute(f"DROP VIEW {views.STAMP_VIEW}")
            w.execute(f"CREATE VIEW {views.STAMP_VIEW} AS SELECT 'older' AS version")
        assert not views.current(s.conn)
    result = cli("init", "--db", db_path)
    assert result.exit_code == 0, result.output
    assert "views updated" in result.output
    plain = sqlite3.connect(db_path)  # no fieldkit: what the file itself holds
    try:
        got = {r[0] for r in plain.execute("SELECT DISTINCT checklist_id FROM coverage")}
        assert "old" not in got and "call_listening" in got
    finally:
        plain.close()
    assert "views updated" not in cli("init", "--db", db_path).output
