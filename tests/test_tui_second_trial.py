"""The capture app after the second field trial (issue 27), at 80x24 unless the point is
about a wider screen: the help reads the checklist, records are told apart, every Records
key can be undone, rules and records are named in words, nothing is cut."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import pytest
from helpers.form import typed
from helpers.suite_form import suite_check_form
from helpers.tui import key_of, screen_lines, screen_text
from openpyxl import load_workbook
from textual.pilot import Pilot
from typer.testing import Result

from fieldkit.context import InspectionContext
from fieldkit.store import Store
from fieldkit.tui.app import FieldkitApp, make_app
from fieldkit.tui.screens.form import FormScreen
from fieldkit.tui.screens.help import HelpScreen
from fieldkit.tui.screens.records import RecordsScreen

CTX = InspectionContext("PEEL 2015 DA", "kent", "A. Inspector", "hmic_staff")
NOW = datetime(2015, 6, 1, 9, 30)
Cli = Callable[..., Result]


@asynccontextmanager
async def running(
    db: Path, size: tuple[int, int] = (80, 24)
) -> AsyncIterator[tuple[FieldkitApp, Pilot]]:
    app = make_app(db, now=lambda: NOW, cursor_blink=False, ctx=CTX)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        yield app, pilot


async def new_record(app: FieldkitApp, pilot: Pilot, checklist_id: str) -> FormScreen:
    await pilot.press(key_of(app, checklist_id))
    await pilot.pause()
    assert isinstance(app.screen, FormScreen)
    return app.screen


async def focus(pilot: Pilot, screen: FormScreen, item_id: str) -> None:
    """Focus a question as the form's own moves do (scrolled into view)."""
    screen._focus_key((item_id, ""))
    await pilot.pause()
    await pilot.pause()


def imported(tmp_path: Path, cli: Cli, *, natural_key: bool = True) -> Path:
    """A database with the XLSForm custody-suite check installed (without a natural key
    when asked: records then have nothing but their start to tell them apart)."""
    form = suite_check_form(tmp_path / "suite.xlsx")
    if not natural_key:
        wb = load_workbook(form)
        ws = wb["settings"]
        for cell in ws[1]:
            if cell.value == "fieldkit::natural_key":
                ws.cell(row=2, column=cell.column).value = None
        wb.save(form)
    db = tmp_path / "team.db"
    result = cli("checklists", "import", form, "--db", db)
    assert result.exit_code == 0, result.output
    return db


# ------------------------------------------------------------------ 1. help from the checklist
async def test_f1_gives_the_scale_labels_of_the_checklist(db_path: Path) -> None:
    async with running(db_path) as (app, pilot):
        screen = await new_record(app, pilot, "case_file_review")
        scale = next(i for i in screen.checklist.items if i.kind == "q4")
        await focus(pilot, screen, scale.id)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "1 Poor  2 Weak  3 Adequate  4 Good" in text  # the scale the form offers
        assert "Strong" not in text
        assert f"{scale.position} {scale.prompt[:40]}" in text  # the question F1 was on
        # this question's own keys, with the scale's labels
        assert "1 Poor  2 Weak  3 Adequate  4 Good" in text.split("Answering")[0]


async def test_f1_on_an_imported_form_names_its_own_choices(tmp_path: Path, cli: Cli) -> None:
    db = imported(tmp_path, cli)
    async with running(db) as (app, pilot):
        screen = await new_record(app, pilot, "suite_check")
        await focus(pilot, screen, "vuln")
        await pilot.press("f1")
        await pilot.pause()
        text = screen_text(app)
        assert "any of" in text
        for label in ("Mental health", "Child", "None"):
            assert label in text
        assert "Poor" not in text  # no scale on this form: none described


# ------------------------------------------------------------------ 2. records told apart
def _front_desk_day(db: Path) -> None:
    with Store.create(db, inspector="A. Inspector") as store:
        for station, at in (("Guildford", "10:15"), ("Woking Central", "14:40")):
            rid = store.create_record("front_desk", "surrey", inspector="Alexandra Inspector")
            store.set_answer(rid, "fd_station_name", station)
            store.set_answer(rid, "fd_visit_datetime", f"2026-12-07T{at}")
            store.set_field(rid, "observed_at", f"2026-12-07T{at}")
        case = store.create_record("case_file_review", "surrey", inspector="B. Smith")
        store.set_answer(case, "cf_crime_ref", "CR/15/SUR5186679")
        store.set_field(case, "observed_at", "2026-12-06T09:00")
        store.set_field(case, "status", "final")


async def test_records_are_told_apart_at_80_and_120_columns(db_path: Path) -> None:
    _front_desk_day(db_path)
    for width in (80, 120):
        async with running(db_path, (width, 24)) as (app, pilot):
            await pilot.press("r")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, RecordsScreen)
            screen.query_one("#f-force").value = "*"
            await pilot.pause()
            text = screen_text(app)
            # each visit by its station and time; the case file by its full reference
            assert "Guildford · 2026-12-07 10:15" in text
            assert "Woking Central · 2026-12-07 14:40" in text
            assert "CR/15/SUR5186679" in text
            assert "Final" in text and "2026-12-06" in text
            head = next(line for line in screen_lines(app) if "Record" in line and "Status" in line)
            assert head.rstrip().endswith("Observed") or "Observed" in head
            # the columns use the width the screen has
            table_width = sum(c.width + 2 for c in screen._cols)
            assert width - 4 <= table_width <= width
            if width == 120:
                assert "Alexandra Inspector"[:18] in text
                assert "2026-12-07 14:40" in text


# ------------------------------------------------------------------ 3. undo in Records
async def test_every_records_key_is_undone_and_an_untouched_duplicate_is_discarded(
    db_path: Path,
) -> None:
    with Store.create(db_path, inspector="A. Inspector") as store:
        a = store.create_record("call_listening", "kent")
        store.set_answer(a, "cl_call_ref", "CR-100")
        store.set_answer(a, "cl_ctx_intel_staff", "none")

    def live() -> set[str]:
        conn = sqlite3.connect(db_path)
        try:
            return {r for (r,) in conn.execute("SELECT record_id FROM records WHERE deleted = 0")}
        finally:
            conn.close()

    async with running(db_path) as (app, pilot):
        await pilot.press("r")
        await pilot.pause()
        records = app.screen
        assert isinstance(records, RecordsScreen)
        # a word typed by mistake: d opens a duplicate; Esc discards it, untouched
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is records
        assert live() == {a}
        # a duplicate that was answered is kept on Esc, and u in Records undoes it
        await pilot.press("d")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        copy = form.record_id
        await focus(pilot, form, "cl_visit_unannounced")
        await pilot.press("y")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert live() == {a, copy}
        await pilot.press("u")
        await pilot.pause()
        assert live() == {a}
        assert "Undid the duplicate" in screen_text(app)
        # delete, then u restores; a second u has nothing left to undo
        records.query_one("#records-table").move_cursor(row=0)
        await pilot.press("x")
        await pilot.pause()
        assert live() == set()
        await pilot.press("u")
        await pilot.pause()
        assert live() == {a}
        await pilot.press("u")
        await pilot.pause()
        assert live() == {a}
        assert "Nothing to undo" in screen_text(app)


# ------------------------------------------------------------------ 5. words, not ids
async def test_a_record_without_natural_key_is_named_by_its_start(tmp_path: Path, cli: Cli) -> None:
    db = imported(tmp_path, cli, natural_key=False)
    async with running(db) as (app, pilot):
        screen = await new_record(app, pilot, "suite_check")
        head = screen_lines(app)[0]
        assert "no reference yet" not in head
        assert "started 2015-06-01 09:30" in head
        await focus(pilot, screen, "unannounced")
        await pilot.press("y")  # written to: kept when left
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert "started 2015-06-01 09:30" in screen_text(app)


def test_checklists_diff_says_kinds_in_words(tmp_path: Path, cli: Cli) -> None:
    import yaml

    from fieldkit.checklists import loader

    src = Path(loader.__file__).parent / "call_listening.yaml"
    data = yaml.safe_load(src.read_text())
    new = dict(data, version=data["version"] + 1)
    for section in new["sections"]:
        for item in section["items"]:
            if item["id"] == "cl_visit_unannounced":
                item["kind"] = "ynna"
                item["na"] = "An announced visit agreed in advance"
    path = tmp_path / "call_listening.yaml"
    path.write_text(yaml.safe_dump(new))
    result = cli("checklists", "diff", str(src), str(path))
    assert result.exit_code == 1  # a kind change is breaking
    assert "yes / no -> yes / no / n.a." in result.output
    assert "ynna" not in result.output
    assert ": 2 changes" in result.output


# ------------------------------------------------------------------ 6. nothing cut at 80
@pytest.mark.slow
async def test_nothing_is_cut_at_80_columns(db_path: Path) -> None:
    async with running(db_path) as (app, pilot):
        screen = await new_record(app, pilot, "case_file_review")
        # which questions a rule made n/a, by number
        injured = screen.checklist.item("cf_victim_injured")
        await focus(pilot, screen, injured.id)
        await pilot.press("n")
        await pilot.pause()
        auto = sorted(
            e.item.position
            for e in screen.entries
            if screen.model.auto_na(e) and e.item.na_when and e.item.na_when.item == injured.id
        )
        listed = ", ".join(str(n) for n in auto[:-1]) + f" and {auto[-1]}"
        assert f"now n/a (auto): {listed}" in screen_text(app)
        # every ethnicity, the 17th to the 19th too
        await focus(pilot, screen, "cf_victim_ethnicity")
        text = screen_text(app)
        for n, label in enumerate(screen.checklist.item("cf_victim_ethnicity").choices, 1):
            assert f"{n} {label.label}" in " ".join(text.split()), label.label
        # the privacy prompt at finalise, whole
        await focus(pilot, screen, "cf_crime_ref")
        await pilot.press(*typed("CR/1"), "enter")
        note = next(i for i in screen.checklist.items if i.kind == "text" and not i.required)
        await focus(pilot, screen, note.id)
        await pilot.press(*typed("rang Jane Smith on 07700 900123"), "enter")
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert "ctrl+f again finalises anyway." in " ".join(screen_text(app).split())
        await pilot.press("escape")
        await pilot.pause()
        # a number that may be unknown: its keys beside it, whole
        call = await new_record(app, pilot, "call_listening")
        item = next(i for i in call.checklist.items if i.unknown and i.kind == "minutes")
        await focus(pilot, call, item.id)
        line = next(row for row in screen_lines(app) if f"{item.position} · minutes" in row)
        assert "a whole number, or u if unknown, na if n/a" in line
        await pilot.press("escape")
        await pilot.pause()
        # the PCC header on one line
        await new_record(app, pilot, "pcc_checklist")
        head = screen_lines(app)[0]
        assert "DRAFT" in head and "done" in head and "…" not in head.split("DRAFT")[1]


# ------------------------------------------------------------------ 7. two-digit any-of
async def test_a_long_any_of_list_takes_two_digits_and_enter_moves_on(db_path: Path) -> None:
    async with running(db_path) as (app, pilot):
        screen = await new_record(app, pilot, "front_desk")
        item = next(i for i in screen.checklist.items if i.kind == "multi" and len(i.choices) >= 10)
        n = len(item.choices)
        await focus(pilot, screen, item.id)
        assert f"two digits tick/untick one (01-09, 10-{n}) · Enter moves on" in screen_text(app)
        codes = [c.code for c in item.choices]

        def value() -> list[str]:
            import json

            v = screen.model.answers.get((item.id, ""))
            return json.loads(v) if v else []

        await pilot.press("0", "1")
        await pilot.pause()
        assert value() == [codes[0]]
        await pilot.press("1", "2")
        await pilot.pause()
        assert value() == [codes[0], codes[11]]
        await pilot.press("0", "1")  # the same two digits untick it
        await pilot.pause()
        assert value() == [codes[11]]
        assert screen._row_of(app.focused).entry.item.id == item.id  # still here
        await pilot.press("1", "enter")  # one digit then Enter: ticks 1 and moves on
        await pilot.pause()
        assert value() == [codes[0], codes[11]]
        assert screen._row_of(app.focused).entry.item.id != item.id


# ------------------------------------------------------------------ 8. no bare "Not applicable"
async def test_an_xlsform_yes_no_na_question_gives_no_empty_na_condition(
    tmp_path: Path, cli: Cli
) -> None:
    db = imported(tmp_path, cli)
    shown = cli("checklists", "show", "suite_check", "--db", db)
    assert shown.exit_code == 0, shown.output
    assert "n/a when: Not applicable" not in shown.output
    async with running(db) as (app, pilot):
        screen = await new_record(app, pilot, "suite_check")
        await focus(pilot, screen, "vuln")
        await pilot.press("1", "enter")  # mental health: the referral question applies
        await focus(pilot, screen, "mh_referral")
        text = screen_text(app)
        assert "Mental health referral made?" in text
        assert "n/a when" not in text
        assert "a n/a" in " ".join(text.split())  # n/a can still be chosen
