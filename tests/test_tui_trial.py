"""What got in the way of a new inspector in a field trial of the capture app (issue 14),
and what merged or new content did to it: each at 80x24, by keys, asserting what the
screen says."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from helpers.form import CALL  # the one script of a whole call record
from helpers.tui import key_of, screen_text
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input, OptionList

from fieldkit import context as context_mod
from fieldkit.checklists import UNKNOWN, get
from fieldkit.context import InspectionContext
from fieldkit.store import Store
from fieldkit.tui.app import FieldkitApp, make_app
from fieldkit.tui.screens.context import ContextScreen
from fieldkit.tui.screens.dashboard import DashboardScreen
from fieldkit.tui.screens.form import FormScreen
from fieldkit.tui.screens.help import HelpScreen
from fieldkit.tui.screens.note import NoteScreen
from fieldkit.tui.screens.records import RecordsScreen

NOW = datetime(2015, 6, 1, 9, 30)
CTX = InspectionContext("PEEL 2015 DA", "kent", "A. Inspector", "hmic_staff")
SIZE = (80, 24)


def app_for(db: Path, ctx: InspectionContext | None = CTX) -> FieldkitApp:
    return make_app(db, now=lambda: NOW, cursor_blink=False, ctx=ctx)


def typed(text: str) -> list[str]:
    names = {" ": "space", "-": "minus", ".": "full_stop", "'": "apostrophe"}
    return [names.get(ch, ch) for ch in text]


def status(app: FieldkitApp) -> str:
    return str(app.screen.query_one("#save-status").render())


def focused_item(app: FieldkitApp) -> str:
    screen = app.screen
    assert isinstance(screen, FormScreen)
    row = screen._row_of(app.focused)
    assert row is not None
    return row.entry.item.id


async def go_to(pilot: Pilot, item_id: str) -> None:
    """Move to a question by keys: next section until it is in it, then down."""
    app = pilot.app
    screen = app.screen
    assert isinstance(screen, FormScreen)
    target = next(e for e in screen.entries if e.item.id == item_id)
    for _ in range(40):
        entry = screen.entries[screen.index]
        if entry.group == target.group:
            break
        await pilot.press("pagedown")
    for _ in range(60):
        if focused_item(app) == item_id:
            return
        await pilot.press("down")
    raise AssertionError(f"could not reach {item_id}")


async def resume_at(pilot: Pilot, item_id: str) -> None:
    """From the dashboard: resume the draft waiting there and move to a question."""
    await pilot.press("enter")
    await pilot.pause()
    await go_to(pilot, item_id)
    await pilot.pause()


def complete_call(store: Store) -> str:
    """A call record with every required answer (the tests' keyed call, as data)."""
    rid = store.create_record("call_listening", "kent", inspector="A. Inspector")
    for item_id, _keys, value in CALL:
        if isinstance(value, str) and value.startswith("["):
            value = json.loads(value)  # an any-of answer, as the store takes it
        if value is not None:
            store.set_answer(rid, item_id, value)
    return rid


# ------------------------------------------------------------------------- point 1
async def test_privacy_warning_is_on_screen_and_finalising_asks_once(db_path: Path) -> None:
    with Store.create(db_path) as store:
        rid = complete_call(store)
    app = app_for(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await resume_at(pilot, "cl_concerns")  # the last text answer, low on the screen
        await pilot.press(*typed("victim Jane Smith 07700 900123"))
        await pilot.pause()
        line = status(app)
        assert "a personal name ('Jane Smith')" in line  # no title, still a name
        assert "⚠" in line
        # visible at 80x24, whole: the status line takes two lines for it
        assert "a personal name" in screen_text(app).splitlines()[-3]
        assert "never names or contact details." in screen_text(app).splitlines()[-2]
        await pilot.press("enter")
        await pilot.pause()
        assert "Saved, but looks like a personal name" in status(app)
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)  # asked, not finalised
        assert "may name a person" in status(app)
        assert "ctrl+f again finalises anyway" in status(app)
        assert focused_item(app) == "cl_concerns"
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
    with Store.open(db_path) as store:
        assert store.record(rid)["status"] == "final"


# ------------------------------------------------------------------------- point 2
def test_capture_asks_before_creating_a_database(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    opened: list[Path] = []
    monkeypatch.setattr(FieldkitApp, "run", lambda self: opened.append(self.store.path))
    typo = tmp_path / "tema.db"
    result = cli("capture", "--db", typo, input="\n")  # Enter: the default, no
    assert result.exit_code == 2
    assert "no database at" in result.output and "not created" in result.output
    assert "Traceback" not in result.output
    assert not typo.exists() and opened == []
    result = cli("capture", "--db", typo, input="y\n")
    assert result.exit_code == 0, result.output
    assert typo.exists() and opened == [typo]


async def test_the_dashboard_names_the_database_and_what_it_holds(tmp_path: Path) -> None:
    db = tmp_path / "team-kent.db"
    with Store.create(db) as store:
        done = store.create_record("call_listening", "essex", subject_ref="CR-1")
        store.set_field(done, "status", "final")
        store.create_record("front_desk", "essex", subject_ref="FD-1")
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        head = screen_text(app).splitlines()[:2]
        assert "team-kent.db" in head[1]
        assert "2 records (1 draft)" in head[1]


# ---------------------------------------------------------- point 3 and issue 16
async def test_the_context_is_remembered_per_database_and_offers_the_init_inspector(
    tmp_path: Path,
    cli,  # noqa: ANN001
) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    assert cli("init", "--db", a, "--inspector", "Jo Bloggs").exit_code == 0
    assert cli("init", "--db", b).exit_code == 0
    app = app_for(a, ctx=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ContextScreen)
        fields = [w.value for w in app.screen.query(Input)]
        assert fields[2] == "Jo Bloggs"  # the name given to init
        text = screen_text(app)
        assert "Enter in Inspector, or ctrl+s anywhere, saves" in text
        assert "Enter on the last field" not in text
        # typed in one go: Enter moves on before the next key is read
        await pilot.press(*typed("PEEL 2015"), "enter", *typed("Kent Police"), "enter", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert "Jo Bloggs" in screen_text(app).splitlines()[0]
    # another database: asked again (the last context offered, not used unasked)
    app = app_for(b, ctx=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ContextScreen)
        assert "New database" in screen_text(app)
        await pilot.press("escape")  # a suggestion must be confirmed
        assert isinstance(app.screen, ContextScreen)
        await pilot.press("tab", "tab", "ctrl+a", "ctrl+k", *typed("Sam Other"), "enter")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
    for db, name in ((a, "Jo Bloggs"), (b, "Sam Other")):
        app = app_for(db, ctx=None)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen)  # remembered for this file
            assert name in screen_text(app).splitlines()[0]
    assert context_mod.load().inspector == "Sam Other"  # the last one given


# ------------------------------------------------------------------------- point 4
async def test_f1_shows_fieldkits_own_help_fitting_80x24(db_path: Path) -> None:
    app = app_for(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "a new call listening record" in text and "Records" in text
        await pilot.press("escape")
        await pilot.press(key_of(app, "call_listening"))
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        # the kinds this checklist has (its lists are under ten: no two-digit entry)
        for words in ("y n a", "scores", "any-of", "u = unknown", "= now"):
            assert words in text
        for words in ("ctrl+n", "ctrl+f", "ctrl+r", "reopen"):
            assert words in text
        assert "Scroll Left" not in text and "fieldkit help" in text
        help_box = app.screen.query_one("#help")
        assert help_box.region.bottom <= 24 and help_box.region.right <= 80
        assert help_box.max_scroll_y == 0  # all of it shows
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)


# ------------------------------------------------------------------------- point 5
async def test_answer_kinds_explain_themselves(db_path: Path) -> None:
    app = app_for(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key_of(app, "call_listening"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        # a question worded yes/no with listed choices (1 Yes 2 No 3 Unclear) takes y/n
        await go_to(pilot, "cl_perpetrator_present")
        await pilot.pause()
        assert "1/y Yes" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert screen.model.answers[("cl_perpetrator_present", "")] == "no"
        # unknown allowed: said, and u is enough
        await go_to(pilot, "cl_time_call_to_arrival")
        await pilot.pause()
        assert "or u if unknown" in screen_text(app)
        await pilot.press("u", "enter")
        await pilot.pause()
        assert screen.model.answers[("cl_time_call_to_arrival", "")] == UNKNOWN
    # a choice of ten or more: the first digit is a prompt, not an error
    app = app_for(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key_of(app, "case_file_review"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        await go_to(pilot, "cf_victim_ethnicity")
        await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        line = status(app)
        assert "next digit" in line and "✗" not in line
        assert app.screen.query_one("#save-status").level == "info"


# ------------------------------------------------------------------------- point 6
async def test_deleting_a_final_record_asks_and_a_note_reopens_unselected(
    db_path: Path,
) -> None:
    with Store.create(db_path) as store:
        final = store.create_record("call_listening", "kent", subject_ref="CR-FINAL")
        store.set_field(final, "status", "final")
        draft = store.create_record("front_desk", "kent", subject_ref="FD-DRAFT")
        item = store.checklist("front_desk").items[0].id
        store.set_note(draft, item, "busy reception")
    app = app_for(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RecordsScreen)
        final_row = [r["record_id"] for r in screen.rows].index(final)
        screen.query_one(DataTable).move_cursor(row=final_row)
        await pilot.press("x")
        await pilot.pause()
        assert "CR-FINAL is FINAL: press x again" in screen_text(app)
        assert final in [r["record_id"] for r in screen.rows]  # not deleted
        await pilot.press("x")
        await pilot.pause()
        assert final not in [r["record_id"] for r in screen.rows]
        await pilot.press("escape")
        await pilot.pause()
        # the note: its text is kept whole by the first key
        await pilot.press("enter")  # resume the front-desk draft
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        form.rows[(item, "")].focus()
        await pilot.pause()
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, NoteScreen)
        await pilot.press("backspace")
        assert app.screen.query_one(Input).value == "busy receptio"
    with Store.open(db_path) as store:
        assert store.record(final)["deleted"]


# ------------------------------------------------------------------------- point 7
async def test_text_is_whole_and_plain_at_80_columns(db_path: Path) -> None:
    with Store.create(db_path) as store:
        gone = store.create_record(
            "call_listening", "kent", subject_ref="CR-GONE", observed_at="2015-06-01T09:30"
        )
        store.delete(gone)
    app = app_for(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "No drafts waiting at this force" in text
        assert "waiting at this force: 0" not in text
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RecordsScreen)
        screen.query_one("#f-status").value = "deleted"
        await pilot.pause()
        row = next(line for line in screen_text(app).splitlines() if "CR-GONE" in line)
        assert "Deleted" in row and "2015-06-01" in row
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press(key_of(app, "call_listening"), "enter", "y")
        await pilot.pause()
        line = status(app)
        assert "Saved 2 (Was the visit unannounced?) = yes" in line
        assert "cl_" not in line


async def test_the_focused_question_stays_on_screen_after_a_resize(db_path: Path) -> None:
    app = app_for(db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(key_of(app, "case_file_review"))
        await pilot.pause()
        await go_to(pilot, "cf_notes")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        row = screen.rows[("cf_notes", "")]
        items = screen.query_one("#items")
        assert items.region.contains_region(row.region), (row.region, items.region)
        assert "Free-text notes" in screen_text(app) or row.item.prompt[:20] in screen_text(app)


# ------------------------------------------------------- issue 11: merged content
async def test_the_app_starts_with_drafts_of_checklists_it_cannot_read(db_path: Path) -> None:
    with Store.create(db_path) as store:
        ghost = store.create_record("call_listening", "kent", subject_ref="GHOST-1")
        odd = store.create_record("call_listening", "kent", subject_ref="ODD-1")
        ok = store.create_record("front_desk", "kent", subject_ref="FD-OK")
    conn = sqlite3.connect(db_path)
    with conn:  # as a merge from a newer fieldkit could leave them
        conn.execute("UPDATE records SET checklist_id = 'newer_one' WHERE record_id = ?", (ghost,))
        conn.execute("UPDATE records SET checklist_version = 'v2' WHERE record_id = ?", (odd,))
    conn.close()
    app = app_for(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        drafts = app.screen.query_one("#drafts", OptionList)
        labels = [str(drafts.get_option_at_index(i).prompt) for i in range(drafts.option_count)]
        assert any("newer_one" in x and "cannot be read" in x for x in labels)
        assert any("ODD-1" in x for x in labels) and any("FD-OK" in x for x in labels)
        ids = [drafts.get_option_at_index(i).id for i in range(drafts.option_count)]
        drafts.highlighted = ids.index(ghost)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)  # not opened, not crashed
        shown = [n.message for n in app._notifications]
        assert any("Cannot open this record" in m and "newer_one" in m for m in shown)
        drafts.highlighted = ids.index(ok)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)  # the rest still works
        await pilot.press("escape", "r")
        await pilot.pause()
        assert isinstance(app.screen, RecordsScreen)
        assert "GHOST-1" in screen_text(app)


# --------------------------------------------- issue 12 point 1: every checklist
async def test_every_installed_checklist_can_be_started(db_path: Path) -> None:
    app = app_for(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert f"New record: press 1-{len(app.instruments)}" in text
        assert len(app.instruments) >= 5
        for inst in app.instruments:
            assert f" {inst.key}  {inst.label[:15]}" in text
        await pilot.press(key_of(app, "pcc_checklist"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        assert screen.checklist.id == "pcc_checklist"
        # on one line at 80 columns: the short label for a title too long to fit
        head = screen_text(app).splitlines()[0]
        assert head.startswith(f" {get('pcc_checklist').label} · ") and "DRAFT" in head


async def test_a_computed_item_shows_its_value(db_path: Path) -> None:
    """'In scope for the DA analysis' is computed from other answers: the form shows it."""
    app = app_for(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key_of(app, "case_file_review"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        derived = [e for e in screen.entries if e.item.kind == "derived"]
        assert derived
        row = screen.rows[derived[0].key]
        assert row.value != "yes"
        await pilot.press(*typed("CF-1"), "enter", "1")  # crime reference, offence: rape
        await go_to(pilot, "cf_da_flag")
        await pilot.press("y")
        await pilot.pause()
        assert row.value == "yes"
        assert "▸ " in str(row.render()) and "unanswered" not in str(row.render())


# ------------------------------------------------------- relevance coming back
async def test_an_automatic_na_goes_when_its_rule_stops_holding(db_path: Path) -> None:
    """'History passed to officers' may be n/a by hand (no officer sent) and is set n/a by
    the rule when the call was resolved by telephone. Changing the grade back to one with
    an attendance must leave it unanswered, not with the rule's stale n/a."""
    with Store.create(db_path) as store:
        rid = store.create_record("call_listening", "kent", inspector="A. Inspector")
        store.set_answer(rid, "cl_response_grade", "telephone_resolution_no_attendance")
        assert store.answers(rid)[("cl_history_passed_to_officers", "")] == "na"
    app = app_for(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await resume_at(pilot, "cl_response_grade")
        await pilot.press("2")  # priority: officers attend
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        row = next(r for k, r in screen.rows.items() if k[0] == "cl_history_passed_to_officers")
        shown = str(row.render())
        assert "— unanswered" in shown and "▸ n/a" not in shown
        for _ in range(40):  # back up to it: no longer skipped
            if focused_item(app) == "cl_history_passed_to_officers":
                break
            await pilot.press("up")
        assert focused_item(app) == "cl_history_passed_to_officers"
        await pilot.press("a")  # n/a by hand (no officer was sent) stays n/a ...
        await go_to(pilot, "cl_response_grade")
        await pilot.press("1")  # ... when the grade changes between two with attendance
        await pilot.pause()
    with Store.open(db_path) as store:
        answers = store.answers(rid)
    assert answers[("cl_response_grade", "")] == "immediate_emergency"
    assert answers[("cl_history_passed_to_officers", "")] == "na"


async def test_the_inspector_given_to_a_new_database_is_stored_in_it(tmp_path: Path) -> None:
    """A database `fieldkit capture` created (no `init --inspector`) takes the inspector
    named in the context dialog: the next session, on another machine's settings, offers
    it, and the change log names the inspector as the author of each answer."""
    db = tmp_path / "new.db"
    app = make_app(db, now=lambda: NOW, cursor_blink=False)  # created here, as capture does
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ContextScreen)
        await pilot.press(*typed("PEEL 2015"), "enter", *typed("Kent Police"), "enter")
        await pilot.press(*typed("Jo Bloggs"), "enter")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press(key_of(app, "call_listening"))
        await pilot.pause()
        await pilot.press("ctrl+t")  # the visit's date and time: now
        await pilot.pause()
        rid = app.screen.record_id
    with Store.open(db) as store:
        assert store.inspector == "Jo Bloggs"
    conn = sqlite3.connect(db)
    authors = {a for (a,) in conn.execute("SELECT author FROM changes WHERE record_id = ?", (rid,))}
    conn.close()
    assert authors == {"Jo Bloggs"}
    other = tmp_path / "elsewhere.json"  # another user's settings: nothing remembered
    app = make_app(db, now=lambda: NOW, cursor_blink=False, context_path=other)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ContextScreen)
        assert [w.value for w in app.screen.query(Input)][2] == "Jo Bloggs"


# ------------------------------------------------------------------------- point 8
async def test_an_answer_far_down_the_form_repaints_without_laying_it_out(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The focused question's keys and help are in a panel under the form (on screen at
    80x24 wherever the question is), so a row keeps its height when focused or answered:
    moving and answering at the end of a case-file review lay none of its ~100 rows out
    again (each layout walks them all), and the screen says what was saved."""
    layouts: list[bool] = []
    refresh_layout = Screen._refresh_layout

    def counted(self: Screen, size: object = None, scroll: bool = False) -> None:
        layouts.append(scroll and not self._layout_widgets)  # True: a scroll, not a layout
        refresh_layout(self, size, scroll)  # type: ignore[arg-type]

    with Store.create(db_path) as store:
        rid = store.create_record("case_file_review", "kent", subject_ref="CF-1")
        store.set_answer(rid, "cf_arrest", "arrested_at_scene")
    app = app_for(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await resume_at(pilot, "cf_caution_appropriate")
        screen = app.screen
        assert isinstance(screen, FormScreen)
        lines = screen_text(app).splitlines()
        focused = [ln for ln in lines if ln.startswith("█") and " · " in ln]
        assert focused and focused[0].lstrip("█ ").startswith(
            str(get("case_file_review").item("cf_caution_appropriate").position)
        )
        panel = screen.query_one("#form-hints")
        assert panel.region.bottom <= 22 and panel.region.height >= 3
        assert "y yes  n no" in screen_text(app).splitlines()[panel.region.y]  # its keys
        monkeypatch.setattr(Screen, "_refresh_layout", counted)
        await pilot.press("y")
        await pilot.pause()
        await pilot.press("up")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert "Saved " in status(app) and "= no" in status(app)
        assert False not in layouts, "an answer laid the form out again"
    with Store.open(db_path) as store:
        assert store.answers(rid)[("cf_caution_appropriate", "")] == "no"


async def test_a_date_questions_prompt_is_whole_at_80_columns(db_path: Path) -> None:
    """The prompt inside a date-and-time answer (format, and that Enter on empty means now)
    fits the field at 80 columns, not cut mid-phrase."""
    with Store.create(db_path) as store:
        store.create_record("call_listening", "kent")
    app = app_for(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await resume_at(pilot, "cl_call_datetime")
        field = app.focused
        assert isinstance(field, Input)
        prompt = field.placeholder
        assert "now" in prompt
        text = screen_text(app)
        assert any(prompt in line for line in text.splitlines())
        assert "Enter on empty or ctrl+t = now" in text  # in the hint panel


async def test_an_answer_another_program_wrote_shows_after_the_next_answer(
    db_path: Path,
) -> None:
    """The form updates only the rows an answer changed, unless another program has written
    the file since: then the record is read again, so what the other wrote is on screen."""
    with Store.create(db_path) as store:
        rid = store.create_record("call_listening", "kent", observed_at="2015-06-01T09:30")
    app = app_for(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await resume_at(pilot, "cl_visit_unannounced")
        with Store.open(db_path) as other:
            other.set_answer(rid, "cl_ctx_auto_repeat_id", "y")
        await pilot.press("y")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        assert screen.rows[("cl_visit_unannounced", "")].value == "yes"
        assert screen.rows[("cl_ctx_auto_repeat_id", "")].value == "yes"
