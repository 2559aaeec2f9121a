"""The repeats' files of an ODK Central or KoboToolbox export, joined to their
submissions, as deep as the repeats go.

ODK Central writes one CSV per repeat; each row's `PARENT_KEY` is the `KEY` of the row
it belongs to: the submission's (`uuid:…`) for a top-level repeat, an outer instance's
(`uuid:…/household[2]`) for a repeat inside a repeat, and its own `KEY` ends in its
number (`…/household[2]/member[3]`). KoboToolbox links a row by `_parent_index` to the
`_index` of a row of its parent's table (the submissions for a top-level repeat, the
outer repeat's file for an inner one). An instance is keyed by its path of numbers
(`2/3`, fieldkit.checklists.nesting), so the same export imported again names the same
answers and adds nothing. Files may be given in any order: one whose parents are not
read yet waits for them; a row whose parent is in no file is refused in one line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fieldkit.checklists import nesting

# (file name, header, [(line, cells)])
RepeatFile = tuple[str, list[str], list[tuple[int, list[str]]]]
# file name, header -> (cells -> {(item id, part): text}, the lines naming ignored columns)
Reader = Callable[
    [str, list[str]], tuple[Callable[[list[str]], dict[tuple[str, str], str]], list[str]]
]

_NUMBER = re.compile(r"\[(\d+)\]$")


class Links:
    """Where a parent row's answers go: (the submission's index, its instance key)."""

    def __init__(self) -> None:
        self.central: dict[str, tuple[int, str]] = {}  # KEY
        self.kobo: dict[tuple[str, str], tuple[int, str]] = {}  # (table, _index)

    def add_submission(self, raw: dict[str, str], index: int) -> None:
        if raw.get("KEY", "").strip():
            self.central[raw["KEY"].strip()] = (index, "")
        if raw.get("_index", "").strip():
            self.kobo[("", raw["_index"].strip())] = (index, "")


def add_repeats(
    checklist: Any,
    records: list[dict[str, str]],
    links: Links,
    files: list[RepeatFile],
    reader: Reader,
    error: type[Exception],
) -> list[str]:
    """Put every repeat file's answers into their submissions' records (`item[2/3]`);
    the lines naming ignored columns."""
    notices: list[str] = []
    waiting = list(files)
    while waiting:
        progress = False
        for f in list(waiting):
            if _parents_known(f, links, checklist, reader):
                notices += _one_file(checklist, records, links, f, reader, error)
                waiting.remove(f)
                progress = True
        if not progress:
            name, header, rows = waiting[0]
            link = "PARENT_KEY" if "PARENT_KEY" in header else "_parent_index"
            if link not in header:
                raise error(f"{name}:1: a repeat's file needs a PARENT_KEY or _parent_index column")
            found = f_links(links, waiting[0], checklist, reader)
            line, parent = next(
                (ln, _cell(header, cells, link))
                for ln, cells in rows
                if _parent(found, header, cells) is None
            )
            raise error(f"{name}:{line} column {link}: {parent!r} is no submission or instance")
    return notices


def _cell(header: list[str], cells: list[str], column: str) -> str:
    at = header.index(column) if column in header else -1
    return cells[at].strip() if 0 <= at < len(cells) else ""


def _repeat_of(checklist: Any, header: list[str], reader: Reader, name: str) -> Any:
    """The repeat a file's questions belong to (None: it names none of them)."""
    read, _ = reader(name, header)
    found = None
    for iid, _part in read([""] * len(header)):
        section = checklist.section_of(iid)
        if section.repeat is not None and nesting.depth(section.repeat) > nesting.depth(found):
            found = section.repeat
    return found


def f_links(links: Links, f: RepeatFile, checklist: Any, reader: Reader) -> dict[str, Any]:
    """The parent rows a file's link column names: KEY -> ..., or _index -> ..."""
    name, header, _rows = f
    if "PARENT_KEY" in header:
        return links.central
    repeat = _repeat_of(checklist, header, reader, name)
    table = repeat.parent.key if repeat is not None and repeat.parent is not None else ""
    return {i: v for (t, i), v in links.kobo.items() if t == table}


def _parent(found: dict[str, Any], header: list[str], cells: list[str]) -> Any:
    link = "PARENT_KEY" if "PARENT_KEY" in header else "_parent_index"
    return found.get(_cell(header, cells, link))


def _parents_known(f: RepeatFile, links: Links, checklist: Any, reader: Reader) -> bool:
    found = f_links(links, f, checklist, reader)
    return all(_parent(found, f[1], cells) is not None for _line, cells in f[2])


def _one_file(
    checklist: Any,
    records: list[dict[str, str]],
    links: Links,
    f: RepeatFile,
    reader: Reader,
    error: type[Exception],
) -> list[str]:
    name, header, rows = f
    if "PARENT_KEY" not in header and "_parent_index" not in header:
        raise error(f"{name}:1: a repeat's file needs a PARENT_KEY or _parent_index column")
    read, ignored = reader(name, header)
    found = f_links(links, f, checklist, reader)
    repeat = _repeat_of(checklist, header, reader, name)
    count: dict[tuple[int, str], int] = {}
    for line, cells in rows:
        index, outer = _parent(found, header, cells)
        m = _NUMBER.search(_cell(header, cells, "KEY"))
        count[(index, outer)] = count.get((index, outer), 0) + 1
        number = m.group(1) if m else str(count[(index, outer)])
        rkey = f"{outer}/{number}" if outer else number
        if _cell(header, cells, "KEY"):
            links.central[_cell(header, cells, "KEY")] = (index, rkey)
        if _cell(header, cells, "_index") and repeat is not None:
            links.kobo[(repeat.key, _cell(header, cells, "_index"))] = (index, rkey)
        for (iid, _), value in read(cells).items():
            section = checklist.section_of(iid)
            if section.repeat is None:
                raise error(f"{name}:1 column {iid}: not a question in a repeat")
            if nesting.depth(section.repeat) != len(nesting.parts(rkey)):
                raise error(
                    f"{name}:{line}: instance {rkey} is {len(nesting.parts(rkey))} repeats"
                    f" deep, but {iid} is in {section.repeat.key},"
                    f" {nesting.depth(section.repeat)} deep (is its outer repeat's file given?)"
                )
            records[index][f"{iid}[{rkey}]"] = value
    return ignored
