"""The capture app at 80x24 on a form whose choice file was not imported with it: the
question says where its choices are and takes a typed code (a select_multiple's codes
separated by spaces); a `required` expression holds finalising back only when it is true."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from helpers.form import cells, record_row, typed
from helpers.tui import new_record, screen_text
from helpers.xlsforms import write_form
from textual.app import App
from typer.testing import Result

from fieldkit.context import InspectionContext
from fieldkit.tui.app import make_app
from fieldkit.tui.widgets.code_row import CodeRow

Cli = Callable[..., Result]
CTX = InspectionContext("Water 2026", "kent", "A. Inspector", "hmic_staff")


def _installed(tmp_path: Path, cli: Cli) -> Path:
    form = write_form(
        tmp_path / "water.xlsx",
        [
            ["text", "site", "Site", "yes"],
            ["integer", "pumps", "Pumps working", "${site} = 'well'"],
            ["select_one_from_file features.csv", "feature", "Which feature?", "no"],
            ["select_multiple_from_file tags.csv", "tags", "Tags", "no"],
        ],
        None,
        {"form_id": "water", "fieldkit::app_order": 1},
        ["type", "name", "label", "required"],
    )
    db = tmp_path / "t.db"
    assert cli("checklists", "import", form, "--db", db).exit_code == 0
    return db


def _app(db: Path) -> App:
    return make_app(db, now=lambda: datetime(2026, 3, 2, 9, 30), cursor_blink=False, ctx=CTX)


async def test_a_list_waiting_for_its_file_is_answered_by_typing_a_code(
    tmp_path: Path, cli: Cli
) -> None:
    db = _installed(tmp_path, cli)
    app = _app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await new_record(pilot, "water")
        assert isinstance(screen.rows[("feature", "")], CodeRow)
        screen.rows[("feature", "")].input.focus()
        await pilot.pause()
        text = screen_text(app)
        assert "the choices are in features.csv, not imported yet: type a choice's code" in text
        await pilot.press(*typed("way/123"), "enter")
        await pilot.pause()
        assert "not imported yet: type codes, separated by" in screen_text(app)
        await pilot.press(*typed("water tap water"), "enter")
        await pilot.pause()
        rid = screen.record_id
    saved = cells(db, rid)
    assert saved[("feature", "")] == "way/123"
    assert json.loads(str(saved[("tags", "")])) == ["water", "tap"]


async def test_a_required_expression_holds_finalising_back_only_when_true(
    tmp_path: Path, cli: Cli
) -> None:
    db = _installed(tmp_path, cli)
    app = _app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await new_record(pilot, "water")
        await pilot.press(*typed("well"), "enter")
        await pilot.pause()
        assert "Pumps working  (required if…)" in screen_text(app)
        assert "required when: site = 'well'" in screen_text(app)
        await pilot.press("ctrl+f")  # a well: pumps is required now
        await pilot.pause()
        assert "Cannot finalise: 1 required item unanswered" in screen_text(app)
        assert screen._row_of(app.focused).entry.item.id == "pumps"
        await pilot.press(*typed("2"), "enter", "ctrl+f")
        await pilot.pause()
        rid = screen.record_id
    assert record_row(db, rid)["status"] == "final"
