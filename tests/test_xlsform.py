"""Instruments as data (issue 12): XLSForm workbooks import into a database as versioned
checklists, export again, diff against the answers a database holds, and flow through
CSV import, reports and the Excel workbook with no code change."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from helpers.xlsforms import SURVEY_HEADER, custody_visit, row, small_form, write_form
from typer.testing import Result

from fieldkit.checklists import load_all
from fieldkit.checklists.model import apply_rules
from fieldkit.checklists.xlsform_read import XLSFormError, read_xlsform
from fieldkit.checklists.xlsform_write import write_xlsform
from fieldkit.store import Store

Cli = Callable[..., Result]


def _error_line(result: Result) -> str:
    text = (result.stderr or result.output).strip()
    assert len(text.splitlines()) == 1, text
    return text


# ------------------------------------------------------------------ export / import


@pytest.mark.parametrize("checklist_id", sorted(load_all()))
def test_every_shipped_checklist_comes_back_unchanged_from_export_then_import(
    checklist_id: str, tmp_path: Path, cli: Cli
) -> None:
    out = tmp_path / f"{checklist_id}.xlsx"
    result = cli("checklists", "export", checklist_id, "--out", out)
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o600
    again = read_xlsform(out).checklist  # pyxform accepts the workbook as an XLSForm too
    original = load_all()[checklist_id]
    assert again == original
    assert [i.id for i in again.items] == [i.id for i in original.items]


def test_a_person_can_edit_the_exported_workbook_and_import_it_as_a_new_version(
    tmp_path: Path, cli: Cli
) -> None:
    db = tmp_path / "team.db"
    out = tmp_path / "front_desk.xlsx"
    assert cli("init", "--db", db).exit_code == 0
    cli("checklists", "export", "front_desk", "--out", out)
    wb = openpyxl.load_workbook(out)
    survey, settings = wb["survey"], wb["settings"]
    header = [c.value for c in survey[1]]
    for cells in survey.iter_rows(min_row=2):
        if cells[header.index("name")].value == "fd_station_name":
            cells[header.index("label")].value = "Station name as signed outside"
    settings.cell(row=2, column=[c.value for c in settings[1]].index("version") + 1, value=2)
    wb.save(out)
    result = cli("checklists", "import", out, "--db", db)
    assert result.exit_code == 0, result.output
    assert "installed front_desk v2" in result.output
    assert "prompt" in result.output and "fd_station_name" in result.output
    with Store.open(db, readonly=True) as s:
        assert s.checklist("front_desk").item("fd_station_name").prompt == (
            "Station name as signed outside"
        )
        assert s.checklist("front_desk", 1).item("fd_station_name").prompt == "Station name"


# ------------------------------------------------------------------ mapping


def test_a_bilingual_form_maps_types_sections_repeats_rules_and_ranges(tmp_path: Path) -> None:
    imported = read_xlsform(custody_visit(tmp_path / "custody.xlsx"))
    c = imported.checklist
    assert (c.id, c.version, c.title) == ("custody_visit", 1, "Custody suite visit")
    assert imported.language == "English (en)"  # the form's default_language
    kinds = {i.id: i.kind for i in c.items}
    assert kinds == {
        "intro": "note",
        "suite_ref": "text",
        "visit_start": "datetime",
        "last_inspected": "date",
        "handover_time": "time",
        "unannounced": "yn",
        "detainees_held": "count",
        "da_detainees": "count",
        "da_share": "derived",
        "cell_temp": "decimal",
        "vulnerabilities": "multi",
        "mh_referral": "ynna",
        "appropriate_adult": "yn",
        "why_no_adult": "text",
        "staff_role": "choice",
        "da_training": "yn",
        "comments": "text",
        "start": "datetime",
        "today": "date",
    }
    assert [s.id for s in c.sections] == ["main", "visit", "detainees", "staff", "main_2"]
    staff = c.section_of("staff_role")
    assert staff.repeat is not None and not staff.repeat.fixed
    held = c.item("detainees_held")
    assert (held.minimum, held.maximum, held.required) == (0, 60, True)
    assert held.help == "Between 0 and 60"  # the constraint message becomes guidance
    assert (c.item("cell_temp").minimum, c.item("cell_temp").maximum) == (5, 40)
    assert c.item("comments").required is False  # XLSForm's default
    assert c.item("mh_referral").relevant is not None
    assert c.item("vulnerabilities").help == "Choose all that apply"
    assert c.natural_key == ("suite_ref", "visit_start")
    # display-only features are reported, not silently dropped
    assert any("column appearance: ignored (display only)" in n for n in imported.notices)
    assert (c.item("start").preload, c.item("start").kind) == ("start", "datetime")  # stamps


def test_language_option_picks_the_label_columns(tmp_path: Path) -> None:
    path = custody_visit(tmp_path / "custody.xlsx")
    welsh = read_xlsform(path, language="Cymraeg (cy)").checklist
    assert welsh.item("unannounced").prompt == "A oedd yr ymweliad yn ddirybudd?"
    assert welsh.item("staff_role").choices[0].label == "Rhingyll y ddalfa"
    with pytest.raises(XLSFormError, match=r"no labels in language 'Français'.*English \(en\)"):
        read_xlsform(path, language="Français")


def test_relevance_sets_na_only_once_its_answers_are_known(tmp_path: Path) -> None:
    c = read_xlsform(custody_visit(tmp_path / "custody.xlsx")).checklist
    assert apply_rules(c, {}) == {}  # nothing known yet: nothing set
    answers = {("vulnerabilities", ""): json.dumps(["child"]), ("unannounced", ""): "yes"}
    changes = apply_rules(c, answers)
    assert changes[("mh_referral", "")] == "na"  # selected() is false
    assert ("appropriate_adult", "") not in changes  # selected(child) is true
    answers[("appropriate_adult", "")] = "yes"
    assert apply_rules(c, answers)[("why_no_adult", "")] == "na"  # != and not() both read
    answers[("appropriate_adult", "")] = "no"
    assert ("why_no_adult", "") not in apply_rules(c, answers)


def test_a_computed_item_has_its_value_in_the_app_and_the_views(tmp_path: Path, cli: Cli) -> None:
    db = tmp_path / "v.db"
    form = custody_visit(tmp_path / "custody.xlsx")
    assert cli("checklists", "import", form, "--db", db).exit_code == 0
    with Store.open(db) as s:
        rid = s.create_record("custody_visit", "kent")
        s.set_answer(rid, "detainees_held", "8")
        s.set_answer(rid, "da_detainees", "3")
        c = s.checklist("custody_visit")
        value = c.computed_value("da_share", s.answers(rid))
        (in_view,) = s.conn.execute(
            "SELECT da_share FROM wide_custody_visit WHERE record_id = ?", (rid,)
        ).fetchone()
    assert value == in_view == 37.5


UNSUPPORTED = [
    (
        [row("select_one_from_file ../stations.csv", "station", "Station", "Gorsaf")],
        "survey sheet, row 5, column type: the choices are in '../stations.csv', not a file name",
    ),
    (
        [row("date", "due", "Due", "Erbyn", relevant="${due} > today()")],
        "survey sheet, row 5, column relevant: names the item itself",
    ),
    (
        [row("calculate", "ref", "", "", calculation="digest('refs', 'MD5')")],
        "survey sheet, row 5, column calculation: function digest() is not supported",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("extra", "message"), UNSUPPORTED)
def test_an_unsupported_feature_is_refused_in_one_line_naming_sheet_row_and_column(
    extra: list[list[object]], message: str, tmp_path: Path, cli: Cli
) -> None:
    if extra[0][0] == "begin repeat" and len(extra) == 3:
        survey = [row("integer", "count", "How many", "Sawl"), *extra]
        survey.insert(0, row("text", "a", "A", "A"))
        survey.insert(0, row("text", "b", "B", "B"))
        header = [*SURVEY_HEADER, "repeat_count"]
        for r in survey:
            r.append("${count}" if r[0] == "begin repeat" else "")
        form = write_form(tmp_path / "form.xlsx", survey, settings={"form_id": "f"}, header=header)
    else:
        form = small_form(tmp_path / "form.xlsx", extra)
    db = tmp_path / "refused.db"
    result = cli("checklists", "import", form, "--db", db)
    assert result.exit_code == 2
    line = _error_line(result)
    assert message in line, line
    assert not db.exists()  # refused before anything was written


def test_an_unknown_column_is_named_as_ignored_not_dropped_silently(tmp_path: Path) -> None:
    survey = [row("text", "a", "A", "A") + ["x"], row("text", "b", "B", "B") + ["y"]]
    form = write_form(tmp_path / "f.xlsx", survey, header=[*SURVEY_HEADER, "my_notes"])
    notices = read_xlsform(form).notices
    said = [n for n in notices if "my_notes" in n]
    assert said == ["survey sheet, column my_notes: ignored (not an XLSForm column fieldkit reads)"]


def test_a_workbook_that_is_not_an_xlsform_is_refused_by_pyxform_in_one_line(
    tmp_path: Path, cli: Cli
) -> None:
    form = small_form(tmp_path / "bad.xlsx", [row("select_one missing_list", "q", "Q", "Q")])
    result = cli("checklists", "import", form, "--db", tmp_path / "x.db")
    assert result.exit_code == 2
    assert "bad.xlsx" in _error_line(result)
    notxl = tmp_path / "notes.xlsx"
    notxl.write_text("not a workbook")
    result = cli("checklists", "import", notxl, "--db", tmp_path / "x.db")
    assert result.exit_code == 2 and "notes.xlsx" in _error_line(result)


# ------------------------------------------------------------------ end to end


def _answers_csv(path: Path) -> Path:
    rows = [
        {
            "force": "kent",
            "observed_at": "2026-03-02T10:00",
            "status": "final",
            "suite_ref": "KEN-1",
            "visit_start": "2026-03-02T10:00",
            "unannounced": "yes",
            "detainees_held": "12",
            "da_detainees": "3",
            "cell_temp": "19.5",
            "vulnerabilities": "mental_health;child",
            "mh_referral": "yes",
            "appropriate_adult": "no",
            "why_no_adult": "None available",
            "staff_role[1]": "sergeant",
            "da_training[1]": "yes",
            "staff_role[2]": "nurse",
            "da_training[2]": "no",
        },
        {
            "force": "essex",
            "observed_at": "2026-03-03T10:00",
            "status": "final",
            "suite_ref": "ESX-1",
            "visit_start": "2026-03-03T10:00",
            "unannounced": "no",
            "detainees_held": "0",
            "cell_temp": "21",
            "vulnerabilities": "none",
            "staff_role[1]": "dda",
            "da_training[1]": "yes",
        },
    ]
    header = sorted({k for r in rows for k in r}, key=lambda k: (k not in ("force",), k))
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, header)
        w.writeheader()
        w.writerows(rows)
    return path


def test_an_xlsform_goes_from_import_through_csv_answers_to_report_and_workbook(
    tmp_path: Path, cli: Cli
) -> None:
    db = tmp_path / "team.db"
    form = custody_visit(tmp_path / "custody.xlsx")
    result = cli("checklists", "import", form, "--db", db)
    assert result.exit_code == 0, result.output
    assert "installed custody_visit v1" in result.output
    shown = cli("checklists", "show", "custody_visit", "--json", "--db", db)
    assert json.loads(shown.output)["title"] == "Custody suite visit"
    listed = json.loads(cli("checklists", "list", "--json", "--db", db).output)
    assert "custody_visit" in [r["id"] for r in listed]

    result = cli(
        "import", _answers_csv(tmp_path / "answers.csv"), "--checklist", "custody_visit", "--db", db
    )
    assert result.exit_code == 0, result.output
    assert "2 records imported" in result.output

    report = cli("report", "evidence", "--db", db, "--checklist", "custody_visit", "--json")
    assert report.exit_code == 0, report.output
    rows = {r["item_id"]: r for r in json.loads(report.output)}
    assert rows["unannounced"]["label"] == "50% (1 of 2)"
    assert rows["da_training"]["label"] == "67% (2 of 3)"  # three staff instances
    assert rows["mh_referral"]["not_applicable"] == 1  # set by relevance on import

    out = tmp_path / "team.xlsx"
    assert cli("export", "xlsx", "--db", db, "--out", out).exit_code == 0
    wb = openpyxl.load_workbook(out, read_only=True)
    # Summary: question, applicable, completed, %, figure, n/a, blank, of all, item id
    summary = [r for r in wb["Summary"].iter_rows(values_only=True) if r[8:9] == ("unannounced",)]
    assert summary and summary[0][4] == "50% (1 of 2)"
    sheet = next(n for n in wb.sheetnames if n.startswith("Custody"))
    values = [v for r in wb[sheet].iter_rows(values_only=True) for v in r]
    assert "KEN-1" in values and "ESX-1" in values
    assert 25 in values  # the computed share, 3 of 12 as a percentage


def test_installing_is_a_logged_change_that_merges_to_another_database(
    tmp_path: Path, cli: Cli
) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    assert cli("init", "--db", b).exit_code == 0
    assert cli("checklists", "import", custody_visit(tmp_path / "c.xlsx"), "--db", a).exit_code == 0
    with Store.open(a) as s:
        logged = s.conn.execute(
            "SELECT field, rkey FROM changes WHERE record_id = 'checklist' AND kind = 'setting'"
        ).fetchall()
        assert logged == [("custody_visit", "v1")]
        rid = s.create_record("custody_visit", "kent")
        s.set_answer(rid, "suite_ref", "KEN-9")
    assert cli("merge", a, "--into", b).exit_code == 0
    with Store.open(b, readonly=True) as s:
        assert s.checklist("custody_visit").title == "Custody suite visit"
        assert s.conn.execute("SELECT suite_ref FROM wide_custody_visit").fetchall() == [("KEN-9",)]
        assert s.conn.execute(
            "SELECT count(*) FROM changes WHERE record_id = 'checklist'"
        ).fetchone() == (1,)


# ------------------------------------------------------------------ diff and versions


def test_diff_of_two_files_lists_renames_removed_choices_and_new_items(
    tmp_path: Path, cli: Cli
) -> None:
    v1 = custody_visit(tmp_path / "v1.xlsx")
    v2 = custody_visit(tmp_path / "v2.xlsx", version=2)
    result = cli("checklists", "diff", v1, v2, "--json")
    assert result.exit_code == 1  # a removed choice: breaking, with no database to say otherwise
    report = json.loads(result.output)
    got = {(c["what"], c["item"], c["breaking"]) for c in report["changes"]}
    assert ("item renamed", "cell_temperature", False) in got
    assert ("choice removed", "vulnerabilities", True) in got
    assert ("item added", "leaflets", False) in got
    assert not any(c["what"] == "item removed" for c in report["changes"])


def test_import_refuses_a_breaking_version_unless_accepted_and_old_answers_stay(
    tmp_path: Path, cli: Cli
) -> None:
    db = tmp_path / "team.db"
    assert (
        cli("checklists", "import", custody_visit(tmp_path / "v1.xlsx"), "--db", db).exit_code == 0
    )
    with Store.open(db) as s:
        old = s.create_record("custody_visit", "kent")
        s.set_answer(old, "vulnerabilities", "substance;mental_health")
        s.set_answer(old, "cell_temp", "18")
    v2 = custody_visit(tmp_path / "v2.xlsx", version=2)

    diff = cli("checklists", "diff", "custody_visit", v2, "--db", db, "--json")
    assert diff.exit_code == 1
    changes = json.loads(diff.output)["changes"]
    removed = next(c for c in changes if c["what"] == "choice removed")
    assert (removed["choice"], removed["answers"], removed["breaking"]) == ("substance", 1, True)
    renamed = next(
        c for c in changes if c["what"] == "item renamed" and c["item"] == "cell_temperature"
    )
    assert renamed["answers"] == 1  # the answers that carry over

    before = db.read_bytes()
    refused = cli("checklists", "import", v2, "--db", db)
    assert refused.exit_code == 1
    line = _error_line(refused)
    assert "choice removed vulnerabilities substance (1 answer)" in line
    assert "--accept-breaking" in line
    assert db.read_bytes() == before

    accepted = cli("checklists", "import", v2, "--db", db, "--accept-breaking")
    assert accepted.exit_code == 0, accepted.output
    with Store.open(db, readonly=True) as s:
        assert s.checklist("custody_visit").version == 2
        assert s.checklist_of(old).version == 1  # old answers stay under their version
        assert s.answers(old)[("vulnerabilities", "")] == '["mental_health", "substance"]'
        # the renamed item's answers carry over into the all-versions view
        (temp,) = s.conn.execute(
            "SELECT cell_temperature FROM wide_custody_visit WHERE record_id = ?", (old,)
        ).fetchone()
        assert temp == 18


def test_diff_without_breaking_changes_exits_0_and_same_version_twice_is_a_no_op(
    tmp_path: Path, cli: Cli
) -> None:
    db = tmp_path / "team.db"
    v1 = custody_visit(tmp_path / "v1.xlsx")
    assert cli("checklists", "import", v1, "--db", db).exit_code == 0
    again = cli("checklists", "import", v1, "--db", db)
    assert again.exit_code == 0 and "already installed" in again.output
    v2 = custody_visit(tmp_path / "v2.xlsx", version=2)
    # nobody answered 'substance' here, so removing it breaks nothing
    result = cli("checklists", "diff", "custody_visit@1", v2, "--db", db)
    assert result.exit_code == 0, result.output
    assert "choice removed" in result.output and "BREAKING" not in result.output


def test_a_changed_definition_under_the_same_version_is_refused(tmp_path: Path, cli: Cli) -> None:
    db = tmp_path / "team.db"
    v1 = custody_visit(tmp_path / "v1.xlsx")
    assert cli("checklists", "import", v1, "--db", db).exit_code == 0
    wb = openpyxl.load_workbook(v1)
    wb["survey"]["C6"] = "A different question"
    wb.save(v1)
    result = cli("checklists", "import", v1, "--db", db)
    assert result.exit_code == 2
    assert "custody_visit v1 is already installed with a different definition" in _error_line(
        result
    )


def test_export_writes_the_version_installed_in_the_database(tmp_path: Path, cli: Cli) -> None:
    db = tmp_path / "team.db"
    assert (
        cli("checklists", "import", custody_visit(tmp_path / "v1.xlsx"), "--db", db).exit_code == 0
    )
    out = tmp_path / "back.xlsx"
    assert cli("checklists", "export", "custody_visit", "--out", out, "--db", db).exit_code == 0
    with Store.open(db, readonly=True) as s:
        assert read_xlsform(out).checklist == s.checklist("custody_visit")
    result = cli("checklists", "export", "no_such_list", "--out", out, "--db", db)
    assert result.exit_code == 2 and "no_such_list" in _error_line(result)


def test_exported_workbook_is_plain_xlsform_with_fieldkit_columns_beside(tmp_path: Path) -> None:
    out = write_xlsform(load_all()["marac_observation"], tmp_path / "m.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["survey", "choices", "settings"]
    header = [c.value for c in wb["survey"][1]]
    assert header[:3] == ["type", "name", "label"]
    types = [r[0] for r in wb["survey"].iter_rows(min_row=2, values_only=True)]
    assert "begin repeat" in types and "calculate" in types


async def test_an_imported_checklist_is_served_by_datasette_with_its_questions(
    tmp_path: Path, cli: Cli, plugins: None
) -> None:
    from fieldkit.datasette.serve import make_datasette

    db = tmp_path / "team.db"
    assert (
        cli("checklists", "import", custody_visit(tmp_path / "c.xlsx"), "--db", db).exit_code == 0
    )
    csv_path = _answers_csv(tmp_path / "answers.csv")
    assert cli("import", csv_path, "--checklist", "custody_visit", "--db", db).exit_code == 0
    ds = make_datasette([db])
    res = await ds.client.get("/team/wide_custody_visit.json?_shape=array")
    assert res.status_code == 200, res.text
    assert sorted(r["suite_ref"] for r in res.json()) == ["ESX-1", "KEN-1"]
    res = await ds.client.get("/team/evidence.json?_shape=array&checklist=custody_visit")
    assert res.status_code == 200, res.text
    assert {r["item_id"]: r["label"] for r in res.json()}["unannounced"] == "50% (1 of 2)"
    html = (await ds.client.get("/team/wide_custody_visit")).text
    assert "Was the visit unannounced?" in html  # question text beside the item column


def test_forward_references_numeric_choices_and_if_follow_the_spec(tmp_path: Path) -> None:
    """Forms written elsewhere: a relevant naming a later question, choices coded 1/2/3
    compared with numbers, if() in a calculation, a form_id with capitals and dashes."""
    survey = [
        row("begin group", "G1", "Start", "Dechrau"),
        row("text", "Why", "Why not?", "Pam?", relevant="${Attended} = 2"),
        row("select_one att", "Attended", "Attended?", "Mynychu?", required="yes"),
        row("calculate", "Score", "", "", calculation="if(${Attended} = 1, 10, 0)"),
        row("end group"),
    ]
    choices = [
        ["list_name", "name", "label::English (en)", "label::Cymraeg (cy)"],
        ["att", "1", "Yes, in person", "Do"],
        ["att", "2", "No", "Na"],
        ["att", "3", "By phone", "Ffôn"],
    ]
    form = write_form(
        tmp_path / "f.xlsx", survey, choices, {"form_id": "Visit-Form", "version": "2024011501"}
    )
    imported = read_xlsform(form)
    c = imported.checklist
    assert (c.id, c.version) == ("visit_form", 2024011501)
    assert any("installed as 'visit_form'" in n for n in imported.notices)
    assert [i.id for i in c.items] == ["Why", "Attended", "Score", "instanceID"]  # as written
    assert apply_rules(c, {("Attended", ""): "1"}) == {("Why", ""): "na"}
    assert apply_rules(c, {("Attended", ""): "2"}) == {}
    assert c.computed_value("Score", {("Attended", ""): "1"}) == 10
    assert c.computed_value("Score", {("Attended", ""): "3"}) == 0


def test_init_brings_the_field_trial_fixes_to_a_database_made_before_them(
    tmp_path: Path, cli: Cli
) -> None:
    from fieldkit.checklists import parse_checklist
    from fieldkit.store import schema, views

    db = tmp_path / "old.db"
    shipped = load_all()["call_listening"]
    with Store.create(db, inspector="x") as s:
        with s.writing() as w:
            conn = w.conn
            for table, col in (("checklists", "id"), ("items", "checklist_id")):
                conn.execute(f"DELETE FROM {table} WHERE {col} = 'call_listening'")
            conn.execute("DELETE FROM natural_key_items WHERE checklist_id = 'call_listening'")
            old = json.loads(json.dumps(shipped.source))
            old["version"] = shipped.version - 1
            for section in old["sections"]:
                for item in section["items"]:
                    if item.get("choices"):
                        item["choices"] = [
                            c
                            for c in item["choices"]
                            if not (isinstance(c, dict) and c.get("exclusive"))
                        ]
            schema.install_checklist(conn, parse_checklist(old, "old"), refresh_views=False)
            views.refresh(conn)
        rid = s.create_record("call_listening", "kent")
        assert s.record(rid)["checklist_version"] == shipped.version - 1
    result = cli("init", "--db", db)
    assert result.exit_code == 0, result.output
    assert f"installed call_listening v{shipped.version}" in result.output
    with Store.open(db, readonly=True) as s:
        assert s.checklist("call_listening") == shipped
        assert s.checklist_of(rid).version == shipped.version - 1
    assert "installed" not in cli("init", "--db", db).output  # nothing more to do


def test_a_renamed_item_counts_its_old_answers_in_the_evidence(tmp_path: Path, cli: Cli) -> None:
    db = tmp_path / "team.db"
    assert (
        cli("checklists", "import", custody_visit(tmp_path / "v1.xlsx"), "--db", db).exit_code == 0
    )
    csv_path = _answers_csv(tmp_path / "answers.csv")
    assert cli("import", csv_path, "--checklist", "custody_visit", "--db", db).exit_code == 0
    v2 = custody_visit(tmp_path / "v2.xlsx", version=2)
    assert cli("checklists", "import", v2, "--db", db, "--accept-breaking").exit_code == 0
    report = cli("report", "evidence", "--db", db, "--checklist", "custody_visit", "--json")
    rows = {r["item_id"]: r for r in json.loads(report.output)}
    assert "unannounced" not in rows
    assert rows["was_unannounced"]["label"] == "50% (1 of 2)"  # answered under v1's name
