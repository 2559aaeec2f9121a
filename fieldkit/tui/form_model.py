"""What a form shows, independent of how it is drawn: the entries (item x repeat key) in
order, which ones the relevance rules make not applicable, progress per group, and how
number keys pick choices. No Textual here, so it can be tested and reasoned about alone."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fieldkit.checklists import AnswerKey, Checklist, Item, Section, nesting
from fieldkit.checklists.expr import value_of
from fieldkit.checklists.model import Repeat, is_required, missing_required, rule_applies
from fieldkit.checklists.words import rule_words


@dataclass(frozen=True)
class Group:
    """One navigable block of the form: a section, or one instance of a repeat section."""

    section: Section
    rkey: str
    title: str

    @property
    def id(self) -> str:
        return f"{self.section.id}--{self.rkey}" if self.rkey else self.section.id


@dataclass(frozen=True)
class Slot:
    """Where another instance of an open repeat is added: after its instances (inside
    the enclosing repeat's instance `outer` for a repeat inside a repeat)."""

    repeat: Repeat
    section: Section  # the first section in the repeat (it may be an inner one's)
    outer: str

    @property
    def id(self) -> str:
        return f"{self.section.id}--{self.outer}" if self.outer else self.section.id

    @property
    def where(self) -> str:
        """The enclosing instance by name ('household 2'; '' for a top-level repeat)."""
        parent = self.repeat.parent
        return _instance_name(parent, self.outer) if parent and self.outer else ""


def _instance_name(repeat: Repeat, rkey: str) -> str:
    """'household 2 › member 3' (a fixed instance by its label)."""
    names: list[str] = []
    r: Repeat | None = repeat
    for part in reversed(nesting.parts(rkey)):
        if r is None:
            break
        labels = {c.code: c.label for c in r.instances}
        names.insert(0, labels.get(part, f"{r.key} {part}"))
        r = r.parent
    return " › ".join(names)


def _runs(sections: tuple[Section, ...]) -> dict[str, tuple[int, int]]:
    """Each repeat's first and last section (with the repeats inside it), by its key."""
    runs: dict[str, tuple[int, int]] = {}
    for i, s in enumerate(sections):
        r = s.repeat
        while r is not None:
            first = runs.get(r.key, (i, i))[0]
            runs[r.key] = (first, i)
            r = r.parent
    return runs


def _repeats(sections: tuple[Section, ...]) -> dict[str, Repeat]:
    """Every repeat by its key, those without questions of their own too."""
    out: dict[str, Repeat] = {}
    for s in sections:
        r = s.repeat
        while r is not None:
            out.setdefault(r.key, r)
            r = r.parent
    return out


def _place(repeat: Repeat, rkey: str, runs: dict[str, tuple[int, int]]) -> list[tuple[Any, ...]]:
    """Where an instance sits in the form: its enclosing instances' places, then its run's
    start and its own number."""
    chain: list[Repeat] = []
    r: Repeat | None = repeat
    while r is not None:
        chain.insert(0, r)
        r = r.parent
    parts = nesting.parts(rkey)
    return [(runs[c.key][0], _order(c, parts[n])) for n, c in enumerate(chain)]


def _order(repeat: Repeat, part: str) -> tuple[Any, ...]:
    """An instance's place among its repeat's: a fixed one's in the checklist's order."""
    codes = [c.code for c in repeat.instances]
    return (codes.index(part),) if part in codes else nesting.order(part)


@dataclass(frozen=True)
class Entry:
    group: Group
    item: Item
    number: int  # position in the checklist (1-based), shown beside the question

    @property
    def key(self) -> AnswerKey:
        return (self.item.id, self.group.rkey)

    @property
    def rkey(self) -> str:
        return self.group.rkey


@dataclass
class FormModel:
    checklist: Checklist
    answers: dict[AnswerKey, Any] = field(default_factory=dict)
    notes: dict[AnswerKey, str] = field(default_factory=dict)
    added: dict[str, list[str]] = field(default_factory=dict)  # open-repeat keys added here

    # -------------------------------------------------------------- structure
    def instance_keys(self, section: Section) -> list[str]:
        if section.repeat is None:
            return [""]
        return self.repeat_keys(section.repeat)

    def repeat_keys(self, repeat: Repeat) -> list[str]:
        """A repeat's instances: those the answers name or count, and those added here
        (inside instances of the enclosing repeat that still exist)."""
        keys = nesting.repeat_keys(
            self.checklist, repeat, self.answers, lambda r, outer: r.counted(self.answers, outer)
        )
        if repeat.fixed:
            return keys  # fixed instances keep the checklist's order
        outer = set(self.repeat_keys(repeat.parent)) if repeat.parent else {""}
        for k in self.added.get(repeat.key, []):
            if k not in keys and nesting.prefix(k, nesting.depth(repeat) - 1) in outer:
                keys.append(k)
        return sorted(keys, key=nesting.order)

    def groups(self) -> list[Group]:
        """The groups in form order; a repeat's instances each with the sections inside
        them (household 1, its members, household 2, ...)."""
        return [g for g in self.blocks() if isinstance(g, Group)]

    def blocks(self) -> list[Group | Slot]:
        """The groups, and after each open repeat's instances (in each instance of the
        repeat it is inside) the slot where another is added."""
        sections = self.checklist.sections
        runs = _runs(sections)
        out: list[tuple[list[tuple[Any, ...]], Group | Slot]] = []
        for i, section in enumerate(sections):
            if section.repeat is None:
                out.append(([(i,)], Group(section, "", section.title)))
                continue
            for k in self.instance_keys(section):
                name = _instance_name(section.repeat, k)
                place = _place(section.repeat, k, runs) + [(i,)]
                out.append((place, Group(section, k, f"{section.title}: {name}")))
        repeats = _repeats(sections)
        for key, (first, last) in runs.items():
            r = repeats[key]
            if r.fixed or r.count is not None:
                continue
            for p in self.repeat_keys(r.parent) if r.parent else [""]:
                place = (_place(r.parent, p, runs) if r.parent else []) + [(last + 0.5,)]
                out.append((place, Slot(r, sections[first], p)))
        out.sort(key=lambda pair: pair[0])
        return [b for _place_, b in out]

    def open_repeats(self) -> list[Section]:
        return [s for s in self.checklist.sections if s.repeat and not s.repeat.fixed]

    def add_instance(self, section: Section, outer: str = "") -> str:
        """A new key for an open repeat section's repeat (inside the enclosing instance
        `outer`), shown at once, stored with its first answer."""
        assert section.repeat is not None
        return self.add_to(section.repeat, outer)

    def add_to(self, repeat: Repeat, outer: str = "") -> str:
        depth = len(nesting.parts(outer))
        keys = [k for k in self.repeat_keys(repeat) if nesting.prefix(k, depth) == outer]
        n = max((int(nesting.last(k)) for k in keys if nesting.last(k).isdigit()), default=0) + 1
        key = f"{outer}/{n}" if outer else str(n)
        self.added.setdefault(repeat.key, []).append(key)
        return key

    def entries(self) -> list[Entry]:
        out: list[Entry] = []
        for g in self.groups():
            for item in g.section.items:
                if not item.preload:  # metadata: the record's stamps, never asked
                    out.append(Entry(g, item, item.position))
        return out

    # ----------------------------------------------------------------- state
    def value(self, entry: Entry) -> Any:
        return self.answers.get(entry.key)

    def note(self, entry: Entry) -> str:
        return self.notes.get(entry.key, "")

    def auto_na(self, entry: Entry) -> bool:
        """The relevance rule holds: the item is not applicable and navigation skips it."""
        return rule_applies(self.checklist, entry.item, self.answers, entry.rkey)

    def navigable(self, entry: Entry) -> bool:
        return entry.item.answerable and not self.auto_na(entry)

    def answered(self, entry: Entry) -> bool:
        v = self.value(entry)
        return v is not None and v != ""

    def progress(self, group: Group) -> tuple[int, int]:
        """(answered, required) for a group; rule-NA items count as answered."""
        done = total = 0
        for item in group.section.items:
            if not is_required(self.checklist, item, self.answers, group.rkey):
                continue
            total += 1
            e = Entry(group, item, item.position)
            if self.answered(e) or self.auto_na(e):
                done += 1
        return done, total

    def totals(self) -> tuple[int, int]:
        done = total = 0
        for g in self.groups():
            d, t = self.progress(g)
            done += d
            total += t
        return done, total

    def required(self, entry: Entry) -> bool:
        """`required` yes, or its expression holding for the answers so far."""
        return is_required(self.checklist, entry.item, self.answers, entry.rkey)

    def missing(self) -> list[AnswerKey]:
        return missing_required(self.checklist, self.answers)

    # ------------------------------------------------------------ navigation
    def step(self, entries: list[Entry], index: int, delta: int) -> int:
        """The index of the next (delta=1) or previous (-1) navigable entry; `index` if none."""
        i = index + delta
        while 0 <= i < len(entries):
            if self.navigable(entries[i]):
                return i
            i += delta
        return index

    def first_navigable(self, entries: list[Entry], start: int = 0) -> int:
        for i in range(start, len(entries)):
            if self.navigable(entries[i]):
                return i
        return 0

    def first_unanswered(self, entries: list[Entry]) -> int:
        for i, e in enumerate(entries):
            if self.navigable(e) and self.required(e) and not self.answered(e):
                return i
        return self.first_navigable(entries)


def rule_text(checklist: Checklist, item: Item) -> str:
    """Why a rule makes the item n/a, naming the question it reads by number and words
    ('18 Did the victim have a physical injury? = no'), never by id."""
    return rule_words(checklist, item, 50)


_REF = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")


def fill_prompt(
    checklist: Checklist, text: str, answers: Mapping[AnswerKey, Any], rkey: str = ""
) -> str:
    """A question's text with each `${item}` (XLSForm's way to show an answer in a
    label) replaced by that item's answer as shown on screen ('…' while it has none)."""

    def value(m: re.Match[str]) -> str:
        item = checklist.item_map.get(m.group(1))
        if item is None:
            return m.group(0)
        if item.kind == "derived":
            v = checklist.computed_value(item.id, answers, rkey)
        else:
            v = value_of(answers, rkey)(item.id)  # its own instance, else an outer one
        shown = item.display(v) if v is not None and v != "" else ""
        return shown or "…"

    return _REF.sub(value, text)


def digit_pick(count: int, buffer: str) -> tuple[int | None, str]:
    """Number keys pick the Nth choice. With ten choices or more every choice can be typed
    as two digits (01-09, 10 ...): a digit that could start a longer number waits for the
    next digit (or Enter).

    Returns (1-based choice or None, the buffer to keep)."""
    if not buffer.isdigit():
        return None, ""
    if count >= 10 and buffer == "0":
        return None, buffer  # 01-09
    n = int(buffer)
    if n < 1 or n > count:
        return None, ""
    if len(buffer) == 1 and n * 10 <= count:  # could still become 1x, 2x ...
        return None, buffer
    return n, ""


def multi_toggle(item: Item, current: Any, index: int) -> list[str]:
    """The codes of a multi item after toggling its `index`-th (1-based) choice."""
    try:
        codes = json.loads(current) if isinstance(current, str) and current != "na" else []
    except ValueError:
        codes = []
    if not isinstance(codes, list):
        codes = []
    choice = item.choices[index - 1]
    code = choice.code
    if code in codes:
        codes.remove(code)
    elif choice.exclusive:  # "None": cannot go with another, so it replaces them
        codes = [code]
    else:
        alone = {c.code for c in item.choices if c.exclusive}
        codes = [c for c in codes if c not in alone] + [code]
    order = [c.code for c in item.choices]
    return sorted((c for c in codes if c in order), key=order.index)
