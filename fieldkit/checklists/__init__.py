"""Checklist definitions: the instruments as data files plus a small model."""

from fieldkit.checklists.collection import QueryLog, Returns
from fieldkit.checklists.expr import Expr, ExprError
from fieldkit.checklists.loader import (
    ChecklistError,
    dashboard_order,
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
    AppInfo,
    Checklist,
    Choice,
    Item,
    Rule,
    Scope,
    Section,
    Summary,
    Targets,
    apply_rules,
    check_consistency,
    missing_required,
)
from fieldkit.checklists.validate import validate_answer

__all__ = [
    "NA",
    "UNKNOWN",
    "AnswerError",
    "AnswerKey",
    "AppInfo",
    "Checklist",
    "ChecklistError",
    "Choice",
    "Expr",
    "ExprError",
    "Item",
    "QueryLog",
    "Returns",
    "Rule",
    "Scope",
    "Section",
    "Summary",
    "Targets",
    "apply_rules",
    "check_consistency",
    "dashboard_order",
    "get",
    "load_all",
    "missing_required",
    "parse_checklist",
    "parse_stored",
    "validate_answer",
]
