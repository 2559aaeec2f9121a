"""XLSForm's `rank`: every choice put in order, typed in the app at 80x24 as the
choices' numbers, validated the same in a CSV import (each choice once, all of the
list), and kept a rank through export and import (issue 24)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from helpers.form import cells, typed
from helpers.tui import key_of, screen_text
from helpers.xlsforms import write_form
from typer.testing import Result

from fieldkit.checklists.xlsform_read import read_xlsform
from fieldkit.context import InspectionContext
from fieldkit.tui.app import make_app
from fieldkit.tui.screens.form import FormScreen

Cli = Callable[..., Result]
CTX = InspectionContext("PEEL 2015 DA", "kent", "A. Inspector", "hmic_staff")
CHOICES = [["list_name", "name", "label"], ["f", "apple", "Apple"], ["f", "pear", "Pear"]]
CHOICES += [["f", "plum", "Plum"]]


def _installed(tmp_path: Path, cli: Cli) -> tuple[Path, Path]:
    form = write_form(
        tmp_path / "r.xlsx",
        [["rank f", "best", "Put the fruit in order"], ["text", "why", "Why?"]],
        CHOICES,
        {"form_id": "r", "version": "1", "fieldkit::app_order": 1},
        ["type", "name", "label"],
    )
    db = tmp_path / "r.db"
    assert cli("checklists", "import", form, "--db", db).exit_code == 0
    return form, db


async def test_a_rank_is_typed_as_numbers_in_order_and_shown_in_order(
    tmp_path: Path, cli: Cli
) -> None:
    _, db = _installed(tmp_path, cli)
    app = make_app(db, now=lambda: datetime(2015, 6, 1, 9, 30), cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key_of(app, "r"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        await pilot.pause()
        text = screen_text(app)
        assert "1 Apple  2 Pear  3 Plum" in text  # the numbers, and how to answer
        assert "type the numbers 1-3 in order" in text
        await pilot.press(*typed("3 1 2"), "enter")
        await pilot.pause()
        assert json.loads(str(cells(db, screen.record_id)[("best", "")])) == [
            "plum",
            "apple",
            "pear",
        ]
        screen.rows[("best", "")].input.focus()
        await pilot.pause()
        assert "order: Plum > Apple > Pear" in screen_text(app)
        # a number twice is refused on screen, nothing saved over the order
        await pilot.press("ctrl+u", *typed("1 1 2"), "enter")
        await pilot.pause()
        assert "ranked twice" in screen_text(app)
        assert json.loads(str(cells(db, screen.record_id)[("best", "")]))[0] == "plum"


def test_a_csv_rank_takes_each_code_once_and_keeps_the_type_through_export(
    tmp_path: Path, cli: Cli
) -> None:
    form, db = _installed(tmp_path, cli)
    good = tmp_path / "good.csv"
    good.write_text("force,observed_at,status,best\nkent,2026-01-05T10:00,final,pear plum apple\n")
    assert cli("import", good, "-c", "r", "--db", db).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("force,observed_at,status,best\nkent,2026-01-06T10:00,final,pear pear apple\n")
    before = db.read_bytes()
    result = cli("import", bad, "-c", "r", "--db", db)
    assert result.exit_code != 0
    assert "'pear' is ranked twice" in result.output + (result.stderr or "")
    assert db.read_bytes() == before
    out = tmp_path / "out.xlsx"
    assert cli("checklists", "export", "r", "--db", db, "--out", out).exit_code == 0
    again = read_xlsform(out).checklist
    assert again.item("best").kind == "rank"
    assert again == read_xlsform(form).checklist
    assert ": 0 changes" in cli("checklists", "diff", form, out).output.splitlines()[0]
