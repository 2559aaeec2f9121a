"""`fieldkit export xlsx`: read back with openpyxl and compared with `report evidence --json`;
layout, owner-only files, formula injection, redaction, force filter, row-limit splitting."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.records import call, case_file
from helpers.workbook import header_row, table
from openpyxl import load_workbook
from typer.testing import Result

from fieldkit.export import export_xlsx
from fieldkit.store import Store

Cli = Callable[..., Result]
SECRET_REF = "CR/SECRET/77"
SECRET_NOTE = "victim's sister phoned twice"
NASTY = ['=HYPERLINK("http://x","y")', "+SUM(1,2)", "-2+3", "@cmd", "\tTAB", "\rCR"]


def filled(path: Path) -> Path:
    with Store.create(path, inspector="tester") as s:
        for i, v in enumerate(["yes", "no", "na", "yes"]):
            case_file(s, "kent", f"K/{i}", answers={"cf_t2_bwv_used": v, "cf_999_listened": "yes"})
        rid = case_file(
            s,
            "essex",
            SECRET_REF,
            category="rape",
            answers={"cf_t2_bwv_used": "no", "cf_offence_detail": "s.47 assault"},
        )
        s.set_note(rid, "cf_t2_bwv_used", SECRET_NOTE)
        case_file(s, "essex", "B/1", category="burglary", answers={"cf_t2_bwv_used": "yes"})
        for i, text in enumerate(NASTY):
            case_file(s, "durham", f"D/{i}", answers={"cf_offence_detail": text})
        call(s, "kent", "INC-1", cl_calm_reassuring=4, cl_safety_advice="yes")
        call(s, "essex", "INC-2", cl_calm_reassuring=2, cl_safety_advice="na")
        s.create_record(
            "marac_observation",
            "kent",
            status="final",
            answers={
                ("mo_marac_area", ""): "Kent West",
                ("mo_att_status", "health"): "apologies_no_info",
                ("mo_case_ref", "1"): "M-1",
                ("mo_case_referring_agency", "1"): "police",
            },
        )
    return path


@pytest.fixture
def book(tmp_path: Path) -> tuple[Path, Path]:
    db = filled(tmp_path / "team.db")
    out = tmp_path / "out.xlsx"
    with Store.open(db, readonly=True) as s:
        export_xlsx(s, out)
    return db, out


def all_text(path: Path) -> str:
    wb = load_workbook(path)
    return "\n".join(
        str(v)
        for ws in wb.worksheets
        for row in ws.iter_rows(values_only=True)
        for v in row
        if v is not None
    )


def test_summary_sheet_is_the_report_json(cli: Cli, tmp_path: Path) -> None:
    db = filled(tmp_path / "team.db")
    out = tmp_path / "report.xlsx"
    res = cli("export", "xlsx", "--db", db, "--out", out)
    assert res.exit_code == 0, res.output
    assert "Summary" in res.output and "Answers" in res.output
    rows = json.loads(cli("report", "evidence", "--db", db, "--json").output)
    ws = load_workbook(out)["Summary"]
    assert ws["A1"].value == "Inspection findings: evidence by instrument"
    assert ws["A2"].value.startswith("Source: team.db (database ")
    assert "exported" in ws["A2"].value
    at = header_row(ws, "Question")
    assert [c.value for c in ws[at]][:8] == [
        "Question",
        "Applicable",
        "Completed",
        "% completed",
        "Figure",
        "N/A",
        "Blank",
        "Of all in scope",
    ]
    sheet = table(ws, "Question", "Item id")
    assert list(sheet) == [r["item_id"] for r in rows]  # every item, questionnaire order
    headings = [
        r[0].value
        for r in ws.iter_rows(min_row=at + 1)
        if r[0].value and not r[8].value  # a row naming the table under it
    ]
    assert headings[0].startswith("Call listening: 2 record(s)"), headings
    assert any(h.startswith("Case-file review: 11 record(s), DA-flagged") for h in headings)
    for r in rows:
        cells = sheet[r["item_id"]]
        assert cells["Question"].value == r["question"]
        assert (cells["Applicable"].value, cells["Completed"].value) == (
            r["applicable"],
            r["completed"],
        )
        assert cells["Figure"].value == r["label"]
        assert cells["Of all in scope"].value == r["base_label"]
        share = cells["% completed"]
        if r["applicable"]:
            assert isinstance(share.value, int | float) and share.number_format == "0%"
            assert share.value == pytest.approx(r["completed"] / r["applicable"], abs=1e-12)
        else:
            assert share.value is None
    bwv = next(r for r in rows if r["item_id"] == "cf_t2_bwv_used")
    assert bwv["label"] == "50% (2 of 4)"  # the burglary file is not in it


def test_layout_frozen_headers_filters_widths_and_charts(book: tuple[Path, Path]) -> None:
    _, out = book
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "Summary" and wb.sheetnames[-1] == "About"
    for name in (
        "By force",
        "Scales",
        "Coverage",
        "Excluded case files",
        "Case-file review",
        "Call listening",
        "MARAC observation",
        "Answers",
        "Notes",
        "Conflicts",
    ):
        assert name in wb.sheetnames
    summary = wb["Summary"]
    at = header_row(summary, "Question")
    assert summary.freeze_panes == f"A{at + 1}"
    assert summary.column_dimensions["A"].width >= 60  # room for the question
    charts = wb["Charts"]._charts
    tables = [
        r[0].value for r in summary.iter_rows(min_row=at + 1) if r[0].value and not r[8].value
    ]
    assert len(charts) == len(tables)  # one chart per Summary table
    assert len(wb["Table 2"]._charts) == 1
    wide = wb["Case-file review"]
    assert wide.freeze_panes == "B3"
    ids = [c.value for c in wide[1]]
    questions = [c.value for c in wide[2]]
    at = ids.index("cf_t2_bwv_used")
    assert (
        questions[at]
        == "Body-worn video cameras used to capture evidence from the victim and scene"
    )
    assert wide.auto_filter.ref.startswith("A2:")
    marac = wb["MARAC observation"]
    ids = [c.value for c in marac[1]]
    row = [c.value for c in marac[3]]
    assert row[ids.index("mo_att_status__health")] == "Apologies - no info"  # readable
    assert row[ids.index("mo_case_referring_agency")] == "1: Police"
    answers = wb["Answers"]
    assert [c.value for c in answers[1]] == [
        "Record id",
        "Checklist",
        "Force",
        "Status",
        "Item id",
        "Instance",
        "Question",
        "Answer",
    ]
    about = dict(wb["About"].iter_rows(min_row=2, values_only=True))
    assert about["Source database"].endswith("team.db")
    assert about["Force filter"] == "all forces" and about["Redaction"].startswith("off")


def test_the_workbook_is_owner_only_and_never_half_written(
    cli: Cli, tmp_path: Path, book: tuple[Path, Path]
) -> None:
    db, out = book
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    before = hashlib.sha256(out.read_bytes()).hexdigest()
    res = cli("export", "xlsx", "--db", db, "--out", out)
    assert res.exit_code == 2 and "already exists" in res.output
    assert hashlib.sha256(out.read_bytes()).hexdigest() == before
    res = cli("export", "xlsx", "--db", db, "--out", tmp_path / "x.csv")
    assert res.exit_code == 2 and ".xlsx" in res.output
    res = cli("export", "xlsx", "--db", db, "--out", out, "--overwrite")
    assert res.exit_code == 0 and stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_text_that_looks_like_a_formula_stays_text(book: tuple[Path, Path]) -> None:
    _, out = book
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name), name
    wb = load_workbook(out)
    # read back as given, but for control characters, which every way out drops (a CR is
    # one, a tab is text): "\rCR" reads "CR", plain text with nothing to run
    nasty = set(NASTY) - {"\rCR"}
    found = set()
    for ws in (wb["Case-file review"], wb["Answers"]):
        for row in ws.iter_rows():
            for c in row:
                if c.value in nasty:
                    assert c.data_type == "s", (ws.title, c.coordinate, c.value)
                    assert c.quotePrefix, (ws.title, c.coordinate)
                    found.add(c.value)
                assert not (isinstance(c.value, str) and "\r" in c.value), c.coordinate
    assert found == nasty
    assert "CR" in [c.value for row in wb["Answers"].iter_rows() for c in row]


@pytest.mark.slow
def test_redact_drops_free_text_and_subject_references(tmp_path: Path, cli: Cli) -> None:
    db = filled(tmp_path / "team.db")
    full, redacted = tmp_path / "full.xlsx", tmp_path / "redacted.xlsx"
    assert cli("export", "xlsx", "--db", db, "--out", full).exit_code == 0
    assert cli("export", "xlsx", "--db", db, "--out", redacted, "--redact").exit_code == 0
    text = all_text(full)
    assert SECRET_REF in text and SECRET_NOTE in text and "s.47 assault" in text
    text = all_text(redacted)
    for secret in (SECRET_REF, SECRET_NOTE, "s.47 assault", "M-1", "Kent West", "INC-1"):
        assert secret not in text, secret
    wb = load_workbook(redacted)
    assert "cf_crime_ref" not in [c.value for c in wb["Case-file review"][1]]
    assert "cf_t2_bwv_used" in [c.value for c in wb["Case-file review"][1]]
    about = dict(wb["About"].iter_rows(min_row=2, values_only=True))
    assert about["Redaction"].startswith("on")

    # the figures are unchanged (the source line says when each was exported: left out)
    def figures(sheet) -> list[tuple]:  # noqa: ANN001
        return [
            r
            for r in sheet.iter_rows(values_only=True)
            if not (isinstance(r[0], str) and r[0].startswith("Source: "))
        ]

    assert figures(load_workbook(full)["Summary"]) == figures(wb["Summary"])
    assert len(figures(wb["Summary"])) > 10


def test_force_filter(tmp_path: Path, cli: Cli) -> None:
    db = filled(tmp_path / "team.db")
    out = tmp_path / "kent.xlsx"
    assert cli("export", "xlsx", "--db", db, "--out", out, "--force", "Kent Police").exit_code == 0
    wb = load_workbook(out)
    forces = {r[1] for r in wb["Case-file review"].iter_rows(min_row=3, values_only=True)}
    assert forces == {"kent"}
    assert {r[2] for r in wb["Answers"].iter_rows(min_row=2, values_only=True)} == {"kent"}
    summary = table(wb["Summary"], "Question", "Item id")
    assert summary["cf_t2_bwv_used"]["Figure"].value == "67% (2 of 3)"
    about = dict(wb["About"].iter_rows(min_row=2, values_only=True))
    assert about["Force filter"] == "kent"
    res = cli("export", "xlsx", "--db", db, "--out", tmp_path / "x.xlsx", "--force", "Atlantis")
    assert res.exit_code == 2 and "unknown force" in res.output
    assert not (tmp_path / "x.xlsx").exists()


def test_long_sheets_split_at_the_row_limit(book: tuple[Path, Path], tmp_path: Path) -> None:
    db, _ = book
    out = tmp_path / "split.xlsx"
    with Store.open(db, readonly=True) as s:
        answers = s.conn.execute("SELECT count(*) FROM answers_long").fetchone()[0]
        written = export_xlsx(s, out, max_rows=25)
    wb = load_workbook(out)
    parts = [n for n in wb.sheetnames if n == "Answers" or n.startswith("Answers (")]
    assert len(parts) == -(-answers // 24) and parts[1] == "Answers (2)"
    total = 0
    for name in parts:
        ws = wb[name]
        assert ws.max_row <= 25
        assert ws["A1"].value == "Record id" and ws.freeze_panes == "A2"
        total += ws.max_row - 1
        assert written[name] == ws.max_row - 1
    assert total == answers


def test_the_export_reports_its_progress_sheet_by_sheet(
    book: tuple[Path, Path], tmp_path: Path
) -> None:
    db, _ = book
    seen: list[tuple[str, int, int, int]] = []
    with Store.open(db, readonly=True) as s:
        written = export_xlsx(s, tmp_path / "p.xlsx", progress=lambda *a: seen.append(a))
    assert seen[0] == ("Summary", 0, 0, 0)  # said at once, before the figures are read
    seen = seen[1:]
    totals = {a[2] for a in seen}
    assert len(totals) == 1  # the number of sheets is known from then on
    done = [a[1] for a in seen]
    assert done == sorted(done) and done[-1] == totals.pop() - 1
    started = [a[0] for a in seen if a[3] == 0]
    assert started[0] == "Summary" and started[-1] == "About"
    rows = {}
    for sheet, _, _, n in seen:
        rows[sheet] = rows.get(sheet, 0) + n
    assert rows["Answers"] == written["Answers"]  # every row counted once
