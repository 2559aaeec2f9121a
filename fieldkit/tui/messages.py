"""Messages widgets post up to their screens ("attributes down, messages up"). What a
key means on a form row is not a message but an intent (fieldkit.tui.intents)."""

from __future__ import annotations

from textual.message import Message

from fieldkit.checklists import AnswerKey
from fieldkit.tui.intents import Answer


class AnswerGiven(Message):
    """A text field was left with unsaved text: save it (the form carries the intent out)."""

    def __init__(self, intent: Answer) -> None:
        super().__init__()
        self.intent = intent


class TextEdited(Message):
    """Free text changed but is not saved yet (the screen saves it after a pause)."""

    def __init__(self, key: AnswerKey, text: str) -> None:
        super().__init__()
        self.key = key
        self.text = text


class RecordChosen(Message):
    """A record was picked in a list (open it)."""

    def __init__(self, record_id: str) -> None:
        super().__init__()
        self.record_id = record_id
