"""The way in for a definition's text: no control characters.

A checklist definition travels as data (imported from a YAML file or a workbook, then merged
to every laptop of a team), and its texts are shown on terminals, in spreadsheets and in
documents. So every text in it (titles, prompts, help, choice labels, keys, expressions,
anything nested) is refused when it holds a control character other than tab and newline:
C0, DEL or C1 (fieldkit.safetext.control_problem). The refusal is one line naming where:
the item and field of a definition ("item cl_x: choices[2].label"), or whatever the caller
names (a workbook's sheet, row and column; a merged source's file, checklist and version).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fieldkit.safetext import control_problem

__all__ = ["control_in"]

# List keys whose entries are named by their id: `sections` (section ID), `items` (item ID).
_NAMED = {"sections": "section", "items": "item"}


def control_in(data: Any, origin: str) -> str | None:
    """The first control character in `data` (a text, or a parsed definition: every string
    in it, keys and values, however deeply nested) as one line naming where, or None:
    `origin: item cl_x: choices[2].label: holds a control character (U+001B) at character 3`
    (fieldkit.checklists.loader.refuse_controls raises it)."""
    for where, text in _texts(data, [], ""):
        problem = control_problem(text)
        if problem is not None:
            return f"{origin}: {where}: {problem}" if where else f"{origin}: {problem}"
    return None


def _texts(value: Any, owner: list[str], field: str) -> Iterable[tuple[str, Any]]:
    """(where, text) for every string under `value`: `owner` the named entries it is in
    ("section a", "item x"), `field` its path inside the innermost one."""

    def where(f: str) -> str:
        return ": ".join([*owner[-1:], f] if f else owner[-1:])

    if isinstance(value, str):
        yield where(field), value
    elif isinstance(value, Mapping):
        for key, v in value.items():
            name = f"{field}.{key}" if field else str(key)
            yield where(name), key
            yield from _texts(v, owner, name)
    elif isinstance(value, list | tuple):
        kind = _NAMED.get(field.rsplit(".", 1)[-1]) if field else None
        for n, v in enumerate(value, 1):
            if kind and isinstance(v, Mapping) and isinstance(v.get("id"), str) and v["id"]:
                yield from _texts(v, [*owner, f"{kind} {v['id']}"], "")
            else:
                yield from _texts(v, owner, f"{field}[{n}]")
