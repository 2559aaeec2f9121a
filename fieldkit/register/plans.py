"""Forces' action plans: themes (S, T, O, P), objectives, and each objective's dated RAG
status, evidence notes, owner, due date and links to recommendations (DOMAIN.md 5.4).

A plan is named `<force_code>:<name>` (kent:stop-2018) and an objective
`<force_code>:<name>:<objective_id>` (kent:stop-2018:s03). Every row is append-only and
keyed by a digest of its content; current values are the latest event of their kind (by
date, then seq, then id), so merging databases is a plain union."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fieldkit import sql
from fieldkit.errors import BadInput
from fieldkit.register import reference
from fieldkit.register.ids import SLUG_RE, digest, iso_date, now_iso, row_columns
from fieldkit.register.recs import resolve_rec
from fieldkit.store import Store, resolve_force

Q = sql.queries("register")
EVENT_KINDS = ("rag", "evidence", "owner", "due")
PLAN_EVENT_COLUMNS = row_columns("plan_events")
LINK_COLUMNS = row_columns("plan_links")
THEME_CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,2}$")


@dataclass
class PlanResult:
    plan_id: str
    themes: int = 0
    objectives: int = 0
    new_rows: int = 0


@dataclass
class PlanEventResult:
    objective_ref: str
    added: bool
    warnings: list[str] = field(default_factory=list)


def plan_id(force_code: str, name: str) -> str:
    return f"{force_code}:{name}"


def check_plan_name(name: str) -> str:
    n = name.strip().lower()
    if not SLUG_RE.match(n):
        raise BadInput(
            f"plan name {name!r}: use lower-case letters, digits, '-' and '_' (like stop-2018)"
        )
    return n


def check_objective_id(text: str) -> str:
    t = text.strip().lower()
    if not SLUG_RE.match(t):
        raise BadInput(f"objective id {text!r}: use letters, digits, '-' and '_' (like s03)")
    return t


# ---------------------------------------------------------------------------- RAG values
def normal_rag(conn: sqlite3.Connection | None, text: str) -> tuple[str, bool]:
    """A RAG value as stored: the known code it spells (any case, or an alias such as 'G' or
    'Completed'), else the text as written. Returns (value, known)."""
    t = " ".join(str(text).split())
    if not t:
        raise BadInput("a RAG status needs a value (red, amber, green, complete, not-started)")
    low = t.lower()
    for code, label, aliases in reference.load().rag_values:
        if low in (code, label.lower()) or low in (a.lower() for a in aliases):
            return code, True
    if conn is not None:
        row = conn.execute("SELECT code FROM plan_rag_values WHERE code = ?", (low,)).fetchone()
        if row:
            return row[0], True
    known = ", ".join(c for c, _, _ in reference.load().rag_values)
    raise BadInput(f"unknown RAG status {t!r} (known: {known})")


# ------------------------------------------------------------------------ row builders
def plan_row(force_code: str, name: str) -> dict[str, Any]:
    return {"plan_id": plan_id(force_code, name), "force_code": force_code, "name": name}


def theme_row(
    pid: str, code: str, title: str, includes: Iterable[str], position: int
) -> dict[str, Any]:
    inc = "\n".join(includes) or None
    return {
        "row_id": digest("plan_theme", pid, code, title, inc, position),
        "plan_id": pid,
        "code": code,
        "title": title,
        "includes": inc,
        "position": position,
    }


def objective_row(
    pid: str, objective_id: str, theme: str, text: str, position: int
) -> dict[str, Any]:
    return {
        "row_id": digest("plan_objective", pid, objective_id, theme, text, position),
        "plan_id": pid,
        "objective_id": objective_id,
        "theme_code": theme,
        "text": text,
        "position": position,
    }


def event_row(
    pid: str,
    objective_id: str,
    on: str,
    seq: int,
    kind: str,
    value: str,
    note: str | None,
    source: str,
    author: str | None,
    recorded_at: str | None,
) -> dict[str, Any]:
    parts = (pid, objective_id, on, seq, kind, value, note, source, author, recorded_at)
    return {
        "event_id": digest("plan_event", *parts),
        "plan_id": pid,
        "objective_id": objective_id,
        "event_date": on,
        "seq": seq,
        "kind": kind,
        "value": value,
        "note": note,
        "source": source,
        "author": author,
        "recorded_at": recorded_at,
    }


def link_row(
    pid: str,
    objective_id: str,
    rec_id: str,
    linked: int,
    on: str,
    seq: int,
    source: str,
    author: str | None,
    recorded_at: str | None,
) -> dict[str, Any]:
    parts = (pid, objective_id, rec_id, linked, on, seq, source, author, recorded_at)
    return {
        "link_id": digest("plan_link", *parts),
        "plan_id": pid,
        "objective_id": objective_id,
        "rec_id": rec_id,
        "linked": linked,
        "event_date": on,
        "seq": seq,
        "source": source,
        "author": author,
        "recorded_at": recorded_at,
    }


def _insert(conn: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    cols = list(rows[0])
    before = conn.total_changes
    conn.executemany(
        f"INSERT OR IGNORE INTO {table} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})",
        rows,
    )
    return conn.total_changes - before


def insert_plan(conn: sqlite3.Connection, row: dict[str, Any]) -> int:
    return _insert(conn, "plans", [row])


def insert_themes(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> int:
    return _insert(conn, "plan_themes", rows)


def insert_objectives(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> int:
    return _insert(conn, "plan_objectives", rows)


def insert_events(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> int:
    return _insert(conn, "plan_events", rows)


def insert_links(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> int:
    return _insert(conn, "plan_links", rows)


# ------------------------------------------------------------------------------ plans
def new_plan(
    store: Store, force: str, *, template: str = "stop-2018", name: str | None = None
) -> PlanResult:
    """A force's plan created from a shipped template (themes and objectives, no statuses).

    Creating the same plan from the same template again adds nothing; a plan of that name
    that differs (e.g. imported from a spreadsheet) is refused."""
    tpl = reference.template(template)
    code = resolve_force(force)
    pname = check_plan_name(name or tpl.id)
    pid = plan_id(code, pname)
    themes = [theme_row(pid, t.code, t.title, t.includes, t.position) for t in tpl.themes]
    objectives = [objective_row(pid, o.id, o.theme, o.text, o.position) for o in tpl.objectives]
    with store.writing() as w:
        conn = w.conn  # the register's own tables, written by its helpers
        have = {
            r[0]
            for r in conn.execute("SELECT row_id FROM plan_objectives WHERE plan_id = ?", (pid,))
        }
        if have and have != {o["row_id"] for o in objectives}:
            raise BadInput(
                f"plan {pid} already exists with other objectives; choose another --plan name"
            )
        added = insert_plan(conn, plan_row(code, pname))
        added += insert_themes(conn, themes)
        added += insert_objectives(conn, objectives)
    return PlanResult(plan_id=pid, themes=len(themes), objectives=len(objectives), new_rows=added)


def list_plans(conn: sqlite3.Connection, force: str | None = None) -> list[dict[str, Any]]:
    """Plans with their objective counts, by force."""
    where, args = sql.where({"p.force_code": resolve_force(force) if force else None})
    return sql.rows(
        conn,
        "SELECT p.plan_id, p.force_code, p.name,"
        " (SELECT count(DISTINCT objective_id) FROM plan_objectives o"
        "  WHERE o.plan_id = p.plan_id) AS objectives"
        f" FROM plans p {where} ORDER BY p.force_code, p.name",
        args,
    )


def resolve_objective(
    conn: sqlite3.Connection, ref: str, *, force: str | None = None, plan: str | None = None
) -> tuple[str, str]:
    """(plan_id, objective_id) for `force:plan:objective`, `force:objective`, or an
    objective id with --force (and --plan when the force has several plans)."""
    parts = ref.strip().split(":")
    if len(parts) == 3:
        force, plan, obj = parts
    elif len(parts) == 2:
        force, obj = parts
    elif len(parts) == 1:
        obj = parts[0]
    else:
        raise BadInput(f"objective {ref!r}: name it like kent:stop-2018:s03")
    if not force:
        raise BadInput(f"objective {ref!r}: say which force (--force, or kent:stop-2018:s03)")
    code = resolve_force(force)
    obj = check_objective_id(obj)
    if plan:
        pid = plan_id(code, check_plan_name(plan))
        if conn.execute("SELECT 1 FROM plans WHERE plan_id = ?", (pid,)).fetchone() is None:
            raise BadInput(f"no plan {pid} (see `fieldkit plans list --force {code}`)")
    else:
        pids = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT plan_id FROM plan_objectives WHERE objective_id = ?"
                " AND plan_id IN (SELECT plan_id FROM plans WHERE force_code = ?) ORDER BY plan_id",
                (obj, code),
            )
        ]
        if not pids:
            raise BadInput(f"{code} has no objective {obj!r} in any plan")
        if len(pids) > 1:
            raise BadInput(
                f"{code} has {obj!r} in {len(pids)} plans ({', '.join(pids)}): use --plan"
            )
        pid = pids[0]
    if (
        conn.execute(
            "SELECT 1 FROM plan_objectives WHERE plan_id = ? AND objective_id = ?", (pid, obj)
        ).fetchone()
        is None
    ):
        raise BadInput(f"plan {pid} has no objective {obj!r}")
    return pid, obj


def _record(
    store: Store,
    ref: str,
    kind: str,
    on: str,
    value: str,
    note: str | None,
    *,
    force: str | None,
    plan: str | None,
    source: str,
    author: str | None,
    allow_future: bool = False,
) -> PlanEventResult:
    from fieldkit.register.recs import check_not_future

    day = iso_date(on)
    check_not_future(day, allow_future)
    with store.writing() as w:
        conn = w.conn  # the register's own tables, written by its helpers
        pid, obj = resolve_objective(conn, ref, force=force, plan=plan)
        warnings: list[str] = []
        same = conn.execute(
            "SELECT 1 FROM plan_events WHERE plan_id = ? AND objective_id = ? AND kind = ?"
            " AND event_date = ? AND value = ? AND note IS ?",
            (pid, obj, kind, day, value, note),
        ).fetchone()
        result = PlanEventResult(objective_ref=f"{pid}:{obj}", added=False, warnings=warnings)
        if same:
            return result
        seq = conn.execute(Q["next_plan_seq"], (pid, obj, kind, day)).fetchone()[0]
        row = event_row(
            pid,
            obj,
            day,
            seq,
            kind,
            value,
            note,
            source,
            author if author is not None else (store.inspector or None),
            now_iso(),
        )
        result.added = insert_events(conn, [row]) == 1
    return result


def set_rag(
    store: Store,
    ref: str,
    on: str,
    rag: str,
    *,
    note: str | None = None,
    force: str | None = None,
    plan: str | None = None,
    source: str = "manual",
    author: str | None = None,
    allow_future: bool = False,
) -> PlanEventResult:
    """Record an objective's RAG status on a date (with an optional note). A value outside
    the vocabulary, or a date after today (unless `allow_future`), is refused."""
    value, _ = normal_rag(store.conn, rag)
    note = note.strip() if note and note.strip() else None
    return _record(
        store,
        ref,
        "rag",
        on,
        value,
        note,
        force=force,
        plan=plan,
        source=source,
        author=author,
        allow_future=allow_future,
    )


def add_evidence(
    store: Store,
    ref: str,
    on: str,
    text: str,
    *,
    force: str | None = None,
    plan: str | None = None,
    source: str = "manual",
    author: str | None = None,
) -> PlanEventResult:
    """Add a dated evidence note to an objective."""
    if not text or not text.strip():
        raise BadInput("an evidence note needs some text")
    return _record(
        store,
        ref,
        "evidence",
        on,
        text,
        None,
        force=force,
        plan=plan,
        source=source,
        author=author,
    )


def assign(
    store: Store,
    ref: str,
    on: str,
    *,
    owner: str | None = None,
    due: str | None = None,
    force: str | None = None,
    plan: str | None = None,
    source: str = "manual",
    author: str | None = None,
) -> list[PlanEventResult]:
    """Set an objective's owner and/or due date from a date on."""
    if not (owner and owner.strip()) and not (due and due.strip()):
        raise BadInput("give an owner, a due date, or both")
    out = []
    if owner and owner.strip():
        out.append(
            _record(
                store,
                ref,
                "owner",
                on,
                owner.strip(),
                None,
                force=force,
                plan=plan,
                source=source,
                author=author,
            )
        )
    if due and due.strip():
        out.append(
            _record(
                store,
                ref,
                "due",
                on,
                iso_date(due, "due date"),
                None,
                force=force,
                plan=plan,
                source=source,
                author=author,
            )
        )
    return out


def link(
    store: Store,
    ref: str,
    recs: Iterable[str],
    *,
    on: str,
    unlink: bool = False,
    force: str | None = None,
    plan: str | None = None,
    source: str = "manual",
    author: str | None = None,
) -> list[tuple[str, bool]]:
    """Link (or unlink) an objective to recommendations. Returns (rec_id, changed) pairs:
    linking what is already linked changes nothing."""
    day = iso_date(on)
    names = [r for r in recs if r.strip()]
    if not names:
        raise BadInput("name at least one recommendation, like eb2014:2")
    out: list[tuple[str, bool]] = []
    with store.writing() as w:
        conn = w.conn  # the register's own tables, written by its helpers
        reference.install_reference(conn)
        pid, obj = resolve_objective(conn, ref, force=force, plan=plan)
        for name in names:
            rid = resolve_rec(conn, name)
            current = conn.execute(Q["current_link"], (pid, obj, rid)).fetchone()
            want = 0 if unlink else 1
            if (current[0] if current else 0) == want:
                out.append((rid, False))
                continue
            seq = conn.execute(Q["next_link_seq"], (pid, obj, rid, day)).fetchone()[0]
            insert_links(
                conn,
                [
                    link_row(
                        pid,
                        obj,
                        rid,
                        want,
                        day,
                        seq,
                        source,
                        author if author is not None else (store.inspector or None),
                        now_iso(),
                    )
                ],
            )
            out.append((rid, True))
    return out


# ------------------------------------------------------------------- withdraw, correct
def withdraw_plan_event(
    store: Store,
    event: str,
    *,
    reason: str | None = None,
    correct_rag: str | None = None,
    on: str | None = None,
    allow_future: bool = False,
) -> tuple[str, str | None]:
    """Withdraw an objective's RAG rating (or evidence, owner, due entry) recorded by
    mistake, or with `correct_rag`/`on` replace it by a corrected one. The original stays
    in the history, shown as withdrawn. Returns (withdrawn id, replacement id or None)."""
    from fieldkit.register import withdrawals as W
    from fieldkit.register.recs import check_not_future

    with store.writing() as w:
        conn = w.conn  # the register's own tables, written by its helpers
        row = W.find_event(conn, "plan_event", event)
        author = store.inspector or None
        replaced_by = None
        if correct_rag is not None or on is not None:
            if row["kind"] != "rag" and correct_rag is not None:
                raise BadInput(f"event {row['event_id']} is a {row['kind']}, not a RAG rating")
            day = iso_date(on) if on else row["event_date"]
            check_not_future(day, allow_future)
            value = normal_rag(conn, correct_rag)[0] if correct_rag is not None else row["value"]
            if (day, value) == (row["event_date"], row["value"]):
                raise BadInput(f"event {row['event_id']}: the correction changes nothing")
            seq = conn.execute(
                Q["next_plan_seq"], (row["plan_id"], row["objective_id"], row["kind"], day)
            ).fetchone()[0]
            new = event_row(
                row["plan_id"],
                row["objective_id"],
                day,
                seq,
                row["kind"],
                value,
                row["note"],
                "manual",
                author,
                now_iso(),
            )
            insert_events(conn, [new])
            replaced_by = new["event_id"]
        W.withdraw(
            conn,
            "plan_event",
            row["event_id"],
            reason=reason,
            replaced_by=replaced_by,
            author=author,
        )
    return row["event_id"], replaced_by


# ------------------------------------------------------------------------------ reading
def list_objectives(
    conn: sqlite3.Connection,
    *,
    force: str | None = None,
    plan: str | None = None,
    rag: str | None = None,
) -> list[dict[str, Any]]:
    """Objectives with their current RAG status, owner, due date, evidence and links.

    `rag` keeps those whose current status is that value ('none': not rated yet)."""
    rows = sql.rows(conn, Q["list_objectives"])
    if force:
        code = resolve_force(force)
        rows = [r for r in rows if r["force_code"] == code]
    if plan:
        rows = [r for r in rows if r["plan"] == plan.strip().lower()]
    if rag:
        if rag.strip().lower() in ("none", "unrated", "-"):
            rows = [r for r in rows if r["rag"] is None]
        else:
            value, _ = normal_rag(conn, rag)
            rows = [r for r in rows if r["rag"] == value]
    return rows


def objective(
    conn: sqlite3.Connection, ref: str, *, force: str | None = None, plan: str | None = None
) -> dict[str, Any]:
    """One objective: its current values and every dated fact about it."""
    pid, obj = resolve_objective(conn, ref, force=force, plan=plan)
    rows = [r for r in sql.rows(conn, Q["list_objectives"]) if r["objective_ref"] == f"{pid}:{obj}"]
    out = dict(rows[0])
    inc = conn.execute(
        "SELECT includes FROM plan_themes WHERE plan_id = ? AND code = ? ORDER BY row_id LIMIT 1",
        (pid, out["theme"]),
    ).fetchone()
    out["theme_includes"] = inc[0] if inc else None
    out["history"] = sql.rows(conn, Q["plan_history"], (pid, obj))
    out["links"] = sql.rows(
        conn,
        "SELECT l.rec_id, l.linked, l.event_date, l.source, l.author FROM plan_links l"
        " WHERE l.plan_id = ? AND l.objective_id = ? ORDER BY l.event_date, l.seq, l.link_id",
        (pid, obj),
    )
    return out


def plan_rows(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Rows for the Excel export's Action plans sheet: one per objective, by force."""
    return sql.rows(conn, Q["plan_rows"])
