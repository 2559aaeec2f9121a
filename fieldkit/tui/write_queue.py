"""The form's writes while another program holds the database: kept in order, retried,
given one last longer try on the way out. No Textual here: the form screen only shows
what this says (tested without the app)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from fieldkit.checklists import AnswerKey
from fieldkit.errors import FieldkitError
from fieldkit.store import is_busy

Op = tuple[str, str, str]  # (kind: answer | note | ref, item id, repeat key)
Write = Callable[[Op, Any, float], dict[AnswerKey, Any]]


@dataclass(frozen=True)
class Timings:
    """How long writes wait. A save waits `save_wait` seconds for another writer (the
    screen is still meanwhile), then the answer is kept on screen and queued; queued
    writes are retried every `retry_every` seconds, each try waiting at most
    `retry_wait`; leaving by a way that cannot be refused tries once more for `last_try`.
    Typed text is saved after `autosave` seconds without a key."""

    save_wait: float = 2.0
    retry_every: float = 1.0
    retry_wait: float = 0.25
    last_try: float = 10.0
    autosave: float = 1.0


class Blocked(Enum):
    """Why the oldest waiting write was not done."""

    NO = "no"
    BUSY = "busy"  # another program is writing: it will be saved when that ends
    NOT_WRITABLE = "not writable"  # read-only file, full disk, ...: kept, retried


@dataclass(frozen=True)
class Outcome:
    """What one flush did: writes done (op, value, answers written), writes the store
    refused (op -> reason), and whether anything changed."""

    saved: tuple[tuple[Op, Any, dict[AnswerKey, Any]], ...] = ()
    refused: dict[Op, str] = field(default_factory=dict)
    changed: bool = False


class WriteQueue:
    """Writes waiting for the database, oldest first (a newer value for the same op
    replaces the older one and goes to the back)."""

    def __init__(self, write: Write, timings: Timings | None = None) -> None:
        self._write = write
        self.timings = timings or Timings()
        self.pending: dict[Op, Any] = {}
        self.blocked = Blocked.NO
        self.reason = ""  # SQLite's words when NOT_WRITABLE

    def __len__(self) -> int:
        return len(self.pending)

    def __bool__(self) -> bool:
        return bool(self.pending)

    @property
    def waiting(self) -> list[Op]:
        """The waiting writes a user gave (not the reference that follows an answer)."""
        return [op for op in self.pending if op[0] != "ref"]

    def put(self, op: Op, value: Any) -> float:
        """Queue a write; returns how long to wait for it now: the full wait when nothing
        was waiting, only a short try behind writes already waiting."""
        self.pending.pop(op, None)
        self.pending[op] = value
        return self.timings.save_wait if len(self.pending) == 1 else self.timings.retry_wait

    def also(self, op: Op, value: Any) -> None:
        """Queue a write that follows one just done (written by the next flush)."""
        self.pending[op] = value

    def flush(self, wait: float) -> Outcome:
        """Write what waits, oldest first, until done or the database refuses."""
        saved: list[tuple[Op, Any, dict[AnswerKey, Any]]] = []
        refused: dict[Op, str] = {}
        before = (self.blocked, self.reason, len(self.pending))
        self.blocked, self.reason = Blocked.NO, ""
        while self.pending:
            op, value = next(iter(self.pending.items()))
            try:
                written = self._write(op, value, wait)
            except FieldkitError as e:
                del self.pending[op]
                refused[op] = str(e).removeprefix(f"{op[1]}: ")
                continue
            except sqlite3.DatabaseError as e:
                busy = is_busy(e)
                self.blocked = Blocked.BUSY if busy else Blocked.NOT_WRITABLE
                self.reason = "" if busy else str(e)
                break
            self.pending.pop(op, None)
            saved.append((op, value, written))
        changed = bool(saved or refused) or (self.blocked, self.reason, len(self.pending)) != before
        return Outcome(tuple(saved), refused, changed)

    def last_attempt(self) -> int:
        """Leaving without a way back: one longer try. Returns how many writes are lost."""
        while self.pending:
            op, value = next(iter(self.pending.items()))
            try:
                self._write(op, value, self.timings.last_try)
            except FieldkitError:
                pass  # refused: nothing to save
            except sqlite3.Error as e:  # still busy, not writable, or the store is closed
                self.blocked = Blocked.BUSY if is_busy(e) else Blocked.NOT_WRITABLE
                break
            del self.pending[op]
        return len(self.pending)

    def drop(self) -> None:
        """Forget what waits (the user chose to leave without it)."""
        self.pending.clear()
