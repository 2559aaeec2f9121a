"""The Excel export: a workbook a report writer can use as it is.

Sheets: Summary (a title, the source and date, a table per instrument), one sheet per named
summary table in the report's shape ("Table 2", with its chart), Charts (a bar chart per
Summary table, a page each), By force, Scales, Scales by force, Coverage, Excluded case
files, one wide sheet per checklist (question text in the headers), Answers (long form),
Notes, Conflicts, the register's sheets and About (source, time, filters, redaction); the
report sheets are in fieldkit/export/report_sheets.py, the register's in register_sheets.py;
all three describe sheets for the writer in fieldkit/export/workbook.py. Every sheet is set up
to print: A4, one page wide, header rows repeated, a print area and a footer with the source
and page.

Everything is written in openpyxl's write-only mode, streaming rows from the views, so memory
stays flat as the database grows; a sheet that would pass Excel's 1,048,576-row limit goes on
in "<name> (2)", "<name> (3)" ... with the header repeated. Text that starts with = + - @ or a
tab or carriage return is stored as a plain string cell with Excel's quote prefix, never as
a formula. The file is written beside the target, owner-only (0600), and moved into place.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fieldkit import __version__, sql
from fieldkit.checklists import Checklist, Item
from fieldkit.checklists.kinds import FREE_TEXT_KINDS
from fieldkit.checklists.model import ATTACHMENT_KINDS, NA, UNKNOWN
from fieldkit.export.register_sheets import register_sheets
from fieldkit.export.report_sheets import charts_sheet, summary_sheet, summary_table_sheets
from fieldkit.export.summary_kind_sheets import summary_kind_sheets
from fieldkit.export.workbook import (
    EXCEL_MAX_ROWS,
    MEAN,
    PERCENT,
    REDACTED,
    Sheet,
    Writer,
)
from fieldkit.files import replace_privately
from fieldkit.report import evidence, scales
from fieldkit.report.definitions import titles as checklist_titles
from fieldkit.report.figures import (
    EVIDENCE,
    SCALES,
    Figure,
    sheet_figures,
    sheet_formats,
    sheet_value,
    with_names,
)
from fieldkit.report.sampling import coverage
from fieldkit.store import Store, attachments, describe_as_of, resolve_force, views

TEXT_KINDS = FREE_TEXT_KINDS  # left out when redacted
EXPORT_CACHE_KIB = -8192  # SQLite's page cache while exporting (negative: KiB)


def converter(item: Item, files: Mapping[str, str] | None = None) -> Callable[[Any], Any]:
    """How a stored answer to `item` reads in the workbook (numbers stay numbers; an
    attachment by its name and size, from `files`: digest -> label)."""
    if item.kind in ATTACHMENT_KINDS:
        named = dict(files or {})
        return lambda v: "n/a" if v == NA else named.get(v, v)
    if item.kind == "choice":
        labels = {c.code: c.label for c in item.choices}
        labels.update({NA: "n/a", UNKNOWN: "unknown"})
        return lambda v: labels.get(v, v) if isinstance(v, str) else v
    if item.kind in ("multi", "rank"):  # (a rank: its labels in order)
        labels = {c.code: c.label for c in item.choices}

        def multi(v: Any) -> Any:
            if v == NA:
                return "n/a"
            try:
                codes = json.loads(v)
            except (TypeError, ValueError):
                return v
            if not isinstance(codes, list):
                return v
            return "; ".join(labels.get(c, str(c)) for c in codes)

        return multi
    if item.kind == "q4":
        # the score stays a number; only the non-scores read as words
        return lambda v: "n/a" if v == NA else v
    return lambda v: "n/a" if v == NA else v


def _header(wc: views.WideColumn) -> str:
    """A wide sheet's column heading: an open repeat's column reads '1: yes | 2: no'."""
    if wc.rkey is None:
        return f"{wc.item.prompt} (per instance: 1: answer | 2: answer ...)"
    return wc.header


def _open_repeat(conv: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def read(v: Any) -> Any:
        if v is None:
            return None
        try:
            parts = json.loads(v)
        except (TypeError, ValueError):
            return v
        if not isinstance(parts, dict):
            return v
        out = []
        for k, x in parts.items():
            x = conv(json.dumps(x) if isinstance(x, list) else x)
            out.append(f"{k}: {x}")
        return " | ".join(out)

    return read


def figures_sheet(
    title: str,
    spec: tuple[Figure, ...],
    fetch: Callable[[], list[dict[str, Any]]],
    titles: dict[str, str],
    *,
    by_force: bool,
) -> Sheet:
    """A sheet of evidence or scale figures: its columns as the specification gives them.
    The figures are read (`fetch`) when the sheet is written, and let go after it, so the
    export holds one sheet's figures at a time (By force: a row per force and item)."""
    figures = sheet_figures(spec, per_force=by_force)

    def rows() -> Iterator[list[Any]]:
        for r in fetch():
            (r,) = with_names([r], titles)  # a row at a time: one copy held, not two
            yield [sheet_value(f, r) for f in figures]

    return Sheet(
        title,
        [f.sheet or f.key for f in figures],
        rows(),
        formats=sheet_formats(figures, percent=PERCENT, mean=MEAN),
    )


def by_force_sheet(conn: sqlite3.Connection, titles: dict[str, str], force: str | None) -> Sheet:
    def fetch() -> list[dict[str, Any]]:
        return evidence(conn, by_force=True, force=force)

    return figures_sheet("By force", EVIDENCE, fetch, titles, by_force=True)


def excluded_sheet(conn: sqlite3.Connection, titles: dict[str, str], force: str | None) -> Sheet:
    def fetch() -> list[dict[str, Any]]:
        return evidence(conn, force=force, in_scope=False)

    return figures_sheet("Excluded case files", EVIDENCE, fetch, titles, by_force=False)


def scale_sheet(
    conn: sqlite3.Connection, titles: dict[str, str], force: str | None, by_force: bool
) -> Sheet:
    def fetch() -> list[dict[str, Any]]:
        return scales(conn, force=force, by_force=by_force)

    title = "Scales by force" if by_force else "Scales"
    return figures_sheet(title, SCALES, fetch, titles, by_force=by_force)


def coverage_sheet(conn: sqlite3.Connection, titles: dict[str, str], force: str | None) -> Sheet:
    data = [
        [
            r["force_name"] or r["force_code"],
            titles.get(r["checklist_id"], r["checklist_id"]),
            r["stratum"].replace("_", " "),
            r["target"] if r["target"] is not None else "as recorded",
            r["final"],
            r["remaining"],
            r["drafts"],
        ]
        for r in coverage(conn, force=force)
    ]
    return Sheet(
        "Coverage",
        ["Force", "Checklist", "Stratum", "Target", "Final (counted)", "Still to do", "Drafts"],
        data,
    )


WIDE_ENVELOPE = [
    ("record_id", "Record id"),
    ("force_code", "Force"),
    ("inspector", "Inspector"),
    ("observer_role", "Observer role"),
    ("observed_at", "Observed at"),
    ("subject_ref", "Subject reference"),
    ("status", "Status"),
    ("counted", "Counted (1 = in the figures)"),
    ("in_scope", "In scope (1 = in the evidence summary)"),
    ("checklist_version", "Checklist version"),
]


def wide_sheet(
    conn: sqlite3.Connection, view: str, checklist: Checklist, force: str | None, redact: bool
) -> Sheet:
    envelope = [(c, h) for c, h in WIDE_ENVELOPE if not (redact and c == "subject_ref")]
    if not checklist.scope.rule:  # every record in scope: the column says nothing
        envelope = [(c, h) for c, h in envelope if c != "in_scope"]
    cols = [
        wc for wc in views.wide_columns(checklist) if not (redact and wc.item.kind in TEXT_KINDS)
    ]
    names = [c for c, _ in envelope] + [wc.name for wc in cols]
    convs: list[Callable[[Any], Any] | None] = [None] * len(envelope)
    files = attachments.names(conn) if any(c.item.kind in ATTACHMENT_KINDS for c in cols) else {}
    for wc in cols:
        conv = converter(wc.item, files)
        convs.append(_open_repeat(conv) if wc.rkey is None else conv)
    where, args = sql.where({"force_code": force})
    read = _wide_reader(view, names, cols, where)
    pairs = list(enumerate(convs))
    active = [(i, c) for i, c in pairs if c is not None]

    # the form's instance_name: each record's name, from its answers as stored
    plain = [(i, wc.item.id) for i, wc in enumerate(cols, len(envelope)) if wc.rkey == ""]
    named = checklist.instance_name is not None

    def rows() -> Iterator[list]:
        for row in read(conn, args):
            name = checklist.record_name({(iid, ""): row[i] for i, iid in plain}) if named else ""
            for i, conv in active:
                v = row[i]
                if v is not None:
                    row[i] = conv(v)
            yield row[:1] + [name] + row[1:] if named else row

    return Sheet(
        checklist.title,
        [h for _, h in envelope][:1]
        + ["Record name"] * named
        + [h for _, h in envelope][1:]
        + [_header(wc) for wc in cols],
        rows(),
        ids=names[:1] + ["record_name"] * named + names[1:],
        freeze_cols=1,
    )


def _wide_reader(
    view: str, names: list[str], cols: list[views.WideColumn], where: str
) -> Callable[[sqlite3.Connection, Sequence[Any]], Iterator[list[Any]]]:
    """How a wide sheet's rows are read: as the wide view gives them, but a column the view
    looks up as the stored answer itself (views.stored_answer) comes from one
    JSON object of the record's answers (export.sql: wide_record_answers), read once a
    record instead of a search a column."""
    direct = {
        wc.name: f"{wc.item.id}\x1f{wc.rkey}" for wc in cols if views.stored_answer(wc, carry=True)
    }
    from_view = [n for n in names if n not in direct]
    plan = [(from_view.index(n), "") if n not in direct else (-1, direct[n]) for n in names]
    query = (
        f"SELECT {', '.join('v.' + views.quote(n) for n in from_view)},"
        f" {sql.queries('export')['wide_record_answers']} FROM {views.quote(view)} v {where}"
        " ORDER BY v.force_code, v.observed_at, v.record_id"
    )

    def read(conn: sqlite3.Connection, args: Sequence[Any]) -> Iterator[list[Any]]:
        for raw in conn.execute(query, tuple(args)):
            text = raw[-1]
            answers = json.loads(text) if text else {}
            if text and '{"' in text[1:]:  # a number or blob kept exactly: as stored
                for k, v in answers.items():
                    if type(v) is dict:
                        answers[k] = float(v["r"]) if "r" in v else bytes.fromhex(v["b"])
            get = answers.get
            yield [raw[i] if i >= 0 else get(k) for i, k in plan]

    return read


def answers_sheet(
    conn: sqlite3.Connection,
    titles: dict[str, str],
    items: dict[tuple[str, int, str], Item],
    force: str | None,
    redact: bool,
) -> Sheet:
    files = (
        attachments.names(conn) if any(i.kind in ATTACHMENT_KINDS for i in items.values()) else {}
    )
    # per item, looked up once a row: its checklist's title and its converter, or None
    # for an answer a redacted export leaves out
    known: dict[tuple[str, int, str], tuple[str, Callable[[Any], Any]] | None] = {
        k: None
        if redact and i.kind in TEXT_KINDS
        else (titles.get(k[0], k[0]), converter(i, files))
        for k, i in items.items()
    }
    where, args = sql.where({"force_code": force})
    query = (
        "SELECT record_id, checklist_id, checklist_version, force_code, status, item_id, rkey,"
        f" question, value FROM answers_long {where}"
    )

    def rows() -> Iterator[tuple]:
        for rid, cid, ver, fc, status, iid, rkey, question, value in conn.execute(query, args):
            key = (cid, ver, iid)
            item = known.get(key, key)
            if item is None:
                continue
            if item is key:  # an item no stored definition names: as stored
                yield (rid, titles.get(cid, cid), fc, status, iid, rkey or None, question, value)
                continue
            title, conv = item
            yield (rid, title, fc, status, iid, rkey or None, question, conv(value))

    return Sheet(
        "Answers",
        ["Record id", "Checklist", "Force", "Status", "Item id", "Instance", "Question", "Answer"],
        rows(),
    )


def notes_sheet(
    conn: sqlite3.Connection, titles: dict[str, str], force: str | None, redact: bool
) -> Sheet:
    header = ["Record id", "Checklist", "Force", "Item id", "Instance", "Question", "Note", "By"]
    if redact:
        return Sheet("Notes", header, [], filter=False)
    rows = (
        (rid, titles.get(cid, cid), fc, f, rk or None, q, v, a)
        for rid, cid, fc, f, rk, q, v, a in conn.execute(
            sql.queries("export")["notes_sheet"], {"force": force or ""}
        )
    )
    return Sheet("Notes", header, rows)


def conflicts_sheet(
    conn: sqlite3.Connection,
    titles: dict[str, str],
    items: dict[tuple[str, int, str], Item],
    force: str | None,
    redact: bool,
) -> Sheet:
    text_items = {iid for (_, _, iid), i in items.items() if i.kind in TEXT_KINDS}
    where, args = sql.where({"force_code": force})
    header = ["Change id", "Record id", "Checklist", "Force"]
    header += [] if redact else ["Record key"]
    header += ["Kind", "Field", "Instance", "Question", "Kept value", "Other value", "Other by"]
    query = (
        "SELECT change_id, record_id, checklist_id, force_code, natural_key, kind, field, rkey,"
        " question, kept_value, other_value, other_author FROM open_conflicts"
        f" {where} ORDER BY checklist_id, force_code, record_id, field"
    )

    def rows() -> Iterator[list]:
        for cid_, rid, cid, fc, key, kind, fld, rk, q, kept, other, by in conn.execute(query, args):
            hide = redact and (
                kind == "note" or fld in text_items or (kind == "record" and fld == "subject_ref")
            )
            row = [cid_, rid, titles.get(cid, cid), fc]
            row += [] if redact else [key]
            row += [
                kind,
                fld,
                rk or None,
                q,
                REDACTED if hide and kept is not None else kept,
                REDACTED if hide and other is not None else other,
                by,
            ]
            yield row

    return Sheet("Conflicts", header, rows())


def about_sheet(store: Store, force: str | None, redact: bool, sheets: list[str]) -> Sheet:
    from fieldkit.report.definitions import scope_labels

    scopes = scope_labels(store.conn)
    titles = checklist_titles(store.conn)
    rows: list[list[Any]] = [
        ["Source database", str(Path(store.path).resolve())],
        ["Database id", store.database_id],
        ["Log digest (see fieldkit verify)", store.log_digest()],
        ["Exported at (UTC)", datetime.now(UTC).isoformat(timespec="seconds")],
        ["As of", describe_as_of(store.conn) or "today: the database as it is now"],
        ["fieldkit version", __version__],
        ["Force filter", force or "all forces"],
        [
            "Redaction",
            "on: free text (text answers, notes) and subject references left out"
            if redact
            else "off: free text and subject references included. Handle as OFFICIAL-SENSITIVE.",
        ],
        [
            "Counting rule",
            "Final, non-deleted records only, one per natural key (the earliest when two "
            "inspectors recorded the same case). Applicable = yes or no; not applicable and "
            "unknown are left out of both counts. Pooled across forces (sums of counts, never "
            "averages of percentages). Percentages are exact values formatted to whole "
            "percent; labels are rounded half up (docs/counting.md in fieldkit).",
        ],
        *(
            [
                titles.get(cid, cid),
                f"Summary counts only {inside}; the {outside} are on 'Excluded case files'.",
            ]
            for cid, (inside, outside) in scopes.items()
        ),
        ["Sheets", "; ".join(sheets)],
    ]
    return Sheet("About", ["Field", "Value"], rows, filter=False)


# ---------------------------------------------------------------------------- writer
def source_line(store: Store, force: str | None) -> str:
    """Where the figures come from and when: the line under every report sheet's title."""
    when = datetime.now(UTC).strftime("%d %B %Y %H:%M UTC")
    scope = f"force {force}" if force else "all forces"
    return (
        f"Source: {Path(store.path).name} (database {store.database_id}), {scope}; exported {when}"
    )


def footer_text(store: Store) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"fieldkit, {Path(store.path).name}, {when}"


def build_sheets(
    store: Store, *, redact: bool = False, force: str | None = None
) -> tuple[list[Sheet], Callable[[list[str]], Sheet]]:
    """Every sheet of the export, rows still to be streamed; plus the About sheet's maker
    (it lists the sheet titles actually written)."""
    conn = store.conn
    views.ensure(conn)
    code = resolve_force(force) if force else None
    titles = checklist_titles(conn)
    stored = views.stored_checklists(conn)
    items = {
        (cid, v, i.id): i for cid, vs in stored.items() for v, c in vs.items() for i in c.items
    }
    present = {
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT checklist_id FROM records WHERE deleted = 0"
            + (" AND force_code = ?" if code else ""),
            (code,) if code else (),
        )
    }
    source = source_line(store, code)
    summary, charts = summary_sheet(conn, titles, code, source)
    sheets = [
        summary,
        *summary_table_sheets(conn, code, source),
        *summary_kind_sheets(conn, code, source),
        charts_sheet(charts),
        by_force_sheet(conn, titles, code),
        scale_sheet(conn, titles, code, by_force=False),
        scale_sheet(conn, titles, code, by_force=True),
        coverage_sheet(conn, titles, code),
        excluded_sheet(conn, titles, code),
    ]
    data = [
        wide_sheet(conn, name, checklist, code, redact)
        for name, checklist, version in views.wide_views(conn)
        if version is None and checklist.id in present
    ]
    data += [
        answers_sheet(conn, titles, items, code, redact),
        notes_sheet(conn, titles, code, redact),
        conflicts_sheet(conn, titles, items, code, redact),
    ]
    sheets += data
    for spec in sheets:  # for filtering and sorting: a row per force, record or answer
        spec.data = any(spec is d for d in data) or spec.title in ("By force", "Scales by force")
    sheets += register_sheets(conn, redact=redact, force=code)
    return sheets, lambda written: about_sheet(store, code, redact, written)


def export_xlsx(
    store: Store,
    out: Path | str,
    *,
    redact: bool = False,
    force: str | None = None,
    max_rows: int = EXCEL_MAX_ROWS,
    progress: Callable[[str, int, int, int], None] | None = None,
    only: Iterable[str] | None = None,
    unreadable: list[str] | None = None,
    data_out: Path | str | None = None,
) -> dict[str, int]:
    """Write the workbook to `out` (owner-only, replaced atomically); returns the data rows
    written per sheet. `progress(sheet, sheets_done, sheets_total, rows)` is called as each
    sheet starts (rows 0) and as its rows are written (rows: how many more). `only`: just
    the sheets with these titles (and About), e.g. the report sheets to print. Values a
    workbook cannot hold (binary) are written as "<binary, N bytes>" and their cells
    ("Answers!H5") added to `unreadable` when given. `data_out`: the data sheets (the wide
    sheets, Answers, Notes, Conflicts) go to this second workbook, so that printing `out`
    prints the report sheets only."""
    out = Path(out)
    if progress is not None:  # the report sheets' figures come first: say so at once
        progress("Summary", 0, 0, 0)
    conn = store.conn
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    # a read from start to end: the system's file cache serves it as well as SQLite's own
    # (64 MiB per connection, for bulk writes), and the export's memory stays small
    conn.execute(f"PRAGMA cache_size = {EXPORT_CACHE_KIB}")
    try:
        return _export(store, out, redact, force, max_rows, progress, only, unreadable, data_out)
    finally:
        conn.execute(f"PRAGMA cache_size = {int(cache)}")


def _export(
    store: Store,
    out: Path,
    redact: bool,
    force: str | None,
    max_rows: int,
    progress: Callable[[str, int, int, int], None] | None,
    only: Iterable[str] | None,
    unreadable: list[str] | None,
    data_out: Path | str | None,
) -> dict[str, int]:
    sheets, about = build_sheets(store, redact=redact, force=force)
    if only is not None:
        keep = set(only)
        sheets = [s for s in sheets if s.title in keep]
    footer = footer_text(store)
    writer = Writer(max_rows=max_rows, footer=footer)
    data = Writer(max_rows=max_rows, footer=footer) if data_out is not None else writer
    names: dict[Writer, list[str]] = {writer: [], data: []}
    total = len(sheets) + 1
    for done, spec in enumerate(sheets):
        into = data if spec.data else writer
        if progress is not None:
            progress(spec.title, done, total, 0)
            into.progress = lambda title, rows, done=done: progress(title, done, total, rows)
        names[into] += into.add(spec)
    if progress is not None:
        progress("About", total - 1, total, 0)
        writer.progress = lambda title, rows: progress(title, total - 1, total, rows)
    for w in dict.fromkeys((writer, data)):
        w.add(about(names[w] + ["About"]))
        if unreadable is not None:
            unreadable += w.unreadable
    out.parent.mkdir(parents=True, exist_ok=True)
    if data_out is not None:
        Path(data_out).parent.mkdir(parents=True, exist_ok=True)
        replace_privately(Path(data_out), data.save)
    replace_privately(out, writer.save)
    return {**data.written, **writer.written}
