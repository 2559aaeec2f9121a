"""XLSForm features real forms use (issue 24): pyxform's spellings, names as written,
locations, constraints with their messages, cascading selects, every language kept,
server-only settings named as ignored."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl import Workbook
from typer.testing import Result

from fieldkit.checklists import AnswerError
from fieldkit.checklists.model import check_consistency
from fieldkit.checklists.xlsform_read import XLSFormError, read_xlsform

Cli = Callable[..., Result]


def book(path: Path, survey: list[list[Any]], choices: list[list[Any]] | None = None,
         settings: list[list[Any]] | None = None) -> Path:  # fmt: skip
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    for r in survey:
        ws.append(r)
    for name, rows in (("choices", choices), ("settings", settings)):
        if rows:
            sheet = wb.create_sheet(name)
            for r in rows:
                sheet.append(r)
    wb.save(path)
    return path


def test_every_spelling_pyxform_accepts_means_the_same(tmp_path: Path) -> None:
    survey = [
        ["type", "name", "label", "relevance", "bind::required", "constraint message"],
        ["select one from yn", "a", "A?", "", "yes", ""],
        ["select all that apply from fruit or specify other", "b", "B?", "", "", ""],
        ["phone number", "c", "Phone", "${a} = 'yes'", "", "Digits only"],
        ["gps", "d", "Where", "", "", ""],
        ["imei", "e", "", "", "", ""],
    ]
    choices = [["list name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"],
               ["fruit", "apple", "Apple"], ["fruit", "pear", "Pear"]]  # fmt: skip
    settings = [["title", "id_string", "version"], ["Spellings", "spellings", "2024091201-3"]]
    imported = read_xlsform(book(tmp_path / "s.xlsx", survey, choices, settings))
    c = imported.checklist
    assert (c.id, c.title, c.version) == ("spellings", "Spellings", 20240912013)
    kinds = {i.id: i.kind for i in c.items}
    assert kinds == {"a": "yn", "b": "multi", "b_other": "text", "c": "text", "d": "geopoint",
                     "e": "text", "instanceID": "text"}  # fmt: skip
    assert c.item("e").preload == "deviceid"  # imei: the device, from the record's stamps
    assert c.natural_key == ("instanceID",)  # none named: the submission id
    assert c.item("a").required is True
    phone = c.item("c")
    assert phone.relevant is not None and phone.constraint is not None
    assert phone.constraint_message == "Digits only"
    assert check_consistency(c, {("c", ""): "07700 900"}) == [(("c", ""), "Digits only")]
    assert check_consistency(c, {("c", ""): "07700900"}) == []
    assert not any("'deviceid' ignored" in n for n in imported.notices)  # imei is deviceid, kept


def test_names_are_kept_as_written_and_repeated_names_told_apart_by_path(
    tmp_path: Path, cli: Cli
) -> None:
    survey = [
        ["type", "name", "label", "relevant"],
        ["text", "DISTRICT", "District", "FALSE"],
        ["integer", "ice.creams", "Ice creams", ""],
        ["begin repeat", "household", "Household", ""],
        ["text", "name", "Name", ""],
        ["end repeat", "", "", ""],
        ["begin group", "officer", "Officer", ""],
        ["text", "name", "Name", ""],
        ["end group", "", "", ""],
    ]
    form = book(tmp_path / "n.xlsx", survey, settings=[["form_id"], ["names"]])
    c = read_xlsform(form).checklist
    ids = ["DISTRICT", "ice.creams", "household/name", "officer/name", "instanceID"]
    assert [i.id for i in c.items] == ids
    district = c.item("DISTRICT")
    assert district.relevant is not None and district.relevant.text == "false()"  # not a name
    db = tmp_path / "n.db"
    assert cli("checklists", "import", form, "--db", db).exit_code == 0
    answers = tmp_path / "a.csv"
    with answers.open("w", newline="") as f:
        csv.writer(f).writerows(
            [
                ["force", "observed_at", "status", "ice.creams", "officer/name"],
                ["kent", "2026-03-02", "draft", "3", "Sgt Jones"],
            ]  # fmt: skip
        )
    result = cli("import", answers, "--checklist", "names", "--db", db)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("kind", "text", "stored"),
    [
        ("geopoint", "51.5 -0.12", "51.5 -0.12"),
        ("geopoint", "51.5 -0.12 11 4.5", "51.5 -0.12 11 4.5"),
        ("geotrace", "51.5 -0.12;51.6 -0.13", "51.5 -0.12;51.6 -0.13"),
        ("geoshape", "1 1;1 2;2 2;1 1", "1 1;1 2;2 2;1 1"),
    ],
)
def test_locations_are_typed_coordinates(tmp_path: Path, kind: str, text: str, stored: str) -> None:
    form = book(tmp_path / "g.xlsx", [["type", "name", "label"], [kind, "where", "Where"]])
    item = read_xlsform(form).checklist.item("where")
    assert item.parse(text) == stored


@pytest.mark.parametrize(
    ("kind", "text", "why"),
    [
        ("geopoint", "91 0", "latitude must be -90 to 90"),
        ("geopoint", "0 181", "longitude -180 to 180"),
        ("geopoint", "north", "expected a location"),
        ("geotrace", "1 1", "expected 2 points or more"),
        ("geoshape", "1 1;1 2;2 2;3 3", "must end on its first point"),
    ],
)
def test_a_location_out_of_range_is_refused(tmp_path: Path, kind: str, text: str, why: str) -> None:
    form = book(tmp_path / "g.xlsx", [["type", "name", "label"], [kind, "where", "Where"]])
    with pytest.raises(AnswerError, match=why):
        read_xlsform(form).checklist.item("where").parse(text)


def cascade(tmp_path: Path) -> Path:
    survey = [
        ["type", "name", "label", "choice_filter", "required"],
        ["select_one region", "region", "Region", "", "yes"],
        ["select_one force", "force_area", "Force area", "region=${region}", "yes"],
    ]
    choices = [
        ["list_name", "name", "label", "region"],
        ["region", "wales", "Wales", ""],
        ["region", "north_west", "North West", ""],
        ["force", "gwent", "Gwent", "wales"],
        ["force", "dyfed", "Dyfed-Powys", "wales"],
        ["force", "gmp", "Greater Manchester", "north_west"],
    ]
    return book(tmp_path / "c.xlsx", survey, choices, [["form_id"], ["cascade"]])


def test_a_choice_filter_narrows_the_choices_and_csv_import_refuses_one_outside(
    tmp_path: Path, cli: Cli
) -> None:
    c = read_xlsform(cascade(tmp_path)).checklist
    item = c.item("force_area")
    offered = c.choices_offered(item, {("region", ""): "wales"})
    assert [x.code for x in offered] == ["gwent", "dyfed"]
    db = tmp_path / "c.db"
    assert cli("checklists", "import", cascade(tmp_path), "--db", db).exit_code == 0
    answers = tmp_path / "a.csv"
    with answers.open("w", newline="") as f:
        csv.writer(f).writerows(
            [
                ["force", "observed_at", "status", "region", "force_area"],
                ["kent", "2026-03-02", "final", "wales", "gwent"],
                ["essex", "2026-03-02", "final", "wales", "gmp"],
            ]  # fmt: skip
        )
    result = cli("import", answers, "--checklist", "cascade", "--db", db)
    assert result.exit_code == 2
    text = (result.stderr or result.output).strip()
    assert "a.csv:3 column force_area" in text and "'gmp' is not offered" in text


def test_every_language_is_kept_exported_and_diffed(tmp_path: Path, cli: Cli) -> None:
    survey = [
        ["type", "name", "label::English (en)", "label::Cymraeg (cy)", "hint::Cymraeg (cy)"],
        ["select_one yn", "lit", "Was the cell lit?", "Oedd y gell wedi'i goleuo?", "Edrychwch"],
    ]
    choices = [["list_name", "name", "label::English (en)", "label::Cymraeg (cy)"],
               ["yn", "yes", "Yes", "Ie"], ["yn", "no", "No", "Na"], ["yn", "na", "N/A", "Dim"]]  # fmt: skip
    form = book(tmp_path / "w.xlsx", survey, choices, [["form_id"], ["cells"]])
    c = read_xlsform(form).checklist
    assert c.item("lit").translations == (
        ("Cymraeg (cy)", "Oedd y gell wedi'i goleuo?", "Edrychwch"),
    )
    db = tmp_path / "w.db"
    assert cli("checklists", "import", form, "--db", db).exit_code == 0
    out = tmp_path / "out.xlsx"
    assert cli("checklists", "export", "cells", "--db", db, "--out", out).exit_code == 0
    header = [cell.value for cell in openpyxl.load_workbook(out)["survey"][1]]
    assert "label::Cymraeg (cy)" in header and "label::English (en)" in header
    assert ": 0 changes" in cli("checklists", "diff", form, out).output
    wb = openpyxl.load_workbook(out)
    ws = wb["survey"]
    col = header.index("label::Cymraeg (cy)")
    for cells in ws.iter_rows(min_row=2):
        if cells[col].value == "Oedd y gell wedi'i goleuo?":
            cells[col].value = "A oedd golau yn y gell?"
    wb.save(out)
    result = cli("checklists", "diff", form, out)
    assert "translation" in result.output and "A oedd golau yn y gell?" in result.output


def test_server_only_settings_and_columns_are_named_as_ignored_one_line_each(
    tmp_path: Path,
) -> None:
    survey = [
        ["type", "name", "label", "instance::geometry", "media::image", "bind::odk:length"],
        ["text", "a", "A", "x", "a.png", "1"],
        ["text", "b", "B", "y", "b.png", ""],
    ]
    settings = [
        ["form_id", "submission_url", "public_key", "kobo--locking-profile", "instance_name"],
        ["srv", "https://example.org", "MIIB", "lock", "concat(${a}, '-')"],
    ]
    notices = read_xlsform(book(tmp_path / "s.xlsx", survey, settings=settings)).notices
    ignored = [n for n in notices if "ignored" in n]
    for column in ("instance::geometry", "media::image", "bind::odk:length", "submission_url",
                   "public_key", "kobo--locking-profile"):  # fmt: skip
        assert len([n for n in ignored if f"column {column}:" in n]) == 1, column
    assert not [n for n in notices if "instance_name" in n]  # read: a record's name


def test_a_default_and_a_hidden_value_are_kept(tmp_path: Path) -> None:
    survey = [
        ["type", "name", "label", "default"],
        ["time", "start_time", "Start time", "09:30:00"],
        ["hidden", "team", "", "blue"],
    ]
    c = read_xlsform(book(tmp_path / "d.xlsx", survey)).checklist
    assert c.item("start_time").default == "09:30:00"
    assert c.computed_value("team", {}) == "blue"


def test_a_required_condition_is_an_expression_or_refused_naming_sheet_row_and_column(
    tmp_path: Path,
) -> None:
    survey = [["type", "name", "label", "required"], ["text", "a", "A", "${b} = 'x'"],
              ["text", "b", "B", ""]]  # fmt: skip
    a = read_xlsform(book(tmp_path / "r.xlsx", survey)).checklist.item("a")
    assert not a.required and a.required_when is not None and a.required_when.text == "b = 'x'"
    survey[1][3] = "random() > 0.5"
    with pytest.raises(XLSFormError, match=r"^survey sheet, row 2, column required: function rand"):
        read_xlsform(book(tmp_path / "r2.xlsx", survey))
