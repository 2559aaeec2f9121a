"""The form: one record of one checklist, answered by keys, saved as typed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.reactive import Reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget

from fieldkit.checklists import AnswerKey
from fieldkit.store import Store, attachments
from fieldkit.tui import intents as it
from fieldkit.tui.form_flow import FINAL, Flushed, FormFlow, Said
from fieldkit.tui.form_model import Entry, Group
from fieldkit.tui.keys import key_table
from fieldkit.tui.languages import language_name, languages_of, message_in, next_language
from fieldkit.tui.plain import Static
from fieldkit.tui.screens.form_instances import FormInstances
from fieldkit.tui.screens.form_layout import Row, build, set_row, widget_id
from fieldkit.tui.screens.form_moves import FormMoves
from fieldkit.tui.screens.form_paint import FormPaint
from fieldkit.tui.screens.note import NoteScreen
from fieldkit.tui.screens.picker import ChoicePicker
from fieldkit.tui.widgets.add_instance import AddInstance
from fieldkit.tui.widgets.fit import paint_next
from fieldkit.tui.widgets.footer import KeysFooter
from fieldkit.tui.widgets.inputs import apply_key
from fieldkit.tui.widgets.item_row import ChoiceRow, TextRow
from fieldkit.tui.widgets.look import field_look, show_focus
from fieldkit.tui.widgets.status import FormHints, SaveStatus, SectionNav, group_title, header
from fieldkit.tui.write_queue import Op, Timings
from fieldkit.tui.writes import attempt

NAV_MIN_WIDTH = 100


class FormScreen(FormPaint, FormMoves, FormInstances, Screen[None]):
    """One record. Every answer goes through Store.set_answer the moment it is given; what
    to write, and what to say after, is the form's flow (fieldkit.tui.form_flow)."""

    AUTO_FOCUS = None  # on_mount focuses a question; the list first would restyle every row

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,tab", "move(1)", "Next", show=False, priority=True),
        Binding("up,shift+tab", "move(-1)", "Previous", show=False, priority=True),
        Binding("pagedown", "group(1)", "Next section", show=False, priority=True),
        Binding("pageup", "group(-1)", "Prev section", show=False, priority=True),
        Binding("ctrl+f,f9", "finalise", "Finalise", priority=True),
        Binding("ctrl+r", "reopen", "Reopen", priority=True),
        Binding("ctrl+n", "note", "Note", priority=True),
        Binding("ctrl+t", "now", "Now", priority=True),
        Binding("ctrl+l", "language", "Language", priority=True, show=False),
        Binding("ctrl+d", "remove_instance", "Remove instance", priority=True, show=False),
        Binding("escape", "back", "Back"),
    ]

    # Textual repaints the whole screen when the focus moves; the rows that gain and lose
    # it repaint themselves (their style changes), which is all that changed on screen
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def __init__(
        self,
        store: Store,
        record_id: str,
        *,
        now: Callable[[], datetime],
        message: str = "",
        new: bool = False,
        timings: Timings | None = None,
        language: str | None = None,
    ) -> None:
        super().__init__()
        self.language = language
        self.flow = FormFlow(store, record_id, timings=timings, new=new, language=language)
        self.timings = self.flow.timings
        self._retry_timer: Timer | None = None
        self.store = store
        self.record_id = record_id
        self._now = now
        self._opening_message = message
        self.checklist = self.flow.checklist
        self.model = self.flow.model
        self.entries: list[Entry] = []
        self.rows: dict[AnswerKey, Row] = {}
        self.index = 0
        self._autosave_timers: dict[AnswerKey, Timer] = {}
        self._ready = False
        self._resumed = False  # shown once (on_screen_resume)
        self._early_keys: list[events.Key] = []
        self._shown: dict[str, Content] = {}
        self._stale: dict[str, Content] = {}  # titles off screen, shown when scrolled to
        self._later: list[Callable[[], None]] = []  # steps for after the next paint
        self._gc_paused = False  # the garbage collector waits for an answer's first frame

    # --------------------------------------------------------------- layout
    @property
    def final(self) -> bool:
        return self.flow.final

    def _file_label(self, digest: str) -> str:
        """An attached file as the row shows it: `name (size)`."""
        return attachments.describe(self.store.conn, [digest]).get(digest, f"file {digest[:12]}")

    def compose(self) -> ComposeResult:
        rows = self._build()
        yield Static(self._title(), id="form-head")
        with Horizontal(id="form-body"):
            nav = SectionNav(self.model, id="section-nav")
            nav.display = self.app.size.width >= NAV_MIN_WIDTH  # before mounting: no layout
            yield nav
            items = VerticalScroll(id="items", can_focus=False)
            if len(rows) > self.app.size.height:
                # More rows than lines: it scrolls, whatever their heights. Its scrollbar
                # is there from the first layout, so the rows are laid out at the width
                # they keep (else Textual lays them all out again, a column narrower).
                items.styles.overflow_y = "scroll"
            with items:
                yield from rows
        yield FormHints(id="form-hints")
        yield SaveStatus(id="save-status")
        yield KeysFooter()

    def _build(self) -> list[Widget]:
        """The form's widgets (fieldkit.tui.screens.form_layout), kept to update them."""
        layout = build(self.model, self._now, self.language, describe=self._file_label)
        self.entries, self.rows = layout.entries, layout.rows
        self._entry_of, self._dependent = layout.entry_of, layout.dependent
        self._progress = layout.progress
        return layout.widgets

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Opened: each widget was styled as it was mounted, moments before, so Textual's
        restyling of the whole screen as it is first shown (40-45 ms for a case file's
        ~180 widgets) would find the styles they have. Shown again later (a dialog
        closed, the theme changed meanwhile) it is restyled as usual. (This handler runs
        before Screen's own, which reads the flag.)"""
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    async def on_mount(self) -> None:
        self.index = (
            self.model.first_navigable(self.entries)
            if self.final
            else self.model.first_unanswered(self.entries)
        )
        self._focus_index(self.index)
        status = self.query_one(SaveStatus)
        if self._opening_message:
            status.show(self._opening_message, "info")
        elif self.final:
            status.show(FINAL, "warning")
        else:
            status.show("Every answer is saved the moment you give it.", "info")
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.watch(self.query_one("#items", VerticalScroll), "scroll_y", self._scrolled)
        self._ready = True
        early, self._early_keys = self._early_keys, []
        for event in early:
            await self.sync_key(event)

    def _theme_changed(self, _theme: object) -> None:
        """The focused question's bar, and the text fields, in the new theme's colours
        (they are set on the widgets, not by `:focus` rules)."""
        for row in self.rows.values():
            if isinstance(row, TextRow) and row.input.is_mounted:
                field_look(row.input, row.input.has_focus)
        row = self._row_of(self.focused)
        if row is not None:
            show_focus(row, True)

    def _title(self) -> Content:
        done = sum(d for d, _ in self._progress.values())
        total = sum(t for _, t in self._progress.values())
        name, width = self.flow.name(), self.app.size.width - 2
        return header(self.checklist, self.flow.record, name, f"{done}/{total} done", width)

    def _say(self, said: Said) -> None:
        """A line from the form's flow on the status line (its bell, its question)."""
        if said.focus is not None:
            self._focus_key(said.focus)
        self.query_one(SaveStatus).show(said.text, said.level)
        if said.bell:
            self.app.bell()

    # ---------------------------------------------------------------- state
    def _show_rows(self, changed: Iterable[AnswerKey] | None = None) -> None:
        """The rows after writes: every row (`changed` None: the record was read again),
        else the rows of the answers written (the relevance rules' too) and the rows that
        depend on other answers; then the progress of their groups."""
        if changed is None:
            for entry in self.entries:
                row = self.rows.get(entry.key)
                if row is not None:
                    set_row(row, entry, self.model, self.language)
            self._refresh_chrome()
            return
        keys = set(changed)
        entries = [self._entry_of[k] for k in keys if k in self._entry_of]
        groups: dict[Group, None] = {}
        for entry in [*entries, *self._dependent]:
            row = self.rows.get(entry.key)
            if row is None:
                continue
            before = (row.auto, row.value)
            set_row(row, entry, self.model, self.language)
            if entry.key in keys or (row.auto, row.value) != before:
                groups[entry.group] = None
        self._refresh_chrome(groups=groups)
        if [e.key for e in self.entries] != [e.key for e in self.model.entries()]:
            self.call_later(self._rebuild)  # a repeat_count answer: that many instances

    async def _rebuild(self) -> None:
        """Lay the form out again (its repeats' instances changed), keeping the focus."""
        key = self.entries[self.index].key if self.entries else None
        items = self.query_one("#items", VerticalScroll)
        await items.remove_children()
        self._shown.clear()
        self._stale.clear()
        await items.mount_all(self._build())
        at = next((i for i, e in enumerate(self.entries) if e.key == key), 0)
        later = [
            i
            for i, e in enumerate(self.entries)
            if i > at and self.model.navigable(e) and not self.model.answered(e)
        ]
        self._focus_index(later[0] if later else at)  # the first new instance

    def _refresh_chrome(self, *, data: bool = True, groups: Iterable[Group] | None = None) -> None:
        """The header, group titles and section list; `data=False` after a move only (the
        answers did not change: only where the focus is); `groups`: only these groups'
        answers changed."""
        if data:
            for g in dict.fromkeys(e.group for e in self.entries) if groups is None else groups:
                self._progress[g] = self.model.progress(g)
                self._update("#" + widget_id("group", g.id), group_title(self.model, g))
            self._update("#form-head", self._title())
        self._show_hints()
        nav = self.query_one(SectionNav)
        current = self.entries[self.index].group.id if self.entries else ""
        if data or nav.current != current:
            nav.current = current
            if nav.display:
                nav.refresh()

    # ------------------------------------------------------------ navigation
    def on_resize(self) -> None:
        """After the terminal changes size the focused question is still on screen."""
        self.query_one(SectionNav).display = self.app.size.width >= NAV_MIN_WIDTH
        hints = self.query_one(FormHints)
        hints.refit(self.app.size.width - hints.styles.gutter.width)
        self._update("#form-head", self._title())
        focused = self.focused
        row = self._row_of(focused) if focused is not None else None
        target = row if row is not None else focused
        if target is not None:
            self.call_after_refresh(self._scroll_to, target)

    def _show_hints(self) -> None:
        """The focused question's keys and help, in the panel below the form."""
        row = self._row_of(self.focused)
        self.query_one(FormHints).show(row.hints() if row is not None else [])

    def on_descendant_focus(self, event: Any) -> None:
        self._show_hints()
        row = self._row_of(getattr(event, "widget", None) or self.focused)
        if row is None:
            return
        for i, e in enumerate(self.entries):
            if e.key == row.entry.key:
                if i != self.index:
                    self.index = i
                    self._refresh_chrome(data=False)
                break

    def _save_if_dirty(self) -> bool:
        """Save the text being typed in the focused row (before focus leaves it)."""
        row = self._row_of(self.focused)
        if isinstance(row, TextRow) and row.dirty and not row.auto and not self.final:
            text = row.input.value
            return self._save(row.entry.key, text if text.strip() else None)
        return True

    # ------------------------------------------------------------------ keys
    async def sync_key(self, event: events.Key) -> bool:
        """Every key on the form is handled here, one at a time and to the end (saved,
        focus moved) before the next is looked at: the app calls this in key order, so
        typing ahead never lands on the wrong question. False: not a form key. (The
        garbage collector waits from the key to its first frame: FormPaint._pause_gc.)"""
        if not self._ready:
            self._early_keys.append(event)  # typed while the form was opening
            return True
        self._paint_done()  # what the last answer left for after its paint
        self._pause_gc()
        try:
            return await self._handle_key(event)
        finally:
            if not self._later:  # nothing drawn later: nothing to wait for
                self._resume_gc()

    async def _handle_key(self, event: events.Key) -> bool:
        key, char = event.key, event.character or ""
        if key == "ctrl+q":  # the app's quit: not while answers wait for the database
            return not self._may_leave("ctrl+q")
        action = NAV_KEYS.get(key)
        self.flow.key_pressed(key, action)
        if action is not None:
            await self.run_action(action)
            return True
        focused = self.focused
        if isinstance(focused, AddInstance):
            if key == "enter":
                await self._add_instance(focused.section_id, focused.outer)
                return True
            return False
        row = self._row_of(focused)
        if isinstance(row, ChoiceRow):
            intent = row.intent(key, char)
            if intent is None:
                return False
            await self._apply(intent)
            return True
        if isinstance(row, TextRow) and focused is row.input:
            if self.final and (event.is_printable or key in ("enter", "backspace", "delete")):
                self._say(Said(FINAL, "warning", bell=True))
                return True
            if key == "enter":
                for intent in row.submit_intents():
                    if not await self._apply(intent):
                        break
                return True
            return await apply_key(row.input, event)
        return False

    async def _apply(self, intent: it.Intent) -> bool:
        """Carry out what a key meant; False when it was refused (stop there)."""
        carry_out: Callable[[Any], Awaitable[bool]] = getattr(
            self, f"_intent_{type(intent).__name__.lower()}"
        )
        return await carry_out(intent)

    async def _intent_answer(self, intent: it.Answer) -> bool:
        ok = self._save(intent.key, intent.raw)
        if ok and intent.advance:
            self._after_paint(lambda: self._advance_from(intent.key))
        return ok

    async def _intent_clear(self, intent: it.Clear) -> bool:
        if self.model.answers.get(intent.key) is not None:
            return self._save(intent.key, None)
        return True

    async def _intent_move(self, intent: it.Move) -> bool:
        self.action_move(intent.delta)
        return True

    async def _intent_pick(self, intent: it.Pick) -> bool:
        self._open_picker(intent.key)
        return True

    async def _intent_prompt(self, intent: it.Prompt) -> bool:
        self._say(Said(intent.text, "info"))
        return True

    async def _intent_reject(self, intent: it.Reject) -> bool:
        self._say(Said(intent.reason, "error", bell=True))
        return False

    # --------------------------------------------------------------- saving
    def _save(self, key: AnswerKey, raw: Any) -> bool:
        """Write one answer through the store; mark it saved only once the store returned.

        When another program holds the database, the answer is kept on screen and queued
        (saved as soon as the database is free): True, as for a saved answer. False when
        the answer was refused (the reason is shown) or the database cannot be written."""
        if self.final:
            self._say(Said(FINAL, "warning", bell=True))
            return False
        timer = self._autosave_timers.pop(key, None)
        if timer is not None:
            timer.stop()
        problem = self.flow.problem(key, raw)  # refused at once, never queued
        if problem:
            self._refuse(key, problem)
            return False
        op: Op = ("answer", *key)
        flushed = self.flow.put(op, raw)
        self._show_flushed(flushed, op)
        return op not in flushed.outcome.refused and self.flow.saved_state(op)

    def _refuse(self, key: AnswerKey, text: str) -> None:
        text = message_in(self.checklist.item(key[0]), text, self.language)  # (queued)
        row = self.rows.get(key)
        if row is not None:
            row.error = text
            row.state = "error"
        self._say(Said(f"Not saved: {text}", "error", bell=True))

    def _flush_pending(self, wait: float) -> None:
        """Write what waits (the queue), then show what happened."""
        self._show_flushed(self.flow.flush(wait), None)

    def _show_flushed(self, flushed: Flushed, current: Op | None) -> None:
        """What a flush did, on screen. After the user's own write (`current`) the status
        line saying it is saved comes first, in a frame of its own (one line, so it is
        drawn at once), and the rows, progress and hints in the next (`_after_paint`)."""
        if flushed.show:
            if current is None:
                self._show_changes(flushed)
            else:
                self._after_paint(lambda: self._show_changes(flushed))
            self._show_said(flushed)
            if current is not None:
                paint_next(self.query_one(SaveStatus))
        if flushed.retry:
            if self._retry_timer is None:
                self._retry_timer = self.set_timer(self.timings.retry_every, self._retry)
        else:
            self._stop_retry()

    def _show_changes(self, flushed: Flushed) -> None:
        """The rows a flush changed (every row when the record was read again), each
        written row marked saved, refused or waiting."""
        self._show_rows(None if flushed.reread else flushed.changed)
        for key, (state, error, waiting) in self.flow.row_states(flushed.outcome).items():
            row = self.rows.get(key)
            if row is None:
                continue
            row.error = error
            row.state = state
            if isinstance(row, TextRow):
                row.waiting = waiting

    def _stop_retry(self) -> None:
        if self._retry_timer is not None:
            self._retry_timer.stop()
            self._retry_timer = None

    def _show_said(self, flushed: Flushed) -> None:
        """The status line after a flush."""
        if flushed.said is None:
            return
        text, level = flushed.said
        ops = [op for op, _, _ in flushed.outcome.saved if op[0] != "ref"]
        last = ops[-1] if ops else None
        row = self.rows.get((last[1], last[2])) if last and level == "saved" else None
        if isinstance(row, TextRow) and row.warning:  # the privacy warning stays on screen
            text, level = f"Saved, but {row.warning[0].lower()}{row.warning[1:]}", "warning"
        self._say(Said(text, level, bell=level == "error"))

    def _retry(self) -> None:
        self._retry_timer = None
        if self.flow.queue:
            self._flush_pending(self.timings.retry_wait)

    @property
    def waiting(self) -> int:
        """How many writes are queued, waiting for the database."""
        return len(self.flow.queue)

    @on(TextRow.AnswerGiven)
    async def _answer_given(self, event: TextRow.AnswerGiven) -> None:
        event.stop()  # posted when a text field is left with unsaved text
        await self._apply(event.intent)

    @on(TextRow.TextEdited)
    def _text_edited(self, event: TextRow.TextEdited) -> None:
        event.stop()
        key = event.key
        row = self.rows.get(key)
        if isinstance(row, TextRow) and row.warning:
            # the status line is always on screen, wherever the field is
            self.query_one(SaveStatus).show(row.warning, "warning")
        old = self._autosave_timers.pop(key, None)
        if old is not None:
            old.stop()
        if self.final:
            return
        self._autosave_timers[key] = self.set_timer(
            self.timings.autosave, lambda: self._autosave(key)
        )

    def _autosave(self, key: AnswerKey) -> None:
        self._autosave_timers.pop(key, None)
        row = self.rows.get(key)
        if not isinstance(row, TextRow) or not row.dirty:
            return
        text = row.input.value
        try:
            row.item.parse(text)
        except ValueError:
            return  # not a complete number or date yet: saved on Enter or when leaving
        self._save(key, text if text.strip() else None)

    def flush(self) -> bool:
        """Save whatever is typed but not yet saved (before leaving or finalising), and
        what waits for a busy database. False while something is still not saved."""
        for key, row in self.rows.items():
            if isinstance(row, TextRow) and row.dirty and not row.auto and not self.final:
                self._save(key, row.input.value if row.input.value.strip() else None)
        if self.flow.queue:
            self._flush_pending(self.timings.save_wait)
        return not self.flow.queue

    def _may_leave(self, how: str) -> bool:
        """Leaving drops answers still waiting for the database: only on a second ask."""
        said = self.flow.leave(how, self.flush())
        if said is None:
            self._stop_retry()
            return True
        self._say(said)
        return False

    def _open_picker(self, key: AnswerKey) -> None:
        row = self.rows.get(key)
        item = row.item if isinstance(row, ChoiceRow) else self.checklist.item(key[0])
        if self.final:
            self._save(key, None)  # shows the 'final' warning
            return

        def picked(result: Any) -> None:
            if result is None:
                return
            if item.kind == "multi":
                ok = self._save(key, list(result) or None)
            else:
                ok = self._save(key, result)
            if ok:
                self._advance_from(key)

        self.app.push_screen(ChoicePicker(item, self.model.answers.get(key)), picked)

    # ---------------------------------------------------------------- actions
    def action_finalise(self) -> None:
        said = self.flow.finalise(self.final or self.flush())
        if not said.done:
            self._say(said)
            return
        self._show_rows()
        self.app.notify(said.text, title="Finalised")
        self.dismiss(None)

    def action_reopen(self) -> None:
        said = self.flow.reopen()
        if said.level == "saved":
            self._show_rows()
        self._say(said)

    def action_note(self) -> None:
        if not self.entries:
            return
        entry = self.entries[self.index]
        if self.final:
            self._say(Said("This record is final: ctrl+r reopens it.", "warning"))
            return

        def done(text: str | None) -> None:
            if text is None:
                return
            op: Op = ("note", entry.item.id, entry.rkey)
            self._show_flushed(self.flow.put(op, text or None), op)

        self.app.push_screen(NoteScreen(entry.item.prompt, self.model.note(entry)), done)

    async def action_now(self) -> None:
        row = self._row_of(self.focused)
        intent = row.now_intent() if isinstance(row, TextRow) else None
        if intent is None:
            self._say(Said("ctrl+t fills the date/time on date items.", "info"))
            return
        await self._apply(intent)

    def action_language(self) -> None:
        """Show the form in its next language (questions, hints and choices)."""
        new = next_language(self.checklist, self.language)
        if new == self.language or languages_of(self.checklist) == [new]:
            self._say(Said("This form has one language.", "info"))
            return
        self.language = self.flow.language = new
        self.app.language = new  # type: ignore[attr-defined]  (the next form opens in it)
        for key, row in self.rows.items():
            entry = self._entry_of[key]
            row.prompt = ""
            set_row(row, entry, self.model, new)
            if isinstance(row, ChoiceRow):
                offered = self.checklist.choices_offered(entry.item, self.model.answers, key[1])
                row.offer(tuple(c.in_language(new) for c in offered))
        self._show_hints()
        self._say(
            Said(f"Language: {language_name(self.checklist, new)} (ctrl+l: the next)", "info")
        )

    def action_back(self) -> None:
        if self._may_leave("Esc"):
            self._discard_if_untouched()
            self.dismiss(None)

    def _discard_if_untouched(self) -> None:
        """A new draft left before anything was written to it (a key pressed by mistake on
        the dashboard) is deleted, as a logged and undoable change, not left waiting."""
        if not self.flow.untouched_new or self.final:
            return
        done, _ = attempt(
            self, "Discarding the empty draft", lambda: self.store.delete(self.record_id)
        )
        if done:
            self.app.notify(
                "Nothing was written on the new draft, so it was discarded "
                "(Records, status Deleted, lists it to restore).",
                title="Empty draft discarded",
            )

    def on_unmount(self) -> None:
        """Left without asking (the command palette's Dashboard, the app closing) while
        changes wait for the database: one last, longer try, and say so if it fails."""
        self._resume_gc()
        self._stop_retry()
        lost = self.flow.last_try()
        if lost:
            self.app.notify(lost, title="Not saved", severity="error", timeout=30)


NAV_KEYS = key_table(FormScreen.BINDINGS)
