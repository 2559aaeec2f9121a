"""Load and validate checklist definitions from the YAML files beside this module."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from fieldkit.checklists.model import (
    CHOICE_KINDS,
    KINDS,
    Checklist,
    Choice,
    Item,
    Repeat,
    Rule,
    Section,
    snake,
)
from fieldkit.errors import FieldkitError
from fieldkit.yamlfile import safe_load

HERE = Path(__file__).parent
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
RULE_OPS = ("equals", "not_equals", "in", "not_in")


class ChecklistError(FieldkitError):
    """An unknown checklist, or a definition that does not validate."""

    exit_code = 2


def _choices(raw: Any, where: str) -> tuple[Choice, ...]:
    if not isinstance(raw, list) or not raw:
        raise ChecklistError(f"{where}: choices must be a non-empty list")
    out: list[Choice] = []
    for c in raw:
        if isinstance(c, Mapping):
            if "label" not in c:
                raise ChecklistError(f"{where}: a choice needs a label")
            label = str(c["label"])
            code = str(c.get("code") or snake(label))
        else:
            label = str(c)
            code = snake(label)
        if not code:
            raise ChecklistError(f"{where}: choice {label!r} has an empty code")
        if any(o.code == code for o in out):
            raise ChecklistError(f"{where}: duplicate choice code {code!r}")
        out.append(Choice(code=code, label=label))
    return tuple(out)


def _rule(raw: Any, where: str) -> Rule:
    if not isinstance(raw, Mapping) or "item" not in raw:
        raise ChecklistError(f"{where}: na_when needs an item and one of {', '.join(RULE_OPS)}")
    ops = [op for op in RULE_OPS if op in raw]
    if len(ops) != 1:
        raise ChecklistError(f"{where}: na_when needs exactly one of {', '.join(RULE_OPS)}")
    op = ops[0]
    value = raw[op]
    values = value if isinstance(value, list) else [value]
    if op in ("equals", "not_equals") and isinstance(value, list):
        raise ChecklistError(f"{where}: na_when {op} takes one value, not a list")

    def text(v: Any) -> str:
        if isinstance(v, bool):  # YAML 1.1 turns bare yes/no into booleans
            return "yes" if v else "no"
        return str(v)

    return Rule(item=str(raw["item"]), op=op, values=tuple(text(v) for v in values))


def parse_checklist(data: Mapping[str, Any], origin: str = "<definition>") -> Checklist:
    """Build a Checklist from its parsed definition, validating as it goes."""
    if not isinstance(data, Mapping):
        raise ChecklistError(f"{origin}: a checklist definition must be a mapping")
    for key in ("id", "version", "title", "sections"):
        if key not in data:
            raise ChecklistError(f"{origin}: missing {key!r}")
    cid = str(data["id"])
    if not ID_RE.match(cid):
        raise ChecklistError(f"{origin}: checklist id {cid!r} is not snake_case")
    version = data["version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ChecklistError(f"{origin}: version must be a whole number of 1 or more")
    prefix = str(data.get("prefix", ""))
    seen: dict[str, str] = {}
    sections: list[Section] = []
    position = 0
    section_ids: set[str] = set()
    for s_raw in data["sections"] or []:
        sid = str(s_raw.get("id", ""))
        where_s = f"{origin}: section {sid or '?'}"
        if not ID_RE.match(sid):
            raise ChecklistError(f"{where_s}: section id must be snake_case")
        if sid in section_ids:
            raise ChecklistError(f"{where_s}: duplicate section id")
        section_ids.add(sid)
        repeat = None
        if s_raw.get("repeat"):
            r = s_raw["repeat"]
            inst = _choices(r["instances"], where_s) if r.get("instances") else ()
            repeat = Repeat(key=str(r.get("key", "instance")), instances=inst)
        items: list[Item] = []
        for i_raw in s_raw.get("items") or []:
            iid = str(i_raw.get("id", ""))
            where = f"{origin}: item {iid or '?'}"
            if not ID_RE.match(iid):
                raise ChecklistError(f"{where}: item id must be snake_case")
            if prefix and not iid.startswith(prefix):
                raise ChecklistError(f"{where}: item id must start with {prefix!r}")
            if iid in seen:
                raise ChecklistError(f"{where}: duplicate item id (also in section {seen[iid]})")
            seen[iid] = sid
            kind = str(i_raw.get("kind", ""))
            if kind not in KINDS:
                raise ChecklistError(f"{where}: unknown kind {kind!r} (one of {', '.join(KINDS)})")
            if not i_raw.get("prompt"):
                raise ChecklistError(f"{where}: missing prompt")
            choices: tuple[Choice, ...] = ()
            if kind in CHOICE_KINDS:
                choices = _choices(i_raw.get("choices"), where)
            elif "choices" in i_raw:
                raise ChecklistError(f"{where}: choices given for a {kind} item")
            rule = _rule(i_raw["na_when"], where) if i_raw.get("na_when") else None
            position += 1
            items.append(
                Item(
                    id=iid,
                    prompt=str(i_raw["prompt"]).strip(),
                    kind=kind,
                    section_id=sid,
                    position=position,
                    choices=choices,
                    help=str(i_raw.get("help") or "").strip(),
                    na=str(i_raw.get("na") or "").strip(),
                    na_when=rule,
                    unknown=bool(i_raw.get("unknown", False)),
                    required=bool(i_raw.get("required", kind != "derived")) and kind != "derived",
                    formula=str(i_raw.get("formula") or "").strip(),
                    basis=str(i_raw.get("basis") or ""),
                    source=str(i_raw.get("source") or ""),
                )
            )
        sections.append(
            Section(
                id=sid,
                title=str(s_raw.get("title") or sid),
                items=tuple(items),
                scope=str(s_raw.get("scope") or "record"),
                repeat=repeat,
            )
        )
    if not seen:
        raise ChecklistError(f"{origin}: the checklist has no items")
    checklist = Checklist(
        id=cid,
        version=version,
        title=str(data["title"]),
        description=str(data.get("description") or "").strip(),
        prefix=prefix,
        natural_key=tuple(str(k) for k in data.get("natural_key") or ()),
        sections=tuple(sections),
        source=json.loads(json.dumps(data, default=str)),
    )
    items = checklist.item_map
    for key in checklist.natural_key:
        if key not in items:
            raise ChecklistError(f"{origin}: natural_key names missing item {key!r}")
    for item in checklist.items:
        if item.na_when is None:
            continue
        target = items.get(item.na_when.item)
        where = f"{origin}: item {item.id}"
        if target is None:
            raise ChecklistError(f"{where}: na_when names missing item {item.na_when.item!r}")
        if target.id == item.id:
            raise ChecklistError(f"{where}: na_when names the item itself")
        if target.kind in CHOICE_KINDS or target.kind in ("yn", "ynna"):
            codes = {c.code for c in target.choices} | {"na", "unknown"}
            if target.kind in ("yn", "ynna"):
                codes = {"yes", "no", "na"}
            for v in item.na_when.values:
                if v not in codes:
                    raise ChecklistError(
                        f"{where}: na_when value {v!r} is not an answer of {target.id}"
                    )
        elif target.kind in ("count", "minutes", "q4"):
            for v in item.na_when.values:
                if not (v.isdigit() or v in ("na", "unknown")):
                    raise ChecklistError(
                        f"{where}: na_when value {v!r} is not a number for {target.id}"
                    )
    return checklist


@lru_cache(maxsize=64)
def parse_stored(definition: str, label: str) -> Checklist:
    """A checklist from the JSON text a database stores for it. Each distinct text is
    parsed once per process: the store, the views and every screen ask for the same few.
    Raises ValueError or TypeError for text that is not JSON, ChecklistError for a
    definition that does not validate."""
    return parse_checklist(json.loads(definition), label)


def load_file(path: Path) -> Checklist:
    import yaml  # only needed when reading the shipped files

    try:
        data = safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ChecklistError(f"{path.name}: not valid YAML ({e})") from None
    checklist = parse_checklist(data, path.name)
    if checklist.id != path.stem:
        raise ChecklistError(f"{path.name}: id {checklist.id!r} does not match the file name")
    return checklist


@lru_cache(maxsize=1)
def load_all() -> dict[str, Checklist]:
    """Every checklist shipped with fieldkit, by id."""
    out: dict[str, Checklist] = {}
    for path in sorted(HERE.glob("*.yaml")):
        c = load_file(path)
        out[c.id] = c
    return out


def get(checklist_id: str) -> Checklist:
    """A shipped checklist by id; a clear error naming the known ones otherwise."""
    all_ = load_all()
    if checklist_id not in all_:
        raise ChecklistError(
            f"unknown checklist {checklist_id!r} (known: {', '.join(sorted(all_))})"
        )
    return all_[checklist_id]
