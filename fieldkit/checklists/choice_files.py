"""What a form reads that is not there yet, or not a plain yes/no, as ODK reads it:

- a choice list in a media file the form was imported without (`select_one_from_file F`,
  F neither beside the form, nor in FORM-media/, nor in `--media DIR`). ODK Central takes
  such a form and lists the attachment as missing; fieldkit imports it too: the question
  keeps its name and type, takes a typed choice code (a select_multiple's separated by
  spaces, as ODK writes them), exports as `select_one_from_file F` again, and a
  `choice_filter` on it has nothing to narrow. Imported again with the file there, the
  form becomes a new version whose choices are the file's (`files_arrived`);
- `required` as an expression: required when it holds (one evaluator, as relevance);
- a calculation that is `.`, the value itself: nothing computes it (CHT's forms fill such
  values from outside the form), so it is a computed value that stays blank.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from fieldkit.checklists.model import Checklist, Section
from fieldkit.checklists.xlsform_book import Row, XLSFormError
from fieldkit.checklists.xlsform_types import TypeOf

# `required` cells that are a plain yes or no (as pyxform reads them)
YES_NO = ("yes", "no", "true", "false", "true()", "false()", "1", "0")
_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def waiting_select(reader: Any, row: Row, t: TypeOf, item: dict[str, Any]) -> list[Any]:
    """A select whose choice file is not here: no choices, any typed code, one notice."""
    name = t.list_name
    item["kind"] = "multi" if t.multi else "choice"
    item["choice_file"] = name
    if t.other:
        raise XLSFormError(f"{row.at('type')}: or_other on a list read from a file")
    where = f"neither beside {reader.path.name} nor in {reader.path.stem}-media/"
    if reader.media is not None:
        where += f" nor in {reader.media}"
    codes = "typed choice codes (separated by spaces)" if t.multi else "a typed choice code"
    notice = (
        f"{row.at('type')}: the choices are in {name!r}, which is {where}: {item['id']}"
        f" takes {codes} until the form is imported again with the file there"
    )
    if row.get("choice_filter"):
        item["choice_filter"] = reader.expression(
            row.get("choice_filter"), row, "choice_filter", choice_filter=True
        )
        notice += "; its choice_filter has nothing to narrow until then"
    reader.notices.append(notice)
    return []


def required_expression(reader: Any, row: Row, item: dict[str, Any]) -> None:
    """`required` as an expression over the form's questions: required when it holds. A
    bare word (`basic`) is, to XPath, a path to a child the question does not have, never
    true: the question is optional, as on a phone (noted)."""
    source = row.get("required")
    if _WORD.match(source):
        reader.notices.append(
            f"{row.at('required')}: {source!r} is neither yes/no nor an expression over the"
            " form's questions (${{name}}); XPath reads it as an empty path, never true, so the question is optional (as in ODK)"
        )
        item["required"] = False
        return
    item["required"] = False
    item["required_when"] = reader.expression(source, row, "required")


def itself_calculated(reader: Any, row: Row) -> None:
    reader.notices.append(
        f"{row.at('calculation')}: '.' is the value itself, which nothing in the form"
        " computes: kept as a computed value that stays blank (as on a phone)"
    )


def files_arrived(old: Checklist, new: Checklist) -> list[str]:
    """The choice files `new` has read that `old` was waiting for, when that is all that
    differs between them (versions apart); [] otherwise."""
    came: list[str] = []
    sections: list[Section] = []
    for section in old.sections:
        items = []
        for item in section.items:
            now = new.item_map.get(item.id)
            if item.choice_file and now is not None and not now.choice_file:
                came.append(item.choice_file)
                item = now
            items.append(item)
        sections.append(replace(section, items=tuple(items)))
    if not came:
        return []
    patched = replace(old, sections=tuple(sections), version=new.version)
    return sorted(set(came)) if patched == new else []
