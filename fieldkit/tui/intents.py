"""What a key meant on a form row, as plain values: a row returns one of these from
`ChoiceRow.intent(key)` / `TextRow.submit_intents()`, and the form carries it out at
once, in key order (the message queue could let a fast typist's next key reach the
question they just left). No Textual here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fieldkit.checklists import AnswerKey


@dataclass(frozen=True)
class Answer:
    """An answer given (raw text or value, parsed by the store); `advance` moves on."""

    key: AnswerKey
    raw: Any
    advance: bool = True


@dataclass(frozen=True)
class Clear:
    """Clear an answer (back to unanswered)."""

    key: AnswerKey


@dataclass(frozen=True)
class Pick:
    """Open the list of choices."""

    key: AnswerKey


@dataclass(frozen=True)
class Move:
    """To the next (1) or previous (-1) question without answering."""

    delta: int


@dataclass(frozen=True)
class Reject:
    """A key that does not fit the question, and what would."""

    key: AnswerKey
    reason: str


@dataclass(frozen=True)
class Prompt:
    """Not an answer yet: what the key started and what comes next (not an error)."""

    key: AnswerKey
    text: str


Intent = Answer | Clear | Pick | Move | Reject | Prompt
