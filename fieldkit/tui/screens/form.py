"""The form: one record of one checklist, answered by keys, saved as typed."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.reactive import Reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget

from fieldkit.checklists import AnswerKey, check_consistency
from fieldkit.checklists.model import ATTACHMENT_KINDS, AnswerError
from fieldkit.checklists.words import name_of
from fieldkit.errors import BadInput
from fieldkit.store import IncompleteRecord, Store, attachments
from fieldkit.store.connection import is_busy
from fieldkit.tui import intents as it
from fieldkit.tui import messages as msg
from fieldkit.tui.form_model import Entry, FormModel, Group, fill_prompt, rule_text
from fieldkit.tui.form_status import outcome_message
from fieldkit.tui.languages import language_name, languages_of, message_in, next_language
from fieldkit.tui.plain import Static
from fieldkit.tui.screens.note import NoteScreen
from fieldkit.tui.screens.picker import ChoicePicker
from fieldkit.tui.widgets.attachment_row import AttachmentRow
from fieldkit.tui.widgets.fit import update_fitted
from fieldkit.tui.widgets.footer import KeysFooter
from fieldkit.tui.widgets.inputs import apply_key
from fieldkit.tui.widgets.item_row import TEXT_KINDS, ChoiceRow, TextRow, privacy_warning
from fieldkit.tui.widgets.status import FormHints, SaveStatus, SectionNav, group_title, header
from fieldkit.tui.write_queue import Blocked, Op, Outcome, Timings, WriteQueue
from fieldkit.tui.writes import attempt

NAV_MIN_WIDTH = 100
Row = ChoiceRow | TextRow


def widget_id(prefix: str, *parts: str) -> str:
    return prefix + "-" + "--".join(re.sub(r"[^A-Za-z0-9_-]", "_", p) for p in parts)


class AddInstance(Widget, can_focus=True):
    """'Add another <case>' at the end of an open repeat section (Enter adds)."""

    DEFAULT_CSS = """
    AddInstance { height: 1; padding: 0 4; color: $text-muted; }
    AddInstance:focus { color: $text; background: $boost; text-style: bold; }
    """

    def __init__(self, section_id: str, label: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.section_id = section_id
        self.label = label

    def render(self) -> str:
        return f"+ add {self.label} (Enter)"


class FormScreen(Screen[None]):
    """One record. Every answer goes through Store.set_answer the moment it is given."""

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
        self.timings = timings or Timings()
        # writes the database refused for now (busy), oldest first, kept on screen
        self.queue = WriteQueue(self._write, self.timings)
        self._retry_timer: Timer | None = None
        self._leave_armed = False
        self._privacy_armed = False  # finalising over free text that looks personal: asked
        # a draft made for this form and left without anything written is discarded
        self._untouched_new = new
        self.store = store
        self.record_id = record_id
        self._now = now
        self._opening_message = message
        # the file as this form last read it: a change means another program wrote it
        self._data_version = store.data_version()
        rec = store.record(record_id)
        self.record = rec
        self.checklist = store.checklist(rec["checklist_id"], rec["checklist_version"])
        self.model = FormModel(self.checklist, store.answers(record_id), store.notes(record_id))
        self.entries: list[Entry] = []
        self.rows: dict[AnswerKey, Row] = {}
        self.index = 0
        self._autosave_timers: dict[AnswerKey, Timer] = {}
        self._ready = False
        self._early_keys: list[events.Key] = []
        self._shown: dict[str, Content] = {}

    # --------------------------------------------------------------- layout
    @property
    def final(self) -> bool:
        return self.record.get("status") == "final"

    def _file_label(self, digest: str) -> str:
        """An attached file as the row shows it: `name (size)`."""
        return attachments.describe(self.store.conn, [digest]).get(digest, f"file {digest[:12]}")

    def compose(self) -> ComposeResult:
        rows = self._build()
        yield Static(self._title(), id="form-head")
        with Horizontal(id="form-body"):
            yield SectionNav(self.model, id="section-nav")
            with VerticalScroll(id="items", can_focus=False):
                yield from rows
        yield FormHints(id="form-hints")
        yield SaveStatus(id="save-status")
        yield KeysFooter()

    def _build(self) -> list[Widget]:
        """The widgets of the form, section by section (open repeat sections end with an
        'add another' line, and show only that line while they have no instances)."""
        self.entries = self.model.entries()
        self.rows = {}
        by_group: dict[Group, list[Entry]] = {}
        for entry in self.entries:
            by_group.setdefault(entry.group, []).append(entry)
        self._entry_of = {e.key: e for e in self.entries}
        # the rows whose look depends on other answers: a relevance rule, a computed
        # value, an answer shown in the question's text
        self._dependent = [
            e
            for e in self.entries
            if e.item.has_rule
            or e.item.kind == "derived"
            or "${" in e.item.prompt
            or e.item.choice_filter is not None
        ]
        self._progress = {g: self.model.progress(g) for g in by_group}
        out: list[Widget] = []
        for section in self.checklist.sections:
            groups = [g for g in by_group if g.section is section]
            if not groups and section.repeat is not None and not section.repeat.fixed:
                out.append(Static(group_title(self.model, None, section), classes="group-title"))
            for group in groups:
                out.append(
                    Static(
                        group_title(self.model, group),
                        id=widget_id("group", group.id),
                        classes="group-title",
                    )
                )
                for entry in by_group[group]:
                    row_id = widget_id("row", *entry.key)
                    row: Row
                    if entry.item.kind in ATTACHMENT_KINDS:
                        row = AttachmentRow(
                            entry, now=self._now, describe=self._file_label, id=row_id
                        )
                    elif entry.item.kind in TEXT_KINDS:
                        row = TextRow(entry, now=self._now, id=row_id)
                    else:
                        row = ChoiceRow(entry, id=row_id)
                        row.rule = rule_text(self.checklist, entry.item)
                    row.add_class("item-row")
                    self._set_row(row, entry)
                    self.rows[entry.key] = row
                    out.append(row)
            if section.repeat is not None and not section.repeat.fixed and not section.repeat.count:
                out.append(
                    AddInstance(section.id, section.repeat.key, id=widget_id("add", section.id))
                )
        return out

    async def on_mount(self) -> None:
        self.query_one(SectionNav).display = self.app.size.width >= NAV_MIN_WIDTH
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
            status.show("This record is final: ctrl+r reopens it to edit.", "warning")
        else:
            status.show("Every answer is saved the moment you give it.", "info")
        self._ready = True
        early, self._early_keys = self._early_keys, []
        for event in early:
            await self.sync_key(event)

    def _title(self) -> Content:
        done = sum(d for d, _ in self._progress.values())
        total = sum(t for _, t in self._progress.values())
        name, width = self._record_name(), self.app.size.width - 2
        return header(self.checklist, self.record, name, f"{done}/{total} done", width)

    def _record_name(self) -> str:
        return name_of(self.checklist, self.record, self.model.answers)

    # ---------------------------------------------------------------- state
    def _set_row(self, row: Row, entry: Entry) -> None:
        auto = self.model.auto_na(entry)
        row.auto = rule_text(self.checklist, entry.item) if auto else ""
        prompt = entry.item.in_language(self.language)[0]
        if "${" in prompt:  # XLSForm: an answer shown in the question's text
            row.prompt = fill_prompt(self.checklist, prompt, self.model.answers, entry.rkey)
        elif prompt != entry.item.prompt:
            row.prompt = prompt
        if entry.item.kind == "derived":  # computed from other answers, never stored
            row.value = self.checklist.computed_value(entry.item.id, self.model.answers, entry.rkey)
        else:
            row.value = self.model.value(entry)
        row.note = self.model.note(entry)
        if isinstance(row, ChoiceRow) and (entry.item.choice_filter or self.language):
            offered = self.checklist.choices_offered(entry.item, self.model.answers, entry.rkey)
            row.offer(tuple(c.in_language(self.language) for c in offered))

    def _reload(self) -> None:
        self._data_version = self.store.data_version()
        self.record = self.store.record(self.record_id)
        answers = self.store.answers(self.record_id)
        notes = self.store.notes(self.record_id)
        for (kind, item_id, rkey), value in self.queue.pending.items():
            key = (item_id, rkey)
            if kind == "answer":
                parsed = self.checklist.item(item_id).parse(value)  # checked when queued
                if parsed is None:
                    answers.pop(key, None)
                else:
                    answers[key] = parsed
            elif kind == "note":
                if value:
                    notes[key] = value
                else:
                    notes.pop(key, None)
        self.model.answers = answers
        self.model.notes = notes
        for entry in self.entries:
            row = self.rows.get(entry.key)
            if row is not None:
                self._set_row(row, entry)
        self._refresh_chrome()

    def _show_saved(self, outcome: Outcome) -> None:
        """What writes that all went through changed, without reading the record back:
        the rows of the answers written (the relevance rules' too) and the rows that
        depend on other answers, then the progress of their groups."""
        changed: set[AnswerKey] = set()
        for (kind, item_id, rkey), value, written in outcome.saved:
            if kind == "answer":
                for key, v in written.items():
                    if v is None:
                        self.model.answers.pop(key, None)
                    else:
                        self.model.answers[key] = v
                    changed.add(key)
            elif kind == "note":
                text = (value or "").strip()
                if text:
                    self.model.notes[(item_id, rkey)] = text
                else:
                    self.model.notes.pop((item_id, rkey), None)
                changed.add((item_id, rkey))
            else:  # the record's reference, shown in the header
                self.record = self.store.record(self.record_id)
        entries = [self._entry_of[k] for k in changed if k in self._entry_of]
        groups: dict[Group, None] = {}
        for entry in [*entries, *self._dependent]:
            row = self.rows.get(entry.key)
            if row is None:
                continue
            before = (row.auto, row.value)
            self._set_row(row, entry)
            if entry.key in changed or (row.auto, row.value) != before:
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
        await items.mount_all(self._build())
        at = next((i for i, e in enumerate(self.entries) if e.key == key), 0)
        later = [
            i
            for i, e in enumerate(self.entries)
            if i > at and self.model.navigable(e) and not self.model.answered(e)
        ]
        self._focus_index(later[0] if later else at)  # the first new instance

    def _update(self, selector: str, content: Content) -> None:
        """Update a Static only when its text changes (a layout only if its height does)."""
        if self._shown.get(selector) == content:
            return
        try:
            update_fitted(self.query_one(selector, Static), content)
        except NoMatches:  # not mounted yet
            return
        self._shown[selector] = content

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
    def _focus_index(self, index: int) -> None:
        if not self.entries:
            return
        index = max(0, min(index, len(self.entries) - 1))
        self.index = index
        row = self.rows[self.entries[index].key]
        # set_focus, not widget.focus(): the latter waits for the next turn of the loop,
        # and the next key must already go to the new question
        self.set_focus(row.input if isinstance(row, TextRow) else row, scroll_visible=False)
        self.call_after_refresh(self._scroll_to, row)
        self._refresh_chrome(data=False)

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

    def _scroll_to(self, row: Widget) -> None:
        """Bring the row into view, scrolling only when it is not (the hints are in their
        own panel, so the row alone must show): moving between rows on screen scrolls and
        repaints nothing else."""
        items = self.query_one("#items", VerticalScroll)
        items.scroll_to_widget(row, animate=False, immediate=True)

    def _row_of(self, widget: Widget | None) -> Row | None:
        node = widget
        while node is not None:
            if isinstance(node, ChoiceRow | TextRow):
                return node
            node = node.parent  # type: ignore[assignment]
        return None

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

    def action_move(self, delta: int) -> None:
        """To the next (1) or previous (-1) question that can be answered, in screen
        order; 'add another ...' lines of open repeat sections are stops too."""
        if not self._save_if_dirty():
            return
        focused = self.focused
        here: Widget | None = focused if isinstance(focused, AddInstance) else None
        if here is None and self.entries:
            here = self.rows[self.entries[self.index].key]
        target = self._dom_step(here, delta) if here is not None else None
        if target is None:
            status = self.query_one(SaveStatus)
            if delta > 0 and status.level != "warning":  # a privacy warning stays
                status.show("Last question. ctrl+f finalises the record; Esc goes back.", "info")
            return
        if isinstance(target, AddInstance):
            self.set_focus(target, scroll_visible=False)
            self.call_after_refresh(self._scroll_to, target)
            return
        self._focus_key(target.entry.key)

    def _dom_step(self, widget: Widget, delta: int) -> Widget | None:
        children = list(self.query_one("#items", VerticalScroll).children)
        try:
            i = children.index(widget)
        except ValueError:
            return None
        j = i + delta
        while 0 <= j < len(children):
            w = children[j]
            if isinstance(w, AddInstance):
                return w
            if isinstance(w, ChoiceRow | TextRow) and self.model.navigable(w.entry):
                return w
            j += delta
        return None

    def _focus_key(self, key: AnswerKey) -> None:
        for i, e in enumerate(self.entries):
            if e.key == key:
                self._focus_index(i)
                return

    def action_group(self, delta: int) -> None:
        if not self.entries or not self._save_if_dirty():
            return
        groups: list[Group] = []
        for e in self.entries:
            if not groups or groups[-1] != e.group:
                groups.append(e.group)
        current = self.entries[self.index].group
        gi = groups.index(current) + delta
        if not 0 <= gi < len(groups):
            return
        target = groups[gi]
        for i, e in enumerate(self.entries):
            if e.group == target:
                self._focus_index(self.model.first_navigable(self.entries, i))
                return

    def _advance_from(self, key: AnswerKey) -> None:
        for i, e in enumerate(self.entries):
            if e.key == key:
                self.index = i
                break
        self.action_move(1)

    # ------------------------------------------------------------------ keys
    async def sync_key(self, event: events.Key) -> bool:
        """Every key on the form is handled here, one at a time and to the end (saved,
        focus moved) before the next is looked at: the app calls this in key order, so
        typing ahead never lands on the wrong question. False: not a form key."""
        if not self._ready:
            self._early_keys.append(event)  # typed while the form was opening
            return True
        key, char = event.key, event.character or ""
        if key == "ctrl+q":  # the app's quit: not while answers wait for the database
            return not self._may_leave("ctrl+q")
        if key != "escape":
            self._leave_armed = False
        if NAV_KEYS.get(key) != "finalise":
            self._privacy_armed = False
        action = NAV_KEYS.get(key)
        if action is not None:
            await self.run_action(action)
            return True
        focused = self.focused
        if isinstance(focused, AddInstance):
            if key == "enter":
                await self._add_instance(focused.section_id)
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
            inp = row.input
            if self.final and (event.is_printable or key in ("enter", "backspace", "delete")):
                self.query_one(SaveStatus).show(
                    "This record is final: ctrl+r reopens it to edit.", "warning"
                )
                self.app.bell()
                return True
            if key == "enter":
                for intent in row.submit_intents():
                    if not await self._apply(intent):
                        break
                return True
            return await apply_key(inp, event)
        return False

    async def _apply(self, intent: it.Intent) -> bool:
        """Carry out what a key meant; False when it was refused (stop there)."""
        if isinstance(intent, it.Answer):
            with self.app.batch_update():
                ok = self._save(intent.key, intent.raw)
                if ok and intent.advance:
                    self._advance_from(intent.key)
            return ok
        if isinstance(intent, it.Clear):
            if self.model.answers.get(intent.key) is not None:
                return self._save(intent.key, None)
            return True
        if isinstance(intent, it.Move):
            self.action_move(intent.delta)
            return True
        if isinstance(intent, it.Pick):
            self._open_picker(intent.key)
            return True
        if isinstance(intent, it.Prompt):
            self.query_one(SaveStatus).show(intent.text, "info")
            return True
        if isinstance(intent, it.Reject):
            self.query_one(SaveStatus).show(intent.reason, "error")
            self.app.bell()
            return False
        return False

    # --------------------------------------------------------------- saving
    def _save(self, key: AnswerKey, raw: Any) -> bool:
        """Write one answer through the store; mark it saved only once the store returned.

        When another program holds the database, the answer is kept on screen and queued
        (saved as soon as the database is free): True, as for a saved answer. False when
        the answer was refused (the reason is shown) or the database cannot be written."""
        status = self.query_one(SaveStatus)
        if self.final:
            status.show("This record is final: ctrl+r reopens it to edit.", "warning")
            self.app.bell()
            return False
        timer = self._autosave_timers.pop(key, None)
        if timer is not None:
            timer.stop()
        op: Op = ("answer", *key)
        if self.queue:
            # The database was busy a moment ago: this answer waits behind the others,
            # so check it here (the store would, but it is not reached yet).
            problem = self._problem(key, raw)
            if problem:
                self._refuse(key, problem)
                return False
        refused = self._flush_pending(self.queue.put(op, raw), op)
        if op in refused:
            return False
        if op in self.queue.pending:
            return self.queue.blocked is Blocked.BUSY  # queued; False: cannot write at all
        return True

    def _problem(self, key: AnswerKey, raw: Any) -> str:
        """Why the store would refuse this answer ('' if it would take it)."""
        item_id, _ = key
        item = self.checklist.item(item_id)
        try:
            value = item.parse(raw)
        except AnswerError as e:
            return str(e).removeprefix(f"{item_id}: ")
        answers = dict(self.model.answers)
        answers[key] = value
        for k, text in check_consistency(self.checklist, answers):
            if k == key:
                return text
        return ""

    def _refuse(self, key: AnswerKey, text: str) -> None:
        text = message_in(self.checklist.item(key[0]), text, self.language)  # (queued)
        row = self.rows.get(key)
        if row is not None:
            row.error = text
            row.state = "error"
        self.query_one(SaveStatus).show(f"Not saved: {text}", "error")
        self.app.bell()

    def _write(self, op: Op, value: Any, wait: float) -> dict[AnswerKey, Any]:
        """One write through the store, waiting at most `wait` seconds for another writer.
        Returns the answers written (for an answer)."""
        kind, item_id, rkey = op
        written: dict[AnswerKey, Any] = {}
        self._untouched_new = False
        with self.store.waiting_at_most(wait):
            if kind == "answer":
                try:
                    written = self.store.set_answer(self.record_id, item_id, value, rkey)
                except BadInput as e:  # a constraint's message, in the form's language
                    item = self.checklist.item(item_id)
                    raise BadInput(message_in(item, str(e), self.language)) from None
            elif kind == "note":
                self.store.set_note(self.record_id, item_id, value or None, rkey)
            else:
                self.store.set_field(self.record_id, "subject_ref", value)
        if kind == "answer" and item_id in self.checklist.name_items and not rkey:
            # the record's reference follows its natural-key answer (a write of its own)
            self.queue.also(("ref", "subject_ref", ""), written.get((item_id, rkey)))
        return written

    def _flush_pending(self, wait: float, current: Op | None = None) -> set[Op]:
        """Write what waits (the queue), then say what happened. Returns the writes the
        store refused (invalid answers)."""
        outcome = self.queue.flush(wait)
        if current is not None or outcome.changed:  # a retry that changed nothing is quiet
            if self.queue or self.store.data_version() != self._data_version:
                # what was saved, and the queued values; or what another program wrote
                self._reload()
            else:
                self._show_saved(outcome)
            self._show_outcome(outcome, current)
        if self.queue:
            self._arm_retry()
        elif self._retry_timer is not None:
            self._retry_timer.stop()
            self._retry_timer = None
        return set(outcome.refused)

    def _show_outcome(self, outcome: Outcome, current: Op | None) -> None:
        status = self.query_one(SaveStatus)
        saved, refused = outcome.saved, outcome.refused
        busy = self.queue.blocked is Blocked.BUSY
        for op, _value, _written in saved:
            row = self.rows.get((op[1], op[2])) if op[0] == "answer" else None
            if row is not None:
                row.error = ""
                row.state = "saved"
                if isinstance(row, TextRow):
                    row.waiting = False
                    row.warning = row.warning  # keep the privacy warning while it applies
        for op, text in refused.items():
            row = self.rows.get((op[1], op[2])) if op[0] == "answer" else None
            if row is not None:
                row.error = text
                row.state = "error"
                if isinstance(row, TextRow):
                    row.waiting = False
        waiting = self.queue.waiting
        for op in waiting:
            row = self.rows.get((op[1], op[2])) if op[0] == "answer" else None
            if row is not None:
                row.error = ""
                row.state = "waiting" if busy else "error"
                if isinstance(row, TextRow):
                    row.waiting = True
        said = outcome_message(self.checklist, outcome, self.queue, current)
        if said is None:
            return
        text, level = said
        ops = [op for op, _, _ in outcome.saved if op[0] != "ref"]
        last = ops[-1] if ops else None
        row = self.rows.get((last[1], last[2])) if last and level == "saved" else None
        if isinstance(row, TextRow) and row.warning:  # the privacy warning stays on screen
            text, level = f"Saved, but {row.warning[0].lower()}{row.warning[1:]}", "warning"
        status.show(text, level)
        if level == "error":
            self.app.bell()

    def _arm_retry(self) -> None:
        if self._retry_timer is None:
            self._retry_timer = self.set_timer(self.timings.retry_every, self._retry)

    def _retry(self) -> None:
        self._retry_timer = None
        if self.queue:
            self._flush_pending(self.timings.retry_wait)

    @property
    def waiting(self) -> int:
        """How many writes are queued, waiting for the database."""
        return len(self.queue)

    @on(msg.AnswerGiven)
    async def _answer_given(self, event: msg.AnswerGiven) -> None:
        event.stop()  # posted when a text field is left with unsaved text
        await self._apply(event.intent)

    @on(msg.TextEdited)
    def _text_edited(self, event: msg.TextEdited) -> None:
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
        item = row.item
        try:
            item.parse(text)
        except ValueError:
            return  # not a complete number or date yet: saved on Enter or when leaving
        self._save(key, text if text.strip() else None)

    def flush(self) -> bool:
        """Save whatever is typed but not yet saved (before leaving or finalising), and
        what waits for a busy database. False while something is still not saved."""
        for key, row in self.rows.items():
            if isinstance(row, TextRow) and row.dirty and not row.auto and not self.final:
                self._save(key, row.input.value if row.input.value.strip() else None)
        if self.queue:
            self._flush_pending(self.timings.save_wait)
        return not self.queue

    def _may_leave(self, how: str) -> bool:
        """Leaving drops answers still waiting for the database: only on a second ask."""
        if self.flush() or self._leave_armed:
            if self._retry_timer is not None:
                self._retry_timer.stop()
                self._retry_timer = None
            self.queue.drop()
            return True
        self._leave_armed = True
        n = len(self.queue.waiting) or 1
        self.query_one(SaveStatus).show(
            f"{n} change{'s' if n != 1 else ''} NOT saved yet (database "
            f"{self.queue.blocked.value}). "
            f"{how} again leaves WITHOUT {'them' if n != 1 else 'it'}.",
            "error",
        )
        self.app.bell()
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

    async def _add_instance(self, section_id: str) -> None:
        section = next(s for s in self.checklist.sections if s.id == section_id)
        new_key = self.model.add_instance(section)
        items = self.query_one("#items", VerticalScroll)
        await items.remove_children()
        self._shown.clear()
        await items.mount_all(self._build())
        for i, e in enumerate(self.entries):
            if e.group.section.id == section.id and e.rkey == new_key:
                self._focus_index(i)
                break
        self.query_one(SaveStatus).show(
            f"Added {section.repeat.key if section.repeat else 'instance'} {new_key}: "
            "it is stored with its first answer.",
            "info",
        )

    # ---------------------------------------------------------------- actions
    def action_finalise(self) -> None:
        status = self.query_one(SaveStatus)
        if self.final:
            status.show("Already final. ctrl+r reopens it.", "info")
            return
        if not self.flush():
            status.show("Not finalised: answers still wait for the database.", "error")
            self.app.bell()
            return
        flagged = self._personal_text()
        if flagged and not self._privacy_armed:
            self._privacy_armed = True
            self._focus_key(flagged[0])
            n = len(flagged)
            status.show(
                f"{n} answer{'s' if n != 1 else ''} may name a person or contact details "
                "(this one first): ctrl+f again finalises anyway.",
                "warning",
            )
            self.app.bell()
            return
        try:
            with self.store.waiting_at_most(self.timings.save_wait):
                self.store.finalise(self.record_id)
        except sqlite3.DatabaseError as e:
            self._write_failed(e, "Not finalised")
            return
        except IncompleteRecord as e:
            n = len(e.missing)
            first = e.missing[0]
            for i, entry in enumerate(self.entries):
                if entry.key == first:
                    self._focus_index(i)
                    break
            status.show(
                f"Cannot finalise: {n} required item{'s' if n != 1 else ''} unanswered; "
                "this is the first.",
                "error",
            )
            self.app.bell()
            return
        self._reload()
        said = f"{self.checklist.label}: {self._record_name()} is final."
        self.app.notify(said, title="Finalised")
        self.dismiss(None)

    def _personal_text(self) -> list[AnswerKey]:
        """Free-text answers that look like they hold a name or contact details."""
        out = []
        for entry in self.entries:
            value = self.model.answers.get(entry.key)
            if entry.item.kind == "text" and isinstance(value, str) and privacy_warning(value):
                out.append(entry.key)
        return out

    def action_reopen(self) -> None:
        status = self.query_one(SaveStatus)
        if not self.final:
            status.show("This record is a draft already.", "info")
            return
        try:
            with self.store.waiting_at_most(self.timings.save_wait):
                self.store.reopen(self.record_id)
        except sqlite3.DatabaseError as e:
            self._write_failed(e, "Not reopened")
            return
        self._reload()
        status.show("Reopened: the record is a draft again (logged).", "saved")

    def action_note(self) -> None:
        if not self.entries:
            return
        entry = self.entries[self.index]
        if self.final:
            self.query_one(SaveStatus).show("This record is final: ctrl+r reopens it.", "warning")
            return

        def done(text: str | None) -> None:
            if text is None:
                return
            op: Op = ("note", entry.item.id, entry.rkey)
            self._flush_pending(self.queue.put(op, text or None), op)

        self.app.push_screen(NoteScreen(entry.item.prompt, self.model.note(entry)), done)

    async def action_now(self) -> None:
        row = self._row_of(self.focused)
        intent = row.now_intent() if isinstance(row, TextRow) else None
        if intent is None:
            self.query_one(SaveStatus).show("ctrl+t fills the date/time on date items.", "info")
            return
        await self._apply(intent)

    def action_language(self) -> None:
        """Show the form in its next language (questions, hints and choices)."""
        new = next_language(self.checklist, self.language)
        status = self.query_one(SaveStatus)
        if new == self.language or languages_of(self.checklist) == [new]:
            status.show("This form has one language.", "info")
            return
        self.language = new
        self.app.language = new  # type: ignore[attr-defined]  (the next form opens in it)
        for key, row in self.rows.items():
            entry = self._entry_of[key]
            row.prompt = ""
            self._set_row(row, entry)
            if isinstance(row, ChoiceRow):
                offered = self.checklist.choices_offered(entry.item, self.model.answers, key[1])
                row.offer(tuple(c.in_language(new) for c in offered))
        self._show_hints()
        status.show(f"Language: {language_name(self.checklist, new)} (ctrl+l: the next)", "info")

    def action_back(self) -> None:
        if self._may_leave("Esc"):
            self._discard_if_untouched()
            self.dismiss(None)

    def _discard_if_untouched(self) -> None:
        """A new draft left before anything was written to it (a key pressed by mistake on
        the dashboard) is deleted, as a logged and undoable change, not left waiting."""
        if not self._untouched_new or self.final:
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
        if not self.queue:
            return
        if self._retry_timer is not None:
            self._retry_timer.stop()
            self._retry_timer = None
        n = self.queue.last_attempt()
        if n:
            what = self.queue.blocked.value
            self.app.notify(
                f"{n} change{'s' if n != 1 else ''} could not be saved (database {what}).",
                title="Not saved",
                severity="error",
                timeout=30,
            )

    def _write_failed(self, error: sqlite3.DatabaseError, what: str) -> None:
        if is_busy(error):
            text = f"{what}: database busy (another program is writing); try again."
        else:
            text = f"{what}: cannot write the database ({error})."
        self.query_one(SaveStatus).show(text, "error")
        self.app.bell()


def key_table(bindings: list[BindingType]) -> dict[str, str]:
    """Key -> action, from a screen's BINDINGS (the one place a form key is declared)."""
    out: dict[str, str] = {}
    for b in bindings:
        if isinstance(b, Binding):
            for key in b.key.split(","):
                out[key.strip()] = b.action
    return out


NAV_KEYS = key_table(FormScreen.BINDINGS)
