"""Write a checklist as an XLSForm workbook (survey, choices, settings) a person can edit
in Excel and import again with `fieldkit checklists import`.

Every fact XLSForm has a column for goes in that column (type, name, label, hint,
required, relevant, constraint, calculation, repeat_count; settings form_id, form_title,
version). What XLSForm has no column for goes in `fieldkit::...` columns, which other
XLSForm tools ignore: an na_when rule (also written as the equivalent `relevant`), the
n/a reason, unknown, basis and source, the answer kind where XLSForm's is wider (q4,
minutes), a visit-scoped section, a repeat's key and named instances, an exclusive choice,
and the checklist's app, targets, scope and summaries. import(export(x)) gives x again.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fieldkit.checklists.kinds import CHOICE_KINDS, NUMBER_KINDS, TABLE, YESNO_KINDS
from fieldkit.checklists.model import Checklist, Item, Repeat, Section
from fieldkit.checklists.rule import rule_as_relevant
from fieldkit.checklists.xlsform_pulldata import write_media
from fieldkit.files import replace_privately
from fieldkit.safetext import formula_like, safe_text

SURVEY_HEADER = [
    "type",
    "name",
    "label",
    "hint",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "calculation",
    "choice_filter",
    "default",
    "repeat_count",
    "fieldkit::kind",
    "fieldkit::na",
    "fieldkit::na_when",
    "fieldkit::unknown",
    "fieldkit::basis",
    "fieldkit::source",
    "fieldkit::renamed_from",
    "fieldkit::path",
    "fieldkit::scope",
    "fieldkit::repeat_key",
    "fieldkit::instances",
]
CHOICES_HEADER = ["list_name", "name", "label", "fieldkit_exclusive"]
YES_NO = [("yes", "Yes"), ("no", "No")]
YES_NO_NA = [("yes", "Yes"), ("no", "No"), ("na", "Not applicable")]
TYPES = {k.name: k.xlsform for k in TABLE if k.xlsform}  # (the selects: with their list)
# (a look-up's path, `instance('L')/root/item[K =` and `]/C`, names no question)
_LOOKUP_PATH = r"instance\(\s*(?:'[^']*'|\"[^\"]*\")\s*\)/root/item\[\s*[\w:.\-]+|\]/[\w:.\-]+"
_TOKEN = re.compile(_LOOKUP_PATH + r"|'[^']*'|\"[^\"]*\"|\$\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*")


def refs_as_xlsform(text: str, ids: set[str]) -> str:
    """An expression with item ids written as XLSForm references (${id})."""

    def sub(m: re.Match[str]) -> str:
        word = m.group(0)
        if word.startswith(("instance(", "]")):
            return word
        if word.startswith("${"):
            return "${" + word[2:-1].strip().rsplit("/", 1)[-1] + "}"
        return "${" + word + "}" if word in ids else word

    return _TOKEN.sub(sub, text)


def _num(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else str(n)


def _constraint(item: Item) -> str:
    parts = []
    if item.kind == "q4":
        return ". >= 1 and . <= 4"
    if item.minimum is not None:
        parts.append(f". >= {_num(item.minimum)}")
    if item.maximum is not None:
        parts.append(f". <= {_num(item.maximum)}")
    return " and ".join(parts)


def _group_row(
    section: Section, kind: str, label_col: str = "label", ids: set[str] | None = None
) -> dict[str, Any]:
    row: dict[str, Any] = {"type": f"begin {kind}", "name": section.id, label_col: section.title}
    if section.scope == "visit":
        row["fieldkit::scope"] = "visit"
    if section.repeat is not None:
        _repeat_cells(row, section.repeat, ids)
    return row


def _repeat_cells(row: dict[str, Any], repeat: Repeat, ids: set[str] | None) -> None:
    row["fieldkit::repeat_key"] = repeat.key
    if repeat.fixed:
        row["fieldkit::instances"] = json.dumps(
            [{"code": c.code, "label": c.label} for c in repeat.instances], ensure_ascii=False
        )
        row["repeat_count"] = len(repeat.instances)
    elif repeat.count is not None:
        row["repeat_count"] = refs_as_xlsform(repeat.count.text, ids or set())


Frame = tuple[Repeat, "Section | None"]  # an open repeat, and the section that opened it


def _reframe(
    frames: list[Frame], section: Section, label_col: str, ids: set[str]
) -> tuple[list[dict[str, Any]], bool]:
    """The rows that close the repeats open around the last section that do not enclose
    this one, and open those that do (a repeat inside a repeat is written inside it; an
    outer repeat without questions of its own as a bare begin repeat); and whether the
    section goes on an open repeat's questions after a repeat inside it (`household_2`,
    written as questions of the open repeat, as it was read)."""
    outer: list[Repeat] = []
    r = section.repeat.parent if section.repeat is not None else None
    while r is not None:
        outer.insert(0, r)
        r = r.parent
    for j, (open_repeat, opened_by) in enumerate(frames):
        if (
            section.repeat is not None
            and open_repeat.key == section.repeat.key
            and opened_by is not None
            and section.title == opened_by.title
            and re.fullmatch(re.escape(opened_by.id) + r"_\d+", section.id)
            and [f.key for f, _ in frames[:j]] == [o.key for o in outer]
        ):
            rows = [{"type": "end repeat"} for _ in frames[j + 1 :]]
            del frames[j + 1 :]
            return rows, True
    keep = 0
    while keep < min(len(frames), len(outer)) and frames[keep][0].key == outer[keep].key:
        keep += 1
    out: list[dict[str, Any]] = [{"type": "end repeat"} for _ in frames[keep:]]
    del frames[keep:]
    for r in outer[keep:]:
        row: dict[str, Any] = {"type": "begin repeat", "name": r.key, label_col: r.key}
        _repeat_cells(row, r, ids)
        out.append(row)
        frames.append((r, None))
    return out, False


def rows(checklist: Checklist) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """(survey rows, choices rows, settings) for a checklist."""
    ids = set(checklist.item_map)
    translated = any(i.translations for i in checklist.items) or any(
        c.labels for i in checklist.items for c in i.choices
    )
    main = str(checklist.source.get("language") or "") if translated else ""
    label_col = f"label::{main}" if main else "label"
    hint_col = f"hint::{main}" if main else "hint"
    survey: list[dict[str, Any]] = []
    choices: list[dict[str, Any]] = []
    lists_written: set[str] = set()
    names = [i.id.rsplit("/", 1)[-1].lower() for i in checklist.items]
    twice = {
        i.id.rsplit("/", 1)[-1]
        for i in checklist.items
        if names.count(i.id.rsplit("/", 1)[-1].lower()) > 1
    }

    def add_list(name: str, entries: list[tuple[str, str, bool]], item: Item | None = None) -> None:
        if name in lists_written:
            return
        lists_written.add(name)
        filters = {c.code: dict(c.filters) for c in item.choices} if item is not None else {}
        labels = {c.code: dict(c.labels) for c in item.choices} if item is not None else {}
        also = {c.code: c.also for c in item.choices} if item is not None else {}
        for code, label, exclusive in entries:
            row = {"list_name": name, "name": code, label_col: label, **filters.get(code, {})}
            for lang, text in labels.get(code, {}).items():
                row[f"label::{lang}"] = text
            if exclusive:
                row["fieldkit_exclusive"] = "yes"
            choices.append(row)
            for more in also.get(code, ()):  # the same name under other filter values
                choices.append({**row, **{k: "" for k in filters.get(code, {})}, **dict(more)})

    frames: list[Frame] = []  # repeats left open: the next sections may be inside them
    for section in checklist.sections:
        rows_before, goes_on = _reframe(frames, section, label_col, ids)
        survey += rows_before
        kind = "repeat" if section.repeat is not None else "group"
        if not goes_on:
            survey.append(_group_row(section, kind, label_col, ids))
        for item in section.items:
            row: dict[str, Any] = {"name": item.id.rsplit("/", 1)[-1], label_col: item.prompt}
            if row["name"] in twice:  # a name used twice: its group path, as first read
                row["fieldkit::path"] = item.id.rsplit("/", 1)[0] if "/" in item.id else "/"
            for lang, prompt, help_text in item.translations:
                row[f"label::{lang}"] = prompt
                if help_text:
                    row[f"hint::{lang}"] = help_text
            list_name = item.list_name or re.sub(r"[^A-Za-z0-9_.\-]", "_", item.id)
            if item.kind in YESNO_KINDS:
                row["type"] = TYPES[item.kind]  # select_one yes_no(_na)
                entries = YES_NO_NA if item.kind == "ynna" else YES_NO
                add_list(row["type"].split()[1], [(c, lbl, False) for c, lbl in entries])
                if item.kind == "ynna":
                    row["fieldkit::kind"] = "ynna"  # n/a by judgement only with fieldkit::na
            elif item.kind in CHOICE_KINDS:
                select = {"choice": "select_one", "multi": "select_multiple"}.get(item.kind, "rank")
                if item.choice_file:  # still waiting for its file: the same type again
                    row["type"] = f"{select}_from_file {item.choice_file}"
                else:
                    row["type"] = f"{select} {list_name}"
                    entries = [(c.code, c.label, c.exclusive) for c in item.choices]
                    add_list(list_name, entries, item)
                if item.choice_filter is not None:
                    row["choice_filter"] = refs_as_xlsform(item.choice_filter.text, set())
                if item.kind == "choice" and {c.code for c in item.choices} & {"yes", "no"}:
                    row["fieldkit::kind"] = "choice"  # not to be read back as yes/no
            else:
                row["type"] = item.preload or TYPES[item.kind]
                if item.kind in ("q4", "minutes"):
                    row["fieldkit::kind"] = item.kind
            if item.help:
                row[hint_col] = item.help
            if item.required_when is not None:
                row["required"] = refs_as_xlsform(item.required_when.text, ids)
            elif item.answerable:
                row["required"] = "yes" if item.required else "no"
            if item.computed is not None:
                row["calculation"] = refs_as_xlsform(item.formula, ids)
            parts = [_constraint(item)] if item.kind in NUMBER_KINDS else []
            if item.constraint is not None:
                parts.append(refs_as_xlsform(item.constraint.text, ids))
            parts = [p for p in parts if p]
            row["constraint"] = " and ".join(f"({p})" if len(parts) > 1 else p for p in parts)
            if item.constraint_message:
                row["constraint_message"] = item.constraint_message
            for lang, message in item.messages:
                row[f"constraint_message::{lang}"] = message
            if item.default:
                row["default"] = item.default
            if item.na:
                row["fieldkit::na"] = item.na
            if item.na_when is not None:
                rule = {"item": item.na_when.item}
                op = item.na_when.op
                values = list(item.na_when.values)
                rule[op] = values if op in ("in", "not_in") else values[0]
                row["fieldkit::na_when"] = json.dumps(rule, ensure_ascii=False)
                row["relevant"] = refs_as_xlsform(rule_as_relevant(rule), ids)
            elif item.relevant is not None:
                row["relevant"] = refs_as_xlsform(item.relevant.text, ids)
            if item.unknown:
                row["fieldkit::unknown"] = "yes"
            for key in ("basis", "source", "renamed_from"):
                if getattr(item, key):
                    row[f"fieldkit::{key}"] = getattr(item, key)
            survey.append(row)
        if section.repeat is None:
            survey.append({"type": "end group"})
        elif not goes_on:
            frames.append((section.repeat, section))  # closed by the next section not inside it
    survey += [{"type": "end repeat"} for _ in frames]
    return survey, choices, _settings(checklist, ids, main)


def _settings(checklist: Checklist, ids: set[str], main: str) -> dict[str, Any]:
    """The settings row: XLSForm's own settings, then fieldkit's."""
    settings_extra: dict[str, Any] = {"default_language": main} if main else {}
    settings: dict[str, Any] = {
        "form_id": checklist.id,
        "form_title": checklist.title,
        "version": checklist.version,
    }
    if checklist.instance_name is not None:
        settings["instance_name"] = refs_as_xlsform(checklist.instance_name.text, ids)
    extra = {
        "description": checklist.description,
        "prefix": checklist.prefix,
        "natural_key": " ".join(checklist.natural_key),
        "app_order": checklist.app.order,
        "app_label": checklist.app.label,
        "app_noun": checklist.app.noun,
        "target_default": checklist.targets.default,
        "stratify_by": checklist.targets.stratify_by,
        "scope_when": refs_as_xlsform(checklist.scope.rule, ids) if checklist.scope.rule else "",
    }
    if checklist.scope.in_label != "in scope":
        extra["scope_in_label"] = checklist.scope.in_label
    if checklist.scope.out_label != "out of scope":
        extra["scope_out_label"] = checklist.scope.out_label
    if checklist.summaries:
        declared = checklist.source.get("summaries") or [
            {"id": s.id, "title": s.title, "items": list(s.items)} for s in checklist.summaries
        ]
        extra["summaries"] = json.dumps(declared, ensure_ascii=False)
    if checklist.returns is not None:
        extra["returns"] = json.dumps(checklist.source.get("returns"), ensure_ascii=False)
    if any(c.also for i in checklist.items for c in i.choices):
        settings["allow_choice_duplicates"] = "yes"  # rows sharing a name (Choice.also)
    settings.update(settings_extra)
    for key, value in extra.items():
        if value not in (None, ""):
            settings[f"fieldkit::{key}"] = value
    return settings


def _cell(ws: Any, value: Any) -> Any:
    """A cell of the form: text without control characters (a definition a database held
    may carry them; fieldkit.safetext), and text a spreadsheet would run kept as text."""
    from openpyxl.cell import WriteOnlyCell

    if not isinstance(value, str):
        return value
    value = safe_text(value)
    if formula_like(value):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def _merged(orders: Iterable[list[str]]) -> list[str]:
    """Columns in an order every row agrees with (each row's languages and filter
    columns come in the order the form had them), so the export reads back the same."""
    out: list[str] = []
    for order in orders:
        at = -1
        for key in order:
            if key in out:
                at = out.index(key)
            else:
                at += 1
                out.insert(at, key)
    return out


def _workbook(checklist: Checklist) -> Any:
    from openpyxl import Workbook

    survey, choices, settings = rows(checklist)
    filter_columns = _merged([k for k in r if k not in CHOICES_HEADER] for r in choices)
    language_columns = _merged([k for k in r if k not in SURVEY_HEADER] for r in survey)
    survey_header = [*SURVEY_HEADER[:3], *language_columns, *SURVEY_HEADER[3:]]
    wb = Workbook(write_only=True)
    for title, header, data in (
        ("survey", survey_header, survey),
        ("choices", [*CHOICES_HEADER, *dict.fromkeys(filter_columns)], choices),
        ("settings", list(settings), [settings]),
    ):
        ws = wb.create_sheet(title)
        used = [
            h
            for h in header
            if any(h in r for r in data) or h in ("type", "name", "list_name", "form_id")
        ]
        ws.append(used)
        for r in data:
            ws.append([_cell(ws, r.get(h)) for h in used])
    return wb


def write_xlsform(checklist: Checklist, out: Path) -> Path:
    """Write the workbook (owner-only, atomically: a temp file beside it, then renamed)."""
    wb = _workbook(checklist)
    out = Path(out)
    replace_privately(out, lambda tmp: wb.save(tmp))
    write_media(checklist.lookups, out)  # pulldata()'s CSV files, as FORM-media/
    return out


def xform_text(checklist: Checklist) -> str:
    """The checklist as an XForm (the XML ODK Collect and Enketo fill), made by pyxform
    from the same workbook `write_xlsform` writes."""
    from pyxform.xls2xform import convert

    from fieldkit.checklists.xlsform_book import XLSFormError, one_line, quiet

    buffer = io.BytesIO()
    _workbook(checklist).save(buffer)
    buffer.seek(0)
    try:
        with quiet():
            return convert(buffer, file_type=".xlsx", pretty_print=True, warnings=[]).xform
    except Exception as e:  # pyxform refuses what it cannot write as an XForm
        raise XLSFormError(
            f"{checklist.id}: pyxform cannot write it as an XForm: {one_line(e)}"
        ) from None


def write_xform(checklist: Checklist, out: Path) -> Path:
    """Write the XForm (owner-only, atomically)."""
    text = xform_text(checklist)
    out = Path(out)
    replace_privately(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return out
