"""Benchmark: the reporting views and canned queries as this checkout defines them, against
another revision's (default `main`), on one database, in one process.

A view change is measured here rather than by two runs of bench/queries.py: the machine is
shared, so the two definitions run alternately, each on its own read-only connection to the
same file (the other revision's views.sql and canned.sql made as TEMP views, which shadow the
file's), and the ratio of the medians is printed: this checkout's time over the other's,
beside the ratio of the SQLite virtual-machine instructions each statement takes (the work
itself, the same however loaded the machine is).
The statements are the ones `fieldkit report evidence` (pooled, per force, one force), the
summary table (one checklist) and the evidence canned queries run; then the report's
findings.evidence() end to end, the other revision's findings.py against this one's.

    .venv/bin/python bench/views_against.py --db /tmp/demo10.db --rev main --repeat 9

The database must be at this checkout's schema (open it once with a writing command); the
other revision's views must run on that schema.
"""

from __future__ import annotations

import re
import sqlite3
import statistics
import subprocess
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from fieldkit import sql
from fieldkit.store import Store, views

ROOT = Path(__file__).resolve().parents[1]
_NAME = re.compile(r"^--\s*name:\s*([a-z0-9_]+)\s*$", re.M)

# (task, statement, parameters): the evidence statements the report and Datasette run
REPORT = (
    (
        "report evidence",
        "SELECT * FROM evidence_summary WHERE in_scope = 1 ORDER BY checklist_id, position",
        {},
    ),
    (
        "report summary table2 (one checklist)",
        "SELECT * FROM evidence_summary WHERE in_scope = 1 AND checklist_id = ?"
        " ORDER BY checklist_id, position",
        ("case_file_review",),
    ),
    (
        "report evidence --by force",
        "SELECT * FROM evidence_by_force WHERE in_scope = 1"
        " ORDER BY checklist_id, force_code, position",
        {},
    ),
    (
        "report evidence -f kent",
        "SELECT * FROM evidence_by_force WHERE in_scope = 1 AND force_code = ?"
        " ORDER BY checklist_id, force_code, position",
        ("kent",),
    ),
)
CANNED = ("evidence", "summary_table", "evidence_per_force", "out_of_scope")


def named(text: str) -> dict[str, str]:
    """The named statements of a .sql file's text (as fieldkit.sql.queries reads them)."""
    parts = _NAME.split(text)
    return {n: b.strip() for n, b in zip(parts[1::2], parts[2::2], strict=True)}


def at_revision(rev: str, path: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def make_temp_views(conn: sqlite3.Connection, text: str) -> None:
    """The views of a views.sql text as TEMP views on this connection (shadowing the file's)."""
    parts = views.record_facts_parts(views.stored_checklists(conn))
    conn.execute("PRAGMA query_only = OFF")  # TEMP views live outside the file
    for name, body in named(text).items():
        for key, value in parts.items():
            body = body.replace(key, value)
        conn.execute(f"DROP VIEW IF EXISTS temp.{name}")
        conn.execute(body.replace("CREATE VIEW", "CREATE TEMP VIEW", 1))
    conn.execute("PRAGMA query_only = ON")


def tasks(canned: dict[str, str]) -> list[tuple[str, str, object]]:
    out: list[tuple[str, str, object]] = list(REPORT)
    for name in CANNED:
        text = canned[name]
        params = {p: "" for p in set(re.findall(r":([a-z_]+)", text))}
        out.append((f"canned {name}", text, params))
    return out


def run(conn: sqlite3.Connection, stmt: str, params: object) -> float:
    t = time.perf_counter()
    conn.execute(stmt, params).fetchall()  # type: ignore[arg-type]
    return (time.perf_counter() - t) * 1000


def steps(conn: sqlite3.Connection, stmt: str, params: object) -> int:
    """Thousands of SQLite virtual-machine instructions the statement takes: the work
    itself, which another program's load on the machine does not change."""
    count = [0]

    def tick() -> int:
        count[0] += 1
        return 0

    conn.set_progress_handler(tick, 1000)
    try:
        conn.execute(stmt, params).fetchall()  # type: ignore[arg-type]
    finally:
        conn.set_progress_handler(None, 0)
    return count[0]


def findings_module(text: str, name: str) -> types.ModuleType:
    """fieldkit/report/findings.py as `text` has it, reading the views the connection
    already has (its views.ensure would replace the other revision's TEMP views)."""
    module = types.ModuleType(name)
    exec(compile(text, f"{name}.py", "exec"), module.__dict__)
    module.views = types.SimpleNamespace(ensure=lambda conn: None)  # type: ignore[attr-defined]
    return module


# (task, call): the report's findings end to end (SQL and the Python over its rows)
END_TO_END: tuple[tuple[str, Callable[[Any, sqlite3.Connection], Any]], ...] = (
    ("findings.evidence()", lambda f, conn: f.evidence(conn)),
    ("findings.evidence(by_force)", lambda f, conn: f.evidence(conn, by_force=True)),
    ("findings.evidence(force=kent)", lambda f, conn: f.evidence(conn, force="kent")),
    (
        "findings.evidence(table 2's checklist)",
        lambda f, conn: f.evidence(conn, checklist="case_file_review"),
    ),
)


def timed(call: Callable[[], Any]) -> float:
    t = time.perf_counter()
    call()
    return (time.perf_counter() - t) * 1000


def main(
    db: Path = typer.Option(..., help="a demo database at this checkout's schema"),
    rev: str = typer.Option("main", help="the revision to compare against"),
    repeat: int = typer.Option(9, help="runs of each statement on each side"),
) -> None:
    """Median time of each evidence statement under both definitions, and the ratio."""
    ours = Store.open(db, readonly=True)
    theirs = Store.open(db, readonly=True)
    try:
        views.ensure(ours.conn)
        make_temp_views(theirs.conn, at_revision(rev, "fieldkit/sql/views.sql"))
        mine = tasks(sql.queries("canned"))
        canned = named(at_revision(rev, "fieldkit/sql/canned.sql"))
        other = {n: (s, p) for n, s, p in tasks(canned)}
        width = max(len(n) for n, _, _ in mine)
        print(
            f"{'task':<{width}}  {rev:>10}  {'this':>10}  this/{rev}"
            f"  {'k steps ' + rev:>14}  {'this':>8}  this/{rev}"
        )
        for name, stmt, params in mine:
            old_stmt, old_params = other[name]
            run(ours.conn, stmt, params)  # warm the page cache and the views once
            run(theirs.conn, old_stmt, old_params)
            a, b = [], []
            for _ in range(repeat):  # alternate, so both see the same machine
                a.append(run(theirs.conn, old_stmt, old_params))
                b.append(run(ours.conn, stmt, params))
            old, new = statistics.median(a), statistics.median(b)
            k_old, k_new = steps(theirs.conn, old_stmt, old_params), steps(ours.conn, stmt, params)
            print(
                f"{name:<{width}}  {old:7.1f} ms  {new:7.1f} ms  {new / old:6.2f}x"
                f"  {k_old:14d}  {k_new:8d}  {k_new / k_old:6.2f}x"
            )
        old_f = findings_module(at_revision(rev, "fieldkit/report/findings.py"), "findings_rev")
        new_f = findings_module(
            (ROOT / "fieldkit" / "report" / "findings.py").read_text(encoding="utf-8"),
            "findings_this",
        )
        print(f"\n{'end to end':<{width}}  {rev:>10}  {'this':>10}  this/{rev}")
        for name, call in END_TO_END:
            a, b = [], []
            timed(lambda call=call: call(old_f, theirs.conn))
            timed(lambda call=call: call(new_f, ours.conn))
            for _ in range(repeat):
                a.append(timed(lambda call=call: call(old_f, theirs.conn)))
                b.append(timed(lambda call=call: call(new_f, ours.conn)))
            old, new = statistics.median(a), statistics.median(b)
            print(f"{name:<{width}}  {old:7.1f} ms  {new:7.1f} ms  {new / old:6.2f}x")
    finally:
        ours.close()
        theirs.close()


if __name__ == "__main__":
    typer.run(main)
