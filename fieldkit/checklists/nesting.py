"""Repeats inside repeats: the instance keys of a nested repeat and how a reference
finds its instance.

A repeat instance's key is the path of instance numbers from the outermost repeat in,
joined by `/`: member 3 of household 2 is `2/3` (answers are keyed (item_id, "2/3")).
A repeat names its enclosing repeat (`Repeat.parent`); a one-level repeat's keys stay
`1`, `2`, ... as before. XLSForm's rule for a reference inside a repeat: it reads the
same instance, or the enclosing instance for a question of an outer repeat, or the
record for a question outside every repeat; so a reference's key is the leading part
of the reader's key as deep as the referenced question's repeat.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fieldkit.checklists.kinds import NA

SEP = "/"


def depth(repeat: Any) -> int:
    """How many repeats deep a repeat is (0 for None, 1 for a top-level repeat)."""
    n = 0
    while repeat is not None:
        n += 1
        repeat = repeat.parent
    return n


def parts(rkey: str) -> list[str]:
    return rkey.split(SEP) if rkey else []


def prefix(rkey: str, n: int) -> str:
    """The key's first n instance numbers (the enclosing instance n repeats deep)."""
    return SEP.join(parts(rkey)[:n])


def last(rkey: str) -> str:
    """The instance's own number within its enclosing instance."""
    return rkey.rsplit(SEP, 1)[-1]


def order(rkey: str) -> tuple[tuple[int, str], ...]:
    """A sort key: 1/2 before 1/10 before 2."""
    return tuple((len(p), p) for p in parts(rkey))


def key_for(rkey: str, repeat: Any) -> str:
    """The key a reference from instance `rkey` reads a question of `repeat` at."""
    return prefix(rkey, depth(repeat))


def within(rkey: str, keys: list[str], repeat: Any) -> list[str]:
    """The instances of `repeat` that belong to the reader's enclosing instance (all of
    them when the reader is outside the repeat's parent): XLSForm's sum(), count() and
    indexed-repeat() over an inner repeat from inside its outer instance."""
    outer = depth(repeat) - 1
    if outer <= 0 or len(parts(rkey)) < outer:
        return keys
    head = prefix(rkey, outer) + SEP
    return [k for k in keys if k.startswith(head)]


def repeat_keys(
    checklist: Any, repeat: Any, answers: Mapping[tuple[str, str], Any], counted: Any
) -> list[str]:
    """Every instance key a record has for a repeat: those its answers (or its inner
    repeats' answers) name, and those its count gives in each enclosing instance.
    `counted(repeat, rkey)`: the count evaluated in the enclosing instance `rkey`."""
    d = depth(repeat)
    parents = (
        [""] if repeat.parent is None else repeat_keys(checklist, repeat.parent, answers, counted)
    )
    keys: set[str] = set()
    if repeat.fixed:
        codes = [c.code for c in repeat.instances]
        keys = {f"{p}{SEP}{c}" if p else c for p in parents for c in codes}
        return sorted(keys, key=lambda k: (parents.index(prefix(k, d - 1)), codes.index(last(k))))
    own = checklist.repeat_items.get(repeat.key, frozenset())
    inner = checklist.inner_items.get(repeat.key, frozenset())
    for (iid, k), value in answers.items():
        if not k or value is None or (value == NA and _ruled(checklist, iid)):
            continue  # a rule's n/a alone makes no instance (nor keeps a removed one)
        if iid in own and len(parts(k)) == d:
            keys.add(k)
        elif iid in inner and len(parts(k)) > d:
            keys.add(prefix(k, d))
    for p in parents:
        n = counted(repeat, p)
        keys |= {f"{p}{SEP}{i}" if p else str(i) for i in range(1, (n or 0) + 1)}
    return sorted(keys, key=order)


def _ruled(checklist: Any, iid: str) -> bool:
    item = checklist.item_map.get(iid)
    return item is not None and item.has_rule


def items_by_repeat(sections: Any) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """(repeat key: its own items' ids, repeat key: the ids of the items of every repeat
    inside it)."""
    own: dict[str, set[str]] = {}
    inner: dict[str, set[str]] = {}
    for s in sections:
        if s.repeat is None:
            continue
        ids = {i.id for i in s.items}
        own.setdefault(s.repeat.key, set()).update(ids)
        outer = s.repeat.parent
        while outer is not None:
            inner.setdefault(outer.key, set()).update(ids)
            outer = outer.parent
    return (
        {k: frozenset(v) for k, v in own.items()},
        {k: frozenset(v) for k, v in inner.items()},
    )


def key_problem(repeat: Any, rkey: str) -> str:
    """Why `rkey` cannot be an instance of `repeat` ('' when it can): a repeat n deep
    has keys of n parts (`2/3`: member 3 of household 2), a fixed one its codes last."""
    d = depth(repeat)
    if len(parts(rkey)) != d or not all(parts(rkey)):
        shape = SEP.join(["N"] * d)
        return f"{rkey!r} is not a {repeat.key} key: it repeats {d} deep, name it [{shape}]"
    if repeat.fixed and last(rkey) not in {c.code for c in repeat.instances}:
        return f"{last(rkey)!r} is not a {repeat.key}"
    return ""
