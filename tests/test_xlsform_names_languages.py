"""A record's name from the form's `instance_name` (issue 24), computed with the one
evaluator, in the app's Records list and the workbook; and a form in Welsh and English
switched with one key (ctrl+l) at 80x24."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from helpers.form import cells, typed
from helpers.tui import key_of, screen_text
from openpyxl import Workbook
from typer.testing import Result

from fieldkit.checklists.diff import diff
from fieldkit.checklists.words import name_of
from fieldkit.checklists.xlsform_read import read_xlsform
from fieldkit.checklists.xlsform_write import write_xlsform
from fieldkit.context import InspectionContext
from fieldkit.store import Store
from fieldkit.tui.app import make_app
from fieldkit.tui.screens.form import FormScreen

Cli = Callable[..., Result]
CTX = InspectionContext("Stations 2026", "kent", "A. Inspector", "hmic_staff")


def visit_form(path: Path, name: str = "concat('Cell ', ${cell}, ' at ', ${station})") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    for r in [
        [
            "type",
            "name",
            "label::English (en)",
            "label::Cymraeg (cy)",
            "constraint",
            "constraint_message::English (en)",
            "constraint_message::Cymraeg (cy)",
        ],
        [
            "text",
            "station",
            "Station",
            "Gorsaf",
            "regex(., '^[A-Z]')",
            "A capital first",
            "Priflythyren yn gyntaf",
        ],
        ["integer", "cell", "Cell number", "Rhif y gell"],
        ["select_one lit", "lit", "Was the cell lit?", "Oedd y gell wedi'i goleuo?"],
    ]:
        ws.append(r)
    choices = wb.create_sheet("choices")
    for r in [["list_name", "name", "label::English (en)", "label::Cymraeg (cy)"],
              ["lit", "bright", "Brightly", "Yn llachar"], ["lit", "dim", "Dimly", "Yn wan"]]:  # fmt: skip
        choices.append(r)
    settings = wb.create_sheet("settings")
    settings.append(["form_id", "instance_name", "default_language", "fieldkit::app_order"])
    settings.append(["cells", name, "English (en)", 1])
    wb.save(path)
    return path


def _imported(tmp_path: Path, cli: Cli) -> Path:
    db = tmp_path / "t.db"
    assert cli("checklists", "import", visit_form(tmp_path / "v.xlsx"), "--db", db).exit_code == 0
    csv = tmp_path / "a.csv"
    csv.write_text(
        "force,observed_at,status,station,cell,lit\nKent,2026-01-02,final,Ashford,4,dim\n"
    )
    assert cli("import", csv, "-c", "cells", "--db", db).exit_code == 0
    return db


def test_instance_name_names_a_record_and_diff_sees_it_change(tmp_path: Path, cli: Cli) -> None:
    form = visit_form(tmp_path / "v.xlsx")
    checklist = read_xlsform(form).checklist
    assert checklist.instance_name is not None
    assert checklist.instance_name.text == "concat('Cell ', cell, ' at ', station)"
    db = _imported(tmp_path, cli)
    with Store.open(db) as store:
        rec = store.records()[0]
        answers = store.answers(rec["record_id"])
        assert name_of(store.checklist("cells"), rec, answers) == "Cell 4 at Ashford"
    assert checklist.item("station").messages == (("Cymraeg (cy)", "Priflythyren yn gyntaf"),)
    renamed = visit_form(tmp_path / "w.xlsx", "concat(${station}, ' ', ${cell})")
    said = cli("checklists", "diff", form, renamed).output
    assert (
        "instance_name: concat('Cell ', cell, ' at ', station) -> concat(station, ' ', cell)"
        in said
    )


@pytest.mark.slow
def test_the_workbook_names_each_record(tmp_path: Path, cli: Cli) -> None:
    db = _imported(tmp_path, cli)
    out = tmp_path / "o.xlsx"
    assert cli("export", "xlsx", "--db", db, "--out", out).exit_code == 0
    rows = list(openpyxl.load_workbook(out)["cells"].iter_rows(values_only=True))
    at = rows[1].index("Record name")
    assert rows[2][at] == "Cell 4 at Ashford"


async def test_the_records_list_and_the_form_switch_language_by_key_at_80x24(
    tmp_path: Path, cli: Cli
) -> None:
    db = tmp_path / "t.db"
    assert cli("checklists", "import", visit_form(tmp_path / "v.xlsx"), "--db", db).exit_code == 0
    app = make_app(db, cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key_of(app, "cells"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert "Language: Cymraeg (cy)" in screen_text(app)
        await pilot.press(*typed("ashford"), "enter")
        await pilot.pause()
        assert "Priflythyren yn gyntaf" in screen_text(app)  # the constraint's, in Welsh
        await pilot.press("ctrl+u", *typed("Ashford"), "enter", "4", "enter")
        await pilot.pause()
        text = screen_text(app)
        assert "Oedd y gell wedi'i goleuo?" in text and "Yn llachar" in text, text
        assert "Cell 4 at Ashford" in text  # the record's name, in the header
        await pilot.press("2")
        await pilot.pause()
        rid = screen.record_id
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert "Was the cell lit?" in screen_text(app) and "Dimly" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert "Cell 4 at Ashford" in screen_text(app)
    assert cells(db, rid)[("lit", "")] == "dim"  # the same answer in either language


def test_a_translated_constraint_message_is_exported_and_diffed(tmp_path: Path) -> None:
    original = read_xlsform(visit_form(tmp_path / "v.xlsx")).checklist
    out = tmp_path / "out.xlsx"
    write_xlsform(original, out)
    header = [c.value for c in openpyxl.load_workbook(out)["survey"][1]]
    assert "constraint_message::Cymraeg (cy)" in header
    assert read_xlsform(out).checklist == original
    wb = openpyxl.load_workbook(out)
    col = header.index("constraint_message::Cymraeg (cy)")
    for row in wb["survey"].iter_rows(min_row=2):
        if row[col].value:
            row[col].value = "Llythyren fawr"
    wb.save(out)
    changes = diff(original, read_xlsform(out).checklist)
    assert [c.what for c in changes] == ["translation"]
    assert "Llythyren fawr" in changes[0].detail
