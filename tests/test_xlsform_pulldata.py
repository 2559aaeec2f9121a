"""pulldata(): a value looked up in a CSV the form carries (FORM-media/), held in the
definition; the app, a CSV import and the reports' view give the same value, and a file
not published with the form is a notice, not a refusal (issue 24)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from helpers.xlsforms import write_form
from typer.testing import Result

from fieldkit.checklists.xlsform_read import read_xlsform
from fieldkit.store import Store

Cli = Callable[..., Result]
HEADER = ["type", "name", "label", "calculation"]
PEOPLE = "document_key,name,last_name\n12345,Juan,Perez\n777,Ana,Lopes\n12345,Other,Row\n"


def _form(folder: Path, media: bool) -> Path:
    folder.mkdir()
    form = write_form(
        folder / "visit.xlsx",
        [
            ["text", "doc", "Document number", ""],
            ["calculate", "found", "", "pulldata('people', 'name', 'document_key', ${doc})"],
            ["calculate", "known", "", "if(${found} = '', 'no', 'yes')"],
        ],
        None,
        {"form_id": "visit", "version": "1"},
        HEADER,
    )
    if media:
        (folder / "visit-media").mkdir()
        (folder / "visit-media" / "people.csv").write_text(PEOPLE, encoding="utf-8")
    return form


def test_pulldata_in_the_app_a_csv_import_and_a_report_agree(tmp_path: Path, cli: Cli) -> None:
    form = _form(tmp_path / "form", media=True)
    db = tmp_path / "t.db"
    assert cli("checklists", "import", form, "--db", db).exit_code == 0
    answers = tmp_path / "a.csv"
    answers.write_text(
        "force,observed_at,status,doc\n"
        "kent,2026-01-05T10:00,final,12345\n"
        "kent,2026-01-06T10:00,final,999\n"
    )
    result = cli("import", answers, "-c", "visit", "--db", db)
    assert result.exit_code == 0, result.output
    with Store.open(db) as s:
        checklist = s.checklist("visit")
        rows = s.conn.execute("SELECT record_id, doc, found, known FROM wide_visit ORDER BY doc")
        seen = {}
        for rid, doc, found, known in rows.fetchall():
            app = s.answers(rid)
            assert (found, known) == (
                checklist.computed_value("found", app),
                checklist.computed_value("known", app),
            )
            seen[str(doc)] = (found, known)
    # the first row of the key gives the value; a key not in the file gives ''
    assert seen == {"12345": ("Juan", "yes"), "999": ("", "no")}


def test_the_export_writes_the_file_back_and_reads_back_the_same(tmp_path: Path, cli: Cli) -> None:
    form = _form(tmp_path / "form", media=True)
    db, out = tmp_path / "t.db", tmp_path / "out" / "visit.xlsx"
    out.parent.mkdir()
    assert cli("checklists", "import", form, "--db", db).exit_code == 0
    assert cli("checklists", "export", "visit", "--db", db, "--out", out).exit_code == 0
    written = out.parent / "visit-media" / "people.csv"
    assert written.read_text(encoding="utf-8") == PEOPLE
    assert written.stat().st_mode & 0o077 == 0
    assert read_xlsform(out).checklist == read_xlsform(form).checklist
    assert ": 0 changes" in cli("checklists", "diff", form, out).output.splitlines()[0]


def test_a_file_not_published_is_a_notice_and_the_value_is_empty(tmp_path: Path, cli: Cli) -> None:
    form = _form(tmp_path / "form", media=False)
    db = tmp_path / "t.db"
    result = cli("checklists", "import", form, "--db", db)
    assert result.exit_code == 0, result.output
    assert (
        "survey sheet, row 3, column calculation: pulldata() reads people.csv, which is"
        " neither beside the form nor in visit-media/" in " ".join(result.output.split())
    )
    with Store.open(db) as s:
        rid = s.create_record("visit", "kent")
        s.set_answer(rid, "doc", "12345")
        (found,) = s.conn.execute(
            "SELECT found FROM wide_visit WHERE record_id = ?", (rid,)
        ).fetchone()
        assert found == s.checklist("visit").computed_value("found", s.answers(rid)) == ""
    # with the file, under a new version, the values come: diff names the table
    (tmp_path / "form" / "visit-media").mkdir()
    (tmp_path / "form" / "visit-media" / "people.csv").write_text(PEOPLE, encoding="utf-8")
    changed = cli("checklists", "diff", "visit", form, "--db", db)
    assert "pulldata file people.csv: -> 3 rows" in changed.output


def test_a_column_named_by_an_answer_is_refused_in_one_line(tmp_path: Path, cli: Cli) -> None:
    form = write_form(
        tmp_path / "c.xlsx",
        [
            ["text", "doc", "Document number", ""],
            ["text", "col", "Which column", ""],
            ["calculate", "found", "", "pulldata('people', ${col}, 'document_key', ${doc})"],
        ],
        None,
        {"form_id": "c", "version": "1"},
        HEADER,
    )
    result = cli("checklists", "import", form, "--db", tmp_path / "t.db")
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert line.endswith(
        "row 4, column calculation: pulldata() with a computed column name cannot be"
        " computed in reports"
    ), line
    assert not (tmp_path / "t.db").exists()
