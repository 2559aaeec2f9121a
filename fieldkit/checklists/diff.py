"""What a new version of a checklist changes, and which changes break stored answers.

`diff(old, new)` lists the changes, pure. `count_answers(changes, counter)` fills in how
many stored answers each change touches, given a counter (fieldkit.instruments reads them
from a database), and decides what is breaking:

- a kind change is always breaking (stored answers no longer fit);
- a removed item, or a removed choice, is breaking when answers use it; without a database
  to count them it is taken as breaking;
- everything else (added items and choices, new prompts, rules, ranges, sections, the
  checklist's facts, renames declared with `renamed_from`) is listed but not breaking:
  answers stay readable under their own version, and a renamed item's answers carry over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from fieldkit.checklists.model import Checklist, Item
from fieldkit.checklists.words import kind_words


@dataclass
class Change:
    what: str  # see WHAT
    item: str  # the item id ("" for the checklist itself)
    detail: str
    breaking: bool = False
    answers: int | None = None  # stored answers it touches (None = not counted)
    choice: str = ""  # the choice code, for choice changes

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def line(self) -> str:
        where = f"{self.item}: " if self.item else ""
        n = (
            ""
            if self.answers is None
            else f" ({self.answers} answer{'s' if self.answers != 1 else ''})"
        )
        flag = "  BREAKING" if self.breaking else ""
        return f"{self.what:<15} {where}{self.detail}{n}{flag}"


WHAT = (
    "item added",
    "item removed",
    "item renamed",
    "prompt",
    "kind",
    "choice added",
    "choice removed",
    "choice label",
    "choice file",
    "rule",
    "required",
    "range",
    "formula",
    "constraint",
    "choice filter",
    "default",
    "translation",
    "section",
    "checklist",
)


def _rule(item: Item) -> str:
    return item.rule_text()


def _item_changes(old: Item, new: Item, old_section: str, new_section: str) -> list[Change]:
    out: list[Change] = []
    iid = new.id
    if old.prompt != new.prompt:
        out.append(Change("prompt", iid, f"{old.prompt!r} -> {new.prompt!r}"))
    if old.kind != new.kind:
        out.append(
            Change("kind", iid, f"{kind_words(old.kind)} -> {kind_words(new.kind)}", breaking=True)
        )
    old_codes = {c.code: c for c in old.choices}
    new_codes = {c.code: c for c in new.choices}
    for code, c in old_codes.items():
        if code not in new_codes:
            out.append(Change("choice removed", iid, f"{code} ({c.label})", True, choice=code))
        elif new_codes[code].label != c.label:
            out.append(
                Change("choice label", iid, f"{code}: {c.label!r} -> {new_codes[code].label!r}")
            )
    for code, c in new_codes.items():
        if code not in old_codes:
            out.append(Change("choice added", iid, f"{code} ({c.label})", choice=code))
    if _rule(old) != _rule(new) or old.na != new.na:
        before = _rule(old) or ("n/a by judgement" if old.na else "none")
        after = _rule(new) or ("n/a by judgement" if new.na else "none")
        if before == after:
            before, after = repr(old.na), repr(new.na)
        out.append(Change("rule", iid, f"n/a: {before} -> {after}"))
    if (old.required, _text(old.required_when)) != (new.required, _text(new.required_when)):
        before = _text(old.required_when) if old.required_when else old.required
        after = _text(new.required_when) if new.required_when else new.required
        out.append(Change("required", iid, f"{before} -> {after}"))
    if old.choice_file != new.choice_file:
        before = f"waiting for {old.choice_file!r}" if old.choice_file else "listed"
        after = f"waiting for {new.choice_file!r}" if new.choice_file else "listed"
        if old.choice_file and not new.choice_file:
            after = f"read from {old.choice_file!r} ({len(new.choices)} choices)"
        out.append(Change("choice file", iid, f"choices: {before} -> {after}"))
    if (old.minimum, old.maximum, old.unknown) != (new.minimum, new.maximum, new.unknown):
        out.append(
            Change(
                "range",
                iid,
                f"min {old.minimum} max {old.maximum} unknown {old.unknown} -> "
                f"min {new.minimum} max {new.maximum} unknown {new.unknown}",
            )
        )
    if old.formula != new.formula:
        out.append(Change("formula", iid, f"{old.formula!r} -> {new.formula!r}"))
    out.extend(_xlsform_changes(old, new))
    if old_section != new_section:
        out.append(Change("section", iid, f"{old_section} -> {new_section}"))
    return out


def _text(e: object) -> str:
    return getattr(e, "text", "") or "none"


def _xlsform_changes(old: Item, new: Item) -> list[Change]:
    """Constraints, choice filters, defaults and translations (XLSForm's columns)."""
    out: list[Change] = []
    iid = new.id
    if (_text(old.constraint), old.constraint_message) != (
        _text(new.constraint),
        new.constraint_message,
    ):
        out.append(
            Change("constraint", iid, f"{_text(old.constraint)!r} -> {_text(new.constraint)!r}")
        )
    if _text(old.choice_filter) != _text(new.choice_filter):
        out.append(
            Change(
                "choice filter",
                iid,
                f"{_text(old.choice_filter)!r} -> {_text(new.choice_filter)!r}",
            )
        )
    if old.default != new.default:
        out.append(Change("default", iid, f"{old.default!r} -> {new.default!r}"))
    before = {lang: (p, h) for lang, p, h in old.translations}
    after = {lang: (p, h) for lang, p, h in new.translations}
    for lang in dict.fromkeys([*before, *after]):
        if before.get(lang) != after.get(lang):
            a, b = before.get(lang, ("", ""))[0], after.get(lang, ("", ""))[0]
            out.append(Change("translation", iid, f"{lang}: {a!r} -> {b!r}"))
    if dict(old.messages) != dict(new.messages):
        out.append(
            Change(
                "translation",
                iid,
                f"constraint messages: {dict(old.messages)} -> {dict(new.messages)}",
            )
        )
    old_labels = {c.code: dict(c.labels) for c in old.choices}
    for c in new.choices:
        if c.code in old_labels and old_labels[c.code] != dict(c.labels):
            out.append(
                Change(
                    "translation",
                    iid,
                    f"choice {c.code}: {old_labels[c.code]} -> {dict(c.labels)}",
                    choice=c.code,
                )
            )
    return out


def diff(old: Checklist, new: Checklist) -> list[Change]:
    """Every change from `old` to `new`, in the new questionnaire's order (removals last)."""
    changes: list[Change] = []
    if old.id != new.id:
        changes.append(Change("checklist", "", f"id {old.id} -> {new.id}"))
    for name in ("title", "description", "prefix", "natural_key", "app", "targets", "summaries"):
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            changes.append(Change("checklist", "", f"{name}: {_short(a)} -> {_short(b)}"))
    if old.scope != new.scope:
        changes.append(
            Change(
                "checklist",
                "",
                f"scope: {old.scope.rule or 'every record'} -> {new.scope.rule or 'every record'}",
            )
        )
    names = [c.instance_name.text if c.instance_name else "" for c in (old, new)]
    if names[0] != names[1]:
        changes.append(
            Change("checklist", "", f"instance_name: {names[0] or '-'} -> {names[1] or '-'}")
        )
    tables = [dict(c.lookups) for c in (old, new)]
    for name in sorted(set(tables[0]) | set(tables[1])):
        if tables[0].get(name) != tables[1].get(name):
            now = tables[1].get(name)
            rows = f"{len(now.rows)} rows" if now is not None else "none"
            changes.append(Change("checklist", "", f"pulldata file {name}.csv: -> {rows}"))
    renamed = {i.renamed_from: i.id for i in new.items if i.renamed_from in old.item_map}
    for item in new.items:
        source = item.renamed_from if item.renamed_from in old.item_map else item.id
        before = old.item_map.get(source)
        if before is None:
            changes.append(
                Change("item added", item.id, f"{kind_words(item.kind)}: {item.prompt!r}")
            )
            continue
        if source != item.id:
            changes.append(Change("item renamed", item.id, f"from {source} (answers carry over)"))
        changes.extend(
            _item_changes(before, item, old.section_of(source).id, new.section_of(item.id).id)
        )
    for item in old.items:
        if item.id not in new.item_map and item.id not in renamed:
            changes.append(
                Change("item removed", item.id, f"{kind_words(item.kind)}: {item.prompt!r}", True)
            )
    return changes


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def count_answers(
    changes: list[Change],
    counter: Callable[[str, str | None], int],
    renamed_from: dict[str, str] | None = None,
) -> list[Change]:
    """Fill in the stored answers each change touches (`counter(item_id, choice_code or
    None)`) and settle what is breaking: a removed item or choice only when answers use it."""
    renamed_from = renamed_from or {}
    for c in changes:
        if not c.item or c.what in ("item added",):
            if c.what == "item added":
                c.answers = 0
            continue
        source = renamed_from.get(c.item, c.item)
        if c.what in ("choice removed", "choice label", "choice added"):
            c.answers = counter(source, c.choice)
        else:
            c.answers = counter(source, None)
        if c.what in ("item removed", "choice removed"):
            c.breaking = c.answers > 0
    return changes


def breaking(changes: list[Change]) -> list[Change]:
    return [c for c in changes if c.breaking]
