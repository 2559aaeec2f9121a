"""The capture app on what real XLSForms bring (issue 24), at 80x24 by keys alone: a
cascading select offers only the choices its filter leaves, a location is typed and
checked for range, a constraint's own message is shown when it fails, a default (literal,
today()) is the answer Enter gives on an empty question."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from helpers.form import cells, typed
from helpers.tui import key_of, screen_text
from openpyxl import Workbook
from typer.testing import Result

from fieldkit.context import InspectionContext
from fieldkit.tui.app import make_app
from fieldkit.tui.screens.form import FormScreen

Cli = Callable[..., Result]
CTX = InspectionContext("Stations 2026", "kent", "A. Inspector", "hmic_staff")


def form(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    for r in [
        ["type", "name", "label", "choice_filter", "constraint", "constraint_message", "required",
         "default"],
        ["select_one region", "region", "Region", "", "", "", "yes"],
        ["select_one force", "force_area", "Force area", "region=${region}", "", "", "yes"],
        ["geopoint", "where", "Where is the station?", "", "", "", "no"],
        ["text", "ref", "Custody record", "", "regex(., '^[0-9]{4}$')",
         "Four digits, as on the custody record", "no"],
        ["date", "visited", "Date of visit", "", "", "", "no", "today()"],
        ["time", "arrived", "Arrived at", "", "", "", "no", "09:30:00"],
    ]:  # fmt: skip
        ws.append(r)
    choices = wb.create_sheet("choices")
    for r in [
        ["list_name", "name", "label", "region"],
        ["region", "wales", "Wales", ""],
        ["region", "north_west", "North West", ""],
        ["force", "gwent", "Gwent", "wales"],
        ["force", "dyfed", "Dyfed-Powys", "wales"],
        ["force", "gmp", "Greater Manchester", "north_west"],
    ]:
        choices.append(r)
    settings = wb.create_sheet("settings")
    settings.append(["form_title", "form_id", "fieldkit::app_order"])
    settings.append(["Cascade", "cascade", 1])
    wb.save(path)
    return path


async def test_cascading_choices_locations_and_constraint_messages_by_keys(
    tmp_path: Path, cli: Cli
) -> None:
    db = tmp_path / "team.db"
    assert cli("checklists", "import", form(tmp_path / "c.xlsx"), "--db", db).exit_code == 0
    app = make_app(db, now=lambda: datetime(2026, 3, 2, 9, 30), cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key_of(app, "cascade"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        await pilot.press("1")  # Wales
        await pilot.pause()
        text = screen_text(app)
        assert "Gwent" in text and "Dyfed-Powys" in text
        assert "Greater Manchester" not in text  # filtered out
        await pilot.press("3")  # there are only two choices now
        await pilot.pause()
        assert "choose 1 to 2" in screen_text(app) or "1 to 2" in screen_text(app)
        await pilot.press("2")
        await pilot.pause()
        await pilot.press(*typed("91 0"), "enter")
        await pilot.pause()
        assert "latitude must be -90 to 90" in screen_text(app)
        await pilot.press(*["backspace"] * 4, *typed("51.5 -0.12"), "enter")
        await pilot.pause()
        await pilot.press(*typed("12a"), "enter")
        await pilot.pause()
        assert "Four digits, as on the custody record" in screen_text(app)
        await pilot.press("backspace", "backspace", "backspace", *typed("0042"), "enter")
        await pilot.pause()
        assert "Enter = 09:30:00 (the form's default)" in screen_text(app)
        await pilot.press("enter", "enter")  # the defaults: today(), then 09:30
        await pilot.pause()
        rid = screen.record_id
    saved = cells(db, rid)
    assert saved[("region", "")] == "wales" and saved[("force_area", "")] == "dyfed"
    assert saved[("where", "")] == "51.5 -0.12"
    assert saved[("ref", "")] == "0042"
    assert saved[("visited", "")] == "2026-03-02" and saved[("arrived", "")] == "09:30"


async def test_the_app_shows_a_form_in_the_language_asked_for(tmp_path: Path, cli: Cli) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", "label::English (en)", "label::Cymraeg (cy)"])
    ws.append(["select_one lit", "lit", "Was the cell lit?", "Oedd y gell wedi'i goleuo?"])
    choices = wb.create_sheet("choices")
    for r in [["list_name", "name", "label::English (en)", "label::Cymraeg (cy)"],
              ["lit", "bright", "Brightly", "Yn llachar"], ["lit", "dim", "Dimly", "Yn wan"]]:  # fmt: skip
        choices.append(r)
    settings = wb.create_sheet("settings")
    settings.append(["form_id", "fieldkit::app_order"])
    settings.append(["cells", 1])
    wb.save(tmp_path / "w.xlsx")
    db = tmp_path / "w.db"
    assert cli("checklists", "import", tmp_path / "w.xlsx", "--db", db).exit_code == 0
    for language, prompt, choice in (
        (None, "Was the cell lit?", "Brightly"),
        ("Cymraeg (cy)", "Oedd y gell wedi'i goleuo?", "Yn llachar"),
    ):
        app = make_app(db, cursor_blink=False, ctx=CTX, language=language)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(key_of(app, "cells"))
            await pilot.pause()
            text = screen_text(app)
            assert prompt in text and choice in text, text
            await pilot.press("2")
            await pilot.pause()
            rid = app.screen.record_id  # type: ignore[attr-defined]
        assert cells(db, rid)[("lit", "")] == "dim"  # the same answer in either language
