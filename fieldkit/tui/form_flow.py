"""The form's flows without Textual: one record's answers checked, queued and written;
what the status line says after; finalising, reopening and leaving. The form screen
(fieldkit.tui.screens.form) lays out the rows and shows what these return; this is
tested without the app (tests/test_tui_form_flow.py)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from fieldkit.checklists import AnswerError, AnswerKey, validate_answer
from fieldkit.checklists.model import ATTACHMENT_KINDS
from fieldkit.checklists.words import name_of
from fieldkit.errors import BadInput, busy
from fieldkit.store import IncompleteRecord, Store, is_busy
from fieldkit.tui.form_model import FormModel
from fieldkit.tui.form_status import outcome_message, privacy_warning
from fieldkit.tui.languages import message_in
from fieldkit.tui.write_queue import Blocked, Op, Outcome, Timings, WriteQueue

FINAL = "This record is final: ctrl+r reopens it to edit."


@dataclass(frozen=True)
class Said:
    """A line for the form's status (level: info, saved, warning or error); `bell` rings
    it, `focus` is the question to go to, `done` the record was finalised (leave it)."""

    text: str
    level: str
    bell: bool = False
    focus: AnswerKey | None = None
    done: bool = False


@dataclass(frozen=True)
class Flushed:
    """What one flush of the queue did, for the screen to show (`show`: anything at all):
    `outcome`; `reread` the record was read again (every row may have changed), else
    `changed` the answers and notes written; `said` the status line (None: nothing to
    say); `retry` writes still wait."""

    outcome: Outcome
    show: bool = False
    reread: bool = False
    changed: frozenset[AnswerKey] = frozenset()
    said: tuple[str, str] | None = None
    retry: bool = False


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


class FormFlow:
    """One record of one checklist, as the form edits it: the answers as last read or
    written (`model`), the writes waiting for a busy database (`queue`), and the asks
    that need a second key (leaving with unsaved changes, finalising over personal text)."""

    def __init__(
        self,
        store: Store,
        record_id: str,
        *,
        timings: Timings | None = None,
        new: bool = False,
        language: str | None = None,
    ) -> None:
        self.store = store
        self.language = language  # a refusal's message is shown in it
        self.record_id = record_id
        self.timings = timings or Timings()
        # writes the database refused for now (busy), oldest first, kept on screen
        self.queue = WriteQueue(self._write, self.timings)
        self.leave_armed = False
        self.privacy_armed = False  # finalising over free text that looks personal: asked
        # a draft made for this form and left without anything written is discarded
        self.untouched_new = new
        # the file as this form last read it: a change means another program wrote it
        self.data_version = store.data_version()
        self.record = store.record(record_id)
        self.checklist = store.checklist(
            self.record["checklist_id"], self.record["checklist_version"]
        )
        self.model = FormModel(self.checklist, store.answers(record_id), store.notes(record_id))

    @property
    def final(self) -> bool:
        return self.record.get("status") == "final"

    def name(self) -> str:
        return name_of(self.checklist, self.record, self.model.answers)

    def key_pressed(self, key: str, action: str | None) -> None:
        """A second Esc leaves only straight after the first; a second ctrl+f finalises
        over personal text only straight after the first."""
        if key != "escape":
            self.leave_armed = False
        if action != "finalise":
            self.privacy_armed = False

    # --------------------------------------------------------------- saving
    def problem(self, key: AnswerKey, raw: Any) -> str:
        """Why the store would refuse this answer ('' if it would take it)."""
        if self.checklist.item(key[0]).kind in ATTACHMENT_KINDS:
            return ""  # a path: the store reads the file and says what is wrong with it
        try:
            validate_answer(self.checklist, self.model.answers, key, raw)
        except AnswerError as e:
            return str(e).removeprefix(f"{key[0]}: ")
        return ""

    def _write(self, op: Op, value: Any, wait: float) -> dict[AnswerKey, Any]:
        """One write through the store, waiting at most `wait` seconds for another writer.
        Returns the answers written (for an answer)."""
        kind, item_id, rkey = op
        written: dict[AnswerKey, Any] = {}
        self.untouched_new = False
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

    def put(self, op: Op, value: Any) -> Flushed:
        """Queue a write and write what waits, as the user gave it."""
        return self.flush(self.queue.put(op, value), op)

    def flush(self, wait: float, current: Op | None = None) -> Flushed:
        """Write what waits (the queue), then say what happened; `current` is the write
        the user just gave (a retry that changed nothing is quiet)."""
        outcome = self.queue.flush(wait)
        if current is None and not outcome.changed:
            return Flushed(outcome, retry=bool(self.queue))
        if self.queue or self.store.data_version() != self.data_version:
            # what was saved, and the queued values; or what another program wrote
            self.reread()
            reread, changed = True, frozenset[AnswerKey]()
        else:
            reread, changed = False, frozenset(self._apply_saved(outcome))
        said = outcome_message(self.checklist, outcome, self.queue, current)
        return Flushed(outcome, True, reread, changed, said, bool(self.queue))

    def saved_state(self, current: Op) -> bool:
        """After the user's write `current`: True when it was saved or waits for a busy
        database, False when it was refused or the database cannot be written."""
        if current in self.queue.pending:
            return self.queue.blocked is Blocked.BUSY
        return True

    def row_states(self, outcome: Outcome) -> dict[AnswerKey, tuple[str, str, bool]]:
        """How each answer a flush wrote, refused or left waiting is marked on its row:
        (state: saved, error or waiting; the refusal; still waiting for the database)."""
        out: dict[AnswerKey, tuple[str, str, bool]] = {}
        for (kind, item_id, rkey), _value, _written in outcome.saved:
            if kind == "answer":
                out[(item_id, rkey)] = ("saved", "", False)
        for (kind, item_id, rkey), text in outcome.refused.items():
            if kind == "answer":
                out[(item_id, rkey)] = ("error", text, False)
        busy = self.queue.blocked is Blocked.BUSY
        for kind, item_id, rkey in self.queue.waiting:
            if kind == "answer":
                out[(item_id, rkey)] = ("waiting" if busy else "error", "", True)
        return out

    def _apply_saved(self, outcome: Outcome) -> set[AnswerKey]:
        """What writes that all went through changed, without reading the record back."""
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
        return changed

    def reread(self) -> None:
        """The record as stored, with the values still waiting for the database on top."""
        self.data_version = self.store.data_version()
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

    # ---------------------------------------------------------------- flows
    def leave(self, how: str, saved_all: bool) -> Said | None:
        """Leaving drops answers still waiting for the database: only on a second ask.
        None: leave (what waited is dropped)."""
        if saved_all or self.leave_armed:
            self.queue.drop()
            return None
        self.leave_armed = True
        n = len(self.queue.waiting) or 1
        return Said(
            f"{plural(n, 'change')} NOT saved yet (database {self.queue.blocked.value}). "
            f"{how} again leaves WITHOUT {'them' if n != 1 else 'it'}.",
            "error",
            bell=True,
        )

    def personal_text(self) -> list[AnswerKey]:
        """Free-text answers that look like they hold a name or contact details."""
        out = []
        for entry in self.model.entries():
            value = self.model.answers.get(entry.key)
            if entry.item.kind == "text" and isinstance(value, str) and privacy_warning(value):
                out.append(entry.key)
        return out

    def finalise(self, saved_all: bool) -> Said:
        """Make the record final, asking again over text that may be personal; `done` in
        what it returns when it is final."""
        if self.final:
            return Said("Already final. ctrl+r reopens it.", "info")
        if not saved_all:
            return Said("Not finalised: answers still wait for the database.", "error", True)
        flagged = self.personal_text()
        if flagged and not self.privacy_armed:
            self.privacy_armed = True
            return Said(
                f"{plural(len(flagged), 'answer')} may name a person or contact details "
                "(this one first): ctrl+f again finalises anyway.",
                "warning",
                bell=True,
                focus=flagged[0],
            )
        try:
            with self.store.waiting_at_most(self.timings.save_wait):
                self.store.finalise(self.record_id)
        except sqlite3.DatabaseError as e:
            return write_failed(e, "Not finalised")
        except IncompleteRecord as e:
            return Said(
                f"Cannot finalise: {plural(len(e.missing), 'required item')} unanswered; "
                "this is the first.",
                "error",
                bell=True,
                focus=e.missing[0],
            )
        self.reread()
        return Said(f"{self.checklist.label}: {self.name()} is final.", "saved", done=True)

    def reopen(self) -> Said:
        if not self.final:
            return Said("This record is a draft already.", "info")
        try:
            with self.store.waiting_at_most(self.timings.save_wait):
                self.store.reopen(self.record_id)
        except sqlite3.DatabaseError as e:
            return write_failed(e, "Not reopened")
        self.reread()
        return Said("Reopened: the record is a draft again (logged).", "saved")

    def last_try(self) -> str | None:
        """Left without asking (the app closing) while changes wait: one last, longer
        try; what to say when it failed."""
        if not self.queue:
            return None
        n = self.queue.last_attempt()
        if not n:
            return None
        return f"{plural(n, 'change')} could not be saved (database {self.queue.blocked.value})."


def write_failed(error: sqlite3.DatabaseError, what: str) -> Said:
    if is_busy(error):
        return Said(busy(what), "error", bell=True)
    return Said(f"{what}: cannot write the database ({error}).", "error", bell=True)
