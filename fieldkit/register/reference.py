"""The register's reference data (fieldkit/reference/*.yaml): reports, the status vocabulary,
the 11 national recommendations with their lead organisations, seed 001's dated facts, RAG
values and action-plan templates. Validated on load, installed idempotently."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from fieldkit import reference as files
from fieldkit.errors import BadInput, FieldkitError
from fieldkit.register.ids import digest, iso_date, norm, row_columns
from fieldkit.register.parse import format_date
from fieldkit.yamlfile import safe_load

OPENING_CHARS = 60
TEXT_REPORT = "everyones_business_2014"  # the report whose full texts are shipped  # how much of a recommendation's opening must match an entry's text


class ReferenceError(FieldkitError):
    """A shipped reference file that does not validate (a packaging bug)."""


@dataclass(frozen=True)
class Report:
    id: str
    short: str
    title: str
    published: str
    source: str


@dataclass(frozen=True)
class Recommendation:
    report: str
    number: int
    title: str
    gist: str
    lead: str
    annex_e_status: str | None
    annex_e: str
    openings: tuple[str, ...]
    register_ids: tuple[str, ...]
    source: str
    text: str = ""  # the full text as printed (reference/eb2014_text.yaml)
    group: int | None = None  # the number whose heading it shares in an update (3 -> 2)

    @property
    def rec_id(self) -> str:
        return rec_id(self.report, self.number)


@dataclass(frozen=True)
class Reference:
    reports: tuple[Report, ...]
    statuses: tuple[tuple[str, str], ...]  # (slug, label)
    recommendations: tuple[Recommendation, ...]
    events: tuple[dict[str, Any], ...]  # rec_events rows (seed 001's dated facts)
    rag_values: tuple[tuple[str, str, tuple[str, ...]], ...]  # (code, label, aliases)

    @property
    def status_slugs(self) -> tuple[str, ...]:
        return tuple(s for s, _ in self.statuses)

    def report(self, report_id: str) -> Report | None:
        return next((r for r in self.reports if report_id in (r.id, r.short)), None)


def rec_id(report: str, number: int) -> str:
    return f"{report}:{number}"


def _load_yaml(name: str) -> Any:
    try:
        return safe_load(files.path(name).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise ReferenceError(f"reference/{name}: cannot read ({e})") from None


def event_row(
    *,
    rec: str,
    reg_id: str | None,
    on: str,
    date_text: str,
    seq: int,
    kind: str,
    body: str,
    source: str,
    author: str | None = None,
    recorded_at: str | None = None,
) -> dict[str, Any]:
    """A rec_events row with its digest id (the one way an event row is made)."""
    status = body if kind == "status" else None
    comment = body if kind == "comment" else None
    parts = (rec, reg_id, on, date_text, seq, kind, status, comment, source, author, recorded_at)
    return {
        "event_id": digest("rec_event", *parts),
        "rec_id": rec,
        "reg_id": reg_id,
        "event_date": on,
        "date_text": date_text,
        "seq": seq,
        "kind": kind,
        "status_slug": status,
        "comment_text": comment,
        "source": source,
        "author": author,
        "recorded_at": recorded_at,
    }


@cache
def load() -> Reference:
    """The shipped reference data, validated."""
    data = _load_yaml("recommendations.yaml")
    texts = {int(k): str(v) for k, v in (_load_yaml("eb2014_text.yaml")["texts"]).items()}
    reports = tuple(
        Report(
            id=str(r["id"]),
            short=str(r["short"]),
            title=str(r["title"]),
            published=str(r.get("published") or ""),
            source=str(r.get("source") or ""),
        )
        for r in data["reports"]
    )
    report_ids = {r.id for r in reports}
    statuses = tuple((str(s["slug"]), str(s["label"])) for s in data["statuses"])
    recs: list[Recommendation] = []
    seen: set[str] = set()
    for r in data["recommendations"]:
        rec = Recommendation(
            report=str(r["report"]),
            number=int(r["number"]),
            title=str(r["title"]),
            gist=" ".join(str(r["gist"]).split()),
            lead=str(r["lead"]),
            annex_e_status=r.get("annex_e_status"),
            annex_e=str(r.get("annex_e") or ""),
            openings=tuple(str(o) for o in r.get("openings") or ()),
            register_ids=tuple(str(i) for i in r.get("register_ids") or ()),
            source=str(r.get("source") or ""),
            text=texts.get(int(r["number"]), "") if r["report"] == TEXT_REPORT else "",
            group=int(r["update_group"]) if r.get("update_group") is not None else None,
        )
        if rec.report not in report_ids:
            raise ReferenceError(f"recommendations.yaml: {rec.rec_id}: unknown report")
        if rec.rec_id in seen:
            raise ReferenceError(f"recommendations.yaml: duplicate {rec.rec_id}")
        if rec.annex_e_status and rec.annex_e_status not in {s for s, _ in statuses}:
            raise ReferenceError(f"recommendations.yaml: {rec.rec_id}: unknown annex_e_status")
        seen.add(rec.rec_id)
        recs.append(rec)
    events = []
    annex = data["annex_e"]
    annex_on = iso_date(str(annex["date"]))
    for rec in recs:
        if rec.annex_e_status:
            events.append(
                event_row(
                    rec=rec.rec_id,
                    reg_id=None,
                    on=annex_on,
                    date_text=format_date(annex_on),
                    seq=0,
                    kind="status",
                    body=rec.annex_e_status,
                    source=str(annex["source"]),
                )
            )
    for e in data.get("events") or ():
        if e["rec"] not in seen:
            raise ReferenceError(f"recommendations.yaml: event for unknown {e['rec']}")
        on = iso_date(str(e["date"]))
        kind = "status" if "status" in e else "comment"
        events.append(
            event_row(
                rec=str(e["rec"]),
                reg_id=None,
                on=on,
                date_text=format_date(on),
                seq=0,
                kind=kind,
                body=str(e[kind]),
                source=str(e["source"]),
            )
        )
    plans = _load_yaml("plans.yaml")
    rag = tuple(
        (str(v["code"]), str(v["label"]), tuple(str(a) for a in v.get("aliases") or ()))
        for v in plans["rag_values"]
    )
    return Reference(
        reports=reports,
        statuses=statuses,
        recommendations=tuple(recs),
        events=tuple(events),
        rag_values=rag,
    )


# ------------------------------------------------------------------------ matching
def match_report(heading: str) -> Report | None:
    """The shipped report an entry's heading names (title as printed, any quotes or case)."""
    h = norm(heading)
    for r in load().reports:
        if h in (norm(r.title), r.id, r.short):
            return r
    return None


def match_recommendation(report: Report | None, reg_id: str, text: str) -> Recommendation | None:
    """The shipped recommendation a register entry is: by known register id, else by the
    opening words of its text."""
    recs = load().recommendations
    for rec in recs:
        if reg_id in rec.register_ids:
            return rec
    if report is None:
        return None
    body = norm(text)
    for rec in recs:
        if rec.report != report.id:
            continue
        for opening in rec.openings:
            if body.startswith(norm(opening)[:OPENING_CHARS]):
                return rec
    return None


# ----------------------------------------------------------------------- installing
def _reference_rows() -> dict[str, list[tuple[Any, ...]]]:
    ref = load()
    return {
        "rec_reports (source_report, short, title, published, source)": [
            (r.id, r.short, r.title, r.published, r.source) for r in ref.reports
        ],
        "rec_statuses (slug, label, position)": [
            (slug, label, i) for i, (slug, label) in enumerate(ref.statuses, 1)
        ],
        "recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org,"
        " annex_e_status, annex_e, source, full_text, update_group)": [
            (
                r.rec_id,
                r.report,
                r.number,
                r.title,
                r.gist,
                r.lead,
                r.annex_e_status,
                r.annex_e,
                r.source,
                r.text or None,
                r.group,
            )
            for r in ref.recommendations
        ],
        "plan_rag_values (code, label, position)": [
            (code, label, i) for i, (code, label, _) in enumerate(ref.rag_values, 1)
        ],
    }


EVENT_COLUMNS = row_columns("rec_events")


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def reference_sql() -> str:
    """The reference rows as SQL statements (the block at the end of 0002_register.sql)."""
    lines: list[str] = []
    for target, rows in _reference_rows().items():
        for row in rows:
            lines.append(
                f"INSERT OR REPLACE INTO {target} VALUES ({', '.join(map(_literal, row))});"
            )
    cols = ", ".join(EVENT_COLUMNS)
    for ev in load().events:
        values = ", ".join(_literal(ev[c]) for c in EVENT_COLUMNS)
        lines.append(f"INSERT OR IGNORE INTO rec_events ({cols}) VALUES ({values});")
    return "\n".join(lines) + "\n"


def install_reference(conn: sqlite3.Connection) -> None:
    """Install or refresh the reference rows (idempotent). The caller holds the transaction."""
    for target, rows in _reference_rows().items():
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            conn.executemany(f"INSERT OR REPLACE INTO {target} VALUES ({marks})", rows)
    insert_events(conn, load().events)


def insert_events(conn: sqlite3.Connection, events: Any) -> int:
    """INSERT OR IGNORE rec_events rows; the number that were new."""
    before = conn.total_changes
    conn.executemany(
        f"INSERT OR IGNORE INTO rec_events ({', '.join(EVENT_COLUMNS)})"
        f" VALUES ({', '.join(':' + c for c in EVENT_COLUMNS)})",
        list(events),
    )
    return conn.total_changes - before


# --------------------------------------------------------------------- plan templates
@dataclass(frozen=True)
class TemplateObjective:
    id: str
    text: str
    theme: str
    position: int


@dataclass(frozen=True)
class TemplateTheme:
    code: str
    title: str
    includes: tuple[str, ...]
    position: int


@dataclass(frozen=True)
class Template:
    id: str
    title: str
    themes: tuple[TemplateTheme, ...]
    objectives: tuple[TemplateObjective, ...]


TEMPLATE_FILES = {"stop-2018": "stop_2018.yaml"}


def template(template_id: str) -> Template:
    """A shipped plan template by id (`stop-2018`)."""
    if template_id not in TEMPLATE_FILES:
        raise BadInput(
            f"unknown plan template {template_id!r} (known: {', '.join(sorted(TEMPLATE_FILES))})"
        )
    return _template(template_id)


@cache
def _template(template_id: str) -> Template:
    data = _load_yaml(TEMPLATE_FILES[template_id])
    themes: list[TemplateTheme] = []
    objectives: list[TemplateObjective] = []
    for i, t in enumerate(data["themes"], 1):
        themes.append(
            TemplateTheme(
                code=str(t["code"]),
                title=str(t["title"]),
                includes=tuple(str(x) for x in t.get("includes") or ()),
                position=i,
            )
        )
        for o in t["objectives"]:
            objectives.append(
                TemplateObjective(
                    id=str(o["id"]),
                    text=str(o["text"]),
                    theme=str(t["code"]),
                    position=len(objectives) + 1,
                )
            )
    ids = [o.id for o in objectives]
    if len(set(ids)) != len(ids):
        raise ReferenceError(f"{TEMPLATE_FILES[template_id]}: duplicate objective id")
    return Template(
        id=str(data["id"]),
        title=str(data["title"]),
        themes=tuple(themes),
        objectives=tuple(objectives),
    )
