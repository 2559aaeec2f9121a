"""The keys and labels a question is answered with, as the form's hint panel shows them:
'y yes  n no  a n/a', a score's labels, a list of choices (in columns when it is too long for
the panel)."""

from __future__ import annotations

import textwrap
from typing import Any

from textual.content import Content

from fieldkit.checklists import NA, UNKNOWN, Item
from fieldkit.checklists.kinds import MOMENT_KINDS
from fieldkit.checklists.model import Q4_LABELS, YESNO_KINDS
from fieldkit.checklists.rank import rank_hint
from fieldkit.checklists.words import codes_of, digits_hint, na_condition


def options_text(item: Item, value: Any) -> Content:
    """The keys that answer this item, e.g. 'y yes  n no  a n/a' or '1 Poor  2 Weak ...'."""
    parts: list[tuple[str, str] | str] = []

    def add(key: str, label: str, on: bool = False) -> None:
        if parts:
            parts.append("  ")
        parts.append((key, "bold $accent"))
        parts.append((f" {label}", "bold reverse" if on else ""))

    if item.kind in YESNO_KINDS:
        add("y", "yes", value == "yes")
        add("n", "no", value == "no")
    elif item.kind == "q4":
        for n, label in Q4_LABELS.items():
            add(str(n), label, value == n)
    elif item.kind == "choice":
        letters = {yes_no_choice(item, "y"): "/y", yes_no_choice(item, "n"): "/n"}
        for n, c in enumerate(item.choices, 1):
            add(str(n) + letters.get(n, ""), c.label, value == c.code)
    elif item.kind == "rank":  # typed: the numbers in order (checklists.parsing)
        for n, c in enumerate(item.choices, 1):
            add(str(n), c.label)
    elif item.kind == "multi":
        chosen = codes_of(value)
        for n, c in enumerate(item.choices, 1):
            add(str(n), ("[x] " if c.code in chosen else "[ ] ") + c.label, c.code in chosen)
    if item.na:
        add("a", "n/a", value == NA)
    if item.unknown:
        add("u", "unknown", value == UNKNOWN)
    return Content.assemble(*parts)


def yes_no_choice(item: Item, letter: str) -> int:
    """The (1-based) choice a y or n key picks on a choice question worded yes/no (a
    choice labelled Yes or No); 0 when there is none."""
    word = {"y": "yes", "n": "no"}[letter]
    for n, c in enumerate(item.choices, 1):
        if c.label.strip().lower() == word or c.code.lower() == word:
            return n
    return 0


def hint_lines(
    item: Item, *, auto: str, with_options: bool, value: Any, fit: tuple[int, int] = (0, 0)
) -> list[Content]:
    """The hint panel's lines; `fit` (width, lines): a list too long for the panel is
    laid out in columns (labels cut; Enter shows each in full)."""
    lines: list[Content] = []
    if with_options:
        opts = options_text(item, value)
        width, most = fit
        if width and item.kind in ("choice", "multi") and _height(opts.plain, width) > most - 1:
            lines.extend(option_columns(item, value, width, most - 1))
        elif opts.plain:
            lines.append(opts)
        if item.kind in ("choice", "multi"):
            lines.append(Content.styled(digits_hint(item), "$text-muted"))
        if item.kind == "rank":
            lines += [Content.styled(line, "$text-muted") for line in rank_hint(item, value)]
    if item.kind in MOMENT_KINDS:
        lines.append(Content.styled("Enter on empty or ctrl+t = now", "$text-muted"))
    if item.help:
        lines.append(Content.styled(item.help, "italic $text-muted"))
    if item.required_when is not None:
        lines.append(Content.styled(f"required when: {item.required_when.text}", "$text-muted"))
    if na_condition(item) and not auto:
        lines.append(Content.styled(f"n/a when: {na_condition(item)}", "$text-muted"))
    return lines


def _height(text: str, width: int) -> int:
    return len(textwrap.wrap(text, width)) if text else 0


def option_columns(item: Item, value: Any, width: int, most: int) -> list[Content]:
    """Every choice of a long list, numbered, in as many columns as `most` lines need."""
    n = len(item.choices)
    cols = max(1, -(-n // max(most, 1)))
    per = -(-n // cols)
    cell = max(width // cols, 8)
    chosen = codes_of(value) if item.kind == "multi" else [value]
    lines = []
    for r in range(per):
        parts: list[tuple[str, str]] = []
        for c in range(cols):
            i = c * per + r
            if i >= n:
                break
            choice = item.choices[i]
            key = f"{i + 1:>2} "
            room = cell - len(key) - 1
            label = _group_short(choice.label, item)
            label = label if len(label) <= room else label[: room - 1] + "…"
            on = choice.code in chosen
            parts.append((key, "bold $accent"))
            parts.append((f"{label:<{room}} ", "bold reverse" if on else ""))
        lines.append(Content.assemble(*parts))
    return lines


def _group_short(label: str, item: Item) -> str:
    """'Asian: Indian' for 'Asian or Asian British: Indian' when several choices share the
    group before the colon (the full label is in the list Enter opens)."""
    group, sep, rest = label.partition(": ")
    if not sep or sum(c.label.startswith(group + ": ") for c in item.choices) < 2:
        return label
    return f"{group.split()[0]}: {rest}"
