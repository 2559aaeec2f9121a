"""The recommendations register and forces' action plans (issue 6; DOMAIN.md 5.1-5.4).

- `parse`: read and write entries in the register's own format (seed 000).
- `recs`: import entries, add dated status and comment events, list recommendations with
  their current status (the latest status event).
- `plans`, `plan_xlsx`: action plans (themes, objectives, dated RAG statuses, evidence notes,
  owners, due dates, links to recommendations), from a template or an Excel sheet.
- `reference`: the shipped reference data (the 11 national recommendations and their lead
  organisations, the status and RAG vocabularies, the STOP plan template).

Every table here that a merge unions is listed in `APPEND_ONLY_TABLES`: append-only, keyed
by a digest of the row, so merging is a plain union (INSERT OR IGNORE)."""

from fieldkit.register.parse import Entry, Event, RegisterError, format_entry, parse_text
from fieldkit.register.plan_xlsx import PlanImportResult, import_plan_xlsx
from fieldkit.register.plans import (
    PlanEventResult,
    PlanResult,
    add_evidence,
    assign,
    link,
    list_objectives,
    list_plans,
    new_plan,
    objective,
    plan_rows,
    set_rag,
)
from fieldkit.register.recs import (
    ChangeResult,
    EventResult,
    ImportResult,
    add_event,
    correct_event,
    export_entries,
    import_register,
    known_statuses,
    list_recommendations,
    rec_event_rows,
    recommendation,
    recommendation_rows,
    resolve_rec,
    short_ref,
    timeline,
    withdraw_event,
)
from fieldkit.register.reference import install_reference
from fieldkit.store import UNION_TABLES

# The tables of this package that a merge unions: the store owns the list (what merges, and
# how, is the store's to say), with the schema steps that create them.
APPEND_ONLY_TABLES = UNION_TABLES

__all__ = [
    "APPEND_ONLY_TABLES",
    "ChangeResult",
    "correct_event",
    "withdraw_event",
    "Entry",
    "Event",
    "EventResult",
    "ImportResult",
    "PlanEventResult",
    "PlanImportResult",
    "PlanResult",
    "RegisterError",
    "add_event",
    "add_evidence",
    "assign",
    "export_entries",
    "format_entry",
    "import_plan_xlsx",
    "import_register",
    "install_reference",
    "known_statuses",
    "link",
    "list_objectives",
    "list_recommendations",
    "new_plan",
    "objective",
    "parse_text",
    "plan_rows",
    "list_plans",
    "rec_event_rows",
    "recommendation",
    "recommendation_rows",
    "resolve_rec",
    "set_rag",
    "short_ref",
    "timeline",
]
