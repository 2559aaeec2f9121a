"""What an item's XLSForm facts are in a definition, read and checked: its constraint and
choice_filter expressions, its translations (prompt, help and constraint message per
language) and its metadata preload (fieldkit.checklists.stamps). The loader calls these."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fieldkit.checklists.errors import ChecklistError
from fieldkit.checklists.expr import Expr, ExprError, parse_filter
from fieldkit.checklists.expr import parse as parse_expr
from fieldkit.checklists.kinds import CHOICE_KINDS
from fieldkit.checklists.stamps import STAMP_KINDS


def xlsform_rules(i_raw: Mapping[str, Any], kind: str, where: str) -> tuple[Any, Any]:
    """An item's constraint and choice_filter expressions (XLSForm's), parsed."""
    constraint = (
        expression(i_raw["constraint"], f"{where}: constraint") if i_raw.get("constraint") else None
    )
    choice_filter = None
    if i_raw.get("choice_filter"):
        if kind not in CHOICE_KINDS:
            raise ChecklistError(f"{where}: choice_filter given for a {kind} item")
        try:
            choice_filter = parse_filter(str(i_raw["choice_filter"]))
        except ExprError as e:
            raise ChecklistError(f"{where}: choice_filter: {e}") from None
    return constraint, choice_filter


def translations(raw: Any, where: str) -> tuple[tuple[str, str, str], ...]:
    """{language: {prompt, help}} as (language, prompt, help), by language (a definition
    is stored with its keys sorted, and reads back the same)."""
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise ChecklistError(f"{where}: translations must be a mapping of languages")
    out = []
    for lang, texts in raw.items():
        if not isinstance(texts, Mapping) or set(texts) - {"prompt", "help", "constraint_message"}:
            raise ChecklistError(
                f"{where}: translation {lang!r} takes prompt, help and constraint_message"
            )
        out.append((str(lang), str(texts.get("prompt") or ""), str(texts.get("help") or "")))
    return tuple(sorted(out))


def messages(raw: Any) -> tuple[tuple[str, str], ...]:
    """{language: {constraint_message}} as (language, message) (checked by _translations)."""
    if not isinstance(raw, Mapping):
        return ()
    return tuple(
        sorted(
            (str(lang), str(texts["constraint_message"]))
            for lang, texts in raw.items()
            if isinstance(texts, Mapping) and texts.get("constraint_message")
        )
    )


def expression(raw: Any, where: str) -> Expr:
    try:
        return parse_expr(str(raw))
    except ExprError as e:
        raise ChecklistError(f"{where}: {e}") from None


def preload(i_raw: Mapping[str, Any], kind: str, where: str) -> str:
    """An XLSForm metadata question's type (filled from the record's stamps), of its kind."""
    name = str(i_raw.get("preload") or "")
    if name and STAMP_KINDS.get(name) != kind:
        raise ChecklistError(f"{where}: preload {name!r} is not a {kind} stamp")
    return name


def waiting_file(i_raw: Mapping[str, Any], kind: str, where: str) -> str:
    """The media file a choice list waits for (select_one_from_file F, F not there when the
    form was imported): the item has no choices until it comes."""
    name = str(i_raw.get("choice_file") or "")
    if not name:
        return ""
    if kind not in CHOICE_KINDS:
        raise ChecklistError(f"{where}: choice_file given for a {kind} item")
    if i_raw.get("choices"):
        raise ChecklistError(f"{where}: give choices or a choice_file waited for, not both")
    return name


def required_rule(i_raw: Mapping[str, Any], kind: str, where: str) -> Expr | None:
    """XLSForm `required` as an expression: the answer is required when it holds."""
    raw = i_raw.get("required_when")
    if not raw:
        return None
    if kind in ("derived", "note"):
        raise ChecklistError(f"{where}: required_when given for a {kind} item")
    return expression(raw, f"{where}: required_when")
