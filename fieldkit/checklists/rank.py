"""XLSForm's `rank L`: every choice of L put in order. The answer is the codes in that
order (stored as a JSON list, as a multi's; ODK writes them space-separated). Typed in
the app as the choices' numbers in order (`2 3 1`, or `231` for a list of nine or
fewer), in a CSV as the codes (space- or `;`-separated) or the numbers: each choice once,
every choice of the list, nothing else."""

from __future__ import annotations

import json
from typing import Any

from fieldkit.checklists.kinds import AnswerError


def rank_codes(item: Any, text: str) -> list[str]:
    """The codes in the order `text` gives them (AnswerError, one line, otherwise)."""
    choices = list(item.choices)
    parts = text.split(";") if ";" in text else text.split()
    if (
        len(parts) == 1
        and parts[0].isdigit()
        and len(parts[0]) == len(choices) <= 9
        and item.choice_for(parts[0]) is None
    ):
        parts = list(parts[0])  # `231`: one digit a choice
    codes: list[str] = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        c = item.choice_for(part)
        if c is None and part.isdigit() and 1 <= int(part) <= len(choices):
            c = choices[int(part) - 1]
        if c is None:
            raise AnswerError(f"{item.id}: {part!r} is not one of {item.codes_text()}")
        if c.code in codes:
            raise AnswerError(f"{item.id}: {c.code!r} is ranked twice (each choice once)")
        codes.append(c.code)
    left = [c.code for c in choices if c.code not in codes]
    if left:
        raise AnswerError(f"{item.id}: every choice is ranked; {', '.join(left)} is not")
    return codes


def rank_hint(item: Any, value: Any) -> list[str]:
    """How to answer, and the order saved so far (a line each)."""
    n = len(item.choices)
    how = f"type the numbers 1-{n} in order (e.g. {' '.join(str(i) for i in range(n, 0, -1))}), Enter saves"
    try:
        codes = json.loads(value) if value else []
    except (TypeError, ValueError):
        codes = []
    if not isinstance(codes, list) or not codes:
        return [how]
    labels = [(item.choice_for(str(c)).label if item.choice_for(str(c)) else str(c)) for c in codes]
    return [how, f"order: {' > '.join(labels)}"]


def rank_numbers(item: Any, value: Any) -> str:
    """A saved order as the numbers the app takes (`2 1 3`); '' when there is none."""
    try:
        codes = json.loads(value) if value else []
    except (TypeError, ValueError):
        return str(value)
    order = [c.code for c in item.choices]
    return " ".join(str(order.index(c) + 1) if c in order else str(c) for c in codes)
