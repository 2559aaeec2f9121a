"""What the report commands show, as plain functions (fieldkit/report/tables.py): the data
--json prints, the tables a terminal, CSV or Markdown get, and the line for no rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.records import call, case_file

from fieldkit.errors import BadInput
from fieldkit.report.render import to_csv, to_markdown
from fieldkit.report.tables import (
    OF_ALL_NOTE,
    coverage_report,
    evidence_report,
    scales_report,
    summary_report,
)
from fieldkit.store import Store

ITEM = "cf_t2_999_listened_exhibited"


def test_evidence_as_data_carries_the_log_digest_and_tables_the_scope(store: Store) -> None:
    for i, v in enumerate(["yes", "no", "na"]):
        case_file(store, "kent", f"K{i}", answers={ITEM: v})
    case_file(store, "kent", "D1", status="draft", answers={ITEM: "yes"})
    data = evidence_report(store.conn, checklist="case_file_review", as_data=True)
    assert data.frames == []
    assert {r["log_digest"] for r in data.data} == {store.log_digest()}
    (row,) = [r for r in data.data if r["item_id"] == ITEM]
    assert (row["applicable"], row["completed"], row["not_applicable"]) == (2, 1, 1)

    shown = evidence_report(store.conn, checklist="case_file_review", ids=True)
    (frame,) = shown.frames
    assert frame.title == (
        "Case-file review: 3 record(s), DA-flagged files in rape, serious violence and ABH"
    )
    assert "Not counted: 1 draft(s), 0 duplicate(s)." in frame.caption
    assert frame.notes == [OF_ALL_NOTE]
    (row,) = [r for r in frame.rows if r["item_id"] == ITEM]
    assert row["question_shown"].endswith(f"[{ITEM}]")
    assert row["of_all"] == f"{row['percent_of_base']}% of {row['base']}"
    # the note is the terminal's: Markdown and CSV leave it out
    assert OF_ALL_NOTE not in to_markdown(shown.frames)
    assert OF_ALL_NOTE not in to_csv(shown.frames)


def test_per_force_evidence_has_a_force_column_and_its_sections(store: Store) -> None:
    case_file(store, "kent", "K1", answers={ITEM: "yes"})
    (frame,) = evidence_report(store.conn, checklist="case_file_review", by_force=True).frames
    assert frame.group == "section"
    assert "force" in [c.key for c in frame.columns]
    (frame,) = evidence_report(store.conn, checklist="case_file_review").frames
    assert frame.group == "section"
    assert "force" not in [c.key for c in frame.columns]


def test_no_rows_gives_the_line_instead_of_tables(store: Store) -> None:
    assert evidence_report(store.conn).empty == "No counted records yet."
    assert evidence_report(store.conn).frames == []
    assert scales_report(store.conn).empty == "No scored records yet."
    assert evidence_report(store.conn, as_data=True).data == []


def test_summary_one_named_table_or_all(store: Store) -> None:
    case_file(store, "kent", "K1", answers={ITEM: "yes"})
    one = summary_report(store.conn, "table2", as_data=True).data
    assert one["id"] == "table2" and one["files"] == 1
    every = [t["id"] for t in summary_report(store.conn, as_data=True).data]
    assert every == ["table2", "figure6", "dvpo", "figure7", "table1"]  # in checklist order
    (frame,) = summary_report(store.conn, "table2", force="kent").frames
    assert frame.title.endswith("(Kent Police)")
    assert frame.columns[1].heading == "Number of applicable cases (out of 1)"
    assert "item_id" not in [c.key for c in frame.data or []]
    (frame,) = summary_report(store.conn, "table2", ids=True).frames
    assert [c.heading for c in frame.data or []][:2] == ["item_id", "evidence"]
    with pytest.raises(BadInput, match="unknown summary table 'nope'"):
        summary_report(store.conn, "nope")


def test_coverage_says_done_and_as_recorded(store: Store) -> None:
    store.set_target("call_listening", 1, force="kent")
    store.create_record("call_listening", "kent", status="final")
    shown = coverage_report(store.conn, checklist="call_listening")
    (frame,) = shown.frames
    kent = [r for r in frame.rows if r["force_code"] == "kent"]
    assert [(r["target_shown"], r["to_do"]) for r in kent] == [(1, "done")]
    rows = coverage_report(store.conn, force="kent", as_data=True).data
    assert {r["checklist_id"] for r in rows} >= {"call_listening"}
    assert all(r["force_code"] == "kent" for r in rows)
    with pytest.raises(BadInput, match="unknown checklist 'nope'"):
        coverage_report(store.conn, checklist="nope")


def test_check_output_refuses_before_anything_is_written(tmp_path: Path) -> None:
    from fieldkit.files import check_output

    with pytest.raises(BadInput, match=r"must end in \.html"):
        check_output(tmp_path / "b.txt", (".html", ".htm"))
    there = tmp_path / "b.HTM"
    there.write_text("keep")
    with pytest.raises(BadInput, match="already exists"):
        check_output(there, (".html", ".htm"))
    check_output(there, (".html", ".htm"), overwrite=True)
    check_output(tmp_path / "new.html", (".html",))
    assert there.read_text() == "keep"


def test_not_counted_footer_is_each_checklists_own_and_the_forces(store: Store) -> None:
    """Under each checklist its own drafts and duplicates; with --force that force's."""
    case_file(store, "kent", "K1", answers={ITEM: "yes"})
    case_file(store, "kent", "K2", status="draft", answers={ITEM: "yes"})
    case_file(store, "essex", "E1", answers={ITEM: "yes"})
    for ref in ("E2", "E3", "E4"):
        case_file(store, "essex", ref, status="draft", answers={ITEM: "no"})
    call(store, "kent", "C1")
    call(store, "kent", "C2", status="draft")
    call(store, "kent", "C3", status="draft")
    frames = {f.title.split(":")[0]: f for f in evidence_report(store.conn).frames}
    assert "Not counted: 4 draft(s), 0 duplicate(s)." in frames["Case-file review"].caption
    assert "Not counted: 2 draft(s), 0 duplicate(s)." in frames["Call listening"].caption
    kent = {f.title.split(":")[0]: f for f in evidence_report(store.conn, force="kent").frames}
    assert "Not counted: 1 draft(s), 0 duplicate(s)." in kent["Case-file review"].caption
    assert "Not counted: 2 draft(s), 0 duplicate(s)." in kent["Call listening"].caption
    (table,) = summary_report(store.conn, "table2", force="essex").frames
    assert "Not counted: 3 draft(s), 0 duplicate(s)." in table.caption
    # a second final copy of a counted case file is a duplicate of its force only
    case_file(store, "kent", "K1", answers={ITEM: "no"})
    (cf,) = evidence_report(store.conn, checklist="case_file_review", force="kent").frames
    assert "Not counted: 1 draft(s), 1 duplicate(s)." in cf.caption
    (cf,) = evidence_report(store.conn, checklist="case_file_review", force="essex").frames
    assert "Not counted: 3 draft(s), 0 duplicate(s)." in cf.caption
