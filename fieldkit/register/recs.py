"""The recommendations register: importing entries, adding dated events, reading statuses.

Writes go through `Store.writing()` (one transaction: all or nothing). Every row written is
append-only and keyed by a digest of its content (fieldkit.register.ids), so re-importing is
a no-op and merging databases is a plain union."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fieldkit import sql
from fieldkit.errors import BadInput
from fieldkit.register import reference
from fieldkit.register import withdrawals as W
from fieldkit.register.ids import digest, iso_date, now_iso, row_columns, slug, today_iso
from fieldkit.register.parse import Entry, format_date, parse_text
from fieldkit.store import Store
from fieldkit.textfiles import decode

Q = sql.queries("register")
IMPORT_CACHE_KIB = -262_144  # SQLite page cache during an import: 256 MiB at most
MAX_FILE_BYTES = 100_000_000  # a register of 100k entries is about 35 MB


@dataclass
class ImportResult:
    """What `import_register` read and added."""

    files: int = 0
    entries: int = 0
    new_entries: int = 0
    events: int = 0
    new_events: int = 0
    matched: list[tuple[str, str]] = field(default_factory=list)  # (reg_id, rec_id)
    warnings: list[str] = field(default_factory=list)


@dataclass
class EventResult:
    """The outcome of adding one event."""

    rec_id: str
    event_id: str
    added: bool  # False: the same event was already recorded
    warnings: list[str] = field(default_factory=list)


def known_statuses(conn: sqlite3.Connection | None = None) -> list[str]:
    """The status vocabulary (slugs), in order."""
    if conn is not None:
        rows = conn.execute("SELECT slug FROM rec_statuses ORDER BY position").fetchall()
        if rows:
            return [r[0] for r in rows]
    return list(reference.load().status_slugs)


def unknown_status(slug_: str, where: str = "") -> BadInput:
    """The one-line error for a status outside the vocabulary, naming the known ones."""
    known = ", ".join(reference.load().status_slugs)
    prefix = f"{where}: " if where else ""
    return BadInput(f"{prefix}unknown status {slug_!r} (known: {known})")


def check_not_future(day: str, allow_future: bool, what: str = "date") -> None:
    """Refuse a date after today (a typo like 2081 would be the current status for ever)."""
    if not allow_future and day > today_iso():
        raise BadInput(
            f"{what} {day} is in the future (today is {today_iso()}); "
            "use --allow-future if you mean it"
        )


# ---------------------------------------------------------------------------- reading
def read_file(path: Path) -> str:
    """A register file's text (UTF-8, UTF-16 with a BOM, else Windows-1252)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    if path.is_dir():
        raise BadInput(f"{path}: is a directory, not a register file")
    if size > MAX_FILE_BYTES:
        raise BadInput(f"{path}: too large for a register file ({size} bytes)")
    text, _ = decode(path.read_bytes())
    return text


@dataclass(frozen=True)
class _Planned:
    entry: Entry
    row: dict[str, Any]
    events: tuple[dict[str, Any], ...]


def _plan_entry(
    entry: Entry, forced_rec: tuple[str, str | None, int | None] | None, warnings: list[str]
) -> _Planned:
    report = reference.match_report(entry.heading)
    rec = reference.match_recommendation(report, entry.reg_id, entry.text)
    if forced_rec is not None:
        rec_id_, source_report, rec_number = forced_rec
        if source_report is None and report is not None:
            source_report = report.id
    elif rec is not None:
        rec_id_, source_report, rec_number = rec.rec_id, rec.report, rec.number
    else:
        rec_id_ = f"register:{entry.reg_id}"
        source_report = report.id if report else None
        rec_number = None
        what = "its report" if report is None else "a shipped recommendation"
        warnings.append(
            f"{entry.origin}: register entry {entry.reg_id} does not match {what}; "
            f"kept as {rec_id_} (use --rec to say which recommendation it is)"
        )
    parts = (
        entry.reg_id,
        rec_id_,
        source_report,
        rec_number,
        entry.heading,
        entry.title_line,
        entry.text,
    )
    row = {
        "entry_id": digest("register_entry", *parts),
        "reg_id": entry.reg_id,
        "rec_id": rec_id_,
        "source_report": source_report,
        "rec_number": rec_number,
        "heading": entry.heading,
        "title_line": entry.title_line,
        "text": entry.text,
    }
    known = set(reference.load().status_slugs)
    events = []
    last = ""
    for ev in entry.events:
        if ev.kind == "status" and ev.body not in known:
            raise unknown_status(ev.body, f"{entry.origin}: entry {entry.reg_id}")
        if ev.date < last:
            warnings.append(
                f"{entry.origin}: entry {entry.reg_id}: event {ev.seq} ({ev.date_text}) is "
                "earlier than the one before it; kept in file order, statuses go by date"
            )
        last = max(last, ev.date)
        events.append(
            reference.event_row(
                rec=rec_id_,
                reg_id=entry.reg_id,
                on=ev.date,
                date_text=ev.date_text,
                seq=ev.seq,
                kind=ev.kind,
                body=ev.body,
                source="register",
            )
        )
    return _Planned(entry=entry, row=row, events=tuple(events))


ENTRY_COLUMNS = row_columns("register_entries")


def import_register(
    store: Store, paths: Sequence[Path | str], *, rec: str | None = None
) -> ImportResult:
    """Import register entries from files in the format of seed 000, all or nothing.

    Every file is parsed before anything is written: a malformed entry raises BadInput naming
    the file, line and column, and nothing is stored. Importing the same entries again adds
    nothing. `rec` says which recommendation a single entry is (when the text does not say)."""
    result = ImportResult()
    files: list[tuple[Path, str, list[Entry]]] = []
    for p in paths:
        path = Path(p)
        text = read_file(path)
        entries = parse_text(text, str(path))
        files.append((path, hashlib.sha256(text.encode("utf-8")).hexdigest(), entries))
    all_entries = [e for _, _, es in files for e in es]
    if rec is not None and len(all_entries) != 1:
        raise BadInput(
            f"--rec names the recommendation of ONE entry; these files hold {len(all_entries)}"
        )
    forced = None
    if rec is not None:
        forced_id = resolve_rec(store.conn, rec, allow_register=False)
        shipped = {r.rec_id: r for r in reference.load().recommendations}.get(forced_id)
        forced = (
            forced_id,
            shipped.report if shipped else None,
            shipped.number if shipped else None,
        )
    per_file: list[tuple[Path, str, list[_Planned]]] = []
    by_reg: dict[str, _Planned] = {}
    for path, sha, entries in files:
        items: list[_Planned] = []
        for entry in entries:
            item = _plan_entry(entry, forced, result.warnings)
            other = by_reg.get(entry.reg_id)
            if other is not None and other.row["entry_id"] != item.row["entry_id"]:
                raise BadInput(
                    f"{entry.origin}: register entry {entry.reg_id} appears twice with "
                    f"different text (first at {other.entry.origin})"
                )
            by_reg[entry.reg_id] = item
            items.append(item)
        per_file.append((path, sha, items))
    planned = [i for _, _, items in per_file for i in items]
    cache = store.conn.execute("PRAGMA cache_size").fetchone()[0]
    # digest keys land on random pages: a big import keeps its indexes in memory
    store.conn.execute(f"PRAGMA cache_size = {IMPORT_CACHE_KIB}")
    try:
        _store_planned(store, per_file, result)
    finally:
        store.conn.execute(f"PRAGMA cache_size = {int(cache)}")
    result.files = len(files)
    result.entries = len(planned)
    result.matched = [(i.entry.reg_id, i.row["rec_id"]) for i in planned]
    return result


def _store_planned(
    store: Store, per_file: list[tuple[Path, str, list[_Planned]]], result: ImportResult
) -> None:
    planned = [i for _, _, items in per_file for i in items]
    with store.writing() as w:
        conn = w.conn  # the register's own tables, written by its helpers
        reference.install_reference(conn)
        _check_stored_entries(conn, planned)
        for path, sha, items in per_file:
            new_entries, added, read = _write_entries(conn, items)
            result.new_entries += new_entries
            result.new_events += added
            result.events += read
            conn.execute(
                "INSERT INTO register_imports (imported_at, kind, file, sha256, rows, new_rows)"
                " VALUES (?, 'register', ?, ?, ?, ?)",
                (now_iso(), str(path), sha, len(items), new_entries + added),
            )


def _check_stored_entries(conn: sqlite3.Connection, planned: list[_Planned]) -> None:
    """Refuse an entry whose register id is stored with another text (nothing imported)."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS import_entry_ids (reg_id TEXT, entry_id TEXT)")
    conn.execute("DELETE FROM temp.import_entry_ids")
    conn.executemany(
        "INSERT INTO temp.import_entry_ids VALUES (?, ?)",
        [(i.entry.reg_id, i.row["entry_id"]) for i in planned],
    )
    clash = conn.execute(Q["entry_clash"]).fetchone()
    conn.execute("DELETE FROM temp.import_entry_ids")
    if clash:
        item = next(i for i in planned if i.entry.reg_id == clash[0])
        raise BadInput(
            f"{item.entry.origin}: register entry {item.entry.reg_id} is already stored "
            f"(as {clash[1]}) with a different heading, text or recommendation; "
            "nothing imported"
        )


def _write_entries(conn: sqlite3.Connection, items: list[_Planned]) -> tuple[int, int, int]:
    """Insert entries and their events in bulk (temp tables, then INSERT ... SELECT): an event
    whose identity (recommendation, date, kind, text) is already held is not added again,
    however it arrived. Returns (new entries, new events, events read)."""
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS import_entries AS SELECT * FROM main.register_entries"
        " WHERE 0"
    )
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS import_events AS SELECT * FROM main.rec_events WHERE 0"
    )
    conn.execute("DELETE FROM temp.import_entries")
    conn.execute("DELETE FROM temp.import_events")
    conn.executemany(
        f"INSERT INTO temp.import_entries ({', '.join(ENTRY_COLUMNS)})"
        f" VALUES ({', '.join(':' + c for c in ENTRY_COLUMNS)})",
        [i.row for i in items],
    )
    seen: set[tuple[str, str, str, str]] = set()
    events: list[dict[str, Any]] = []
    read = 0
    for item in items:
        for ev in item.events:
            read += 1
            key = (
                ev["rec_id"],
                ev["event_date"],
                ev["kind"],
                ev["status_slug"] or ev["comment_text"],
            )
            if key not in seen:
                seen.add(key)
                events.append(ev)
    cols = reference.EVENT_COLUMNS
    conn.executemany(
        f"INSERT INTO temp.import_events ({', '.join(cols)})"
        f" VALUES ({', '.join(':' + c for c in cols)})",
        events,
    )
    before = conn.total_changes
    conn.execute(Q["insert_new_entries"])
    new_entries = conn.total_changes - before
    before = conn.total_changes
    conn.execute(Q["insert_new_events"])
    added = conn.total_changes - before
    conn.execute("DELETE FROM temp.import_entries")
    conn.execute("DELETE FROM temp.import_events")
    return new_entries, added, read


# ---------------------------------------------------------------------- recommendations
def short_ref(rec_id: str) -> str:
    """everyones_business_2014:2 as eb2014:2 (other ids unchanged)."""
    report, _, number = rec_id.rpartition(":")
    rep = reference.load().report(report) if report else None
    return f"{rep.short}:{number}" if rep is not None else rec_id


def resolve_rec(conn: sqlite3.Connection, text: str, *, allow_register: bool = True) -> str:
    """The rec_id a user means: `everyones_business_2014:2`, `eb2014:2`, or a register id
    (`2321`, `register:2321`) of an imported entry."""
    t = text.strip()
    if not t:
        raise BadInput("name a recommendation, like eb2014:2")
    row = conn.execute("SELECT rec_id FROM rec_catalogue WHERE rec_id = ?", (t,)).fetchone()
    if row:
        return row[0]
    head, _, tail = t.rpartition(":")
    if head and tail.isdigit():
        rep = reference.load().report(head.lower())
        if rep is not None:
            candidate = reference.rec_id(rep.id, int(tail))
            row = conn.execute(
                "SELECT rec_id FROM recommendations WHERE rec_id = ?", (candidate,)
            ).fetchone()
            if row is None and candidate in {r.rec_id for r in reference.load().recommendations}:
                return candidate  # shipped, not yet installed in this file
            if row:
                return row[0]
            raise BadInput(f"{rep.title} has no recommendation {tail}")
    reg = t.removeprefix("register:")
    if allow_register and reg.isdigit():
        rows = conn.execute(
            "SELECT DISTINCT rec_id FROM register_entries WHERE reg_id = ? ORDER BY rec_id", (reg,)
        ).fetchall()
        if len(rows) == 1:
            return rows[0][0]
        if len(rows) > 1:
            raise BadInput(
                f"register id {reg} belongs to {len(rows)} recommendations "
                f"({', '.join(r[0] for r in rows)}): name one"
            )
        raise BadInput(
            f"no register entry {reg} (import it first, or name a recommendation like eb2014:2)"
        )
    raise BadInput(
        f"unknown recommendation {t!r}: name it like eb2014:2 (everyones_business_2014:2)"
        + (" or by its register id" if allow_register else "")
    )


def _normal_status(conn: sqlite3.Connection, text: str) -> tuple[str, bool]:
    """A typed status: the known slug it spells (any case, spaces for hyphens), else the
    text as typed. Returns (slug, known)."""
    s = text.strip()
    if not s:
        raise BadInput("a status needs a slug, like no-further-action-needed")
    if "\n" in s or "[" in s or "]" in s:
        raise BadInput("a status is one line without [ or ]")
    known = known_statuses(conn)
    if s in known:
        return s, True
    candidate = slug(s)
    if candidate in known:
        return candidate, True
    raise unknown_status(s)


def add_event(
    store: Store,
    rec: str,
    on: str,
    *,
    status: str | None = None,
    comment: str | None = None,
    source: str = "manual",
    author: str | None = None,
    allow_future: bool = False,
) -> EventResult:
    """Append one dated event (a status or a comment) to a recommendation.

    A status outside the vocabulary, or a date after today (unless `allow_future`), is
    refused. The same event (recommendation, date, kind, text) recorded again is a no-op."""
    if (status is None) == (comment is None):
        raise BadInput("give either a status or a comment")
    day = iso_date(on)
    check_not_future(day, allow_future)
    with store.writing() as w:
        conn = w.conn  # the register's own tables, written by its helpers
        reference.install_reference(conn)
        rec_id_ = resolve_rec(conn, rec)
        row, added = _append_event(
            conn, store, rec_id_, day, status=status, comment=comment, source=source, author=author
        )
    return EventResult(rec_id=rec_id_, event_id=row["event_id"], added=added)


def _append_event(
    conn: sqlite3.Connection,
    store: Store,
    rec_id_: str,
    day: str,
    *,
    status: str | None,
    comment: str | None,
    source: str,
    author: str | None,
) -> tuple[dict[str, Any], bool]:
    if status is not None:
        kind = "status"
        body, _ = _normal_status(conn, status)
    else:
        kind = "comment"
        body = comment or ""
        if not body.strip():
            raise BadInput("a comment needs some text")
    same = conn.execute(Q["same_event"], (rec_id_, day, kind, body, body)).fetchone()
    if same:
        if same[1]:
            raise BadInput(
                f"{short_ref(rec_id_)}: that event ({same[0]}) was withdrawn; "
                "it cannot be added again with the same date and text"
            )
        return {"event_id": same[0]}, False
    seq = conn.execute(Q["next_event_seq"], (rec_id_, day)).fetchone()[0]
    row = reference.event_row(
        rec=rec_id_,
        reg_id=None,
        on=day,
        date_text=format_date(day),
        seq=seq,
        kind=kind,
        body=body,
        source=source,
        author=author if author is not None else (store.inspector or None),
        recorded_at=now_iso(),
    )
    reference.insert_events(conn, [row])
    return row, True


@dataclass
class ChangeResult:
    """A withdrawal or correction: the event withdrawn and its replacement, if any."""

    rec_id: str
    withdrawn: str
    replaced_by: str | None = None


def withdraw_event(
    store: Store, event: str, *, reason: str | None = None, author: str | None = None
) -> ChangeResult:
    """Withdraw a recommendation's event (a logged change: the event stays in the history,
    shown as withdrawn, and leaves the current status and exports)."""
    with store.writing() as w:
        conn = w.conn  # the register's own tables, written by its helpers
        row = W.find_event(conn, "rec_event", event)
        W.withdraw(
            conn,
            "rec_event",
            row["event_id"],
            reason=reason,
            replaced_by=None,
            author=author if author is not None else (store.inspector or None),
        )
    return ChangeResult(rec_id=row["rec_id"], withdrawn=row["event_id"])


def correct_event(
    store: Store,
    event: str,
    *,
    on: str | None = None,
    status: str | None = None,
    comment: str | None = None,
    reason: str | None = None,
    author: str | None = None,
    allow_future: bool = False,
) -> ChangeResult:
    """Replace an event by a corrected one (another date, status or comment text): the
    original is withdrawn, naming its correction; both stay in the history."""
    if status is not None and comment is not None:
        raise BadInput("give a status or a comment, not both")
    with store.writing() as w:
        conn = w.conn  # the register's own tables, written by its helpers
        row = W.find_event(conn, "rec_event", event)
        day = iso_date(on) if on else row["event_date"]
        check_not_future(day, allow_future)
        if row["kind"] == "status" and comment is not None:
            raise BadInput(f"event {row['event_id']} is a status: correct it with --status")
        if row["kind"] == "comment" and status is not None:
            raise BadInput(f"event {row['event_id']} is a comment: correct it with --comment")
        new_status = (status or row["status_slug"]) if row["kind"] == "status" else None
        new_comment = (comment or row["comment_text"]) if row["kind"] == "comment" else None
        who = author if author is not None else (store.inspector or None)
        new, added = _append_event(
            conn,
            store,
            row["rec_id"],
            day,
            status=new_status,
            comment=new_comment,
            source="manual",  # typed, like any manual event (so `pii` reads it)
            author=who,
        )
        if new["event_id"] == row["event_id"] or not added:
            raise BadInput(
                f"event {row['event_id']}: the correction says what it already says "
                "(or repeats another event); nothing changed"
            )
        W.withdraw(
            conn,
            "rec_event",
            row["event_id"],
            reason=reason,
            replaced_by=new["event_id"],
            author=who,
        )
    return ChangeResult(
        rec_id=row["rec_id"], withdrawn=row["event_id"], replaced_by=new["event_id"]
    )


def list_recommendations(
    conn: sqlite3.Connection, *, status: str | None = None
) -> list[dict[str, Any]]:
    """Every recommendation with its current status (the latest status event) and dates.

    `status` keeps those whose current status is that slug ('none': no status yet)."""
    rows = sql.rows(conn, Q["list_recommendations"])
    if status is None:
        return rows
    want = status.strip()
    if want.lower() in ("none", "-", ""):
        return [r for r in rows if r["current_status"] is None]
    known = known_statuses(conn)
    if want not in known and slug(want) not in known:
        raise BadInput(f"unknown status {want!r} (known: {', '.join(known)}, or none)")
    return [r for r in rows if r["current_status"] in (want, slug(want))]


def timeline(conn: sqlite3.Connection, rec_id: str) -> list[dict[str, Any]]:
    """A recommendation's events, oldest first."""
    return sql.rows(conn, Q["timeline"], (rec_id,))


def recommendation(conn: sqlite3.Connection, rec: str) -> dict[str, Any]:
    """One recommendation: its status row, register entries (text as written), timeline and
    linked action-plan objectives."""
    rec_id_ = resolve_rec(conn, rec)
    out = sql.row(conn, "SELECT * FROM rec_status WHERE rec_id = ?", (rec_id_,)) or {
        "rec_id": rec_id_
    }
    out["entries"] = sql.rows(
        conn,
        "SELECT reg_id, heading, title_line, text, entry_id FROM register_entries"
        " WHERE rec_id = ? ORDER BY reg_id, entry_id",
        (rec_id_,),
    )
    out["timeline"] = timeline(conn, rec_id_)
    out["objectives"] = sql.rows(
        conn,
        "SELECT force_code, plan, objective_id, linked_on FROM rec_plan_links"
        " WHERE rec_id = ? ORDER BY force_code, plan, objective_id",
        (rec_id_,),
    )
    return out


def recommendation_rows(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Rows for the Excel export's Recommendations sheet: one per recommendation."""
    return sql.rows(conn, Q["recommendation_rows"])


def rec_event_rows(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every event of every recommendation, in order (a timeline sheet, if wanted)."""
    return sql.rows(conn, Q["rec_event_rows"])


def export_entries(
    conn: sqlite3.Connection,
    rec_ids: Iterable[str] | None = None,
    *,
    include_withdrawn: bool = False,
) -> str:
    """Imported register entries with their events in the register's own format.

    An entry carries its own events and those added to its recommendation since (typed,
    corrected), one per event identity; withdrawn events only with `include_withdrawn`.
    Events of the shipped reference data (seed 001, Annex E) are not register events and
    are left out, so an entry exports as it was imported plus what was added to it."""
    from fieldkit.register.parse import Entry, Event, format_entry

    wanted = set(rec_ids) if rec_ids is not None else None
    ref_sources = {str(e["source"]) for e in reference.load().events}
    by_rec: dict[str, list[dict[str, Any]]] = {}
    for r in sql.rows(conn, Q["export_events"], (1 if include_withdrawn else 0,)):
        if r["source"] in ref_sources and r["reg_id"] is None:
            continue
        by_rec.setdefault(r["rec_id"], []).append(r)
    parts: list[str] = []
    for e in sql.rows(conn, "SELECT * FROM register_entries ORDER BY reg_id, entry_id"):
        if wanted is not None and e["rec_id"] not in wanted:
            continue
        events = tuple(
            Event(
                date=r["event_date"],
                date_text=r["date_text"],
                kind=r["kind"],
                body=r["status_slug"] if r["kind"] == "status" else r["comment_text"],
                seq=r["seq"],
            )
            for r in by_rec.get(e["rec_id"], ())
            if r["reg_id"] in (None, e["reg_id"])
        )
        parts.append(
            format_entry(
                Entry(
                    reg_id=e["reg_id"],
                    heading=e["heading"],
                    text=e["text"],
                    events=events,
                    title_line=e["title_line"],
                )
            )
        )
    return "\n\n".join(parts)


def entries_for(conn: sqlite3.Connection, rec_id_: str) -> int:
    """How many imported register entries a recommendation has."""
    return conn.execute(
        "SELECT count(*) FROM register_entries WHERE rec_id = ?", (rec_id_,)
    ).fetchone()[0]
