"""What a form shows: its widgets section by section, and what each row shows given the
answers (its value, its auto n/a, its prompt and choices in the chosen language)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from textual.widget import Widget

from fieldkit.checklists import AnswerKey, Checklist, nesting
from fieldkit.checklists.model import ATTACHMENT_KINDS
from fieldkit.tui.form_model import Entry, FormModel, Group, Slot, fill_prompt, rule_text
from fieldkit.tui.plain import Static
from fieldkit.tui.widgets.add_instance import AddInstance
from fieldkit.tui.widgets.attachment_row import AttachmentRow
from fieldkit.tui.widgets.code_row import CodeRow
from fieldkit.tui.widgets.item_row import TEXT_KINDS, ChoiceRow, TextRow
from fieldkit.tui.widgets.status import group_title

Row = ChoiceRow | TextRow


def widget_id(prefix: str, *parts: str) -> str:
    return prefix + "-" + "--".join(re.sub(r"[^A-Za-z0-9_-]", "_", p) for p in parts)


def set_row(row: Row, entry: Entry, model: FormModel, language: str | None) -> None:
    """What `row` shows of its question, given the answers in `model`."""
    checklist = model.checklist
    auto = model.auto_na(entry)
    row.auto = rule_text(checklist, entry.item) if auto else ""
    prompt = entry.item.in_language(language)[0]
    if "${" in prompt:  # XLSForm: an answer shown in the question's text
        row.prompt = fill_prompt(checklist, prompt, model.answers, entry.rkey)
    elif prompt != entry.item.prompt:
        row.prompt = prompt
    if entry.item.kind == "derived":  # computed from other answers, never stored
        row.value = checklist.computed_value(entry.item.id, model.answers, entry.rkey)
    else:
        row.value = model.value(entry)
    row.note = model.note(entry)
    if isinstance(row, ChoiceRow) and (entry.item.choice_filter or language):
        offered = checklist.choices_offered(entry.item, model.answers, entry.rkey)
        row.offer(tuple(c.in_language(language) for c in offered))


@dataclass
class FormLayout:
    """The form's widgets in screen order, its questions (`entries`) and their rows."""

    widgets: list[Widget] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    rows: dict[AnswerKey, Row] = field(default_factory=dict)
    entry_of: dict[AnswerKey, Entry] = field(default_factory=dict)
    # the rows whose look depends on other answers: a relevance rule, a computed value,
    # an answer shown in the question's text, choices filtered by another answer
    dependent: list[Entry] = field(default_factory=list)
    progress: dict[Group, tuple[int, int]] = field(default_factory=dict)


def build(
    model: FormModel,
    now: Callable[[], datetime],
    language: str | None = None,
    *,
    describe: Callable[[str], str] = str,
) -> FormLayout:
    """The widgets of the form, section by section (open repeat sections end with an
    'add another' line, and show only that line while they have no instances)."""
    checklist: Checklist = model.checklist
    entries = model.entries()
    by_group: dict[Group, list[Entry]] = {}
    for entry in entries:
        by_group.setdefault(entry.group, []).append(entry)
    out = FormLayout(entries=entries, entry_of={e.key: e for e in entries})
    out.dependent = [
        e
        for e in entries
        if e.item.has_rule
        or e.item.kind == "derived"
        or "${" in e.item.prompt
        or e.item.choice_filter is not None
    ]
    out.progress = {g: model.progress(g) for g in by_group}
    for block in model.blocks():
        if isinstance(block, Slot):
            if not _has_instances(model, block):
                title = group_title(model, None, block.section)
                out.widgets.append(Static(title, classes="group-title"))
            out.widgets.append(
                AddInstance(
                    block.section.id,
                    block.repeat.key,
                    outer=block.outer,
                    where=block.where,
                    id=widget_id("add", block.section.id, *([block.outer] if block.outer else [])),
                )
            )
            continue
        group = block
        if group not in by_group:
            continue
        out.widgets.append(
            Static(
                group_title(model, group), id=widget_id("group", group.id), classes="group-title"
            )
        )
        for entry in by_group[group]:
            row_id = widget_id("row", *entry.key)
            row: Row
            if entry.item.kind in ATTACHMENT_KINDS:  # `describe`: a file as `name (size)`
                row = AttachmentRow(entry, now=now, describe=describe, id=row_id)
            elif entry.item.kind in TEXT_KINDS:
                row = TextRow(entry, now=now, id=row_id)
            elif entry.item.choice_file:  # its list waits for its file: a typed code
                row = CodeRow(entry, now=now, id=row_id)
            else:
                row = ChoiceRow(entry, id=row_id, rule=rule_text(checklist, entry.item))
            # not mounted yet: its styles are worked out when it is (update=True
            # would apply the whole stylesheet to each row now, 100 times over)
            row.add_class("item-row", update=False)
            set_row(row, entry, model, language)
            out.rows[entry.key] = row
            out.widgets.append(row)
    return out


def _has_instances(model: FormModel, slot: Slot) -> bool:
    """Has the repeat an instance inside the slot's enclosing instance?"""
    depth = len(nesting.parts(slot.outer))
    return any(nesting.prefix(k, depth) == slot.outer for k in model.repeat_keys(slot.repeat))
