"""The checklist model: instruments, sections, items, answer kinds and relevance rules.

Pure data and pure functions: no SQLite, no Textual. The store, the importer, the
TUI and the reports all read answers through these definitions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from fieldkit.checklists import expr as _expr
from fieldkit.checklists import nesting as _nesting
from fieldkit.checklists.collection import Returns, SummaryColumn, SummaryGroup
from fieldkit.checklists.expr import Expr
from fieldkit.checklists.expr_functions import _text
from fieldkit.checklists.kinds import (
    ATTACHMENT_KINDS as ATTACHMENT_KINDS,
)
from fieldkit.checklists.kinds import (
    CHOICE_KINDS as CHOICE_KINDS,
)
from fieldkit.checklists.kinds import (
    DIGEST_RE as DIGEST_RE,
)
from fieldkit.checklists.kinds import (
    GEO_KINDS as GEO_KINDS,
)
from fieldkit.checklists.kinds import (
    INTEGER_KINDS as INTEGER_KINDS,
)
from fieldkit.checklists.kinds import (
    KIND_LABELS as KIND_LABELS,
)
from fieldkit.checklists.kinds import (
    KINDS as KINDS,
)
from fieldkit.checklists.kinds import (
    NA as NA,
)
from fieldkit.checklists.kinds import (
    Q4_LABELS as Q4_LABELS,
)
from fieldkit.checklists.kinds import (
    UNANSWERED_KINDS as UNANSWERED_KINDS,
)
from fieldkit.checklists.kinds import (
    UNKNOWN as UNKNOWN,
)
from fieldkit.checklists.kinds import (
    YESNO_KINDS as YESNO_KINDS,
)
from fieldkit.checklists.kinds import (  # (re-exported: read as model.X everywhere)
    AnswerError as AnswerError,
)
from fieldkit.checklists.lookups import Lookup
from fieldkit.checklists.parsing import parse_answer
from fieldkit.checklists.rule import Rule as Rule
from fieldkit.checklists.rule import stored_text as stored_text


def snake(label: str) -> str:
    """The stored code for a choice label: lower case, non-alphanumeric runs as `_`."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


@dataclass(frozen=True)
class Choice:
    code: str
    label: str
    exclusive: bool = False  # multi only: cannot be chosen with another ("None")
    filters: tuple[tuple[str, str], ...] = ()  # columns a choice_filter reads (state=north)
    labels: tuple[tuple[str, str], ...] = ()  # (language, label) translations
    # the filter values of more rows with this name (XLSForm's allow_choice_duplicates,
    # a cascading list's "Other" under each district): one answer, offered under any
    also: tuple[tuple[tuple[str, str], ...], ...] = ()

    def filter_value(self, column: str) -> str | None:
        return dict(self.filters).get(column)

    def variants(self) -> tuple[Choice, ...]:
        """The choice as each of its rows gives it (the filter values differ)."""
        return (self, *(replace(self, filters=f, also=()) for f in self.also))

    def in_language(self, language: str | None) -> Choice:
        """The choice labelled in a language it has (itself otherwise)."""
        label = dict(self.labels).get(language or "")
        return replace(self, label=label) if label else self


@dataclass(frozen=True)
class Item:
    id: str
    prompt: str
    kind: str
    section_id: str
    position: int
    choices: tuple[Choice, ...] = ()
    help: str = ""
    na: str = ""  # when NA may be chosen by judgement ("" = never by judgement)
    na_when: Rule | None = None
    unknown: bool = False
    required: bool = True
    formula: str = ""
    basis: str = ""
    source: str = ""
    relevant: Expr | None = None  # NA is set automatically when this expression is false
    computed: Expr | None = None  # derived items: the parsed formula
    minimum: float | None = None  # number kinds: the smallest value allowed
    maximum: float | None = None  # number kinds: the largest value allowed
    renamed_from: str = ""  # the item id this one replaces (answers carry over)
    constraint: Expr | None = None  # must hold for an answer (`.` is the answer itself)
    constraint_message: str = ""  # shown when the constraint fails
    choice_filter: Expr | None = None  # choices offered: those for which this holds
    default: str = ""  # the answer offered before one is given
    translations: tuple[tuple[str, str, str], ...] = ()  # (language, prompt, help)
    messages: tuple[tuple[str, str], ...] = ()  # (language, constraint message) translations
    preload: str = ""  # XLSForm metadata (start, deviceid ...): filled from the record's stamps
    # XLSForm select_one_from_file F whose file F was not there at import: no choices yet,
    # any typed code is taken until the form is imported again with the file (choice_files)
    choice_file: str = ""
    required_when: Expr | None = None  # XLSForm `required` as an expression: required when true
    list_name: str = ""  # its choice list's name, when an expression looks the list up

    def in_language(self, language: str | None) -> tuple[str, str]:
        """(prompt, help) in a language the definition has, else as defined."""
        for lang, prompt, help_text in self.translations:
            if lang == language:
                return prompt or self.prompt, help_text
        return self.prompt, self.help

    @property
    def na_allowed(self) -> bool:
        return bool(self.na) or self.na_when is not None or self.relevant is not None

    @property
    def answerable(self) -> bool:
        return self.kind not in UNANSWERED_KINDS

    @property
    def has_rule(self) -> bool:
        """Whether NA can be set automatically (an na_when rule or a relevance expression)."""
        return self.na_when is not None or self.relevant is not None

    def rule_text(self) -> str:
        """The automatic-NA condition in words ("" when there is none)."""
        if self.na_when is not None:
            return self.na_when.describe()
        if self.relevant is not None:
            return f"not ({self.relevant.text})"
        return ""

    def choice_for(self, text: str) -> Choice | None:
        t = text.strip().lower()
        for c in self.choices:
            if t == c.code.lower() or t == c.label.lower() or snake(t) == c.code:
                return c
        return None

    def parse(self, raw: Any) -> Any:
        """Turn typed or imported text into the stored value; raise AnswerError if it
        does not fit. Returns None for blank (unanswered) (fieldkit.checklists.parsing)."""
        return parse_answer(self, raw)

    def _check_range(self, n: float) -> None:
        lo, hi = self.minimum, self.maximum
        if (lo is not None and n < lo) or (hi is not None and n > hi):
            rng = f"{_num_text(lo) if lo is not None else '…'} to {_num_text(hi) if hi is not None else '…'}"
            raise AnswerError(f"{self.id}: expected a number from {rng}, got {_num_text(n)}")

    def codes_text(self) -> str:
        return ", ".join(c.code for c in self.choices)

    def display(self, value: Any) -> str:
        """How a stored value reads on screen and in exports."""
        if value is None:
            return ""
        if value == NA:
            return "n/a"
        if value == UNKNOWN:
            return "unknown"
        if self.kind in YESNO_KINDS:
            return str(value)
        if self.kind in ATTACHMENT_KINDS:
            return f"file {str(value)[:12]}"  # (by name and size: fieldkit.store.attachments)
        if self.kind == "q4":
            return f"{value} {Q4_LABELS.get(int(value), '')}".strip()
        if self.kind == "choice":
            c = self.choice_for(str(value))
            return c.label if c else str(value)
        if self.kind in ("multi", "rank"):
            try:
                codes = json.loads(value)
            except (TypeError, ValueError):
                return str(value)
            labels = []
            for code in codes:
                c = self.choice_for(code)
                labels.append(c.label if c else code)
            return ("; " if self.kind == "multi" else " > ").join(labels)
        return str(value)


MAX_INSTANCES = 500  # a counted repeat's instances, at most (a count is a typed number)


@dataclass(frozen=True)
class Repeat:
    key: str
    instances: tuple[Choice, ...] = ()  # fixed instances; empty = open (1, 2, 3 ...)
    count: Expr | None = None  # open: as many instances as this gives (XLSForm repeat_count)
    parent: Repeat | None = None  # the repeat this one is inside (keys `outer/inner`)

    def counted(self, answers: Mapping[AnswerKey, Any], outer: str = "") -> int | None:
        """How many instances the count expression gives from the answers, read in the
        enclosing instance `outer` (None: no count, or one not answered yet)."""
        if self.count is None:
            return None
        try:
            value = self.count.evaluate(_expr.value_of(answers, outer))
            n = int(float(value)) if value not in (None, "", NA, UNKNOWN) else None
        except (TypeError, ValueError, ArithmeticError, OverflowError):
            return None
        return None if n is None else max(0, min(n, MAX_INSTANCES))

    @property
    def fixed(self) -> bool:
        return bool(self.instances)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    items: tuple[Item, ...]
    scope: str = "record"  # "visit": carried over from the inspector's last record
    repeat: Repeat | None = None

    def repeat_count_of(self, answers: Mapping[AnswerKey, Any], rkey: str = "") -> int | None:
        """The instances a counted repeat has from the answers, in the instance `rkey`
        belongs to (None: not counted)."""
        if self.repeat is None:
            return None
        return self.repeat.counted(answers, _nesting.prefix(rkey, _nesting.depth(self.repeat) - 1))


@dataclass(frozen=True)
class AppInfo:
    """How the capture app shows a checklist."""

    order: int | None  # dashboard position (1-9 is also its key); None = after the rest
    label: str  # short label (dashboard line, key bar)
    noun: str  # what one record is called in messages ("case-file review")


@dataclass(frozen=True)
class Targets:
    """Sampling: the default target per force, per stratum when stratified."""

    default: int | None = None  # None = as recorded (no target)
    stratify_by: str | None = None  # a choice item: coverage and targets per choice


@dataclass(frozen=True)
class Scope:
    """Which final records the evidence figures count ("in scope")."""

    when: Expr | None = None  # None = every final record is in scope
    in_label: str = "in scope"
    out_label: str = "out of scope"

    @property
    def rule(self) -> str:
        return self.when.text if self.when is not None else ""


@dataclass(frozen=True)
class Summary:
    """A named summary table: Table 2's kind ("evidence": items in the order the table
    prints them), or "rates" by force (columns) or "shares" of one choice (groups); `items`
    is then every item the table reads (fieldkit/checklists/collection.py)."""

    id: str
    title: str
    items: tuple[str, ...]
    kind: str = "evidence"
    columns: tuple[SummaryColumn, ...] = ()
    groups: tuple[SummaryGroup, ...] = ()
    choice: str = ""  # shares: the choice whose share is shown
    top: int | None = None  # shares: how many of each group are listed
    sort: str = ""  # rates: the column rows are sorted by ("-column": descending)


@dataclass(frozen=True)
class Checklist:
    id: str
    version: int
    title: str
    description: str
    prefix: str
    natural_key: tuple[str, ...]
    sections: tuple[Section, ...]
    source: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    app: AppInfo = AppInfo(None, "", "")
    targets: Targets = Targets()
    scope: Scope = Scope()
    summaries: tuple[Summary, ...] = ()
    returns: Returns | None = None  # a data collection (fieldkit returns)
    instance_name: Expr | None = None  # a record's name (XLSForm's instance_name)
    lookups: tuple[tuple[str, Lookup], ...] = ()  # pulldata()'s CSV files, by name

    @property
    def label(self) -> str:
        """The short label (app.label, else the title)."""
        return self.app.label or self.title

    @property
    def noun(self) -> str:
        """What one record is called (app.noun, else the title in lower case)."""
        return self.app.noun or self.title.lower()

    @property
    def stratifier(self) -> Item | None:
        """The item whose answer is a record's sampling stratum, if stratified."""
        sid = self.targets.stratify_by
        return self.item_map[sid] if sid else None

    def strata(self) -> tuple[Choice, ...]:
        """The strata (choices of the stratify_by item; () when not stratified)."""
        item = self.stratifier
        return item.choices if item is not None else ()

    def summary(self, summary_id: str) -> Summary:
        for s in self.summaries:
            if s.id == summary_id:
                return s
        raise KeyError(f"{self.id} has no summary {summary_id!r}")

    def in_scope(self, answers: Mapping[AnswerKey, Any]) -> bool:
        """Whether a record with these answers counts in the evidence figures."""
        if self.scope.when is None:
            return True
        return _expr.holds(self.scope.when, self._reader(answers))

    def computed_value(self, item_id: str, answers: Mapping[AnswerKey, Any], rkey: str = "") -> Any:
        """The stored-style value of a computed item (None when it cannot be computed yet):
        a rule gives 'yes'/'no', a number a number."""
        item = self.item(item_id)
        if item.computed is None:
            return None
        value = item.computed.evaluate(self._reader(answers, rkey))
        if item.computed.boolean:
            return "yes" if _expr.truth(value) is True else "no"
        return value

    @property
    def name_items(self) -> tuple[str, ...]:
        """The items a record's name reads: its natural key and what instance_name names."""
        named = self.instance_name.refs if self.instance_name is not None else ()
        return tuple(dict.fromkeys((*self.natural_key, *sorted(named))))

    def record_name(self, answers: Mapping[AnswerKey, Any]) -> str:
        """A record's name from the form's instance_name ("" when it has none, or the
        answers it reads are not given yet)."""
        if self.instance_name is None:
            return ""
        try:
            value = self.instance_name.evaluate(self._reader(answers))
        except (ValueError, TypeError, ArithmeticError):
            return ""
        return "" if value is None else _text(value)

    def computed_values(self, answers: Mapping[AnswerKey, Any]) -> dict[AnswerKey, Any]:
        """Every computed item's value for a record: {(item_id, rkey): value}."""
        out: dict[AnswerKey, Any] = {}
        for section in self.sections:
            for rkey in instance_keys(section, answers, self):
                for item in section.items:
                    if item.computed is not None:
                        out[(item.id, rkey)] = self.computed_value(item.id, answers, rkey)
        return out

    def _reader(
        self,
        answers: Mapping[AnswerKey, Any],
        rkey: str = "",
        own: Any = None,
        choice: Choice | None = None,
    ) -> Any:
        """What an expression reads: answers (a computed item computed), `.` (`own`, the
        answer a constraint checks), a choice's columns (a choice_filter), and XLSForm's
        repeat functions (position, sum, indexed-repeat) and jr:choice-name."""
        base = _expr.value_of(answers, rkey)

        def one(item_id: str, key: str) -> Any:
            item = self.item_map.get(item_id)
            if item is not None and item.computed is not None:
                return self.computed_value(item_id, answers, key)
            return answers.get((item_id, key))

        def read(ref: Any) -> Any:
            if isinstance(ref, tuple):
                from fieldkit.checklists.reading import read_special

                return read_special(self, ref, answers, rkey, choice, one, instance_keys)
            if ref == ".":
                return own
            item = self.item_map.get(ref)
            if item is not None and item.computed is not None:
                return self.computed_value(ref, answers, rkey)
            return base(ref)

        return read

    def constraint_holds(
        self, item: Item, value: Any, answers: Mapping[AnswerKey, Any], rkey: str = ""
    ) -> bool:
        """False only when the item's constraint is false for this answer."""
        if item.constraint is None or value is None or value in (NA, UNKNOWN):
            return True
        own = value
        if item.kind in ("multi", "rank"):
            own = json.dumps(json.loads(value)) if isinstance(value, str) else value
        return not _expr.fails(item.constraint, self._reader(answers, rkey, own=own))

    def choices_offered(
        self, item: Item, answers: Mapping[AnswerKey, Any], rkey: str = ""
    ) -> tuple[Choice, ...]:
        """The choices a choice_filter leaves, given the answers so far (all without one)."""
        if item.choice_filter is None:
            return item.choices
        return tuple(
            c
            for c in item.choices
            if any(
                _expr.holds(item.choice_filter, self._reader(answers, rkey, choice=v))
                for v in c.variants()
            )
        )

    @cached_property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for s in self.sections for i in s.items)

    @cached_property
    def item_map(self) -> dict[str, Item]:
        return {i.id: i for i in self.items}

    @cached_property
    def repeat_items(self) -> dict[str, frozenset[str]]:
        """Each repeat's items (by its key), over all its sections."""
        return _nesting.items_by_repeat(self.sections)[0]

    @cached_property
    def inner_items(self) -> dict[str, frozenset[str]]:
        """Each repeat's inner repeats' items (by its key)."""
        return _nesting.items_by_repeat(self.sections)[1]

    @cached_property
    def _section_by_item(self) -> dict[str, Section]:
        return {i.id: s for s in self.sections for i in s.items}

    def item(self, item_id: str) -> Item:
        try:
            return self.item_map[item_id]
        except KeyError:
            raise KeyError(f"{self.id} has no item {item_id!r}") from None

    def section_of(self, item_id: str) -> Section:
        return self._section_by_item[item_id]

    def definition_json(self) -> str:
        return json.dumps(self.source, sort_keys=True, ensure_ascii=False, default=str)


def _num_text(n: float | None) -> str:
    if n is None:
        return ""
    return str(int(n)) if float(n).is_integer() else str(n)


AnswerKey = tuple[str, str]  # (item_id, repeat_key)


def rule_applies(
    checklist: Checklist, item: Item, answers: Mapping[AnswerKey, Any], rkey: str
) -> bool:
    """Does the item's relevance rule hold (NA set automatically), given the record's
    answers? An na_when rule holds when its item's answer matches; a `relevant`
    expression when it is false (not merely unknown).

    A rule naming an item in the same repeat group reads that item in the same
    instance; otherwise it reads the record-level answer."""
    if item.relevant is not None and item.na_when is None:
        return _expr.fails(item.relevant, checklist._reader(answers, rkey))
    rule = item.na_when
    if rule is None:
        return False
    own = checklist.section_of(item.id)
    other = checklist.section_of(rule.item)
    if own.repeat is not None and other is own:
        key = rkey
    else:
        key = _nesting.key_for(rkey, other.repeat) if own.repeat and other.repeat else ""
    return rule.holds(answers.get((rule.item, key)))


def instance_keys(
    section: Section, answers: Mapping[AnswerKey, Any], checklist: Checklist | None = None
) -> list[str]:
    """The repeat keys a record has for a section ("" for ordinary sections). With the
    checklist, a repeat's instances are those of all its sections and its inner repeats
    (`household` 2 exists when member `2/1` is answered), and a repeat inside a repeat
    has keys `outer/inner` (fieldkit.checklists.nesting)."""
    if section.repeat is None:
        return [""]
    if checklist is not None:
        return _nesting.repeat_keys(
            checklist, section.repeat, answers, lambda r, outer: r.counted(answers, outer)
        )
    if section.repeat.fixed:
        return [c.code for c in section.repeat.instances]
    ids = {i.id for i in section.items}
    keys = {k for (iid, k) in answers if iid in ids and k}
    n = section.repeat.counted(answers)  # repeat_count: that many instances, 1 to n
    keys |= {str(i) for i in range(1, (n or 0) + 1)}
    return sorted(keys, key=lambda k: (len(k), k))


def is_required(
    checklist: Checklist, item: Item, answers: Mapping[AnswerKey, Any], rkey: str = ""
) -> bool:
    """Whether an answer is required: `required` yes, or its `required` expression holds
    for these answers (read by the one evaluator, as relevance is)."""
    if not item.answerable:
        return False
    if item.required_when is not None:
        return _expr.holds(item.required_when, checklist._reader(answers, rkey))
    return item.required


def missing_required(checklist: Checklist, answers: Mapping[AnswerKey, Any]) -> list[AnswerKey]:
    """Required items without an answer, in form order (rule-NA items count as answered)."""
    missing: list[AnswerKey] = []
    for section in checklist.sections:
        for rkey in instance_keys(section, answers, checklist):
            for item in section.items:
                if not is_required(checklist, item, answers, rkey):
                    continue
                value = answers.get((item.id, rkey))
                if value is None or value == "":
                    if rule_applies(checklist, item, answers, rkey):
                        continue
                    missing.append((item.id, rkey))
    return missing


def check_consistency(
    checklist: Checklist, answers: Mapping[AnswerKey, Any]
) -> list[tuple[AnswerKey, str]]:
    """Answers that break a relevance rule: NA where NA is not allowed, or a real
    answer where the rule makes the item not applicable."""
    problems: list[tuple[AnswerKey, str]] = []
    for (iid, rkey), value in answers.items():
        if value is None or value == "":
            continue
        item = checklist.item_map.get(iid)
        if item is None:
            continue
        if not checklist.constraint_holds(item, value, answers, rkey):
            problems.append(
                ((iid, rkey), item.constraint_message or f"must meet {item.constraint.text}")  # type: ignore[union-attr]
            )
        if item.choice_filter is not None and not item.choice_file and value not in (NA, UNKNOWN):
            offered = {c.code for c in checklist.choices_offered(item, answers, rkey)}
            chosen = json.loads(value) if item.kind in ("multi", "rank") else [value]
            outside = [c for c in chosen if c not in offered]
            if outside:
                problems.append(
                    ((iid, rkey), f"{outside[0]!r} is not offered when {item.choice_filter.text}")
                )
        repeat = checklist.section_of(iid).repeat
        if repeat is not None and repeat.parent is not None:  # `outer/inner`, as deep
            shape = _nesting.key_problem(repeat, rkey)
            if shape:
                problems.append(((iid, rkey), shape))
                continue
        n = checklist.section_of(iid).repeat_count_of(answers, rkey) if rkey else None
        own = _nesting.last(rkey)
        if n is not None and (not own.isdigit() or int(own) > n):
            problems.append(((iid, rkey), f"instance {rkey} is beyond the {n} the count gives"))
        if not item.has_rule:
            continue
        fires = rule_applies(checklist, item, answers, rkey)
        if fires and value != NA:
            problems.append(((iid, rkey), f"must be na when {item.rule_text()}"))
        elif not fires and value == NA and not item.na:
            problems.append(((iid, rkey), f"can be na only when {item.rule_text()}"))
    return problems


def apply_rules(
    checklist: Checklist,
    answers: Mapping[AnswerKey, Any],
    before: Mapping[AnswerKey, Any] | None = None,
) -> dict[AnswerKey, Any]:
    """What the relevance rules change, given a record's answers.

    An item whose rule holds becomes NA (whatever it held: the old value stays in the
    change log). An item whose rule no longer holds loses an NA it could only have had
    from the rule (back to unanswered); with `before` (the answers before this change),
    also an NA that may be given by hand, when its rule held before: while the rule held
    the NA was the rule's, whatever was given by hand. Repeats until nothing changes,
    since rules chain. Returns only the changes (None = cleared)."""
    changes: dict[AnswerKey, Any] = {}
    current = dict(answers)
    for _ in range(20):
        round_changes: dict[AnswerKey, Any] = {}
        for section in checklist.sections:
            for rkey in instance_keys(section, current, checklist):
                for item in section.items:
                    if not item.has_rule:
                        continue
                    key = (item.id, rkey)
                    value = current.get(key)
                    if rule_applies(checklist, item, current, rkey):
                        if value != NA:
                            round_changes[key] = NA
                    elif value == NA and (
                        not item.na
                        or (before is not None and rule_applies(checklist, item, before, rkey))
                    ):
                        round_changes[key] = None
        if not round_changes:
            break
        current.update(round_changes)
        changes.update(round_changes)
    return changes
