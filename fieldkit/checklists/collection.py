"""The parts of a checklist file beyond Table 2's shape: summary tables of other kinds
(`rates` by force, `shares` of one choice) and a data collection's own facts (`returns:`:
the period item, the sign-off item, the query instrument, the cross-question rules and the
rates whose outliers `fieldkit returns check` lists). Pure data; the loader calls `parse_*`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fieldkit.checklists.expr import Expr, ExprError
from fieldkit.checklists.expr import parse as parse_expr

SUMMARY_KINDS = ("evidence", "rates", "shares")
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class CollectionError(ValueError):
    """A summary or returns block that does not validate (the loader re-raises it)."""


@dataclass(frozen=True)
class SummaryColumn:
    """One column of a `rates` summary: the sum of the numerator items over a force's
    records, per `per` of the sum of the denominator items (none: the plain sum)."""

    id: str
    label: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...] = ()
    per: int | None = None


@dataclass(frozen=True)
class SummaryGroup:
    """One group of a `shares` summary: its items, in the order ties are printed."""

    id: str
    label: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class ReturnRule:
    """A cross-question rule of a data return: `check` must not be false."""

    id: str
    check: Expr
    message: str


QUERY_ROLES = ("ref", "form", "period", "question", "text", "answer", "status")


@dataclass(frozen=True)
class QueryLog:
    """Where a data collection's queries are kept: a checklist (one record per query) and
    which of its items holds each part of a query (`QUERY_ROLES`); `status` is a choice item
    with the codes open and answered."""

    checklist: str
    items: Mapping[str, str]


@dataclass(frozen=True)
class Returns:
    """A data collection: one record per force and period, sent out and read back."""

    period_item: str
    period: str
    agreed_item: str
    queries: QueryLog | None = None
    rules: tuple[ReturnRule, ...] = ()
    outliers: tuple[str, ...] = ()  # summary ids whose rate columns are checked


def _ids(raw: Any, where: str) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(i, str) and i for i in raw):
        raise CollectionError(f"{where} must be an item id or a list of them")
    return tuple(raw)


def _id(raw: Any, where: str) -> str:
    text = str(raw or "")
    if not ID_RE.match(text):
        raise CollectionError(f"{where}: id {text!r} is not snake_case")
    return text


def parse_columns(raw: Any, where: str) -> tuple[SummaryColumn, ...]:
    if not isinstance(raw, list) or not raw:
        raise CollectionError(f"{where}: a rates summary needs a list of columns")
    out: list[SummaryColumn] = []
    for c in raw:
        if not isinstance(c, Mapping) or "numerator" not in c:
            raise CollectionError(f"{where}: a column needs an id and a numerator")
        cid = _id(c.get("id"), f"{where}: column")
        if any(o.id == cid for o in out):
            raise CollectionError(f"{where}: duplicate column {cid!r}")
        den = (
            _ids(c["denominator"], f"{where}: column {cid}: denominator")
            if c.get("denominator")
            else ()
        )
        per = c.get("per", 100 if den else None)
        if per is not None and (not isinstance(per, int) or per <= 0 or not den):
            raise CollectionError(f"{where}: column {cid}: per needs a denominator and a number")
        out.append(
            SummaryColumn(
                cid,
                str(c.get("label") or cid),
                _ids(c["numerator"], f"{where}: column {cid}: numerator"),
                den,
                per,
            )
        )
    return tuple(out)


def parse_groups(raw: Any, where: str) -> tuple[SummaryGroup, ...]:
    if not isinstance(raw, list) or not raw:
        raise CollectionError(f"{where}: a shares summary needs a list of groups")
    out: list[SummaryGroup] = []
    for g in raw:
        if not isinstance(g, Mapping) or not g.get("items"):
            raise CollectionError(f"{where}: a group needs an id and items")
        gid = _id(g.get("id"), f"{where}: group")
        if any(o.id == gid for o in out):
            raise CollectionError(f"{where}: duplicate group {gid!r}")
        out.append(SummaryGroup(gid, str(g.get("label") or gid), _ids(g["items"], where)))
    return tuple(out)


def _queries(raw: Any, where: str) -> QueryLog | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or not raw.get("checklist"):
        raise CollectionError(f"{where}: queries needs the checklist and its items")
    missing = [r for r in QUERY_ROLES if not raw.get(r)]
    if missing:
        raise CollectionError(f"{where}: queries needs the item for {missing[0]!r}")
    return QueryLog(str(raw["checklist"]), {r: str(raw[r]) for r in QUERY_ROLES})


def parse_returns(raw: Any, origin: str) -> Returns | None:
    if raw is None:
        return None
    where = f"{origin}: returns"
    if not isinstance(raw, Mapping):
        raise CollectionError(f"{where} must be a mapping")
    unknown = set(raw) - {"period_item", "period", "agreed_item", "queries", "rules", "outliers"}
    if unknown:
        raise CollectionError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    for key in ("period_item", "agreed_item"):
        if not raw.get(key):
            raise CollectionError(f"{where} needs {key}")
    rules: list[ReturnRule] = []
    for r in raw.get("rules") or []:
        if not isinstance(r, Mapping) or not r.get("check"):
            raise CollectionError(f"{where}: a rule needs an id, a check and a message")
        rid = _id(r.get("id"), f"{where}: rule")
        try:
            check = parse_expr(str(r["check"]))
        except ExprError as e:
            raise CollectionError(f"{where}: rule {rid}: {e}") from None
        rules.append(ReturnRule(rid, check, str(r.get("message") or r["check"])))
    return Returns(
        period_item=str(raw["period_item"]),
        period=str(raw.get("period") or ""),
        agreed_item=str(raw["agreed_item"]),
        queries=_queries(raw.get("queries"), where),
        rules=tuple(rules),
        outliers=_ids(raw.get("outliers") or [], f"{where}: outliers"),
    )
