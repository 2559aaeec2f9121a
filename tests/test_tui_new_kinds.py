"""The capture app on the kinds an XLSForm brings (note, decimal, an exclusive "None",
relevance expressions, number ranges, a calculate), at 80x24, by keys alone, checked on
screen and against SQLite."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from helpers.form import cells, typed
from helpers.suite_form import FORM_ID, suite_check_form
from helpers.tui import key_of, screen_text
from textual.pilot import Pilot
from typer.testing import Result

from fieldkit.checklists import NA
from fieldkit.context import InspectionContext
from fieldkit.tui.app import FieldkitApp, make_app
from fieldkit.tui.screens.form import AddInstance, FormScreen
from fieldkit.tui.widgets.item_row import ChoiceRow

CTX = InspectionContext("PEEL 2015 DA", "kent", "A. Inspector", "hmic_staff")
Cli = Callable[..., Result]


def installed_db(tmp_path: Path, cli: Cli) -> Path:
    db = tmp_path / "team.db"
    form = suite_check_form(tmp_path / "suite.xlsx")
    result = cli("checklists", "import", form, "--db", db)
    assert result.exit_code == 0, result.output
    return db


@asynccontextmanager
async def suite_form(db: Path) -> AsyncIterator[tuple[FieldkitApp, Pilot, FormScreen]]:
    app = make_app(db, now=lambda: datetime(2015, 6, 1, 9, 30), cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key_of(app, FORM_ID))
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)
        yield app, pilot, app.screen


def focused_item(app: FieldkitApp, screen: FormScreen) -> str:
    row = screen._row_of(app.focused)
    assert row is not None
    return row.entry.item.id


async def goto(pilot: Pilot, screen: FormScreen, item_id: str) -> None:
    row = screen.rows[(item_id, "")]
    target = row if isinstance(row, ChoiceRow) else row.input
    target.focus()
    await pilot.pause()


async def test_a_note_is_shown_never_answered_and_skipped(tmp_path: Path, cli: Cli) -> None:
    db = installed_db(tmp_path, cli)
    async with suite_form(db) as (app, pilot, screen):
        rid = screen.record_id
        text = screen_text(app)
        assert "Record what you saw; never names." in text
        note_line = text.splitlines()[
            text.splitlines().index(
                next(line for line in text.splitlines() if "Record what you saw" in line)
            )
            + 1
        ]
        assert "unanswered" not in note_line and "required" not in note_line
        # the form opens on the first question, past the note; up cannot land on it
        assert focused_item(app, screen) == "suite_ref"
        await pilot.press("up")
        await pilot.pause()
        assert focused_item(app, screen) == "suite_ref"
        # a key on the note itself (reached by the mouse) says why nothing happens
        note = screen.rows[("intro", "")]
        note.focus()
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert "this is a note: nothing to answer" in screen_text(app)
        # not counted as a required question: six are (reference, unannounced, detainees,
        # temperature, vulnerabilities, referral), the note is not
        assert "0/6 done" in screen_text(app)
    assert ("intro", "") not in cells(db, rid)


async def test_a_decimal_takes_a_point_or_unknown_and_a_range_names_itself(
    tmp_path: Path, cli: Cli
) -> None:
    db = installed_db(tmp_path, cli)
    async with suite_form(db) as (app, pilot, screen):
        rid = screen.record_id
        await goto(pilot, screen, "detainees")
        await pilot.press("4", "5", "enter")
        await pilot.pause()
        assert "Not saved: expected a number from 0 to 40, got 45" in screen_text(app)
        assert focused_item(app, screen) == "detainees"  # stays on the question
        assert ("detainees", "") not in cells(db, rid)
        await pilot.press("backspace", "backspace", "3", "enter")
        await pilot.pause()
        assert focused_item(app, screen) == "cell_temp"
        await pilot.press(*typed("41.5"), "enter")
        await pilot.pause()
        assert "expected a number from 5 to 40, got 41.5" in screen_text(app)
        await pilot.press(*["backspace"] * 4, *typed("19.5"), "enter")
        await pilot.pause()
        assert "Saved 5 (Cell temperature (C)) = 19.5" in screen_text(app)
        assert cells(db, rid)[("detainees", "")] == 3
        assert cells(db, rid)[("cell_temp", "")] == 19.5
        await goto(pilot, screen, "cell_temp")
        await pilot.press(*["backspace"] * 4, "u", "enter")
        await pilot.pause()
        assert cells(db, rid)[("cell_temp", "")] == "unknown"
        assert "= unknown" in screen_text(app)


async def test_an_exclusive_none_clears_the_others_and_is_cleared_by_them(
    tmp_path: Path, cli: Cli
) -> None:
    db = installed_db(tmp_path, cli)
    async with suite_form(db) as (app, pilot, screen):
        rid = screen.record_id
        await goto(pilot, screen, "vuln")
        await pilot.press("1", "2")
        await pilot.pause()
        assert cells(db, rid)[("vuln", "")] == json.dumps(["mh", "child"])
        await pilot.press("3")  # None
        await pilot.pause()
        assert cells(db, rid)[("vuln", "")] == json.dumps(["none"])
        assert "[x] None" in screen_text(app) and "[ ] Mental health" in screen_text(app)
        await pilot.press("2")  # Child after all: None goes
        await pilot.pause()
        assert cells(db, rid)[("vuln", "")] == json.dumps(["child"])
        assert "[ ] None" in screen_text(app) and "[x] Child" in screen_text(app)


async def test_a_relevance_expression_sets_na_in_words_and_navigation_skips_it(
    tmp_path: Path, cli: Cli
) -> None:
    db = installed_db(tmp_path, cli)
    async with suite_form(db) as (app, pilot, screen):
        rid = screen.record_id
        await goto(pilot, screen, "vuln")
        await pilot.press("2", "enter")  # Child only: no mental health referral to ask about
        await pilot.pause()
        referral = screen.rows[("mh_referral", "")]
        vuln = screen.checklist.item("vuln").position
        assert f"n/a (auto) because not ({vuln} Vulnerabilities includes Mental health)" in (
            screen_text(app)
        )
        assert referral.auto
        # Enter moved past the referral (and the computed count) to the staff repeat
        assert isinstance(app.focused, AddInstance)
        assert cells(db, rid)[("mh_referral", "")] == NA
        await goto(pilot, screen, "vuln")
        await pilot.press("1")  # mental health too: the question is back
        await pilot.pause()
        assert not referral.auto
        assert "n/a (auto" not in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert focused_item(app, screen) == "mh_referral"
        await pilot.press("y")
        await pilot.pause()
        assert cells(db, rid)[("mh_referral", "")] == "yes"


async def test_a_calculate_shows_its_value_as_answers_change(tmp_path: Path, cli: Cli) -> None:
    db = installed_db(tmp_path, cli)
    async with suite_form(db) as (app, pilot, screen):
        rid = screen.record_id
        count = screen.rows[("vuln_count", "")]
        assert "not computed yet" in count.render().plain
        await goto(pilot, screen, "vuln")
        await pilot.press("1", "2")
        await pilot.pause()
        assert "Vulnerabilities noted" in screen_text(app)
        assert "▸ 2" in count.render().plain
        await pilot.press("3")
        await pilot.pause()
        assert "▸ 1" in count.render().plain
    assert ("vuln_count", "") not in cells(db, rid)  # computed, never stored


async def test_in_the_choice_list_an_exclusive_none_clears_the_others(
    tmp_path: Path, cli: Cli
) -> None:
    db = installed_db(tmp_path, cli)
    async with suite_form(db) as (app, pilot, screen):
        rid = screen.record_id
        await goto(pilot, screen, "vuln")
        await pilot.press("enter")  # no answer yet: Enter opens the list
        await pilot.pause()
        await pilot.press("space", "down", "space")  # Mental health, Child
        await pilot.press("down", "space")  # None: the other two are cleared
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert cells(db, rid)[("vuln", "")] == json.dumps(["none"])
        assert "▸ None" in screen.rows[("vuln", "")].render().plain
