"""The capture app's forms, driven by key presses alone, checked against SQLite."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import pytest
from helpers.form import CALL, cells, record_row, typed
from helpers.tui import key_of
from textual.pilot import Pilot

from fieldkit.checklists import NA, apply_rules, get
from fieldkit.context import InspectionContext
from fieldkit.store import Store
from fieldkit.tui.app import FieldkitApp, make_app
from fieldkit.tui.form_model import FormModel
from fieldkit.tui.screens.form import FormScreen
from fieldkit.tui.widgets.item_row import ChoiceRow, TextRow

NOW = datetime(2015, 6, 1, 9, 30)


CTX = InspectionContext("PEEL 2015 DA", "kent", "A. Inspector", "hmic_staff")


@pytest.fixture
def ctx() -> InspectionContext:
    return CTX


def app_for(db: Path, ctx: InspectionContext | None = None) -> FieldkitApp:
    """The app on `db`; with `ctx`, started in that context (as if given before)."""
    return make_app(db, now=lambda: NOW, cursor_blink=False, ctx=ctx)


@asynccontextmanager
async def new_form(
    db: Path, checklist_id: str = "call_listening", size: tuple[int, int] = (100, 40)
) -> AsyncIterator[tuple[FieldkitApp, Pilot, FormScreen]]:
    """The app on `db`, with a new record of `checklist_id` started from the dashboard by
    its key."""
    app = app_for(db, CTX)
    async with app.run_test(size=size) as pilot:
        await pilot.press(key_of(app, checklist_id))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        yield app, pilot, screen


def only_record(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        (rid,) = conn.execute("SELECT record_id FROM records").fetchone()
    finally:
        conn.close()
    return rid


@pytest.mark.slow
async def test_whole_call_record_by_keys(db_path: Path, ctx: InspectionContext) -> None:
    app = app_for(db_path, ctx)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)
        for item_id, keys, _ in CALL:
            row = app.screen._row_of(app.focused)
            assert row is not None and row.entry.item.id == item_id, (
                f"expected focus on {item_id}, got {row.entry.item.id if row else app.focused}"
            )
            await pilot.press(*keys)
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen)  # back on the dashboard

    rid = only_record(db_path)
    stored = cells(db_path, rid)
    expected = {(i, ""): v for i, _, v in CALL if v is not None}
    # rules: the repeat flag is n/a because the system does not flag repeats automatically
    expected[("cl_repeat_flag_shown", "")] = NA
    assert stored == expected
    rec = record_row(db_path, rid)
    assert rec["status"] == "final"
    assert rec["subject_ref"] == "CR-0001"
    assert rec["force_code"] == "kent"
    assert rec["inspector"] == "A. Inspector"
    assert rec["inspection"] == "PEEL 2015 DA"
    assert rec["observer_role"] == "hmic_staff"
    # every answer went through the change log
    conn = sqlite3.connect(db_path)
    logged = {
        f
        for (f,) in conn.execute(
            "SELECT DISTINCT field FROM changes WHERE record_id = ? AND kind = 'answer'", (rid,)
        )
    }
    conn.close()
    assert {i for (i, _) in expected} <= logged


async def test_second_call_carries_the_visit_context(db_path: Path, ctx: InspectionContext) -> None:
    """Calls 2..10 only need sections B..I: section A comes from the last call."""
    with Store.create(db_path, inspector="A. Inspector") as store:
        first = store.create_record(
            "call_listening", "kent", inspector="A. Inspector", inspection="PEEL 2015 DA"
        )
        store.set_answer(first, "cl_ctx_auto_repeat_id", "no")
        store.set_answer(first, "cl_ctx_intel_staff", "none")
        store.set_answer(first, "cl_call_ref", "CR-1")
    async with new_form(db_path) as (app, pilot, screen):
        rid = screen.record_id
        # starts at the first unanswered question, not the carried ones
        assert screen._row_of(app.focused).entry.item.id == "cl_visit_datetime"
    stored = cells(db_path, rid)
    assert stored[("cl_ctx_auto_repeat_id", "")] == "no"
    assert stored[("cl_ctx_intel_staff", "")] == "none"
    assert stored[("cl_repeat_flag_shown", "")] == NA  # the rule applied to the carried answer
    assert ("cl_call_ref", "") not in stored  # only visit-scope sections carry over


async def test_relevance_rule_hides_and_says_so(db_path: Path, ctx: InspectionContext) -> None:
    """No injury: injury photographs, body map and medical evidence become n/a (auto),
    say so, and navigation skips them; an injury after all brings them back."""
    async with new_form(db_path, "case_file_review") as (app, pilot, screen):
        rid = screen.record_id
        injured = screen.rows[("cf_victim_injured", "")]
        injured.focus()
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        photos = screen.rows[("cf_t2_injury_photos", "")]
        assert isinstance(photos, ChoiceRow)
        # the rule in words: the question it reads by number and text, never its id
        injury = screen.checklist.item("cf_victim_injured")
        because = f"{injury.position} Did the victim have a physical injury? = no"
        assert photos.auto == because
        assert f"n/a (auto) because {because}" in photos.render().plain
        assert "cf_victim_injured" not in photos.render().plain
        # focus moved past the statement item... to the item after it, skipping photos
        assert screen._row_of(app.focused).entry.item.id == "cf_t2_victim_statement_initial"
        await pilot.press("y")
        await pilot.pause()
        assert screen._row_of(app.focused).entry.item.id == "cf_t2_house_to_house"
        status = str(screen.query_one("SaveStatus").render())
        assert "Saved 18 (Victim statement taken at…) = yes" in status
        stored = cells(db_path, rid)
        for item in ("cf_t2_injury_photos", "cf_body_map", "cf_medical_evidence"):
            assert stored[(item, "")] == NA
        # change of mind: there was an injury
        injured.focus()
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert photos.auto == ""
        assert screen._row_of(app.focused).entry.item.id == "cf_t2_victim_statement_initial"
    stored = cells(db_path, rid)
    assert stored[("cf_victim_injured", "")] == "yes"
    for item in ("cf_t2_injury_photos", "cf_body_map", "cf_medical_evidence"):
        assert (item, "") not in stored


async def test_finalise_blocked_jumps_to_first_missing(
    db_path: Path, ctx: InspectionContext
) -> None:
    async with new_form(db_path) as (app, pilot, screen):
        rid = screen.record_id
        await pilot.press("enter", "y", "y")  # visit time (now), two yes/no answers
        screen.rows[("cl_call_ref", "")].input.focus()
        await pilot.pause()
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)  # still here
        row = screen._row_of(app.focused)
        assert row is not None and row.entry.item.id == "cl_ctx_auto_repeat_id"
        status = str(screen.query_one("SaveStatus").render())
        missing = len(FormModel(get("call_listening"), Store.open(db_path).answers(rid)).missing())
        assert f"Cannot finalise: {missing} required items unanswered" in status
    assert record_row(db_path, rid)["status"] == "draft"


async def test_reopen_a_final_record(db_path: Path, ctx: InspectionContext) -> None:
    with Store.create(db_path, inspector="A. Inspector") as store:
        rid = store.create_record("front_desk", "kent", inspector="A. Inspector")
        checklist = store.checklist("front_desk")
        for item in checklist.items:
            if item.required and item.answerable and (item.id, "") not in store.answers(rid):
                store.set_answer(rid, item.id, _any_answer(item))
        store.finalise(rid)
    app = app_for(db_path, ctx)
    async with app.run_test(size=(100, 40)) as pilot:
        app.open_record(rid)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen) and screen.final
        row = screen._row_of(app.focused)
        before = cells(db_path, rid)
        await pilot.press("n" if isinstance(row, ChoiceRow) else "x")
        await pilot.pause()
        assert cells(db_path, rid) == before  # a final record is not edited by accident
        assert "final" in str(screen.query_one("SaveStatus").render())
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert not screen.final
    assert record_row(db_path, rid)["status"] == "draft"
    conn = sqlite3.connect(db_path)
    statuses = [
        v
        for (v,) in conn.execute(
            "SELECT value FROM changes WHERE record_id = ? AND field = 'status' ORDER BY seq",
            (rid,),
        )
    ]
    conn.close()
    assert statuses == ["draft", "final", "draft"]


def _any_answer(item) -> object:  # noqa: ANN001
    if item.kind in ("yn", "ynna"):
        return "yes"
    if item.kind in ("q4", "count", "minutes"):
        return 1 if item.kind == "q4" else 0
    if item.kind in ("choice", "multi"):
        return item.choices[0].code
    if item.kind == "date":
        return "2015-06-01"
    if item.kind == "time":
        return "10:00"
    if item.kind == "datetime":
        return "2015-06-01T10:00"
    return "x"


def _case_file_plan() -> tuple[list[tuple[str, list[str]]], dict[tuple[str, str], object]]:
    """Keys for a whole case-file review, answering each visible item in turn by a fixed
    pattern, and the answers SQLite must then hold (rules applied as the form goes)."""
    checklist = get("case_file_review")
    model = FormModel(checklist)
    keys: list[tuple[str, list[str]]] = []
    answers: dict[tuple[str, str], object] = {}
    n = 0
    for entry in model.entries():
        item = entry.item
        if not item.answerable or model.auto_na(entry):
            continue
        n += 1
        if item.kind in ("yn", "ynna"):
            k, v = (["y"], "yes") if n % 3 else (["n"], "no")
            if item.kind == "ynna" and item.na and n % 5 == 0:
                k, v = ["a"], NA
        elif item.kind == "q4":
            score = 1 + n % 4
            k, v = [str(score)], score
        elif item.kind == "choice":
            pick = 1 + n % len(item.choices)
            k, v = list(str(pick)), item.choices[pick - 1].code
            if len(item.choices) >= 10 and pick == 1:
                k = ["1", "enter"]  # 1 could start 10..19: Enter confirms it
        elif item.kind == "multi":
            k = ["1", "enter"]
            v = json.dumps([item.choices[0].code])
        elif item.kind in ("count", "minutes"):
            k, v = [*str(n), "enter"], n
        elif item.kind == "date":
            k, v = [*typed("2015-05-02"), "enter"], "2015-05-02"
        elif item.kind == "text" and not item.required:
            k, v = ["enter"], None
        else:
            text = f"CF-{n:04d}"
            k, v = [*typed(text), "enter"], text
        keys.append((item.id, k))
        if v is not None:
            answers[entry.key] = v
            model.answers[entry.key] = v
            for key, value in apply_rules(checklist, model.answers).items():
                if value is None:
                    model.answers.pop(key, None)
                    answers.pop(key, None)
                else:
                    model.answers[key] = value
                    answers[key] = value
    return keys, answers


@pytest.mark.slow
async def test_whole_case_file_review_by_keys(db_path: Path, ctx: InspectionContext) -> None:
    keys, expected = _case_file_plan()
    app = app_for(db_path, ctx)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press(key_of(app, "case_file_review"))
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)
        for item_id, k in keys:
            row = app.screen._row_of(app.focused)
            assert row is not None and row.entry.item.id == item_id
            await pilot.press(*k)
        await pilot.pause()
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen)
    rid = only_record(db_path)
    assert cells(db_path, rid) == expected
    assert record_row(db_path, rid)["status"] == "final"


async def test_note_on_an_answer(db_path: Path, ctx: InspectionContext) -> None:
    async with new_form(db_path) as (app, pilot, screen):
        rid = screen.record_id
        await pilot.press("enter")  # visit time: now
        await pilot.press("ctrl+n", *typed("arrived 09:10"), "enter")
        await pilot.pause()
        assert screen.rows[("cl_visit_unannounced", "")].note == "arrived 09:10"
    assert cells(db_path, rid, "note") == {("cl_visit_unannounced", ""): "arrived 09:10"}


async def test_privacy_warning_while_typing(db_path: Path, ctx: InspectionContext) -> None:
    async with new_form(db_path) as (app, pilot, screen):
        row = screen.rows[("cl_ctx_notes", "")]
        assert isinstance(row, TextRow)
        row.input.focus()
        await pilot.pause()
        await pilot.press(*typed("call back on 07700 900123"))
        await pilot.pause()
        assert "a phone number ('07700 900123')" in row.warning
        hints = str(row.query_one(".notes").render())
        assert "privacy" in hints
        await pilot.press("enter")  # a warning, never a block
        await pilot.pause()
        rid = screen.record_id
    assert cells(db_path, rid)[("cl_ctx_notes", "")] == "call back on 07700 900123"


async def test_typed_text_is_saved_when_leaving_the_field(
    db_path: Path, ctx: InspectionContext
) -> None:
    """Text typed and left (arrow down) is saved, not only text followed by Enter."""
    async with new_form(db_path) as (app, pilot, screen):
        rid = screen.record_id
        row = screen.rows[("cl_call_ref", "")]
        row.input.focus()
        await pilot.pause()
        await pilot.press(*typed("CR-77"))
        assert row.state == "editing"
        await pilot.press("down")
        await pilot.pause()
        assert row.state == "saved"
    assert cells(db_path, rid)[("cl_call_ref", "")] == "CR-77"


async def test_bad_number_is_refused_with_a_reason(db_path: Path, ctx: InspectionContext) -> None:
    async with new_form(db_path) as (app, pilot, screen):
        rid = screen.record_id
        row = screen.rows[("cl_ctx_systems_count", "")]
        row.input.focus()
        await pilot.pause()
        await pilot.press("x", "enter")
        await pilot.pause()
        assert row.state == "error"
        assert "whole number" in row.error
        assert screen._row_of(app.focused) is row  # stays on the item
        await pilot.press("backspace", "4", "enter")
        await pilot.pause()
        assert row.state == "saved"
    assert cells(db_path, rid)[("cl_ctx_systems_count", "")] == 4


async def test_typing_ahead_keeps_key_order(db_path: Path, ctx: InspectionContext) -> None:
    """Keys sent faster than the screen can draw (even before the form has opened) still
    answer the right questions, in order."""
    from textual import events

    app = app_for(db_path, ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst = [("1", "1"), ("enter", "\r"), ("y", "y"), ("n", "n"), ("y", "y")]
        burst += [("1", "1"), ("n", "n"), ("3", "3"), ("enter", "\r"), ("3", "3"), ("y", "y")]
        for key, char in burst:
            app.post_message(events.Key(key, char))
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        rid = screen.record_id
    assert cells(db_path, rid) == {
        ("cl_visit_datetime", ""): "2015-06-01T09:30",
        ("cl_visit_unannounced", ""): "yes",
        ("cl_ctx_thrive_adopted", ""): "no",
        ("cl_ctx_auto_repeat_id", ""): "yes",
        ("cl_ctx_repeat_id_fallback", ""): NA,  # by rule: repeats are flagged automatically
        ("cl_ctx_intel_staff", ""): "24_7",
        ("cl_ctx_child_protection_access", ""): "no",
        ("cl_thrive_applied", ""): NA,
        ("cl_thrive_elements", ""): NA,
        ("cl_ctx_systems_count", ""): 3,
        ("cl_ctx_scripts_available", ""): "none",
        ("cl_ctx_scripts_accessible", ""): NA,  # by rule, and skipped
        ("cl_script_used", ""): NA,  # by rule: no scripts exist
        ("cl_ctx_dip_sampling", ""): "yes",
    }


async def test_marac_repeat_groups(db_path: Path, ctx: InspectionContext) -> None:
    """Attendance has one group per agency; cases are added with Enter on 'add case'."""
    async with new_form(db_path, "marac_observation") as (app, pilot, screen):
        rid = screen.record_id
        assert ("mo_att_status", "police") in screen.rows
        assert ("mo_att_status", "idva") in screen.rows
        # answer the police attendance: attended, senior enough, participation 3
        screen.rows[("mo_att_status", "police")].focus()
        await pilot.pause()
        await pilot.press("1", "y", "3")
        await pilot.pause()
        assert screen._row_of(app.focused).entry.key == ("mo_att_status", "probation")
        # probation absent: its two follow-up questions become n/a and are skipped
        await pilot.press("4")
        await pilot.pause()
        assert screen._row_of(app.focused).entry.key == ("mo_att_status", "idva")
        # from the last question of the meeting section, down reaches 'add case'
        screen.rows[("mo_notes", "")].input.focus()
        await pilot.pause()
        await pilot.press("down")
        await pilot.pause()
        assert type(app.focused).__name__ == "AddInstance"
        await pilot.press("enter")
        await pilot.pause()
        row = screen._row_of(app.focused)
        assert row is not None and row.entry.key == ("mo_case_ref", "1")
        await pilot.press(*typed("M-17"), "enter", "1", "enter")  # 1 of 12: Enter confirms
        await pilot.pause()
    stored = cells(db_path, rid)
    assert stored[("mo_att_status", "police")] == "attended"
    assert stored[("mo_att_seniority_ok", "police")] == "yes"
    assert stored[("mo_att_participation", "police")] == 3
    assert stored[("mo_att_status", "probation")] == "absent_without_apology"
    assert stored[("mo_att_seniority_ok", "probation")] == NA
    assert stored[("mo_att_participation", "probation")] == NA
    assert stored[("mo_case_ref", "1")] == "M-17"
    assert stored[("mo_case_referring_agency", "1")] == "police"


async def test_enter_opens_the_choice_list(db_path: Path, ctx: InspectionContext) -> None:
    async with new_form(db_path, size=(80, 24)) as (app, pilot, screen):
        rid = screen.record_id
        screen.rows[("cl_caller_type", "")].focus()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "ChoicePicker"
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert app.screen is screen
        assert screen._row_of(app.focused).entry.item.id == "cl_call_duration"
        # Enter on a multi with nothing chosen opens the list too; space toggles
        screen.rows[("cl_vulnerability_markers", "")].focus()
        await pilot.pause()
        await pilot.press("enter", "space", "down", "space", "enter")
        await pilot.pause()
    stored = cells(db_path, rid)
    assert stored[("cl_caller_type", "")] == "other_family_friend"
    assert stored[("cl_vulnerability_markers", "")] == json.dumps(
        ["intimidated_victim", "repeat_victim"]
    )
