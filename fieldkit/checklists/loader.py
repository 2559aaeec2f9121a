"""Load and validate checklist definitions from the YAML files beside this module."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from fieldkit.checklists import collection, definition_checks
from fieldkit.checklists.choice_lookup import resolve_lookups
from fieldkit.checklists.errors import ChecklistError as ChecklistError
from fieldkit.checklists.kinds import NUMBER_KINDS
from fieldkit.checklists.lookups import parse_lookups
from fieldkit.checklists.model import (
    CHOICE_KINDS,
    KINDS,
    AppInfo,
    Checklist,
    Choice,
    Item,
    Repeat,
    Rule,
    Scope,
    Section,
    Summary,
    Targets,
    snake,
)
from fieldkit.checklists.texts import control_in
from fieldkit.checklists.xlsform_facts import (
    expression,
    messages,
    preload,
    required_rule,
    translations,
    waiting_file,
    xlsform_rules,
)
from fieldkit.yamlfile import safe_load

HERE = Path(__file__).parent
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_VERSION = 2**53 - 1  # exact in SQLite, JSON and JavaScript alike
# an item id: a snake_case id, or an XLSForm name kept as written (`Fruits`, `ice.creams`),
# with its group path when the name alone is not unique (`household/name`)
ITEM_ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*(/[A-Za-z_][A-Za-z0-9_.\-]*)*$")
RULE_OPS = ("equals", "not_equals", "in", "not_in")
TOP_KEYS = (
    "id",
    "version",
    "title",
    "description",
    "prefix",
    "natural_key",
    "sections",
    "app",
    "targets",
    "scope",
    "summaries",
    "returns",
    "language",
    "instance_name",
    "lookups",
)
ITEM_KEYS = (
    "id",
    "prompt",
    "kind",
    "choices",
    "help",
    "na",
    "na_when",
    "relevant",
    "unknown",
    "required",
    "formula",
    "min",
    "max",
    "renamed_from",
    "basis",
    "source",
    "constraint",
    "constraint_message",
    "choice_filter",
    "default",
    "translations",
    "preload",
    "choice_file",
    "required_when",
    "list",
)


def _choices(raw: Any, where: str) -> tuple[Choice, ...]:
    if not isinstance(raw, list) or not raw:
        raise ChecklistError(f"{where}: choices must be a non-empty list")
    out: list[Choice] = []
    codes: set[str] = set()
    for c in raw:
        exclusive = False
        filters: tuple[tuple[str, str], ...] = ()
        labels: tuple[tuple[str, str], ...] = ()
        also: tuple[tuple[tuple[str, str], ...], ...] = ()
        if isinstance(c, Mapping):
            if "label" not in c:
                raise ChecklistError(f"{where}: a choice needs a label")
            known = ("code", "label", "exclusive", "filters", "labels", "also")
            stray = [k for k in c if k not in known]
            if stray:
                raise ChecklistError(f"{where}: a choice has unknown key {stray[0]!r}")
            label = str(c["label"])
            code = str(c.get("code") or snake(label))
            exclusive = bool(c.get("exclusive", False))
            filters = _pairs(c.get("filters"), f"{where}: choice {code!r} filters")
            labels = _pairs(c.get("labels"), f"{where}: choice {code!r} labels")
            also_raw = c.get("also") or []
            if not isinstance(also_raw, list):
                raise ChecklistError(f"{where}: choice {code!r} also must be a list")
            also = tuple(_pairs(a, f"{where}: choice {code!r} also") for a in also_raw)
        else:
            label = str(c)
            code = snake(label)
        if not code:
            raise ChecklistError(f"{where}: choice {label!r} has an empty code")
        if code in codes:
            raise ChecklistError(f"{where}: duplicate choice code {code!r}")
        codes.add(code)
        out.append(Choice(code, label, exclusive, filters, labels, also))
        filters = labels = ()
        also = ()
    return tuple(out)


def _pairs(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise ChecklistError(f"{where}: must be a mapping")
    # in key order: a definition is stored with its keys sorted, and reads back the same
    return tuple(sorted((str(k), str(v)) for k, v in raw.items()))


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


def _number(raw: Any, where: str) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ChecklistError(f"{where}: must be a number, not {raw!r}")
    return raw


def _mapping(data: Mapping[str, Any], key: str, origin: str, keys: tuple[str, ...]) -> Mapping:
    raw = data.get(key) or {}
    if not isinstance(raw, Mapping):
        raise ChecklistError(f"{origin}: {key} must be a mapping")
    unknown = [k for k in raw if k not in keys]
    if unknown:
        raise ChecklistError(f"{origin}: {key} has unknown key {unknown[0]!r} ({', '.join(keys)})")
    return raw


def _app(data: Mapping[str, Any], origin: str) -> AppInfo:
    raw = _mapping(data, "app", origin, ("order", "label", "noun"))
    order = raw.get("order")
    if order is not None and (not isinstance(order, int) or isinstance(order, bool) or order < 1):
        raise ChecklistError(f"{origin}: app.order must be a whole number of 1 or more")
    return AppInfo(order=order, label=str(raw.get("label") or ""), noun=str(raw.get("noun") or ""))


def _targets(data: Mapping[str, Any], origin: str) -> Targets:
    raw = _mapping(data, "targets", origin, ("default", "stratify_by"))
    default = raw.get("default")
    if default is not None and (
        not isinstance(default, int) or isinstance(default, bool) or default < 0
    ):
        raise ChecklistError(f"{origin}: targets.default must be a whole number of 0 or more")
    by = raw.get("stratify_by")
    return Targets(default=default, stratify_by=str(by) if by else None)


def _scope(data: Mapping[str, Any], origin: str) -> Scope:
    raw = _mapping(data, "scope", origin, ("when", "in_label", "out_label"))
    when = expression(raw["when"], f"{origin}: scope.when") if raw.get("when") else None
    return Scope(
        when=when,
        in_label=str(raw.get("in_label") or "in scope"),
        out_label=str(raw.get("out_label") or "out of scope"),
    )


def _summaries(data: Mapping[str, Any], origin: str) -> tuple[Summary, ...]:
    raw = data.get("summaries") or []
    if not isinstance(raw, list):
        raise ChecklistError(f"{origin}: summaries must be a list")
    out: list[Summary] = []
    for s in raw:
        if not isinstance(s, Mapping) or not s.get("id"):
            raise ChecklistError(f"{origin}: a summary needs an id, a title and items")
        sid = str(s["id"])
        if not ID_RE.match(sid):
            raise ChecklistError(f"{origin}: summary id {sid!r} is not snake_case")
        if any(o.id == sid for o in out):
            raise ChecklistError(f"{origin}: duplicate summary id {sid!r}")
        try:
            out.append(_summary(s, sid, f"{origin}: summary {sid}"))
        except collection.CollectionError as e:
            raise ChecklistError(str(e)) from None
    return tuple(out)


def _summary(s: Mapping[str, Any], sid: str, where: str) -> Summary:
    kind = str(s.get("kind") or "evidence")
    if kind not in collection.SUMMARY_KINDS:
        raise ChecklistError(f"{where}: unknown kind {kind!r}")
    title = str(s.get("title") or sid)
    if kind == "rates":
        columns = collection.parse_columns(s.get("columns"), where)
        items = tuple(dict.fromkeys(i for c in columns for i in c.numerator + c.denominator))
        sort = str(s.get("sort") or "")
        if sort and sort.lstrip("-") not in {c.id for c in columns}:
            raise ChecklistError(f"{where}: sort names missing column {sort!r}")
        return Summary(sid, title, items, kind, columns=columns, sort=sort)
    if kind == "shares":
        groups = collection.parse_groups(s.get("groups"), where)
        top = s.get("top")
        if top is not None and (not isinstance(top, int) or top < 1):
            raise ChecklistError(f"{where}: top must be a whole number of 1 or more")
        if not s.get("choice"):
            raise ChecklistError(f"{where}: a shares summary needs the choice it counts")
        items = tuple(i for g in groups for i in g.items)
        return Summary(sid, title, items, kind, groups=groups, choice=str(s["choice"]), top=top)
    if not isinstance(s.get("items"), list) or not s["items"]:
        raise ChecklistError(f"{where}: items must be a list")
    return Summary(sid, title, tuple(map(str, s["items"])))


def _returns(data: Mapping[str, Any], origin: str) -> collection.Returns | None:
    try:
        return collection.parse_returns(data.get("returns"), origin)
    except collection.CollectionError as e:
        raise ChecklistError(str(e)) from None


def refuse_controls(data: Any, where: str) -> None:
    """ChecklistError naming where `data` (a text, or a definition: every string in it)
    holds a control character other than tab and newline (fieldkit/checklists/texts.py)."""
    problem = control_in(data, where)
    if problem is not None:
        raise ChecklistError(problem)


MAX_REPEAT_DEPTH = 32  # repeats inside repeats, at most


def _repeat(r: Any, where_s: str, depth: int = 1) -> Repeat:
    """A section's repeat (and the repeat it is inside, `parent`, as deep as it goes)."""
    if not isinstance(r, dict):
        raise ChecklistError(f"{where_s}: repeat must be a mapping")
    if depth > MAX_REPEAT_DEPTH:
        raise ChecklistError(f"{where_s}: repeats nested more than {MAX_REPEAT_DEPTH} deep")
    inst = _choices(r["instances"], where_s) if r.get("instances") else ()
    count = expression(r["count"], f"{where_s}: repeat.count") if r.get("count") else None
    parent = _repeat(r["parent"], where_s, depth + 1) if r.get("parent") else None
    return Repeat(key=str(r.get("key", "instance")), instances=inst, count=count, parent=parent)


def _section(
    s_raw: Any, origin: str, prefix: str, seen: dict[str, str], section_ids: set[str]
) -> Section:
    """One section of a definition, its items numbered after those of the sections before
    (`seen`: every item id so far, with its section)."""
    sid = str(s_raw.get("id", ""))
    where_s = f"{origin}: section {sid or '?'}"
    if not ID_RE.match(sid):
        raise ChecklistError(f"{where_s}: section id must be snake_case")
    if sid in section_ids:
        raise ChecklistError(f"{where_s}: duplicate section id")
    repeat = _repeat(s_raw["repeat"], where_s) if s_raw.get("repeat") else None
    items = []
    for i_raw in s_raw.get("items") or []:
        iid = str(i_raw.get("id", ""))
        where = f"{origin}: item {iid or '?'}"
        if not ITEM_ID_RE.match(iid):
            raise ChecklistError(f"{where}: item id must be snake_case (or an XLSForm name)")
        if prefix and not iid.startswith(prefix):
            raise ChecklistError(f"{where}: item id must start with {prefix!r}")
        if iid in seen:
            raise ChecklistError(f"{where}: duplicate item id (also in section {seen[iid]})")
        seen[iid] = sid
        items.append(_item(i_raw, iid, sid, len(seen), where))
    return Section(
        id=sid,
        title=str(s_raw.get("title") or sid),
        items=tuple(items),
        scope=str(s_raw.get("scope") or "record"),
        repeat=repeat,
    )


def _item(i_raw: Any, iid: str, sid: str, position: int, where: str) -> Item:
    """One item of a definition, checked against its kind."""
    stray = [k for k in i_raw if k not in ITEM_KEYS]
    if stray:
        raise ChecklistError(f"{where}: unknown key {stray[0]!r}")
    kind = str(i_raw.get("kind", ""))
    if kind not in KINDS:
        raise ChecklistError(f"{where}: unknown kind {kind!r} (one of {', '.join(KINDS)})")
    if not i_raw.get("prompt"):
        raise ChecklistError(f"{where}: missing prompt")
    choices: tuple[Choice, ...] = ()
    choice_file = waiting_file(i_raw, kind, where)
    if kind in CHOICE_KINDS and not choice_file:
        choices = _choices(i_raw.get("choices"), where)
    elif "choices" in i_raw:
        raise ChecklistError(f"{where}: choices given for a {kind} item")
    rule = _rule(i_raw["na_when"], where) if i_raw.get("na_when") else None
    relevant = (
        expression(i_raw["relevant"], f"{where}: relevant") if i_raw.get("relevant") else None
    )
    if rule is not None and relevant is not None:
        raise ChecklistError(f"{where}: give na_when or relevant, not both")
    computed = None
    if kind == "derived":
        if not i_raw.get("formula"):
            raise ChecklistError(f"{where}: a derived item needs a formula")
        computed = expression(i_raw["formula"], f"{where}: formula")
    elif i_raw.get("formula"):
        raise ChecklistError(f"{where}: formula given for a {kind} item (derived only)")
    constraint, choice_filter = xlsform_rules(i_raw, kind, where)
    lo = _number(i_raw.get("min"), f"{where}: min")
    hi = _number(i_raw.get("max"), f"{where}: max")
    if (lo is not None or hi is not None) and kind not in NUMBER_KINDS:
        raise ChecklistError(f"{where}: min/max given for a {kind} item")
    if lo is not None and hi is not None and lo > hi:
        raise ChecklistError(f"{where}: min is more than max")
    return Item(
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
        required=bool(i_raw.get("required", kind not in ("derived", "note")))
        and kind not in ("derived", "note"),
        formula=str(i_raw.get("formula") or "").strip(),
        basis=str(i_raw.get("basis") or ""),
        source=str(i_raw.get("source") or ""),
        relevant=relevant,
        computed=computed,
        minimum=lo,
        maximum=hi,
        renamed_from=str(i_raw.get("renamed_from") or ""),
        constraint=constraint,
        constraint_message=str(i_raw.get("constraint_message") or "").strip(),
        choice_filter=choice_filter,
        default=str(i_raw.get("default") or ""),
        translations=translations(i_raw.get("translations"), where),
        messages=messages(i_raw.get("translations")),
        preload=preload(i_raw, kind, where),
        choice_file=choice_file,
        required_when=required_rule(i_raw, kind, where),
        list_name=str(i_raw.get("list") or ""),
    )


def parse_checklist(
    data: Mapping[str, Any],
    origin: str = "<definition>",
    *,
    held: bool = False,
    source: dict[str, Any] | None = None,
) -> Checklist:
    """Build a Checklist from its parsed definition, validating as it goes. A text holding
    a control character is refused (a definition coming in: a file, a workbook, a merged
    source), unless `held`: a definition a database already holds is read as it is, and
    every way out filters its text (fieldkit.safetext). `source`: `data` as JSON values
    already, in a copy of the caller's that nothing else holds (else one is made)."""
    if not isinstance(data, Mapping):
        raise ChecklistError(f"{origin}: a checklist definition must be a mapping")
    if not held:
        refuse_controls(data, origin)
    for key in ("id", "version", "title", "sections"):
        if key not in data:
            raise ChecklistError(f"{origin}: missing {key!r}")
    cid = str(data["id"])
    if not ID_RE.match(cid):
        raise ChecklistError(f"{origin}: checklist id {cid!r} is not snake_case")
    unknown = [k for k in data if k not in TOP_KEYS]
    if unknown:
        raise ChecklistError(f"{origin}: unknown key {unknown[0]!r} (known: {', '.join(TOP_KEYS)})")
    version = data["version"]
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= MAX_VERSION:
        raise ChecklistError(
            f"{origin}: version must be a whole number from 1 to {MAX_VERSION:,}"
            + (f" (not one of {len(str(version))} digits)" if isinstance(version, int) else "")
        )
    prefix = str(data.get("prefix", ""))
    seen: dict[str, str] = {}  # item id -> its section
    sections: list[Section] = []
    for s_raw in data["sections"] or []:
        sections.append(_section(s_raw, origin, prefix, seen, {s.id for s in sections}))
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
        source=json.loads(json.dumps(data, default=str)) if source is None else source,
        app=_app(data, origin),
        targets=_targets(data, origin),
        scope=_scope(data, origin),
        summaries=_summaries(data, origin),
        returns=_returns(data, origin),
        instance_name=(
            expression(data["instance_name"], f"{origin}: instance_name")
            if data.get("instance_name")
            else None
        ),
        lookups=tuple(parse_lookups(data.get("lookups"), origin).items()),
    )
    checklist = resolve_lookups(checklist, origin)  # instance('L')/root/item[...]/C
    definition_checks.check_links(checklist, origin)
    return checklist


FACT_KEYS = ("app", "targets", "scope", "summaries")  # (returns came later: never legacy)


def _legacy(data: Any) -> Any:
    """A definition stored before checklists carried their own facts (app, targets, scope,
    summaries; computed items' formulas as expressions): version 1 of a shipped checklist
    with none of those keys. It takes them from the shipped file of the same id, so records
    made then are counted by the same rules."""
    if not isinstance(data, dict) or any(k in data for k in FACT_KEYS) or data.get("version") != 1:
        return data
    shipped = load_all().get(str(data.get("id")))
    if shipped is None:
        return data
    out = dict(data)
    for key in FACT_KEYS:
        if key in shipped.source:
            out[key] = shipped.source[key]
    formulas = {i.id: i.formula for i in shipped.items if i.formula}
    sections = []
    for s in out.get("sections") or []:
        if not isinstance(s, dict):
            return data
        items = []
        for i in s.get("items") or []:
            if isinstance(i, dict) and i.get("kind") == "derived" and i.get("id") in formulas:
                i = {**i, "formula": formulas[i["id"]]}
            items.append(i)
        sections.append({**s, "items": items})
    out["sections"] = sections
    return out


@lru_cache(maxsize=64)
def parse_stored(definition: str, label: str, *, incoming: bool = False) -> Checklist:
    """A checklist from the JSON text a database stores for it. Each distinct text is
    parsed once per process: the store, the views and every screen ask for the same few.
    Raises ValueError or TypeError for text that is not JSON, ChecklistError for a
    definition that does not validate. `incoming`: a definition a merge would take in,
    checked as an imported one is (control characters refused); otherwise one the database
    holds, read as it is."""
    data = json.loads(definition)
    legacy = _legacy(data)
    # its `source`, a copy of the JSON read again (not written out and read back: 6 of the
    # 12 ms the eight shipped checklists took to read on opening the capture app)
    source = json.loads(definition) if legacy is data and isinstance(data, dict) else None
    return parse_checklist(legacy, label, held=not incoming, source=source)


def dashboard_order(checklists: Any) -> list[Checklist]:
    """Checklists in dashboard order: app.order first (1, 2, ...), then the rest by title."""
    return sorted(
        checklists,
        key=lambda c: (c.app.order is None, c.app.order or 0, c.title.lower(), c.id),
    )


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
