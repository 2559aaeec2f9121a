"""The capture app: `make_app(db_path)` is used by both `fieldkit capture` and the tests."""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.filter import LineFilter
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Input

from fieldkit import context as context_mod
from fieldkit.context import InspectionContext
from fieldkit.errors import FieldkitError
from fieldkit.store import Store, keys
from fieldkit.tui import catalogue
from fieldkit.tui.keys import has_priority_binding
from fieldkit.tui.plain import SafeLines
from fieldkit.tui.screens.dashboard import DashboardScreen

if TYPE_CHECKING:
    from fieldkit.tui.screens.records import RecordsScreen
    from fieldkit.tui.write_queue import Timings

# The first screen (the dashboard) is all that is loaded to start with: the form, its
# model, the write queue and the text-field helpers are imported where first used, so
# `fieldkit` does not pay for them before it shows anything (bench/startup.py).

THEMES = ("textual-dark", "textual-light")
_frozen: list[bool] = []


def _freeze_once() -> None:
    """The first time a form opens (its modules just loaded, to stay as long as the
    process), set what is loaded aside from the garbage collector's full passes, which
    would otherwise walk it all while the form's widgets are made (about 20 ms)."""
    if not _frozen:
        _frozen.append(True)
        gc.freeze()


FOCUS_MOVES = {"tab": 1, "shift+tab": -1}
WARM_UP_AFTER = 0.5  # seconds after the first screen is painted (FieldkitApp._warm_up)


SWITCH_INTERVAL = 0.0005  # seconds: see FieldkitApp.on_mount


class FieldkitApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "fieldkit"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "toggle_help", "Help", priority=True),
        Binding("f2", "toggle_theme", "Theme", priority=True, show=False),
    ]

    def __init__(
        self,
        store: Store,
        *,
        context_path: Path | None = None,
        now: Callable[[], datetime] | None = None,
        cursor_blink: bool = True,
        ctx: InspectionContext | None = None,
        timings: Timings | None = None,
        language: str | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.language = language  # the forms' language, where a checklist has it
        self.context_path = context_path
        self._timings = timings
        if ctx is None:
            ctx, self.ctx_known = context_mod.for_database(
                store.database_id, store.inspector, context_path
            )
        else:
            self.ctx_known = True
            context_mod.save(ctx, context_path, database_id=store.database_id)
        self.ctx = ctx
        self.instruments, self.unreadable = catalogue.installed(store)
        self.now = now or (lambda: datetime.now().replace(second=0, microsecond=0))
        self.cursor_blink = cursor_blink
        if self.ctx.theme in THEMES:
            self.theme = self.ctx.theme

    # ------------------------------------------------------- stored text, shown safely
    _safe_lines = SafeLines()

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, then SafeLines: no control character of stored text reaches
        the terminal from any widget (fieldkit/tui/plain.py)."""
        return [*super().get_line_filters(), self._safe_lines]

    def notify(self, message: str, *, markup: bool = False, **kw: Any) -> None:
        """A notification, always plain text: messages quote stored text (titles,
        references, errors naming them), which must never be read as markup."""
        super().notify(message, markup=False, **kw)

    @property
    def timings(self) -> Timings:
        """How long saves wait for a busy database (the defaults unless make_app was given
        others)."""
        if self._timings is None:
            from fieldkit.tui.write_queue import Timings

            self._timings = Timings()
        return self._timings

    async def on_event(self, event: events.Event) -> None:
        # Keys on a form are handled to the end, one at a time, before the next key is
        # looked at (widgets have their own queues: forwarding could reorder answers).
        if isinstance(event, events.Key) and not event.is_forwarded:
            handler = getattr(self.screen, "sync_key", None)
            if handler is not None and await handler(event):
                return
            if await self._key_in_text_field(event):
                return
        await super().on_event(event)

    async def _key_in_text_field(self, event: events.Key) -> bool:
        """In a text field (outside the form, which does this itself), a key is applied
        before the next one is read: a character typed, one of the field's own keys, or
        Tab (and a dialog's up/down) moving focus. Left to Textual, characters queue at
        the field while Tab and shortcuts run at once, so keys typed ahead could land in
        the field being left or miss a save. Keys bound with priority go the usual way."""
        field = self.focused
        if not isinstance(field, Input) or has_priority_binding(self.screen, event.key):
            return False
        moves = {**FOCUS_MOVES, **getattr(self.screen, "FOCUS_MOVES", {})}
        step = moves.get(event.key)
        if step is not None:
            if step > 0:
                self.screen.focus_next()
            else:
                self.screen.focus_previous()
            return True
        from fieldkit.tui.widgets.inputs import apply_key

        return await apply_key(field, event)

    # ----------------------------------------------------------------- start
    def get_default_screen(self) -> Screen:
        return DashboardScreen(self.store, self.ctx, self.instruments)

    def on_mount(self) -> None:
        # Textual writes each frame to the terminal from a thread of its own, which needs
        # the interpreter's lock to run; Python hands the lock over only every 5 ms while
        # this thread is busy (laying out the rest of an answer, say), so a frame drawn
        # waited up to 10-15 ms to reach the screen. Every 0.5 ms, it is there at once.
        sys.setswitchinterval(SWITCH_INTERVAL)
        for line in self.unreadable:
            self.notify(line, title="Not shown", severity="warning", timeout=15)
        if not self.ctx.complete or not self.ctx_known:
            self.action_context()
        # counted from the first screen painted, not from now: never before it is shown
        self.call_after_refresh(lambda: self.set_timer(WARM_UP_AFTER, self._warm_up))

    def _warm_up(self) -> None:
        """What opening a record needs first, loaded while the dashboard is read: the form's
        modules and the device key its first save is signed with (some 60 ms the first key
        that opens a record would otherwise wait for). A key file still to be made is made
        by that first save, as before."""
        from fieldkit.tui.screens import form  # noqa: F401

        if not self.store.readonly:
            # none yet, or unreadable: the first save makes it, or says why it cannot
            with contextlib.suppress(FieldkitError):
                keys.signer(create=False)

    def on_unmount(self) -> None:
        self.store.close()

    @property
    def dashboard(self) -> DashboardScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, DashboardScreen):
                return screen
        return None

    def _to_dashboard(self) -> None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, DashboardScreen):
            self.pop_screen()

    # ------------------------------------------------------------- context
    def action_context(self) -> None:
        from fieldkit.tui.screens.context import ContextScreen

        def done(ctx: InspectionContext | None) -> None:
            if ctx is None:
                return
            self.set_context(ctx)

        self.push_screen(ContextScreen(self.ctx, new_database=not self.ctx_known), done)

    def set_context(self, ctx: InspectionContext) -> None:
        self.ctx = ctx
        self.ctx_known = True
        context_mod.save(ctx, self.context_path, database_id=self.store.database_id)
        if not self.store.inspector and not self.store.readonly:
            from fieldkit.tui.writes import attempt

            # a database made by `capture` names no inspector: it takes this one
            attempt(
                self, "Storing the inspector", lambda: self.store.adopt_inspector(ctx.inspector)
            )
        dash = self.dashboard
        if dash is not None:
            dash.set_context(ctx)

    # -------------------------------------------------------------- records
    def new_record(self, checklist_id: str) -> str | None:
        """Create a draft for the current context (visit-scope sections carried over from
        the inspector's last record of this checklist at this force) and open it."""
        from fieldkit.tui.writes import attempt

        ctx = self.ctx
        if not ctx.complete:
            self.notify("Set the inspection context first (c).", severity="warning")
            self.action_context()
            return None
        carried, carried_from = self.store.visit_carryover(
            checklist_id, ctx.force_code, ctx.inspector
        )
        done, rid = attempt(
            self,
            "New record",
            lambda: self.store.create_record(
                checklist_id,
                ctx.force_code,
                inspection=ctx.inspection,
                inspector=ctx.inspector,
                observer_role=ctx.observer_role,
                observed_at=self.now().isoformat(timespec="minutes"),
                answers=carried,
            ),
        )
        if not done or rid is None:
            return None
        message = ""
        if carried:
            message = (
                f"New draft saved. Visit answers carried over from {carried_from}; "
                "the form starts at the first unanswered question."
            )
        else:
            message = "New draft saved. Every answer is saved the moment you give it."
        self.open_record(rid, message=message, new=True)
        return rid

    def open_record(self, record_id: str, *, message: str = "", new: bool = False) -> None:
        from fieldkit.tui.screens.form import FormScreen

        _freeze_once()
        try:
            screen = FormScreen(
                self.store,
                record_id,
                now=self.now,
                message=message,
                new=new,
                timings=self.timings,
                language=self.language,
            )
        except FieldkitError as e:  # merged content this fieldkit cannot read
            self.notify(f"Cannot open this record: {e}", severity="error", timeout=10)
            return
        self.push_screen(screen)

    def on_dashboard_screen_record_chosen(self, event: DashboardScreen.RecordChosen) -> None:
        self.open_record(event.record_id)

    def on_records_screen_record_chosen(self, event: RecordsScreen.RecordChosen) -> None:
        self.open_record(event.record_id)

    # ------------------------------------------------------------- screens
    def action_records(self) -> None:
        from fieldkit.tui.screens.records import RecordsScreen

        self.push_screen(RecordsScreen(self.store, self.ctx))

    def action_conflicts(self) -> None:
        from fieldkit.tui.screens.conflicts import ConflictsScreen

        self.push_screen(ConflictsScreen(self.store))

    def action_targets(self) -> None:
        from fieldkit.tui.screens.targets import TargetsScreen

        self.push_screen(TargetsScreen(self.store, self.ctx))

    def action_recommendations(self) -> None:
        from fieldkit.tui.screens.recommendations import RecommendationsScreen

        self.push_screen(RecommendationsScreen(self.store))

    def action_dashboard(self) -> None:
        self._to_dashboard()

    # ----------------------------------------------------------- help, theme
    def action_toggle_help(self) -> None:
        """fieldkit's own help (not Textual's key panel), for the screen it is shown on."""
        from fieldkit.tui.screens.form import FormScreen
        from fieldkit.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen(self.screen, form=isinstance(self.screen, FormScreen)))

    def action_toggle_theme(self) -> None:
        self.theme = THEMES[1] if self.theme == THEMES[0] else THEMES[0]
        self.ctx = self.ctx.with_(theme=self.theme)
        context_mod.save(
            self.ctx,
            self.context_path,
            database_id=self.store.database_id if self.ctx_known else "",
        )

    async def action_quit(self) -> None:
        flush = getattr(self.screen, "flush", None)
        if callable(flush):
            flush()
        await super().action_quit()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for inst in self.instruments:
            where = f" ({inst.key} on the dashboard)" if inst.key else ""
            yield SystemCommand(
                f"New {escape(inst.noun)} record",  # the palette reads markup: a stored noun
                f"Start a new draft{where}",
                lambda cid=inst.id: self._new_from_palette(cid),
            )
        yield SystemCommand("Dashboard", "Coverage, drafts and conflicts", self.action_dashboard)
        yield SystemCommand(
            "Records", "Find, open, duplicate or delete records", self.action_records
        )
        yield SystemCommand(
            "Conflicts", "Settle values that clashed in a merge", self.action_conflicts
        )
        yield SystemCommand("Targets", "Set sample targets for the team", self.action_targets)
        yield SystemCommand(
            "Recommendations",
            "Browse the register and add a dated status or comment",
            self.action_recommendations,
        )
        yield SystemCommand(
            "Inspection context", "Inspection, force, inspector, role", self.action_context
        )
        yield SystemCommand(
            "Light/dark theme", "Switch between light and dark", self.action_toggle_theme
        )
        yield from super().get_system_commands(screen)

    def _new_from_palette(self, checklist_id: str) -> None:
        self._to_dashboard()
        self.new_record(checklist_id)


def make_app(
    db_path: Path,
    *,
    context_path: Path | None = None,
    now: Callable[[], datetime] | None = None,
    cursor_blink: bool = True,
    ctx: InspectionContext | None = None,
    timings: Timings | None = None,
    create: bool = True,
    language: str | None = None,
) -> FieldkitApp:
    """The capture app on the database at `db_path` (created if missing and `create`).
    Opening the database happens here, so a bad file fails before the terminal is taken
    over. `ctx` starts it with that inspection context (remembered for the database);
    `timings` sets how long saves wait for a busy database; `language` shows questions and
    choices in that language where a checklist has it (XLSForm's label::Language)."""
    store = Store.open(db_path, create=create)
    return FieldkitApp(
        store,
        context_path=context_path,
        now=now,
        cursor_blink=cursor_blink,
        ctx=ctx,
        timings=timings,
        language=language,
    )
