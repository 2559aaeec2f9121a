"""Checklist definitions: the four instruments as data files plus a small model."""

from fieldkit.checklists.loader import (
    ChecklistError,
    get,
    load_all,
    parse_checklist,
    parse_stored,
)
from fieldkit.checklists.model import (
    NA,
    UNKNOWN,
    AnswerError,
    AnswerKey,
    Checklist,
    Choice,
    Item,
    Rule,
    Section,
    apply_rules,
    check_consistency,
    missing_required,
)

__all__ = [
    "NA",
    "UNKNOWN",
    "AnswerError",
    "AnswerKey",
    "Checklist",
    "ChecklistError",
    "Choice",
    "Item",
    "Rule",
    "Section",
    "apply_rules",
    "check_consistency",
    "get",
    "load_all",
    "missing_required",
    "parse_checklist",
    "parse_stored",
]
