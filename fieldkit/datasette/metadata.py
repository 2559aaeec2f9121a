"""Datasette metadata for fieldkit databases: a title and description for every table,
view and column, question text for every item column, canned queries and default facets.

Built from the database itself (its stored checklists), so a merged database on other
checklist versions is described too."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from functools import cache
from html import escape
from typing import Any
from urllib.parse import urlencode

from fieldkit import sql
from fieldkit.checklists import Item
from fieldkit.errors import FieldkitError
from fieldkit.report.figures import EVIDENCE, SCALES
from fieldkit.report.figures import descriptions as figure_descriptions
from fieldkit.store import views

INSTANCE = {
    "title": "fieldkit",
    "description": (
        "Domestic-abuse inspection fieldwork. Figures follow the report's Table 2 rule: only "
        "final, non-deleted records, one per case file; not applicable left out of both "
        "counts; pooled across forces, never averaged; percentages rounded half up."
    ),
    "source": "fieldkit",
    "about": "docs/counting.md: the aggregation rule",
}

_ENVELOPE_COLUMNS = {
    "record_id": "The record's id (a UUIDv7, unique across every inspector's database).",
    "checklist_id": "Which instrument (a checklist id: see the checklists table).",
    "checklist_version": "Version of the checklist the record was made with.",
    "inspection": "The inspection the record belongs to.",
    "force_code": "Police force (one of the 43 Home Office forces).",
    "force_name": "The force's name.",
    "inspector": "Who recorded it.",
    "observer_role": "The observer's role: HMIC staff, force peer specialist, voluntary "
    "sector expert, other.",
    "observed_at": "When the observation or review took place.",
    "subject_ref": "Non-identifying subject reference (call or crime reference; never a name).",
    "status": "draft or final. Only final records are counted.",
    "deleted": "1 = deleted (soft: the change log keeps it, and it can be restored).",
    "created_hlc": "Hybrid logical clock of the record's first change (unix ms << 16 | counter).",
    "updated_hlc": "Hybrid logical clock of the record's latest change.",
    "natural_key": "force|reference: what identifies the same case across databases "
    "(e.g. force and crime reference).",
    "keyed": "0 = every natural-key item is blank: no key, so never a copy of another "
    "record (it counts on its own). 1 = it has a key.",
    "stratum": "Sampling stratum: the offence category for case files, else empty.",
    "in_scope": "1 = counts towards the evidence summary. Case files: DA-flagged and in "
    "rape, serious violence or ABH. 0 = reported separately.",
    "counted": "1 = this is the one counted copy (final, not deleted, earliest of its "
    "natural key).",
}

# The figures' own columns are described where they are specified (fieldkit.report.figures,
# which the terminal and the workbook read too); these are the views' other columns.
_EVIDENCE_COLUMNS = {
    **figure_descriptions(EVIDENCE),
    "position": "Order of the question in its checklist.",
    "section_title": "Checklist section.",
    "ratio": "completed ÷ applicable, unrounded.",
    "files": "Counted records in scope that have this question.",
    "percent_of_files": "completed ÷ all files in scope (the 2014 report's denominator), "
    "rounded half up. Label it as such. Empty for questions asked per agency or per case.",
    "forces": "Forces contributing.",
    "repeat_key": "For a question asked once per agency or per case: what one row is "
    "(agency, case). Empty for the rest.",
    "answers": "Answers given (yes, no, not applicable or unknown).",
    "pooled": "1 = pooled across forces (force_code empty), 0 = one force.",
}

_SCALE_COLUMNS = {
    **figure_descriptions(SCALES),
    "total": "Sum of the scores.",
}

TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "meta": (
        "Facts about this database file: app, database id, device id, inspector, clocks.",
        {"key": "Name of the fact.", "value": "Its value."},
    ),
    "checklists": (
        "Checklist definitions, whole, so the database describes itself.",
        {
            "id": "Checklist id.",
            "version": "Version (bumped when a question changes).",
            "title": "Title.",
            "definition": "The YAML definition as JSON.",
            "hash": "sha256 of the definition.",
        },
    ),
    "items": (
        "One row per question per checklist version: the question text behind every item id.",
        {
            "checklist_id": "Checklist id.",
            "checklist_version": "Checklist version.",
            "item_id": "The question's id (unique across checklists).",
            "position": "Order in the checklist.",
            "section_id": "Section id.",
            "section_title": "Section title.",
            "repeat_key": "What one instance is, for repeat groups (agency, case).",
            "prompt": "The question as asked.",
            "kind": "Answer kind: yn, ynna, q4 (scale 1-4), count, minutes, date, time, "
            "datetime, text, choice, multi, derived.",
            "choices": "Choices, as JSON [{code, label}].",
            "na_allowed": "When 'not applicable' may be chosen by judgement.",
            "na_when": "The relevance rule that sets 'not applicable' automatically.",
            "required": "1 = must be answered before the record can be final.",
            "help": "Guidance shown under the question.",
            "basis": "T = from Table 2, R = from the report, D = design, X = extension.",
            "source": "Where in the report the question comes from.",
        },
    ),
    "natural_key_items": (
        "Which items, with the force, identify a record across databases.",
        {
            "checklist_id": "Checklist id.",
            "checklist_version": "Checklist version.",
            "position": "Order in the key.",
            "item_id": "Item in the key.",
        },
    ),
    "forces": (
        "The 43 Home Office police forces of England and Wales.",
        {"code": "Force code.", "name": "Force name.", "welsh": "1 = a Welsh force."},
    ),
    "force_aliases": (
        "Other names the forces go by (for imports).",
        {"alias": "A name as written.", "code": "The force it means."},
    ),
    "changes": (
        "The append-only change log: every value ever set, by which device, when.",
        {
            "id": "16-byte digest of the change's content and its device's previous change "
            "(`fieldkit verify` checks it).",
            "device_id": "The device (database) that made the change.",
            "seq": "Sequence number on that device.",
            "hlc": "Hybrid logical clock: unix ms << 16 | counter.",
            "record_id": "Record changed ('target' for sample targets).",
            "kind": "record (envelope field), answer, note or setting.",
            "field": "Envelope field, item id, or checklist id for targets.",
            "rkey": "Repeat instance key (agency, case number), or stratum@force for targets.",
            "value": "The value set.",
            "author": "Who made it.",
            "parent": "The change this one replaced.",
            "prev": "This device's previous change (the hash chain).",
            "winner": "1 for the change whose value is its cell's current value (the cells "
            "view); not part of the change's content.",
        },
    ),
    "change_parents": (
        "Further parents of a change, when its writer had seen a conflict.",
        {"child": "The change.", "parent": "A change it replaced."},
    ),
    "chain_heads": (
        "The latest change of each device's hash chain (so a deleted last change shows).",
        {"id": "The change."},
    ),
    "cells": (
        "Current state: the winning value of every cell (latest clock, device id breaking ties):"
        " the changes marked as winners.",
        {
            "record_id": "Record.",
            "kind": "record, answer, note or setting.",
            "field": "Envelope field or item id.",
            "rkey": "Repeat instance key ('' for most items).",
            "value": "Current value.",
            "change_id": "The change that set it.",
            "hlc": "Its clock.",
            "device_id": "Its device.",
            "author": "Its author.",
        },
    ),
    "records": (
        "One row per record (an observed call, front desk, MARAC meeting or case file).",
        {},
    ),
    "conflicts": (
        "Values that lost a concurrent edit, kept until someone settles the cell.",
        {
            "change_id": "The losing change.",
            "record_id": "Record.",
            "kind": "answer, note or record.",
            "field": "Item id or envelope field.",
            "rkey": "Repeat instance key.",
            "value": "The losing value.",
            "device_id": "Its device.",
            "author": "Its author.",
            "hlc": "Its clock.",
            "winner_id": "The change that won.",
            "winner_value": "The value kept for now.",
        },
    ),
    "merges": (
        "Provenance: one row per database merged in.",
        {
            "id": "Merge number.",
            "merged_at": "When.",
            "source_file": "The file merged in.",
            "source_db_id": "Its database id.",
            "new_changes": "Changes new to this database.",
            "new_records": "Records new to this database.",
            "new_answers": "Answers changed.",
            "new_conflicts": "Conflicts found.",
        },
    ),
    "targets": (
        "Sample targets a team lead has set (fieldkit targets set).",
        {
            "checklist_id": "Checklist.",
            "stratum": "Stratum ('' = each / the whole checklist).",
            "force_code": "Force ('*' = every force).",
            "target": "Number of final records wanted.",
        },
    ),
    "_sqlite_migrations": (
        "Schema steps applied (sqlite-utils migrations).",
        {
            "id": "Step number.",
            "migration_set": "Set name.",
            "name": "Step name.",
            "applied_at": "When it was applied.",
        },
    ),
    "record_facts": (
        "Every record with its stratum, scope and whether it is counted.",
        {},
    ),
    "counted_records": (
        "The counted set every figure reads: final, non-deleted records, one per natural key "
        "(the earliest when two inspectors recorded the same case).",
        {},
    ),
    "duplicate_records": (
        "Final records sharing a natural key with another (two inspectors on the same case "
        "file). Only the one with counted = 1 is in the figures.",
        {},
    ),
    "item_info": ("One row per item id: question text and order (latest version).", {}),
    "evidence_expected": (
        "The counted records that have each yes/no item, per checklist version, scope and "
        "force: what the evidence figures' files and blanks are counted from.",
        _EVIDENCE_COLUMNS,
    ),
    "evidence_answered": (
        "The counted records' answers to each yes/no item, per checklist version, scope and "
        "force: what the evidence figures are counted from.",
        _EVIDENCE_COLUMNS,
    ),
    "evidence_figures": (
        "Every yes/no item per force (pooled = 0) and pooled across forces (pooled = 1): the "
        "figures evidence_by_force and evidence_summary show, computed once.",
        _EVIDENCE_COLUMNS,
    ),
    "evidence_by_force": (
        "Every yes/no item per force: applicable, completed, percent (the Table 2 rule).",
        _EVIDENCE_COLUMNS,
    ),
    "evidence_summary": (
        "Every yes/no item, pooled across forces (sums of counts, never averages): the shape "
        "of the report's Table 2. in_scope = 0 rows are the case files outside the DA "
        "analysis (burglary, not DA), reported separately.",
        _EVIDENCE_COLUMNS,
    ),
    "scale_by_force": (
        "Every scale (1-4) item per force: how many scored, mean, share scoring 3 or more.",
        {**_EVIDENCE_COLUMNS, **_SCALE_COLUMNS},
    ),
    "scale_summary": (
        "Every scale (1-4) item pooled across forces.",
        {**_EVIDENCE_COLUMNS, **_SCALE_COLUMNS},
    ),
    "coverage": (
        "Counted records against the sample targets, per checklist, stratum and force. "
        "Defaults: 10 calls per force, 10 case files per offence category per force; "
        "front desks and MARACs as recorded (no target).",
        {
            "target": "Records wanted (a team lead's target, else the default; empty = as "
            "recorded).",
            "final": "Counted (final) records.",
            "drafts": "Draft records not yet final.",
            "remaining": "Still to do (never below 0).",
        },
    ),
    "open_conflicts": (
        "Conflicts to settle, with the record and question they belong to.",
        {
            "change_id": "The losing change (settle it by this id).",
            "field": "Item id or envelope field.",
            "question": "The question.",
            "kept_value": "The value kept for now.",
            "other_value": "The other value.",
            "other_author": "Who wrote the other value.",
            "other_device": "Where.",
        },
    ),
    "answers_long": (
        "Every answer of every non-deleted record, one row per answer, with its question.",
        {
            "item_id": "The question's id.",
            "rkey": "Repeat instance key.",
            "question": "The question.",
            "kind": "Answer kind.",
            "value": "The stored answer (yes/no/na, a number, a code, ISO date/time, JSON list).",
        },
    ),
}

CANNED = {
    "record_answers": (
        "A record's answers",
        "One record's answers in questionnaire order, with choice labels (give its record "
        "id; a record's page links here).",
    ),
    "recommendation_timeline": (
        "Recommendation timeline",
        "Every dated status and comment of a recommendation, oldest first, with its current "
        "status (the latest status event). Give a reference such as eb2014:2, or a register "
        "id such as 2321; leave empty for all.",
    ),
    "action_plans_by_force_and_status": (
        "Action plans by force and status",
        "Forces' action-plan objectives with their latest RAG status. Leave force or rag empty "
        "for all.",
    ),
    "evidence": (
        "Evidence summary",
        "Every yes/no item, pooled across forces, by the Table 2 rule. Leave checklist empty "
        "for all.",
    ),
    "summary_table": (
        "Summary tables (Table 2)",
        "Each checklist's named summary tables, items in printed order, over the records in "
        "scope. Leave summary or checklist empty for all.",
    ),
    "summary_rates": (
        "Summary tables: rates by force",
        "Figures from forces' data returns (Figure 6, DVPOs, Figure 7): per force and pooled "
        "nationally, 'no data' where a force gave none, provisional until agreed. Leave "
        "summary or force empty for all.",
    ),
    "summary_shares": (
        "Summary tables: shares (Table 1)",
        "Per group, the items most often given the table's choice, of those who answered, "
        "top first. Leave summary empty for all.",
    ),
    "evidence_per_force": (
        "Evidence by force",
        "Every yes/no item per force against the rest of England and Wales: the force's "
        "Wilson 95% interval, the gap, the two-sided test at 95% and its call; a base under "
        "min_base (empty: 10) is too small to call. Leave checklist or force empty for all.",
    ),
    "out_of_scope": (
        "Records outside the scope rule",
        "Records sampled but outside their checklist's scope rule (for case files: burglary "
        "and non-DA files), reported separately. Leave checklist empty for all.",
    ),
    "coverage_against_targets": (
        "Coverage",
        "Counted records per force, checklist and stratum, against the sample targets.",
    ),
    "conflicts_to_settle": (
        "Conflicts",
        "Values that lost a concurrent edit, to settle in fieldkit.",
    ),
    "scores_by_force": (
        "Scores by force",
        "Every 1-4 item per force: scored, mean, share scoring 3 or more. Leave checklist or "
        "force empty for all.",
    ),
    "duplicate_case_files": (
        "Duplicates",
        "Records that two inspectors made of the same case: only one is counted.",
    ),
}

FACETS = {
    "records": ["checklist_id", "force_code", "status"],
    "record_facts": ["checklist_id", "force_code", "status"],
    "counted_records": ["checklist_id", "force_code"],
    "evidence_by_force": ["checklist_id", "force_code"],
    "evidence_summary": ["checklist_id"],
    "scale_by_force": ["checklist_id", "force_code"],
    "coverage": ["checklist_id", "force_code"],
    "open_conflicts": ["checklist_id", "force_code"],
    "items": ["checklist_id", "kind"],
    "rec_status": ["current_status", "lead_org", "source_report"],
    "rec_timeline": ["ref", "kind", "status_slug"],
    "plans_by_force": ["force_code", "plan", "rag", "theme"],
    "plan_rag_summary": ["force_code", "rag"],
}
HIDDEN = (
    "_sqlite_migrations",
    # housekeeping: the stored counts, the change log and its chains, imports, history
    "agg_answers",
    "agg_records",
    "record_agg",
    "record_scope",
    "changes",
    "chain_heads",
    "merges",
    "item_renames",
    "evidence_figures",
    "register_imports",
    "register_withdrawals",
    "rec_event_history",
    "rec_events_current",
    "plan_event_history",
    "plan_events_current",
    "plan_rag_values",
    views.STAMP_VIEW,
    "change_parents",
    "attachments",  # attached files, by digest (the workbook names them; export writes them)
    "meta",
    "natural_key_items",
    "force_aliases",
    "cells",
    "evidence_expected",
    "evidence_answered",
)
# Canned queries in the order the database page lists them: the findings first.
FIRST = (
    "summary_table",
    "evidence",
    "evidence_per_force",
    "coverage_against_targets",
    "scores_by_force",
    "out_of_scope",
)


_CREATE = re.compile(
    r"^CREATE\s+(?:TABLE|VIEW)\s+(?:IF NOT EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)", re.I
)
_COLUMN = re.compile(r"^\s+([A-Za-z_][A-Za-z0-9_]*)\b[^-]*--\s*(.+)$")


@cache
def schema_docs() -> dict[str, tuple[str, dict[str, str]]]:
    """Descriptions from the comments in the schema steps (fieldkit/sql/NNNN_*.sql): the
    comment block just above a CREATE TABLE, and `-- ...` after a column. Covers tables
    that later schema steps add."""
    docs: dict[str, tuple[str, dict[str, str]]] = {}
    for _, text in sql.schema_steps():
        comment: list[str] = []
        table: str | None = None
        for line in text.splitlines():
            stripped = line.strip()
            m = _CREATE.match(stripped)
            if m:
                table = m.group(1)
                docs[table] = (" ".join(comment), {})
                comment = []
                continue
            if table is not None:
                c = _COLUMN.match(line)
                if c:
                    docs[table][1][c.group(1)] = c.group(2).strip()
                if stripped.endswith(";"):
                    table = None
                continue
            if stripped.startswith("--"):
                comment.append(stripped.lstrip("-").strip())
            else:
                comment = []
    return docs


@dataclass
class DatabaseInfo:
    """What the plugin knows about one fieldkit database."""

    metadata: dict[str, Any]
    # table -> column -> Item, for readable answers
    item_columns: dict[str, dict[str, Item]] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    # (checklist id, summary id, title) for every named summary table (Table 2)
    summaries: list[tuple[str, str, str]] = field(default_factory=list)
    # (checklist id, summary id, title, kind) for the rates and shares tables
    other_summaries: list[tuple[str, str, str, str]] = field(default_factory=list)
    # wide view -> column -> the heading shown (question text)
    headings: dict[str, dict[str, str]] = field(default_factory=dict)


def canned_queries() -> dict[str, dict[str, Any]]:
    found = sql.queries("canned")
    out = {}
    for name in [*FIRST, *(n for n in found if n not in FIRST)]:
        title, description = CANNED[name]
        text = found[name]
        out[name] = {
            "sql": text.rstrip().rstrip(";"),
            "title": title,
            "description": description,
            "hide_sql": True,  # open on the results; "Show SQL" unfolds it
        }
    return out


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_xinfo({views.quote(table)})")]


def database_info(conn: sqlite3.Connection) -> DatabaseInfo:
    """Metadata for one fieldkit database (connection may be read-only)."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name"
        )
    ]
    tables: dict[str, Any] = {}
    info = DatabaseInfo(metadata={"tables": tables})
    try:
        wide = views.wide_views(conn)
    except (sqlite3.DatabaseError, FieldkitError):
        wide = []
    wide_by_name = {name: (c, v) for name, c, v in wide}
    for versions in _safe_checklists(conn).values():
        for checklist in versions.values():
            for item in checklist.items:
                info.items.setdefault(item.id, item)
    for name in names:
        cols = _columns(conn, name)
        if name in wide_by_name:
            checklist, version = wide_by_name[name]
            which = f"version {version}" if version is not None else "every version"
            desc = (
                f"{checklist.title} ({which}): a row per record that is not deleted, a column "
                "per question (column descriptions give the question text). Drafts included: "
                "filter counted = 1 for the records in the figures."
            )
            col_docs = {c: d for c, d in _ENVELOPE_COLUMNS.items() if c in cols}
            per_item: dict[str, Item] = {}
            headings: dict[str, str] = {}
            for wc in views.wide_columns(checklist):
                col_docs[wc.name] = f"{wc.header} ({wc.item.id})"
                headings[wc.name] = wc.header
                per_item[wc.name] = wc.item
            info.item_columns[name] = per_item
            info.headings[name] = headings
            # The column headings are the questions (the plugin relabels them, the item id
            # is the tooltip) and the glossary is folded away under the rows' heading.
            entry: dict[str, Any] = {
                "title": f"{checklist.title}: one row per record",
                "description": desc + " Column headings are the questions; hover for the id.",
                "columns": col_docs,
            }
        else:
            from_schema = schema_docs().get(name, ("", {}))
            desc, docs = TABLES.get(name, (from_schema[0] or "A fieldkit table.", {}))
            col_docs = {}
            for c in cols:
                text = (
                    docs.get(c)
                    or from_schema[1].get(c)
                    or _ENVELOPE_COLUMNS.get(c)
                    or _EVIDENCE_COLUMNS.get(c)
                )
                col_docs[c] = text or c.replace("_", " ").capitalize() + "."
            entry = {
                "title": name.replace("_", " ").capitalize(),
                "description": desc,
                "columns": col_docs,
            }
            facets = [f for f in FACETS.get(name, []) if f in cols]
            if facets:
                entry["facets"] = facets
        if name in HIDDEN:
            entry["hidden"] = True
        tables[name] = entry
    for name in ("answers_long", "cells", "open_conflicts"):
        if name in tables:
            info.item_columns.setdefault(name, {})
    info.metadata["queries"] = canned_queries()
    info.metadata["description"] = INSTANCE["description"]
    info.summaries = [(c, s, t) for c, s, t, k in _summaries(conn) if k == "evidence"]
    info.other_summaries = [x for x in _summaries(conn) if x[3] != "evidence"]
    return info


def _summaries(conn: sqlite3.Connection) -> list[tuple[str, str, str, str]]:
    from fieldkit.report.definitions import latest, summaries_of

    try:
        found = latest(conn)
    except (sqlite3.DatabaseError, FieldkitError, ValueError):
        return []
    return [
        (cid, s.id, s.title.replace(" {files}", "").replace("{files}", ""), s.kind)
        for cid, c in found.items()
        for s in summaries_of(c)
    ]


def findings_html(database: str, info: DatabaseInfo, dashboard: str) -> str:
    """The links a database page opens with: the findings before the tables."""
    links = [
        (f"/-/dashboards/{dashboard}", "Dashboard: Table 2 as bars, evidence by force, coverage")
    ]
    for cid, sid, title in info.summaries:
        q = urlencode({"summary": sid, "checklist": cid})
        links.append((f"/{database}/summary_table?{q}", title.split(":")[0]))
    for _cid, sid, title, kind in info.other_summaries:
        q = urlencode({"summary": sid})
        links.append((f"/{database}/summary_{kind}?{q}", title.split(":")[0]))
    for name in FIRST[1:]:
        links.append((f"/{database}/{name}", CANNED[name][0]))
    items = "".join(f'<li><a href="{escape(href)}">{escape(text)}</a></li>' for href, text in links)
    return (
        f"<p>{escape(INSTANCE['description'])}</p><p><strong>Findings</strong></p><ul>{items}</ul>"
        "<p>Below: the tables and views behind them (housekeeping tables are hidden).</p>"
    )


def _safe_checklists(conn: sqlite3.Connection) -> dict[str, Any]:
    try:
        return views.stored_checklists(conn)
    except (sqlite3.DatabaseError, FieldkitError):
        return {}


def is_fieldkit(conn: sqlite3.Connection) -> bool:
    try:
        have = {
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE name IN ('cells', 'items', 'records',"
                " 'checklists')"
            )
        }
    except sqlite3.DatabaseError:
        return False
    return len(have) == 4
