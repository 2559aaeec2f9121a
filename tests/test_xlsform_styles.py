"""XLSForms written the way other tools write them (KoboToolbox, ODK, SurveyCTO), not the
way fieldkit's own tests do: each imports and can be captured, or is refused in one line
naming the sheet, row and column."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from helpers.form import cells, typed
from helpers.tui import key_of, screen_text
from openpyxl import Workbook
from typer.testing import Result

from fieldkit.checklists import NA
from fieldkit.context import InspectionContext
from fieldkit.store import Store
from fieldkit.tui.app import make_app
from fieldkit.tui.screens.form import FormScreen

Cli = Callable[..., Result]
CTX = InspectionContext("Stations 2026", "kent", "A. Inspector", "hmic_staff")


def workbook(
    path: Path, survey: list[list[Any]], choices: list[list[Any]], settings: list[list[Any]]
) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    for r in survey:
        ws.append(r)
    for name, rows in (("choices", choices), ("settings", settings)):
        sheet = wb.create_sheet(name)
        for r in rows:
            sheet.append(r)
    wb.save(path)
    return path


def kobo_form(path: Path) -> Path:
    """As KoboToolbox exports a form: its $kuid/$autoname columns, begin_group spelled with
    an underscore, required as TRUE / true / yes / false(), or_other, a calculate with
    if(), an answer shown in a note's label, metadata questions."""
    header = ["type", "name", "label::English (en)", "label::Français (fr)", "hint::English (en)",
              "required", "relevant", "constraint", "constraint_message::English (en)",
              "calculation", "appearance", "$kuid", "$autoname"]  # fmt: skip
    survey = [
        header,
        ["start", "start", "", "", "", "", "", "", "", "", "", "k1", "start"],
        ["deviceid", "deviceid", "", "", "", "", "", "", "", "", "", "k2", "deviceid"],
        ["begin_group", "site", "Site", "Site", "", "", "", "", "", "", "field-list", "k3", "site"],
        ["text", "station", "Station name", "Nom", "Official name", "TRUE", "", "", "", "", "", "k4", ""],
        ["select_one yesno", "open24", "Open 24 hours?", "Ouvert 24h?", "", "true", "", "", "", "", "", "k5", ""],
        ["integer", "cells", "Number of cells", "Cellules", "", "yes", "${open24} = 'yes'",
         ". > 0 and . < 100", "Between 1 and 99", "", "", "k6", ""],
        ["select_one staffing or_other", "staffing", "Who staffs the desk?", "Qui?", "", "false()",
         "", "", "", "", "", "k7", ""],
        ["calculate", "size", "", "", "", "", "", "", "", "if(${cells} > 20, 'large', 'small')", "", "k8", ""],
        ["note", "size_note", "A ${size} suite", "Une suite ${size}", "", "", "", "", "", "", "", "k9", ""],
        ["end_group", "", "", "", "", "", "", "", "", "", "", "k10", ""],
    ]  # fmt: skip
    choices = [
        ["list_name", "name", "label::English (en)", "label::Français (fr)", "$kuid"],
        ["yesno", "yes", "Yes", "Oui", "c1"],
        ["yesno", "no", "No", "Non", "c2"],
        ["staffing", "police", "Police officer", "Policier", "c3"],
        ["staffing", "civilian", "Civilian staff", "Personnel civil", "c4"],
    ]
    settings = [
        ["form_title", "form_id", "version", "default_language", "style"],
        ["Station check", "station_check", "3", "English (en)", "theme-grid"],
    ]
    return workbook(path, survey, choices, settings)


async def test_a_kobotoolbox_form_imports_and_is_captured_by_keys(tmp_path: Path, cli: Cli) -> None:
    db = tmp_path / "field.db"
    result = cli("checklists", "import", kobo_form(tmp_path / "kobo.xlsx"), "--db", db)
    assert result.exit_code == 0, result.output
    assert "installed station_check v3 (Station check)" in result.output
    assert "column $kuid, $autoname: ignored" in result.output  # said, not silently dropped
    shown = json.loads(cli("checklists", "show", "station_check", "--json", "--db", db).output)
    items = {i["id"]: i for s in shown["sections"] for i in s["items"]}
    assert [c["code"] for c in items["staffing"]["choices"]] == ["police", "civilian", "other"]
    assert items["staffing_other"]["relevant"] == "selected(staffing, 'other')"
    assert (items["cells"]["min"], items["cells"]["max"]) == (1, 99)  # > 0 and < 100

    app = make_app(db, now=lambda: datetime(2026, 3, 2, 10, 0), cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key_of(app, "station_check"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        rid = screen.record_id
        await pilot.press(*typed("Ashford"), "enter", "y", "2", "5", "enter")
        await pilot.press("3")  # Other (the choice or_other adds)
        await pilot.pause()
        assert screen._row_of(app.focused).entry.item.id == "staffing_other"
        await pilot.press(*typed("Agency staff"), "enter")
        await pilot.pause()
        assert "A large suite" in screen_text(app)  # the calculate's answer in the note
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen)
    stored = cells(db, rid)
    assert stored[("station", "")] == "Ashford"
    assert stored[("cells", "")] == 25
    assert stored[("staffing", "")] == "other"
    assert stored[("staffing_other", "")] == "Agency staff"
    with Store.open(db, readonly=True) as s:
        assert s.record(rid)["status"] == "final"


def test_the_specify_other_question_is_not_applicable_unless_other_is_chosen(
    tmp_path: Path, cli: Cli
) -> None:
    db = tmp_path / "field.db"
    assert cli("checklists", "import", kobo_form(tmp_path / "k.xlsx"), "--db", db).exit_code == 0
    with Store.open(db) as s:
        rid = s.create_record("station_check", "kent")
        s.set_answer(rid, "staffing", "police")
        assert s.answers(rid)[("staffing_other", "")] == NA


def test_surveycto_label_colon_language_columns_are_languages(tmp_path: Path, cli: Cli) -> None:
    survey = [
        ["type", "name", "label:English", "label:Hindi", "required"],
        ["text", "ref", "Reference", "संदर्भ", "yes"],
    ]
    form = workbook(tmp_path / "scto.xlsx", survey, [["list_name", "name", "label:English"]],
                    [["form_title", "form_id"], ["Desk check", "desk_check"]])  # fmt: skip
    db = tmp_path / "field.db"
    result = cli("checklists", "import", form, "--db", db, "--language", "Hindi")
    assert result.exit_code == 0, result.output
    shown = json.loads(cli("checklists", "show", "desk_check", "--json", "--db", db).output)
    assert shown["sections"][0]["items"][0]["prompt"] == "संदर्भ"


@pytest.mark.parametrize(
    ("row", "where", "why"),
    [
        (["text", "ref", "Reference", "random() > ${m}", ""], "row 2, column required",
         "function random() is not supported"),
        (["select_one_from_file ../places.csv", "where", "Location", "yes", ""],
         "row 2, column type", "the choices are in '../places.csv', not a file name"),
        (["integer", "n", "How many", "yes", ". <= digest('a', 'MD5')"],
         "row 2, column constraint", "function digest() is not supported"),
    ],
)  # fmt: skip
def test_what_fieldkit_cannot_honour_is_refused_in_one_line(
    tmp_path: Path, cli: Cli, row: list[str], where: str, why: str
) -> None:
    survey = [["type", "name", "label", "required", "constraint"], row,
              ["integer", "m", "Most", "no", ""]]  # fmt: skip
    form = workbook(tmp_path / "f.xlsx", survey, [["list_name", "name", "label"]],
                    [["form_title", "form_id"], ["F", "f_form"]])  # fmt: skip
    db = tmp_path / "field.db"
    result = cli("checklists", "import", form, "--db", db)
    assert result.exit_code == 2
    text = (result.stderr or result.output).strip()
    assert len(text.splitlines()) == 1, text
    assert f"survey sheet, {where}" in text and why in text
    assert not db.exists()  # nothing written
