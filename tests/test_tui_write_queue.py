"""The form's write queue without the app: order, busy and not-writable databases,
refused answers, and the last try on the way out (issue 14 point 9)."""

from __future__ import annotations

import sqlite3
from typing import Any

from fieldkit.errors import BadInput
from fieldkit.tui.screens.form import NAV_KEYS, FormScreen
from fieldkit.tui.write_queue import Blocked, Op, Timings, WriteQueue

TIMINGS = Timings(save_wait=2.0, retry_every=1.0, retry_wait=0.25, last_try=10.0)


class Database:
    """Stands in for the store: records writes, or fails the way SQLite does."""

    def __init__(self) -> None:
        self.written: list[tuple[Op, Any]] = []
        self.waits: list[float] = []
        self.fail: Exception | None = None

    def write(self, op: Op, value: Any, wait: float) -> dict:
        self.waits.append(wait)
        if self.fail is not None:
            raise self.fail
        if value == "bad":
            raise BadInput(f"{op[1]}: 'bad' is not a number")
        self.written.append((op, value))
        return {(op[1], op[2]): value}


def answer(item: str) -> Op:
    return ("answer", item, "")


def test_busy_writes_wait_in_order_and_are_saved_when_free() -> None:
    db = Database()
    queue = WriteQueue(db.write, TIMINGS)
    db.fail = sqlite3.OperationalError("database is locked")
    assert queue.put(answer("a"), "yes") == 2.0  # nothing waiting: the full wait
    outcome = queue.flush(2.0)
    assert outcome.changed and not outcome.saved
    assert queue.blocked is Blocked.BUSY
    assert queue.put(answer("b"), "no") == 0.25  # behind a waiting write: a short try
    queue.put(answer("a"), "no")  # a newer value replaces the older and goes last
    assert list(queue.pending) == [answer("b"), answer("a")]
    assert not queue.flush(0.25).changed  # still busy: nothing to say
    db.fail = None
    outcome = queue.flush(0.25)
    assert [op for op, _, _ in outcome.saved] == [answer("b"), answer("a")]
    assert db.written == [(answer("b"), "no"), (answer("a"), "no")]
    assert not queue and queue.blocked is Blocked.NO


def test_a_refused_answer_is_dropped_and_named_and_the_rest_is_saved() -> None:
    db = Database()
    queue = WriteQueue(db.write, TIMINGS)
    queue.put(answer("count"), "bad")
    queue.put(answer("b"), "yes")
    outcome = queue.flush(2.0)
    assert outcome.refused == {answer("count"): "'bad' is not a number"}
    assert db.written == [(answer("b"), "yes")]


def test_not_writable_keeps_the_reason_and_the_last_try_counts_what_is_lost() -> None:
    db = Database()
    queue = WriteQueue(db.write, TIMINGS)
    db.fail = sqlite3.OperationalError("attempt to write a readonly database")
    queue.put(answer("a"), "yes")
    queue.put(("note", "a", ""), "a note")
    queue.flush(2.0)
    assert queue.blocked is Blocked.NOT_WRITABLE
    assert queue.reason == "attempt to write a readonly database"
    assert queue.waiting == [answer("a"), ("note", "a", "")]
    assert queue.last_attempt() == 2
    assert db.waits[-1] == 10.0  # the last try waits longest
    db.fail = None
    assert queue.last_attempt() == 0
    assert [v for _, v in db.written] == ["yes", "a note"]


def test_the_form_key_table_is_its_bindings() -> None:
    keys = {k.strip(): b.action for b in FormScreen.BINDINGS for k in b.key.split(",")}  # type: ignore[union-attr]
    assert keys == NAV_KEYS
    assert NAV_KEYS["f9"] == NAV_KEYS["ctrl+f"] == "finalise"


def test_the_status_line_names_questions_by_number_and_words() -> None:
    """What the form says after a flush, without the app."""
    from fieldkit.checklists import get
    from fieldkit.tui.form_status import outcome_message

    checklist = get("call_listening")
    db = Database()
    queue = WriteQueue(db.write, TIMINGS)
    queue.put(answer("cl_visit_unannounced"), "yes")
    said = outcome_message(checklist, queue.flush(2.0), queue, answer("cl_visit_unannounced"))
    assert said == ("Saved 2 (Was the visit unannounced?) = yes", "saved")
    queue.put(answer("cl_ctx_systems_count"), "bad")
    said = outcome_message(checklist, queue.flush(2.0), queue, None)
    assert said is not None and said[1] == "error"
    assert said[0].startswith("Not saved (8 (How many separate systems") and "cl_" not in said[0]
    db.fail = sqlite3.OperationalError("database is locked")
    queue.put(answer("cl_visit_unannounced"), "no")
    said = outcome_message(checklist, queue.flush(2.0), queue, answer("cl_visit_unannounced"))
    assert said == (
        "Not saved yet, the database is busy (another program is writing it): 1 answer waiting, "
        "saved when it is free.",
        "warning",
    )
