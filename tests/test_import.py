"""CSV import: line-numbered errors, all or nothing, idempotent on the natural key."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from fieldkit.store import Store

T2 = [
    "cf_t2_victim_statement_initial",
    "cf_t2_injury_photos",
    "cf_t2_house_to_house",
    "cf_t2_officer_statement",
    "cf_t2_bwv_used",
    "cf_t2_999_listened_exhibited",
    "cf_t2_safety_measures",
]
HEADER = [
    "force",
    "observed_at",
    "status",
    "subject_ref",
    "cf_crime_ref",
    "cf_offence_category",
    "cf_da_flag",
    "cf_victim_injured",
    *T2,
]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def row(
    ref: str, force: str = "kent", status: str = "final", injured: str = "yes", t2: str = "yes"
) -> list[str]:
    photos = "" if injured == "no" else t2
    return [
        force,
        "2015-06-02",
        status,
        ref,
        ref,
        "Actual bodily harm",
        "yes",
        injured,
        t2,
        photos,
        t2,
        t2,
        t2,
        t2,
        t2,
    ]


def changes(db: Path) -> int:
    with Store.open(db, readonly=True) as s:
        return s.conn.execute("SELECT count(*) FROM changes").fetchone()[0]


def test_import_partial_rows_and_relevance_rule(cli, tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    f = write_csv(
        tmp_path / "files.csv", [row("CR/1"), row("CR/2", force="Gwent Police", injured="no")]
    )
    r = cli("import", f, "--checklist", "case_file_review", "--db", db, "--partial")
    assert r.exit_code == 0, r.stderr
    assert "2 records imported" in r.output
    with Store.open(db) as s:
        recs = {r["subject_ref"]: r for r in s.records()}
        assert recs["CR/2"]["force_code"] == "gwent"
        assert recs["CR/1"]["status"] == "final"
        answers = s.answers(recs["CR/2"]["record_id"])
        assert answers[("cf_offence_category", "")] == "abh"
        assert answers[("cf_t2_injury_photos", "")] == "na"  # set by the rule
        assert answers[("cf_t2_bwv_used", "")] == "yes"


def test_final_row_with_unanswered_items_is_refused_without_partial(cli, tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    f = write_csv(tmp_path / "files.csv", [row("CR/1", status="draft"), row("CR/2")])
    r = cli("import", f, "--checklist", "case_file_review", "--db", db)
    assert r.exit_code == 2
    line = r.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "files.csv:3" in line and "unanswered required item" in line and "--partial" in line
    assert "cf_force_da_marker" in line
    assert not db.exists()  # the database it would have created is not left behind


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (
            lambda rows, header: header.__setitem__(4, "cf_crime_reff"),
            "files.csv:1 column cf_crime_reff: unknown column",
        ),
        (
            lambda rows, header: rows[1].__setitem__(0, "Atlantis"),
            "files.csv:3 column force: unknown force 'Atlantis'",
        ),
        (
            lambda rows, header: rows[1].__setitem__(6, "maybe"),
            "files.csv:3 column cf_da_flag: expected yes/no",
        ),
        (
            lambda rows, header: rows[0].__setitem__(5, "arson"),
            "files.csv:2 column cf_offence_category: 'arson' is not one of",
        ),
        (
            lambda rows, header: rows[1].__setitem__(1, "02/06/2015"),
            "files.csv:3 column observed_at",
        ),
        (lambda rows, header: rows[1].__setitem__(2, "done"), "files.csv:3 column status"),
        (
            lambda rows, header: rows[1].__setitem__(9, "na"),
            "files.csv:3 column cf_t2_injury_photos: can be na only when",
        ),
        (lambda rows, header: rows[1].append("extra"), "files.csv:3: 16 cells, the header has 15"),
        (lambda rows, header: rows[1].__setitem__(4, "CR/1"), "files.csv:3: same record as line 2"),
    ],
)
def test_bad_rows_name_line_and_column_and_store_nothing(
    cli, tmp_path: Path, mutate, expected
) -> None:
    db = tmp_path / "t.db"
    Store.create(db).close()
    rows = [row("CR/1"), row("CR/2"), row("CR/3")]
    header = list(HEADER)
    mutate(rows, header)
    f = write_csv(tmp_path / "files.csv", rows, header)
    before = changes(db)
    r = cli("import", f, "--checklist", "case_file_review", "--db", db, "--partial")
    assert r.exit_code == 2
    assert expected in r.stderr
    assert "nothing was imported" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert changes(db) == before


def test_importing_twice_adds_nothing(cli, tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    f = write_csv(tmp_path / "files.csv", [row(f"CR/{n}") for n in range(5)])
    assert (
        cli("import", f, "--checklist", "case_file_review", "--db", db, "--partial").exit_code == 0
    )
    first = changes(db)
    r = cli("import", f, "--checklist", "case_file_review", "--db", db, "--partial")
    assert r.exit_code == 0
    assert "0 records imported, 5 already present" in r.output
    assert changes(db) == first
    # the natural key ignores case and spacing of the reference, and the force's spelling
    g = write_csv(tmp_path / "again.csv", [row(" cr/3 ", force="Kent Police")])
    r = cli("import", g, "--checklist", "case_file_review", "--db", db, "--partial")
    assert "1 already present" in r.output


def test_a_reference_with_accented_capitals_is_found_again(cli, tmp_path: Path) -> None:
    """SQLite lower-cases ASCII letters only: the importer keys rows the same way, so a
    second import of `ÉCR/1` finds the record the first made instead of adding a copy."""
    db = tmp_path / "t.db"
    f = write_csv(tmp_path / "files.csv", [row("ÉCR/1"), row("Straße/2")])
    args = ("import", f, "--checklist", "case_file_review", "--db", db, "--partial")
    assert cli(*args).exit_code == 0
    first = changes(db)
    r = cli(*args)
    assert r.exit_code == 0
    assert "0 records imported, 2 already present" in r.output
    assert changes(db) == first


def test_unknown_checklist(cli, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "files.csv", [row("CR/1")])
    r = cli("import", f, "--checklist", "parking", "--db", tmp_path / "t.db")
    assert r.exit_code == 2
    assert "unknown checklist 'parking'" in r.stderr


def test_repeat_groups_and_multi_values(cli, tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    header = [
        "force",
        "observed_at",
        "status",
        "mo_marac_area",
        "mo_meeting_date",
        "mo_att_status[police]",
        "mo_att_participation[police]",
        "mo_att_status[health]",
        "mo_risk_tool",
        "mo_case_ref[1]",
        "note:mo_att_status[health]",
    ]
    rows = [
        [
            "Sussex Police",
            "2015-07-01T09:30",
            "draft",
            "Brighton",
            "2015-07-01",
            "attended",
            "4",
            "absent without apology",
            "SafeLives DASH risk checklist; professional judgement only",
            "M0001",
            "third meeting missed",
        ]
    ]
    f = write_csv(tmp_path / "m.csv", rows, header)
    r = cli("import", f, "--checklist", "marac_observation", "--db", db)
    assert r.exit_code == 0, r.stderr
    with Store.open(db) as s:
        rid = s.records()[0]["record_id"]
        a = s.answers(rid)
        assert a[("mo_att_status", "health")] == "absent_without_apology"
        assert a[("mo_att_seniority_ok", "health")] == "na"  # rule within the same agency row
        assert a[("mo_att_participation", "police")] == 4
        assert json.loads(a[("mo_risk_tool", "")]) == [
            "safelives_dash_risk_checklist",
            "professional_judgement_only",
        ]
        assert a[("mo_case_ref", "1")] == "M0001"
        assert s.notes(rid) == {("mo_att_status", "health"): "third meeting missed"}


def test_windows_1252_csv_is_read(cli, tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    f = tmp_path / "w.csv"
    text = (
        "force,observed_at,status,fd_station_name,fd_visit_datetime,fd_notes\r\n"
        "Kent,2015-06-01,draft,Café Street,2015-06-01T10:00,Leaflets – none\r\n"
    )
    f.write_bytes(text.encode("cp1252"))
    r = cli("import", f, "--checklist", "front_desk", "--db", db)
    assert r.exit_code == 0, r.stderr
    assert "windows-1252" in r.output
    with Store.open(db) as s:
        a = s.answers(s.records()[0]["record_id"])
        assert a[("fd_station_name", "")] == "Café Street"
        assert a[("fd_notes", "")] == "Leaflets – none"


def test_failed_import_into_new_database_leaves_no_file(cli, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "files.csv", [row("CR/1", force="Atlantis")])
    db = tmp_path / "new.db"
    r = cli("import", f, "--checklist", "case_file_review", "--db", db, "--partial")
    assert r.exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["files.csv"]
