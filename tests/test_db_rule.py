"""The rule for reaching the database (fieldkit/sql/__init__.py): where write statements
may be written, and that every named statement in a .sql file is run by something."""

from __future__ import annotations

import ast
import re
import sqlite3
from pathlib import Path

import pytest
from helpers.shared_files import shared_file

import fieldkit
from fieldkit import sql
from fieldkit.store import connection

PACKAGE = Path(fieldkit.__file__).parent
WRITES = {
    sqlite3.SQLITE_INSERT: "INSERT",
    sqlite3.SQLITE_UPDATE: "UPDATE",
    sqlite3.SQLITE_DELETE: "DELETE",
}
SEED_000 = shared_file("seeds/000_df0ad699e43dac57.txt")
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b")

# Modules that write with SQL of their own. The store and the merge (which own the change
# log and its fold), scrub (on the copy it makes), and the register's modules, whose writes
# run inside a `with store.writing()` block their callers hold. A new module that needs to
# write calls a Store method or takes the connection Store.writing() gives, and joins this
# list only with a reason in the rule.
WRITERS = {
    "store/asof.py",
    "store/chain.py",
    "store/keyring.py",  # the keyring's signed decisions (issue 22), in the caller's transaction
    "store/log.py",
    "store/rowsigs.py",  # rows signed in the transaction that writes them (issue 22)
    "store/schema.py",
    "store/signing.py",  # a write's chain tip signed in the write's own transaction
    "store/store.py",
    "sync/merging.py",
    "privacy/database.py",
    "register/plans.py",
    "register/recs.py",
    "register/reference.py",
    "register/withdrawals.py",
}


def _strings(tree: ast.AST) -> list[str]:
    """Every string literal, an f-string read with its holes left blank."""
    inner = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    out = []
    for node in ast.walk(tree):
        if id(node) in inner:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append(node.value)
        elif isinstance(node, ast.JoinedStr):
            out.append("".join(v.value for v in node.values if isinstance(v, ast.Constant)))
    return out


def _modules() -> dict[str, list[str]]:
    return {
        p.relative_to(PACKAGE).as_posix(): _strings(ast.parse(p.read_text(encoding="utf-8")))
        for p in PACKAGE.rglob("*.py")
    }


def test_write_statements_are_written_only_where_the_rule_allows() -> None:
    writing = {name for name, texts in _modules().items() if any(WRITE.match(t) for t in texts)}
    assert writing - WRITERS == set(), "write through a Store method or Store.writing()"
    assert WRITERS - writing == set(), "no longer writes: take it off the list"


SQL = re.compile(r"^\s*(SELECT|WITH|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|PRAGMA)\b")


def test_the_capture_app_runs_no_sql_of_its_own() -> None:
    """The TUI reads and writes through the store's methods: no statement in fieldkit/tui."""
    running = {
        name
        for name, texts in _modules().items()
        if name.startswith("tui/") and any(SQL.match(t) for t in texts)
    }
    assert running == set(), "read through a Store method"


def test_every_named_statement_is_run() -> None:
    """Named statements read one by one (`Q["name"]`) must each be named somewhere in the
    code; the views, their oracle and the canned queries are read whole."""
    texts = [t for ts in _modules().values() for t in ts]
    names = set(texts)
    prefixes = {t for t in texts if re.fullmatch(r"[a-z_]+_", t)}  # f"count_scrubbed_{x}"
    for group in ("aggregates", "definitions", "export", "merge", "privacy", "register", "state"):
        for name in sql.queries(group):
            used = name in names or any(name.startswith(p) for p in prefixes)
            assert used, f"{group}.sql: {name} is never run"


def test_every_write_a_command_makes_is_inside_one_transaction(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the rule promises a user: each command's writes are all or nothing. Every
    statement that writes a fieldkit table is watched (SQLite's authorizer) while a day's
    commands run; none may run outside an explicit transaction."""
    outside: list[tuple[str, str]] = []
    watched_tables: set[str] = set()
    connect = connection.connect

    def watched(path: Path, **options: bool) -> sqlite3.Connection:
        conn = connect(path, **options)

        def check(action: int, table: str | None, *_: object) -> int:
            if action in WRITES and _[1] == "main":
                watched_tables.add(table or "")
                if not conn.in_transaction:
                    outside.append((WRITES[action], table or ""))
            return sqlite3.SQLITE_OK

        conn.set_authorizer(check)
        return conn

    monkeypatch.setattr(connection, "connect", watched)
    db, other = tmp_path / "a.db", tmp_path / "b.db"
    rows = "force,observed_at,status,subject_ref,cf_crime_ref,cf_offence_category,cf_da_flag\n"
    rows += "kent,2015-06-02,draft,CR/1,CR/1,Actual bodily harm,yes\n"
    (tmp_path / "files.csv").write_text(rows, encoding="utf-8")
    for args in (
        ("init", "--db", db, "--inspector", "A. Inspector"),
        ("import", tmp_path / "files.csv", "-c", "case_file_review", "--db", db, "--partial"),
        ("targets", "set", "case_file_review", "12", "--db", db),
        ("targets", "clear", "case_file_review", "--db", db),
        ("register", "import", SEED_000, "--db", db),
        (
            "register",
            "add-event",
            "eb2014:2",
            "--on",
            "2015-01-02",
            "--comment",
            "seen",
            "--db",
            db,
        ),
        ("plans", "new", "--force", "kent", "--from", "stop-2018", "--db", db),
        ("init", "--db", other),
        ("import", tmp_path / "files.csv", "-c", "case_file_review", "--db", other, "--partial"),
        ("merge", other, "--into", db),
    ):
        r = cli(*args)
        assert r.exit_code == 0, (args, r.output)
    assert {"changes", "cells", "rec_events", "plans", "register_entries"} <= watched_tables
    assert outside == []
