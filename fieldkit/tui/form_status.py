"""What the form's status line says after writes: the question by its number and words
(never its id), what the rules changed, and why something waits or was refused; and
what in a text looks personal. No Textual here: the screen shows what these return."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from fieldkit.checklists import NA, AnswerKey, Checklist
from fieldkit.checklists.model import ATTACHMENT_KINDS
from fieldkit.errors import BUSY
from fieldkit.privacy.scan import scan
from fieldkit.tui.write_queue import Blocked, Op, Outcome, WriteQueue


def short(text: str, width: int) -> str:
    """`text` cut to `width` characters at a word boundary, with … when cut."""
    if len(text) <= width:
        return text
    cut = text[: width - 1].rsplit(" ", 1)[0].rstrip(" ,;:(")
    return cut + "…"


def where(checklist: Checklist, item_id: str, rkey: str) -> str:
    """'7 (Can the room (handlers or…)': a question as the form shows it."""
    item = checklist.item(item_id)
    return f"{item.position}{f' [{rkey}]' if rkey else ''} ({short(item.prompt, 30)})"


def saved_text(checklist: Checklist, op: Op, value: Any, written: dict[AnswerKey, Any]) -> str:
    """'Saved 2 (Was the visit unannounced?) = yes'; what the rules changed, as a count."""
    kind, item_id, rkey = op
    if kind == "ref":
        return f"Saved the record's reference: {value or '(none)'}"
    at = where(checklist, item_id, rkey)
    if kind == "note":
        return f"Saved the note on {at}" if value else f"Cleared the note on {at}"
    key = (item_id, rkey)
    item = checklist.item(item_id)
    saved_value = written.get(key)
    shown = item.display(saved_value) if saved_value not in (None, "") else "(cleared)"
    if item.kind in ATTACHMENT_KINDS and saved_value not in (None, "", NA) and value:
        shown = f"{PurePath(str(value)).name} (attached)"  # the file as typed, by its name
    text = f"Saved {at} = {shown}"
    auto = [k for k, v in written.items() if k != key and v is not None]
    back = [k for k, v in written.items() if k != key and v is None]
    if auto:
        text += f"; now n/a (auto): {numbers(checklist, auto)}"
    if back:
        text += f"; no longer n/a: {numbers(checklist, back)}"
    return text


def numbers(checklist: Checklist, keys: list[AnswerKey]) -> str:
    """'19, 20 and 21': which questions, by the numbers the form shows beside them."""
    shown = [
        f"{checklist.item(i).position}{f' [{k}]' if k else ''}"
        for i, k in sorted(keys, key=lambda x: (checklist.item(x[0]).position, x[1]))
    ]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def outcome_message(
    checklist: Checklist, outcome: Outcome, queue: WriteQueue, current: Op | None
) -> tuple[str, str] | None:
    """(text, level) for the status line after a flush (level: saved, warning or error;
    an error rings the bell), or None when there is nothing to say."""
    saved, refused = outcome.saved, outcome.refused
    n = len(queue.waiting)
    answers = f"{n} answer{'s' if n != 1 else ''}" if n else "the record's reference"
    if current is not None and current in refused:
        return f"Not saved: {refused[current]}", "error"
    if queue and queue.blocked is Blocked.BUSY:
        return f"Not saved yet, {BUSY}: {answers} waiting, saved when it is free.", "warning"
    if queue:
        return f"NOT saved ({queue.reason}): {answers} kept, retrying.", "error"
    if refused:
        op, text = next(iter(refused.items()))
        return f"Not saved ({where(checklist, op[1], op[2])}): {text}", "error"
    if saved:
        shown = [s for s in saved if s[0][0] != "ref"] or list(saved)
        text = saved_text(checklist, *shown[-1])
        if len(shown) > 1:
            text = f"Database free again: saved {len(shown)} waiting changes; last: {text}"
        elif current is None:
            text = f"Database free again: {text}"
        return text, "saved"
    return None


PRIVACY_WORDS = {
    "name": "a personal name",
    "phone": "a phone number",
    "email": "an email address",
    "postcode": "a postcode",
    "dob": "a date of birth",
}


def privacy_warning(text: str) -> str:
    """One line naming what looks personal in `text` ('' when nothing does)."""
    if not text:
        return ""
    found = scan(text)
    if not found:
        return ""
    parts = []
    for f in found[:3]:
        parts.append(f"{PRIVACY_WORDS.get(f.kind, f.kind)} ({f.text!r})")
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    return (
        "Looks like "
        + ", ".join(parts)
        + more
        + ": use references only, never names or contact details."
    )
