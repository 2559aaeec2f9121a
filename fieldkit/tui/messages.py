"""Messages widgets post up to their screens ("attributes down, messages up").

A form row also returns these as *intents* from `ChoiceRow.intent(key)` /
`TextRow.submit_intents()`: the form carries them out at once, in key order, rather
than through the message queue (which could let a fast typist's next key reach the
question they just left)."""

from __future__ import annotations

from typing import Any

from textual.message import Message

from fieldkit.checklists import AnswerKey


class AnswerGiven(Message):
    """The user gave an answer (raw text or value, parsed by the store); `advance` moves on."""

    def __init__(self, key: AnswerKey, raw: Any, *, advance: bool = True) -> None:
        super().__init__()
        self.key = key
        self.raw = raw
        self.advance = advance


class AnswerCleared(Message):
    """The user asked to clear an answer (back to unanswered)."""

    def __init__(self, key: AnswerKey) -> None:
        super().__init__()
        self.key = key


class TextEdited(Message):
    """Free text changed but is not saved yet (the screen saves it after a pause)."""

    def __init__(self, key: AnswerKey, text: str) -> None:
        super().__init__()
        self.key = key
        self.text = text


class PickRequested(Message):
    """Enter on a choice list: open the picker."""

    def __init__(self, key: AnswerKey) -> None:
        super().__init__()
        self.key = key


class MoveRequested(Message):
    """Move to the next (1) or previous (-1) item without answering."""

    def __init__(self, delta: int) -> None:
        super().__init__()
        self.delta = delta


class Rejected(Message):
    """A key that does not fit the item (e.g. `a` where not-applicable is not allowed)."""

    def __init__(self, key: AnswerKey, reason: str) -> None:
        super().__init__()
        self.key = key
        self.reason = reason


class RecordChosen(Message):
    """A record was picked in a list (open it)."""

    def __init__(self, record_id: str) -> None:
        super().__init__()
        self.record_id = record_id
