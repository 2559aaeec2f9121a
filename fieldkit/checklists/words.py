"""A checklist's questions in words, for people: how each is answered (its kind, its scale
labels, its choices), why a rule made it n/a, and how a record is told apart. Read from the
definition alone, so shipped and imported instruments say the same kind of thing. Pure: no
SQLite, no Textual (the capture app's F1 help, its rows and status line, and the CLI use it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from fieldkit.checklists.kinds import KIND, MOMENT_KINDS, NUMBER_KINDS, TYPED_KINDS
from fieldkit.checklists.model import (
    KIND_LABELS,
    NA,
    Q4_LABELS,
    YESNO_KINDS,
    Checklist,
    Item,
    snake,
)
from fieldkit.checklists.xlsform_settings import INSTANCE_ID

# what an XLSForm "n/a" choice label says when it gives no condition of its own
_BARE_NA = {"na", "n_a", "not_applicable", "notapplicable", "n_a_not_applicable"}
_OPS = {"equals": "=", "not_equals": "≠", "in": "is one of", "not_in": "is not one of"}


def kind_words(kind: str) -> str:
    """An answer kind as the user reads it ('yes / no / n.a.', never 'ynna')."""
    return KIND_LABELS.get(kind, kind)


def scale_text(sep: str = "  ") -> str:
    """The scale's labels: '1 Poor  2 Weak  3 Adequate  4 Good'."""
    return sep.join(f"{n} {label}" for n, label in Q4_LABELS.items())


def question_name(item: Item, width: int = 0) -> str:
    """'18 Did the victim have a physical injury?': a question as the form numbers it
    (cut at a word to `width` characters when given)."""
    text = f"{item.position} {item.prompt}"
    if width and len(text) > width:
        text = text[: width - 1].rsplit(" ", 1)[0].rstrip(" ,;:(") + "…"
    return text


def na_condition(item: Item) -> str:
    """When n/a may be chosen by judgement, in words; '' when never, or when the definition
    only says 'Not applicable' (an XLSForm yes/no/n.a. list gives no condition)."""
    if not item.na or snake(item.na) in _BARE_NA:
        return ""
    return item.na


def _value_words(target: Item | None, value: str) -> str:
    if target is not None and target.choices:
        c = target.choice_for(value)
        if c is not None:
            return c.label
    return value


def rule_words(checklist: Checklist, item: Item, width: int = 0) -> str:
    """Why the item is n/a automatically, naming questions by number and words:
    '18 Did the victim have a physical injury? = no' ('' when it has no rule)."""
    rule = item.na_when
    if rule is not None:
        target = checklist.item_map.get(rule.item)
        name = question_name(target, width) if target is not None else rule.item
        values = ", ".join(_value_words(target, v) for v in rule.values)
        return f"{name} {_OPS[rule.op]} {values}"
    if item.relevant is None:
        return ""
    text = item.relevant.text
    for ref in sorted(item.relevant.refs, key=len, reverse=True):
        target = checklist.item_map.get(ref)
        if target is None:
            continue
        name = question_name(target, width or 40)
        at = r"(?:\$\{\s*" + re.escape(ref) + r"\s*\}|\b" + re.escape(ref) + r"\b)"

        def chosen(m: re.Match[str], t: Item = target, n: str = name) -> str:
            return f"{n} includes {_value_words(t, m.group(1))}"

        def compared(m: re.Match[str], t: Item = target, n: str = name) -> str:
            return f"{n} {m.group(1)} {_value_words(t, m.group(2))}"

        text = re.sub(r"selected\(\s*" + at + r"\s*,\s*'([^']*)'\s*\)", chosen, text)
        text = re.sub(at + r"\s*(=|!=)\s*'([^']*)'", compared, text)
        text = re.sub(at, name, text)
    return f"not ({text})"


def answer_keys(item: Item) -> list[tuple[str, str]]:
    """The keys that answer `item` on a form and what each gives, from its definition."""
    keys: list[tuple[str, str]] = []
    if item.kind in YESNO_KINDS:
        keys += [("y", "yes"), ("n", "no")]
    elif item.kind == "q4":
        keys += [(str(n), label) for n, label in Q4_LABELS.items()]
    elif item.kind in ("choice", "multi"):
        keys += [(str(n), c.label) for n, c in enumerate(item.choices, 1)]
    if item.na:
        keys.append(("a", "n/a"))
    if item.unknown:
        keys.append(("u", "unknown"))
    return keys


def digits_hint(item: Item) -> str:
    """How digits pick on a list: one digit, or two for ten choices and more."""
    n = len(item.choices)
    if item.kind == "multi":
        if n >= 10:
            return f"two digits tick/untick one (01-09, 10-{n}) · Enter moves on"
        return "each digit ticks or unticks one · Enter moves on"
    if n >= 10:
        return f"two digits pick one (01-09, 10-{n}) · Enter opens the list"
    return "a digit picks · Enter opens the list"


def kind_guide(checklist: Checklist) -> list[tuple[str, str]]:
    """How each kind of question this checklist has is answered, a line per family of
    kinds (those it lacks left out): the scale's labels and the lists' sizes come from its
    definition."""
    items = list(checklist.items)
    kinds = {i.kind for i in items}
    rows: list[tuple[str, str]] = []
    if kinds & set(YESNO_KINDS):
        na = "; a = n/a where the question allows it" if any(i.na for i in items) else ""
        rows.append(("y n" + (" a" if na else ""), "yes / no" + na))
    if "q4" in kinds:
        rows.append(("1-4", f"scores: {scale_text()}"))
    for kind in ("choice", "multi"):
        if kind not in kinds:
            continue
        most = max(len(i.choices) for i in items if i.kind == kind)
        two = f"; 10 or more: two digits, 01-{most}" if most >= 10 else ""
        if kind == "choice":
            rows.append((f"1-{min(most, 9)}", f"one of a list{two}; Enter: the list"))
        else:
            rows.append(("digits", f"any-of lists: each ticks or unticks one{two}"))
    if kinds & (set(NUMBER_KINDS) & set(TYPED_KINDS)):
        unknown = "; u = unknown where allowed" if any(i.unknown for i in items) else ""
        rows.append(("number", f"type it and Enter{unknown}"))
    if kinds & set(MOMENT_KINDS):
        rows.append(("date", "YYYY-MM-DD (time HH:MM); Enter on empty or ctrl+t = now"))
    if "text" in kinds:
        rows.append(("text", "type, Enter saves (also a second after you stop typing)"))
    if "derived" in kinds:
        rows.append(("computed", "worked out from other answers: nothing to type"))
    return rows


def question_guide(checklist: Checklist, item: Item) -> list[tuple[str, str]]:
    """One question: its kind with the keys that answer it and their labels, and when it
    is n/a (by judgement, or by a rule on another answer)."""
    keys = "  ".join(f"{k} {label}" for k, label in answer_keys(item))
    kind = KIND.get(item.kind)
    typed = kind.accepts if kind is not None and kind.keyed != "keys" else ""
    if typed:
        keys = typed + (f"; {keys}" if keys else "")
    rows: list[tuple[str, str]] = [(kind_words(item.kind), keys)]
    cond = na_condition(item)
    if cond:
        rows.append(("n/a when", cond))
    rule = rule_words(checklist, item, 50)
    if rule:
        rows.append(("auto n/a", f"when {rule}"))
    return rows


def key_values(checklist: Checklist, answers: Mapping[str, Any]) -> list[str]:
    """A record's natural-key answers as shown on screen (unanswered ones left out)."""
    out = []
    for iid in checklist.natural_key:
        value = answers.get(iid)
        item = checklist.item_map.get(iid)
        if value is None or value == "" or value == NA:
            continue
        out.append(item.display(value) if item is not None else str(value))
    return out


def record_name(
    checklist: Checklist,
    answers: Mapping[str, Any],
    *,
    observed_at: str = "",
    ref: str = "",
    width: int = 0,
) -> str:
    """What tells a record apart, for people: the name the form's instance_name gives it,
    else its natural key's values ('Guildford · 2026-12-07 10:15'), else its stored reference; with no natural key, what it is and when it was
    started."""
    values = [
        v.replace("T", " ") if _ISO_DT.match(v) else v for v in key_values(checklist, answers)
    ]
    named = checklist.record_name({(k, ""): v for k, v in answers.items()})
    if named:  # the form's instance_name
        text = named
    elif values:
        text = " · ".join(values)
    elif ref:  # a reference given without the key's answer (an import, a script)
        text = ref
    elif checklist.natural_key and tuple(checklist.natural_key) != (INSTANCE_ID,):
        text = "(no reference yet)"  # (a submission's identity alone is never typed)
    else:  # nothing identifies it but when it was started
        when = observed_at.replace("T", " ")
        text = f"started {when}" if when else "(not named)"
    if width and len(text) > width:
        text = text[: width - 1] + "…"
    return text


def name_of(checklist: Checklist, rec: Mapping[str, Any], answers: Mapping[Any, Any]) -> str:
    """record_name for a record (its envelope) and its answers keyed (item id, repeat key)."""
    plain = {i: v for (i, k), v in answers.items() if not k}
    return record_name(
        checklist,
        plain,
        observed_at=rec.get("observed_at") or "",
        ref=rec.get("subject_ref") or "",
    )


_ISO_DT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")


def codes_of(value: Any) -> list[str]:
    """A multi answer's codes ([] for anything else)."""
    if isinstance(value, str) and value.startswith("["):
        try:
            out = json.loads(value)
        except ValueError:
            return []
        return [str(c) for c in out] if isinstance(out, list) else []
    return []
