"""What a checklist definition must hold across its items, once they are read: every
expression names items the checklist has (and no formula depends on itself), the facts
(targets, summaries, scope) and the data collection name real items and choices, the
natural key, renames and na_when rules name items that exist with answers they can take."""

from __future__ import annotations

from fieldkit.checklists.errors import ChecklistError
from fieldkit.checklists.expr import Expr, ExprError
from fieldkit.checklists.kinds import INTEGER_KINDS, QUANTITY_KINDS, YESNO_KINDS
from fieldkit.checklists.model import CHOICE_KINDS, Checklist


def check_links(checklist: Checklist, origin: str) -> None:
    """Every cross-item check of a checklist just read (one line naming what is wrong)."""
    items = checklist.item_map
    for key in checklist.natural_key:
        if key not in items:
            raise ChecklistError(f"{origin}: natural_key names missing item {key!r}")
    _facts(checklist, origin)
    _collection(checklist, origin)
    renamed = [i.renamed_from for i in checklist.items if i.renamed_from]
    for item in checklist.items:
        if item.renamed_from and item.renamed_from in items:
            raise ChecklistError(
                f"{origin}: item {item.id}: renamed_from {item.renamed_from!r} is still an item"
            )
    if len(set(renamed)) != len(renamed):
        raise ChecklistError(f"{origin}: two items are renamed from the same item")
    for item in checklist.items:
        if item.na_when is None:
            continue
        target = items.get(item.na_when.item)
        where = f"{origin}: item {item.id}"
        if target is None:
            raise ChecklistError(f"{where}: na_when names missing item {item.na_when.item!r}")
        if target.id == item.id:
            raise ChecklistError(f"{where}: na_when names the item itself")
        if target.kind in CHOICE_KINDS or target.kind in YESNO_KINDS:
            codes = {c.code for c in target.choices} | {"na", "unknown"}
            if target.kind in YESNO_KINDS:
                codes = {"yes", "no", "na"}
            for v in item.na_when.values:
                if v not in codes:
                    raise ChecklistError(
                        f"{where}: na_when value {v!r} is not an answer of {target.id}"
                    )
        elif target.kind in INTEGER_KINDS:
            for v in item.na_when.values:
                if not (v.isdigit() or v in ("na", "unknown")):
                    raise ChecklistError(
                        f"{where}: na_when value {v!r} is not a number for {target.id}"
                    )


def _collection(checklist: Checklist, origin: str) -> None:
    """Summaries of other kinds read items of a fitting kind; a returns block names items
    the checklist has, and its rules and outliers only what exists."""
    items = checklist.item_map
    for summary in checklist.summaries:
        for iid in summary.items:
            item = items.get(iid)
            if item is None:
                continue  # named by the caller's check
            if summary.kind == "rates" and item.kind not in QUANTITY_KINDS:
                raise ChecklistError(
                    f"{origin}: summary {summary.id}: {iid!r} is a {item.kind} item, not a count"
                )
            codes = {c.code for c in item.choices}
            if summary.kind == "shares" and (item.kind != "choice" or summary.choice not in codes):
                raise ChecklistError(
                    f"{origin}: summary {summary.id}: {iid!r} is not a choice item with "
                    f"the choice {summary.choice!r}"
                )
    r = checklist.returns
    if r is None:
        return
    for key in (r.period_item, r.agreed_item):
        if key not in items:
            raise ChecklistError(f"{origin}: returns names missing item {key!r}")
    if items[r.agreed_item].kind not in YESNO_KINDS:
        raise ChecklistError(f"{origin}: returns.agreed_item must be a yes/no item")
    for rule in r.rules:
        _expression(checklist, rule.check, f"{origin}: returns rule {rule.id}")
    known = {s.id for s in checklist.summaries if s.kind == "rates"}
    for sid in r.outliers:
        if sid not in known:
            raise ChecklistError(f"{origin}: returns.outliers names {sid!r}, not a rates summary")


def _expression(checklist: Checklist, e: Expr, where: str, own: str = "") -> None:
    items = checklist.item_map
    for ref in e.refs:
        if ref not in items:
            raise ChecklistError(f"{where} names missing item {ref!r}")
        if ref == own:
            raise ChecklistError(f"{where} names the item itself")
        if items[ref].kind == "note":
            raise ChecklistError(f"{where} names {ref!r}, a note with no answer")


def _facts(checklist: Checklist, origin: str) -> None:
    """The per-checklist keys name only items the checklist has, of a fitting kind."""
    items = checklist.item_map
    by = checklist.targets.stratify_by
    if by is not None:
        if by not in items:
            raise ChecklistError(f"{origin}: targets.stratify_by names missing item {by!r}")
        if items[by].kind != "choice":
            raise ChecklistError(
                f"{origin}: targets.stratify_by item {by!r} is a {items[by].kind} item, not a choice"
            )
    if checklist.scope.when is not None:
        _expression(checklist, checklist.scope.when, f"{origin}: scope.when")
    for section in checklist.sections:
        if section.repeat is not None and section.repeat.count is not None:
            _expression(checklist, section.repeat.count, f"{origin}: repeat count")
    if checklist.instance_name is not None:
        _expression(checklist, checklist.instance_name, f"{origin}: instance_name")
    for summary in checklist.summaries:
        for iid in summary.items:
            if iid not in items:
                raise ChecklistError(f"{origin}: summary {summary.id} names missing item {iid!r}")
    for item in checklist.items:
        where = f"{origin}: item {item.id}"
        if item.relevant is not None:
            _expression(checklist, item.relevant, f"{where}: relevant", item.id)
        if item.computed is not None:
            _expression(checklist, item.computed, f"{where}: formula", item.id)
            try:  # the reports compute it in SQL: one evaluator, two back ends
                item.computed.to_sql(lambda ref: "NULL")
            except ExprError as e:
                raise ChecklistError(f"{where}: formula: {e}") from None
        if item.constraint is not None:
            _expression(checklist, item.constraint, f"{where}: constraint")
        if item.choice_filter is not None:
            _expression(checklist, item.choice_filter, f"{where}: choice_filter", item.id)
        if item.required_when is not None:
            _expression(checklist, item.required_when, f"{where}: required_when")
    _cycles(checklist, origin)


def _cycles(checklist: Checklist, origin: str) -> None:
    deps = {i.id: i.computed.refs for i in checklist.items if i.computed is not None}
    state: dict[str, int] = {}

    def visit(iid: str, path: tuple[str, ...]) -> None:
        if state.get(iid) == 2 or iid not in deps:
            return
        if state.get(iid) == 1:
            raise ChecklistError(
                f"{origin}: computed items depend on each other: {' -> '.join(path)}"
            )
        state[iid] = 1
        for ref in deps[iid]:
            visit(ref, (*path, ref))
        state[iid] = 2

    for iid in deps:
        visit(iid, (iid,))
