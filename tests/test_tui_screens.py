"""The capture app's other screens: first start, dashboard, records list, conflicts,
targets, help and theme; and the `fieldkit capture` command."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from helpers.tui import key_of
from textual.widgets import DataTable, OptionList

from fieldkit import context as context_mod
from fieldkit.context import InspectionContext, save
from fieldkit.store import LogRow, Store
from fieldkit.tui.app import FieldkitApp, make_app
from fieldkit.tui.screens.conflicts import ConflictsScreen
from fieldkit.tui.screens.context import ContextScreen
from fieldkit.tui.screens.dashboard import DashboardScreen
from fieldkit.tui.screens.form import FormScreen
from fieldkit.tui.screens.help import HelpScreen
from fieldkit.tui.screens.records import RecordsScreen
from fieldkit.tui.screens.targets import TargetsScreen

NOW = datetime(2015, 6, 1, 9, 30)


def typed(text: str) -> list[str]:
    names = {" ": "space", "-": "minus", ".": "full_stop"}
    return [names.get(ch, ch) for ch in text]


def app_for(db: Path, ctx: InspectionContext | None = None) -> FieldkitApp:
    """The app on `db`; with `ctx`, started in that context (as if given before)."""
    return make_app(db, now=lambda: NOW, cursor_blink=False, ctx=ctx)


@pytest.fixture
def ctx() -> InspectionContext:
    c = InspectionContext("PEEL 2015 DA", "kent", "A. Inspector", "hmic_staff")
    save(c)
    return c


def screen_text(app: FieldkitApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def test_first_start_asks_for_the_context_and_remembers_it(db_path: Path) -> None:
    assert not context_mod.default_path().exists()
    app = app_for(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ContextScreen)
        await pilot.press("1")  # keys go to the form, not to the dashboard behind it
        assert isinstance(app.screen, ContextScreen)
        await pilot.press("backspace", *typed("PEEL 2015"), "enter")
        await pilot.press(*typed("Kent Police"), "enter")
        await pilot.press("enter")  # no inspector yet: refused with a reason
        assert isinstance(app.screen, ContextScreen)
        assert "your name as inspector" in screen_text(app, "#context-error")
        await pilot.press(*typed("A. Inspector"), "enter")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert "Kent Police" in screen_text(app, "#dash-head")
    saved = context_mod.load()
    assert saved == InspectionContext("PEEL 2015", "kent", "A. Inspector", "hmic_staff")
    # and the next run starts on the dashboard
    app = app_for(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)


async def test_dashboard_coverage_drafts_and_conflicts(
    db_path: Path, ctx: InspectionContext
) -> None:
    with Store.create(db_path, inspector="A. Inspector") as store:
        done = store.create_record("call_listening", "kent", subject_ref="CR-1")
        store.set_field(done, "status", "final")
        store.create_record("call_listening", "kent", subject_ref="CR-2")
        store.create_record("front_desk", "kent", subject_ref="FD-1")
        store.create_record("call_listening", "essex", subject_ref="CR-ESSEX")
        store.set_target("call_listening", 12)
    app = app_for(db_path, ctx)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        cov = screen_text(app, "#coverage")
        for inst in app.instruments:  # every installed checklist, by its short label
            assert f" {inst.key}  {inst.label}" in cov
        assert "1 / 12" in cov  # the team lead's target, not the default 10
        assert "as recorded" in cov
        assert "Rape" in cov and "Burglary" in cov
        drafts = app.screen.query_one("#drafts", OptionList)
        labels = [str(drafts.get_option_at_index(i).prompt) for i in range(drafts.option_count)]
        assert any("CR-2" in x for x in labels) and any("FD-1" in x for x in labels)
        assert not any("CR-ESSEX" in x for x in labels)  # another force
        assert "No conflicts waiting" in screen_text(app, "#conflicts-line")
        # Enter resumes the highlighted draft
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)


async def test_records_filter_search_delete_undo_duplicate(
    db_path: Path, ctx: InspectionContext
) -> None:
    with Store.create(db_path, inspector="A. Inspector") as store:
        a = store.create_record("call_listening", "kent")
        store.set_answer(a, "cl_call_ref", "CR-100")
        store.set_field(a, "subject_ref", "CR-100")
        store.set_answer(a, "cl_ctx_intel_staff", "none")
        b = store.create_record("front_desk", "kent", subject_ref="FD-7")
        store.set_note(b, store.checklist("front_desk").items[0].id, "busy reception")
        store.create_record("front_desk", "essex", subject_ref="FD-ESSEX")
    app = app_for(db_path, ctx)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RecordsScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 2  # the current force by default
        # search over notes
        await pilot.press("slash", *typed("busy"))
        await pilot.pause()
        assert [r["subject_ref"] for r in screen.rows] == ["FD-7"]
        await pilot.press("ctrl+a", "ctrl+k", *typed("CR-1"), "enter")
        await pilot.pause()
        assert [r["subject_ref"] for r in screen.rows] == ["CR-100"]
        # delete (soft, logged) and undo
        await pilot.press("x")
        await pilot.pause()
        assert screen.rows == []
        with Store.open(db_path, readonly=True) as s:
            assert s.record(a)["deleted"] == 1
        await pilot.press("u")
        await pilot.pause()
        assert [r["record_id"] for r in screen.rows] == [a]
        # duplicate as new: opens the copy, without its call reference
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)
        copy = app.screen.record_id
        assert copy != a
    with Store.open(db_path, readonly=True) as s:
        assert s.record(a)["deleted"] == 0
        answers = s.answers(copy)
        assert answers[("cl_ctx_intel_staff", "")] == "none"
        assert ("cl_call_ref", "") not in answers
        fields = [
            v
            for (v,) in s.conn.execute(
                "SELECT value FROM changes WHERE record_id = ? AND field = 'deleted' ORDER BY seq",
                (a,),
            )
        ]
        assert fields == [0, 1, 0]


async def test_records_filter_by_status_and_checklist(
    db_path: Path, ctx: InspectionContext
) -> None:
    with Store.create(db_path, inspector="A. Inspector") as store:
        f = store.create_record("call_listening", "kent", subject_ref="CR-F")
        store.set_field(f, "status", "final")
        store.create_record("call_listening", "kent", subject_ref="CR-D")
        store.create_record("marac_observation", "kent", subject_ref="MO-1")
    app = app_for(db_path, ctx)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RecordsScreen)
        screen.query_one("#f-status").value = "final"
        await pilot.pause()
        assert [r["subject_ref"] for r in screen.rows] == ["CR-F"]
        screen.query_one("#f-status").value = "*"
        screen.query_one("#f-checklist").value = "marac_observation"
        await pilot.pause()
        assert [r["subject_ref"] for r in screen.rows] == ["MO-1"]


def _sync(src: Path, dst: Path) -> None:
    """Carry every change of `src` into `dst`, as a merge does."""
    conn = sqlite3.connect(src)
    rows = conn.execute(
        "SELECT id, device_id, seq, hlc, record_id, kind, field, rkey, value, author, parent"
        " FROM changes"
    ).fetchall()
    conn.close()
    with Store.open(dst) as store, store.writing() as w:
        w.append_stamped([LogRow(*r) for r in rows])


async def test_conflicts_screen_settles(
    db_path: Path, tmp_path: Path, ctx: InspectionContext
) -> None:
    other = tmp_path / "laptop.db"
    with Store.create(db_path, inspector="Lead") as lead:
        rid = lead.create_record("call_listening", "kent", subject_ref="CR-9")
        lead.set_answer(rid, "cl_call_ref", "CR-9")
    with Store.create(other, inspector="B. Inspector"):
        pass
    _sync(db_path, other)
    with Store.open(db_path) as lead:
        lead.set_answer(rid, "cl_empathy", 2)
    with Store.open(other) as laptop:
        laptop.set_answer(rid, "cl_empathy", 4)  # neither saw the other's change
    _sync(other, db_path)
    with Store.open(db_path, readonly=True) as s:
        (conflict,) = s.conflicts()
        winner, loser = conflict["winner_value"], conflict["value"]
    app = app_for(db_path, ctx)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert "1 conflict waiting" in screen_text(app, "#conflicts-line")
        await pilot.press("x")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConflictsScreen)
        detail = screen_text(app, "#conflict-detail")
        assert "Did the handler show empathy?" in detail
        assert "Call listening: CR-9" in detail
        assert f"winning: {winner}" in detail and f"other: {loser}" in detail
        who = "B. Inspector" if loser == 4 else "Lead"
        assert who in detail
        await pilot.press("o")
        await pilot.pause()
        assert screen.rows == []
        await pilot.press("escape")
        await pilot.pause()
        assert "No conflicts waiting" in screen_text(app, "#conflicts-line")
    with Store.open(db_path, readonly=True) as s:
        assert s.conflicts() == []
        assert s.answers(rid)[("cl_empathy", "")] == loser


async def test_targets_screen_sets_a_target(db_path: Path, ctx: InspectionContext) -> None:
    app = app_for(db_path, ctx)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TargetsScreen)
        await pilot.press("enter", "1", "5", "enter")  # first row: call listening
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert "0 / 15" in screen_text(app, "#coverage")
    conn = sqlite3.connect(db_path)
    rows = conn.execute("SELECT checklist_id, stratum, force_code, target FROM targets").fetchall()
    conn.close()
    assert rows == [("call_listening", "", "*", 15)]


async def test_targets_screen_clears_a_target(db_path: Path, ctx: InspectionContext) -> None:
    with Store.open(db_path, create=True) as s:
        s.set_target("call_listening", 15)
    app = app_for(db_path, ctx)
    async with app.run_test(size=(100, 40)) as pilot:
        assert "0 / 15" in screen_text(app, "#coverage")
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("delete")  # first row: call listening, every force
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert [str(c) for c in table.get_row_at(0)[2:]] == ["", "", "10"]  # cells are Text
        await pilot.press("escape")
        await pilot.pause()
        assert "0 / 10" in screen_text(app, "#coverage")
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM targets").fetchone() == (0,)
    conn.close()


async def test_help_theme_and_palette(db_path: Path, ctx: InspectionContext) -> None:
    app = app_for(db_path, ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        theme = app.theme
        await pilot.press("f2")
        assert app.theme != theme
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for t in ("New call listening record", "Records", "Conflicts", "Targets"):
            assert t in titles
    assert json.loads(context_mod.default_path().read_text())["theme"] == app.theme


async def test_saved_means_committed(db_path: Path, ctx: InspectionContext) -> None:
    """What the screen shows as saved is already in the file, readable by another
    connection while the app is still running (so killing it then loses nothing)."""
    app = app_for(db_path, ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        await pilot.press("enter", "y")
        await pilot.pause()
        assert "Saved 2 (Was the visit unannounced?) = yes" in screen_text(app, "#save-status")
        conn = sqlite3.connect(db_path)
        got = conn.execute(
            "SELECT value FROM cells WHERE record_id = ? AND field = 'cl_visit_unannounced'",
            (screen.record_id,),
        ).fetchone()
        conn.close()
        assert got == ("yes",)


def test_capture_refuses_a_bad_database(tmp_path: Path, cli) -> None:  # noqa: ANN001
    bad = tmp_path / "notes.db"
    bad.write_text("not a database")
    result = cli("capture", "--db", bad)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert bad.read_text() == "not a database"


def test_fieldkit_with_no_command_opens_capture_on_the_default_database(
    cli,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    opened: list[Path] = []

    def fake_run(self: FieldkitApp) -> None:
        opened.append(self.store.path)

    monkeypatch.setattr(FieldkitApp, "run", fake_run)
    result = cli()
    assert result.exit_code == 0, result.output
    assert opened == [context_mod.config_dir() / "fieldkit.db"]
    assert opened[0].exists()
    result = cli("capture", "--db", opened[0].parent / "other.db", input="y\n")
    assert result.exit_code == 0, result.output
    assert opened[1].name == "other.db"


def test_fieldkit_alone_opens_the_database_named_by_the_environment(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The console script with no arguments goes straight to the app (no Typer)."""
    from fieldkit.cli import main

    opened: list[Path] = []
    monkeypatch.setattr(FieldkitApp, "run", lambda self: opened.append(self.store.path))
    Store.create(tmp_path / "team.db").close()  # (a missing one is asked about first)
    monkeypatch.setenv("FIELDKIT_DB", str(tmp_path / "team.db"))
    monkeypatch.setattr("sys.argv", ["fieldkit"])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 0
    assert opened == [tmp_path / "team.db"]


def test_fieldkit_alone_refuses_a_bad_database_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_bytes(b"not a database at all, just notes" * 10)
    before = bad.read_bytes()
    env = dict(os.environ, FIELDKIT_DB=str(bad), XDG_CONFIG_HOME=str(tmp_path / "config"))
    done = subprocess.run(
        [sys.executable, "-c", "from fieldkit.cli import main; main()"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fieldkit: "), done.stderr
    assert "not" in lines[0] and "Traceback" not in done.stderr
    assert bad.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


async def test_the_key_bar_follows_keys_that_change_and_is_not_rebuilt_when_they_do_not() -> None:
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.widgets import Input
    from textual.widgets._footer import FooterKey

    from fieldkit.tui.widgets.footer import KeysFooter

    class Keys(App[None]):
        BINDINGS = [Binding("ctrl+s", "save", "Save")]
        can_save = True

        def compose(self) -> ComposeResult:
            yield Input(id="a")
            yield Input(id="b")
            yield KeysFooter()

        def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
            return None if action == "save" and not self.can_save else True

    app = Keys()
    async with app.run_test() as pilot:
        await pilot.pause()
        first = [k for k in app.query(FooterKey) if k.key == "ctrl+s"]
        assert first and not first[0].has_class("-disabled")
        await pilot.press("tab")  # focus moves, the keys shown stay the same
        await pilot.pause()
        assert [k for k in app.query(FooterKey) if k.key == "ctrl+s"] == first
        app.can_save = False
        app.refresh_bindings()
        await pilot.pause()
        now = [k for k in app.query(FooterKey) if k.key == "ctrl+s"]
        assert now and now[0].has_class("-disabled")


async def test_a_new_draft_left_untouched_is_discarded(
    db_path: Path, ctx: InspectionContext
) -> None:
    app = app_for(db_path, ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key_of(app, "front_desk"))  # a front-desk check by mistake
        await pilot.pause()
        mistaken = app.screen.record_id
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        drafts = app.screen.query_one("#drafts", OptionList)
        assert [str(drafts.get_option_at_index(i).prompt) for i in range(drafts.option_count)] == [
            "None: a key above starts a record."
        ]
        assert "No drafts waiting" in screen_text(app, "#drafts-title")
        await pilot.press(
            key_of(app, "front_desk"), "y"
        )  # this one gets an answer: it stays a draft
        await pilot.pause()
        kept = app.screen.record_id
        await pilot.press("escape")
        await pilot.pause()
        assert "Drafts waiting at this force: 1" in screen_text(app, "#drafts-title")
    with Store.open(db_path, readonly=True) as s:
        assert s.record(mistaken)["deleted"] == 1
        assert s.record(kept)["deleted"] == 0 and s.record(kept)["status"] == "draft"
        deleted = s.conn.execute(  # a logged change, so undoable and merged like any other
            "SELECT value FROM changes WHERE record_id = ? AND field = 'deleted' ORDER BY seq",
            (mistaken,),
        ).fetchall()
        assert deleted == [(0,), (1,)]


async def test_keys_typed_ahead_of_a_tab_land_in_the_next_field(db_path: Path) -> None:
    """A burst of keys (a fast typist, a key macro) arrives before the screen has moved
    focus for the Tab among them: the characters after the Tab still go to the next field."""
    from textual import events
    from textual.widgets import Input

    app = app_for(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ContextScreen)
        burst = [*"PEEL 2015 DA", "tab", "tab", *"Amy", "shift+tab", *"Kent Polie"]
        burst += ["backspace", *"ce"]  # a field's own key, in its place among the characters
        for key in burst:
            char = key if len(key) == 1 else None
            name = {" ": "space"}.get(key, key.lower()) if char else key
            app.post_message(events.Key(name, char))
        await pilot.pause()
        fields = [w.value for w in app.screen.query(Input)]
        assert fields[:3] == ["PEEL 2015 DA", "Kent Police", "Amy"]
        for key in ["tab", "end", *"ton", "ctrl+s"]:  # the save sees the last keys typed
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
    assert context_mod.load().inspector == "Amyton"


async def test_the_command_palette_takes_typed_commands(
    db_path: Path, ctx: InspectionContext
) -> None:
    app = app_for(db_path, ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*typed("Targets"))
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TargetsScreen)


# --------------------------------------------------------------- stored text, shown safely
async def test_hostile_stored_text_is_shown_as_text(tmp_path: Path, ctx: InspectionContext) -> None:
    """A merged database whose checklist title, prompts and answers hold escape sequences
    and markup (`[/x]` crashed the dashboard with a MarkupError on every launch, and exit
    0): the dashboard, the draft's form, the records and the notes show the text as
    written, every line the app draws holds no control character, and nothing crashed."""
    from helpers.hostile_text import hostile_db
    from helpers.tui import screen_lines
    from textual.strip import Strip

    team = hostile_db(tmp_path)
    app = app_for(team, ctx)
    drawn: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        drawn += screen_lines(app)
        assert any("[/x] [bold]PWNED[link=http://evil.example/]" in ln for ln in drawn)
        await pilot.press("enter")  # resume the draft
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)
        drawn += screen_lines(app)
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        drawn += screen_lines(app)
        await pilot.press("escape", "r")
        await pilot.pause()
        assert isinstance(app.screen, RecordsScreen)
        drawn += screen_lines(app)
        await pilot.press("ctrl+p", *"new file")  # the palette names checklists too (markup)
        await pilot.pause()
        drawn += screen_lines(app)
        assert any("New file Ev" in line for line in drawn)
        # what reaches the terminal: every visible widget's lines, through the app's filters
        for widget in app.screen.query("*"):
            if widget.display and widget.region.area:
                strips: list[Strip] = widget.render_lines(widget.region.reset_offset)
                drawn += ["".join(s.text for s in strip) for strip in strips]
    assert app.return_code in (0, None)
    assert any("PWNED" in line for line in drawn)
    assert not [line for line in drawn if CONTROL_CHARS & set(line)]


CONTROL_CHARS = {chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))}


def test_an_exception_ending_the_app_is_a_non_zero_exit(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`fieldkit capture` exits 0 only when the app ended normally: an exception inside it
    (as the MarkupError was) ends it non-zero."""
    from textual.app import App

    from fieldkit.cli import launch

    with Store.create(db_path):
        pass

    def boom(self: DashboardScreen) -> None:
        raise RuntimeError("a bug in the dashboard")

    monkeypatch.setattr(DashboardScreen, "on_mount", boom, raising=False)
    monkeypatch.setattr(FieldkitApp, "run", lambda self: App.run(self, headless=True))
    assert launch.open_capture(db_path) == 1
