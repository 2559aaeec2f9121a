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
from pathlib import PurePath
from typing import Any

from fieldkit.checklists.model import Checklist
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
    if row.get("choice_filter"):
        item["choice_filter"] = reader.expression(
            row.get("choice_filter"), row, "choice_filter", choice_filter=True
        )
    noted = getattr(reader, "_waiting", None)
    if noted is None:
        noted = reader._waiting = {}
    first = noted.get(name)
    if first is None:
        noted[name] = first = {"at": len(reader.notices), "row": row, "more": []}
        reader.notices.append("")
    else:
        first["more"].append(row)
    first.setdefault("questions", []).append((item["id"], t.multi, bool(row.get("choice_filter"))))
    reader.notices[first["at"]] = _waiting_notice(reader, name, first)
    named_list(reader, t, item)
    return []


def _waiting_notice(reader: Any, name: str, noted: dict[str, Any]) -> str:
    """One line per missing file, naming the first row that reads it (and any others)."""
    where = f"neither beside {reader.path.name} nor in {reader.path.stem}-media/"
    if reader.media is not None:
        where += f" nor in {reader.media}"
    at = noted["row"].at("type")
    if noted["more"]:
        at += " (and row " + ", ".join(str(r.number) for r in noted["more"]) + ")"
    parts = []
    for iid, multi, _ in noted["questions"]:
        codes = "typed choice codes (separated by spaces)" if multi else "a typed choice code"
        parts.append(f"question {iid!r} takes {codes}")
    text = (
        f"{at}: the choices are in {name!r}, which is {where}: {'; '.join(parts)} until the"
        " form is imported again with the file there"
    )
    if any(f for _, _, f in noted["questions"]):
        text += "; a choice_filter has nothing to narrow until then"
    return text


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
    differs between their definitions (versions apart); [] otherwise. (What looks the
    lists up reads the same text: only its pairs, filled in when built, differ.)"""
    now = {i["id"]: i for s in new.source.get("sections", []) for i in s.get("items", [])}
    came: list[str] = []
    sections: list[dict[str, Any]] = []
    for section in old.source.get("sections", []):
        items = []
        for item in section.get("items", []):
            other = now.get(item.get("id"))
            if item.get("choice_file") and other is not None and not other.get("choice_file"):
                came.append(str(item["choice_file"]))
                item = other
            items.append(item)
        sections.append({**section, "items": items})
    patched = {**old.source, "sections": sections, "version": new.source.get("version")}
    return sorted(set(came)) if came and patched == dict(new.source) else []


_INSTANCE = re.compile(r"instance\(\s*['\"‘’“”]([^'\"‘’“”]+)['\"‘’“”]\s*\)")


def named_list(reader: Any, t: TypeOf, item: dict[str, Any]) -> None:
    """A select whose list an expression of the form looks up (`instance('L')/root/item
    [...]`, expr_lookup) keeps the list's name: L is a file's name without its suffix for
    a select_one_from_file, else the choices sheet's list_name."""
    names = getattr(reader, "_lookup_names", None)
    if names is None:
        names = {m.group(1) for row in reader.survey for v in row.cells.values()
                 for m in _INSTANCE.finditer(v)}  # fmt: skip
        reader._lookup_names = names
    name = PurePath(t.list_name).stem if t.from_file else t.list_name
    if name in names:
        item["list"] = name


def own_group_rule(reader: Any, row: Row, iid: str, group_relevant: list[str]) -> list[str]:
    """A group's `relevant`, for one of its questions: all of it, but for a rule that reads
    the question itself (CHT's `inputs` group is relevant when its own `source` is
    'user'): ODK's group rule cannot make its deciding answer not applicable, nor can
    fieldkit's, so that question is asked whatever the rule says (noted)."""
    from fieldkit.checklists.expr import parse

    kept = []
    for rule in group_relevant:
        if iid in parse(rule).refs:
            reader.notices.append(
                f"{row.at('name')}: the group's relevant ({rule}) reads this question, so it"
                " applies to the rest of the group only"
            )
        else:
            kept.append(rule)
    return kept
