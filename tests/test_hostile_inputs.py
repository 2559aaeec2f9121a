"""Inputs from outside tried as an attacker would (issue 23, points 6-14): workbooks that
inflate, lie about their size or nest expressions without end, huge numbers and dates, a
log with a change at sequence 10^12, a stray byte in a UTF-8 CSV, oversized answers, and
`serve` asked for what it must not give. Each ends in a correct result, or in one line on
stderr with a non-zero exit and every file byte for byte as it was. The files are built by
tests/helpers/hostile_files.py (the zip bomb at test time)."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import hostile_files as H
from helpers.hostile import forge, laptop
from typer.testing import Result

from fieldkit.datasette import guard, serve
from fieldkit.limits import MAX_TEXT
from fieldkit.store import Store

Cli = Callable[..., Result]
PASSWORD = "correct horse battery"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line(res: Result, *words: str) -> str:
    """The refusal: one line on stderr, exit 2, naming what it says."""
    assert res.exit_code == 2, (res.exit_code, res.output)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.output
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def team(tmp_path: Path, cli: Cli) -> Path:
    db = tmp_path / "team.db"
    cli("init", "--db", db)
    return db


def installed(db: Path, checklist: str) -> int:
    """The questions of the form installed (not the submission's identity fieldkit adds to a
    form without a natural key)."""
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT count(*) FROM items WHERE checklist_id = ? AND item_id <> 'instanceID'",
            (checklist,),
        ).fetchone()[0]


# ------------------------------------------------------------------ 6. zip bombs
@pytest.mark.slow
def test_a_zip_bomb_is_refused_in_one_line_in_bounded_memory(tmp_path: Path, team: Path) -> None:
    bomb = H.zip_bomb(tmp_path / "bomb.xlsx")  # ~8 MB inflating to 2 GiB
    assert bomb.stat().st_size < 10 * H.MIB
    before = sha(team)
    # the import in a child process, its peak memory read by the grandparent
    probe = (
        "import resource, subprocess, sys;"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        "sys.stderr.write(r.stderr);"
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    fieldkit = [sys.executable, "-m", "fieldkit", "checklists", "import", str(bomb)]
    res = subprocess.run(
        [sys.executable, "-c", probe, *fieldkit, "--db", str(team)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    code, peak_kib = map(int, res.stdout.split())
    assert code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "bomb.xlsx" in lines[0] and "inflates" in lines[0], res.stderr
    assert peak_kib < 500 * 1024, f"peak {peak_kib} KiB"
    assert sha(team) == before


def test_a_cell_in_the_last_column_is_refused_before_reading(
    tmp_path: Path, team: Path, cli: Cli
) -> None:
    far = H.far_cell(tmp_path / "far.xlsx")
    before = sha(team)
    one_line(cli("checklists", "import", far, "--db", team), "far.xlsx", "column 16,384")
    assert sha(team) == before


def test_an_action_plan_bomb_is_refused_too(tmp_path: Path, team: Path, cli: Cli) -> None:
    bomb = H.zip_bomb(tmp_path / "plan.xlsx", 256 * H.MIB)
    before = sha(team)
    res = cli("plans", "import", bomb, "--force", "kent", "--db", team)
    one_line(res, "plan.xlsx", "inflates")
    assert sha(team) == before


# ------------------------------------------------------------------ 7. dimension
def test_rows_past_a_sheets_declared_dimension_are_read(
    tmp_path: Path, team: Path, cli: Cli
) -> None:
    form = H.dimension_lie(tmp_path / "lie.xlsx")
    res = cli("checklists", "import", form, "--db", team)
    assert res.exit_code == 0, res.output
    assert installed(team, "lie") == 4


def test_rows_after_a_run_of_empty_rows_are_refused_not_dropped(
    tmp_path: Path, team: Path, cli: Cli
) -> None:
    gappy = H.after_empty_rows(tmp_path / "gappy.xlsx", 61)
    before = sha(team)
    one_line(cli("checklists", "import", gappy, "--db", team), "'survey'", "row 65", "61 empty")
    assert sha(team) == before
    fine = H.after_empty_rows(tmp_path / "fine.xlsx", 60)
    res = cli("checklists", "import", fine, "--db", team)
    assert res.exit_code == 0, res.output
    assert installed(team, "gappy") == 4


# ------------------------------------------------------------------ 8. tracebacks
@pytest.mark.parametrize(
    ("name", "relevant", "says"),
    [
        ("parens_200", H.nested(200), "nested more than 128 deep"),
        ("not_5000", H.nested(5000, "not("), "characters (at most 4,000)"),
        ("not_100", H.nested(100, "not("), "nested more than 128 deep"),
        ("digits_5000", "${count} > " + "9" * 5000, "characters"),
        ("digits_40", "${count} > " + "9" * 40, "a number of 40 characters"),
        ("minus_300", "- " * 300 + "${count} > 1", "nested"),
        ("plus_600", "${count} > " + " + ".join(["1"] * 600), "more than 500 operators"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 20 else "",
)
def test_expressions_past_the_limits_are_one_line(
    tmp_path: Path, team: Path, cli: Cli, name: str, relevant: str, says: str
) -> None:
    form = H.deep_relevant(tmp_path / f"{name}.xlsx", relevant)
    before = sha(team)
    line = one_line(cli("checklists", "import", form, "--db", team), says)
    assert "survey sheet, row 5, column relevant" in line
    assert len(line) < 300
    assert sha(team) == before


def test_expressions_within_the_limits_install_and_compile(
    tmp_path: Path, team: Path, cli: Cli
) -> None:
    deep = H.deep_relevant(tmp_path / "parens_120.xlsx", H.nested(120))
    assert cli("checklists", "import", deep, "--db", team).exit_code == 0
    # a 40-term score: its SQL once doubled with every term (16 terms made 50 MB)
    total = " + ".join(["${count}"] * 40) + " > 100"
    wide = H.deep_relevant(tmp_path / "sum_40.xlsx", total)
    team = tmp_path / "second.db"
    cli("init", "--db", team)
    res = cli("checklists", "import", wide, "--db", team)
    assert res.exit_code == 0, res.output
    with sqlite3.connect(team) as conn:
        sql = "".join(r[0] or "" for r in conn.execute("SELECT sql FROM sqlite_master"))
    assert len(sql) < 5_000_000


@pytest.mark.parametrize("version", [str(10**30), str(2**63)])
def test_huge_versions_are_one_line(tmp_path: Path, team: Path, cli: Cli, version: str) -> None:
    form = H.versioned(tmp_path / "v.xlsx", version)
    before = sha(team)
    one_line(cli("checklists", "import", form, "--db", team), "version must be a whole number")
    assert sha(team) == before


@pytest.mark.parametrize("when", ["9999-12-31", "9999-12-31T23:59:59"])
def test_as_of_the_end_of_time_is_one_line(tmp_path: Path, cli: Cli, when: str) -> None:
    db = laptop(tmp_path / "ann.db", "ann")
    before = sha(db)
    one_line(cli("report", "evidence", "--as-of", when, "--db", db), "--as-of")
    out = tmp_path / "x.xlsx"
    one_line(cli("export", "xlsx", "--as-of", when, "--db", db, "--out", out), "--as-of")
    assert not out.exists()
    assert sha(db) == before


# ------------------------------------------------------------------ 9. verify's gaps
def test_a_change_at_sequence_10_12_is_reported_as_one_range(tmp_path: Path) -> None:
    db = laptop(tmp_path / "gap.db", "ann")
    forge(db, seq=10**12)
    before = sha(db)
    probe = (
        "import resource, subprocess, sys;"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        "sys.stdout.write(r.stdout);"
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    res = subprocess.run(
        [sys.executable, "-c", probe, sys.executable, "-m", "fieldkit", "verify", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    *report, last = res.stdout.strip().splitlines()
    code, peak_kib = map(int, last.split())
    assert code == 1
    gap = [line for line in report if ": gap," in line]
    with sqlite3.connect(db) as conn:  # the changes held below the forged one
        held = conn.execute("SELECT max(seq) FROM changes WHERE seq < 1000000").fetchone()[0]
    missing = f"{10**12 - held - 1:,} change(s) missing (seq {held + 1}-999999999999)"
    assert len(gap) == 1 and missing in gap[0]
    assert peak_kib < 300 * 1024
    assert sha(db) == before


# ------------------------------------------------------------------ 10. CSV encoding
def csv_lines(ref: str = "CR/1") -> list[str]:
    return [
        "force,observed_at,status,cf_crime_ref,note:cf_crime_ref",
        f"kent,2015-06-01,draft,{ref},café au lait",
        "essex,2015-06-02,draft,CR/2,naïve",
        "surrey,2015-06-03,draft,CR/3,plain",
    ]


def test_a_stray_byte_in_a_utf8_csv_names_its_line_and_column(
    tmp_path: Path, team: Path, cli: Cli
) -> None:
    f = H.stray_byte_csv(tmp_path / "in.csv", csv_lines(), 4, "surrey,2015-06-03,draft,CR/3,pl")
    before = sha(team)
    one_line(cli("import", f, "-c", "case_file_review", "--db", team), "in.csv:4: column 32")
    assert sha(team) == before


def test_encoding_says_how_to_read_the_file(tmp_path: Path, team: Path, cli: Cli) -> None:
    f = tmp_path / "in.csv"
    f.write_bytes("\n".join(csv_lines()).encode("cp1252") + b"\n")
    res = cli("import", f, "-c", "case_file_review", "--db", team, "--encoding", "windows-1252")
    assert res.exit_code == 0, res.output
    with sqlite3.connect(team) as conn:
        notes = {r[0] for r in conn.execute("SELECT value FROM cells WHERE kind = 'note'")}
    assert {"café au lait", "naïve"} <= notes
    one_line(cli("import", f, "-c", "case_file_review", "--db", team, "--encoding", "nope"), "nope")


def test_update_with_a_stray_byte_rewrites_nothing(tmp_path: Path, team: Path, cli: Cli) -> None:
    good = tmp_path / "good.csv"
    good.write_text("\n".join(csv_lines()) + "\n", encoding="utf-8")
    assert cli("import", good, "-c", "case_file_review", "--db", team).exit_code == 0
    bad = H.stray_byte_csv(tmp_path / "bad.csv", csv_lines(), 3, "CR/2")
    before = sha(team)
    one_line(cli("import", bad, "-c", "case_file_review", "--db", team, "--update"), "bad.csv:3")
    assert sha(team) == before


# ------------------------------------------------------------------ 11. size
@pytest.mark.slow
def test_twenty_thousand_choices_install(tmp_path: Path, team: Path, cli: Cli) -> None:
    form = H.choices_form(tmp_path / "big.xlsx", 20_000)
    res = cli("checklists", "import", form, "--db", team)
    assert res.exit_code == 0, res.output
    with sqlite3.connect(team) as conn:
        (choices,) = conn.execute("SELECT choices FROM items WHERE item_id = 'pick'").fetchone()
    assert choices.count("Choice 19999") == 1


def test_an_answer_over_the_cap_is_refused_at_capture(store: Store, db_path: Path) -> None:
    rid = store.create_record("case_file_review", "kent")
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    from fieldkit.errors import BadInput

    with pytest.raises(BadInput, match="at most 1,000,000"):
        store.set_answer(rid, "cf_crime_ref", "x" * (MAX_TEXT + 1))
    with pytest.raises(BadInput, match="at most 1,000,000"):
        store.set_note(rid, "cf_crime_ref", "x" * (MAX_TEXT + 1))
    store.set_answer(rid, "cf_crime_ref", "x" * MAX_TEXT)  # the cap itself is allowed


def test_a_csv_cell_over_the_cap_is_refused(tmp_path: Path, team: Path, cli: Cli) -> None:
    f = tmp_path / "big.csv"
    f.write_text(
        f"force,observed_at,status,cf_crime_ref\nkent,2015-06-01,draft,{'x' * (MAX_TEXT + 1)}\n",
        encoding="utf-8",
    )
    before = sha(team)
    one_line(cli("import", f, "-c", "case_file_review", "--db", team), "big.csv:2")
    assert sha(team) == before


def test_a_source_holding_an_oversized_answer_is_refused_by_merge(tmp_path: Path, cli: Cli) -> None:
    src = laptop(tmp_path / "src.db", "ann")
    forge(src, field="cf_crime_ref", value="x" * (MAX_TEXT + 1))
    target = laptop(tmp_path / "team.db", "bob")
    before = {p.name: sha(p) for p in tmp_path.iterdir()}
    line = one_line(cli("merge", src, "--into", target), "src.db", "cf_crime_ref", "1,000,001")
    assert "at most 1,000,000" in line
    assert {p.name: sha(p) for p in tmp_path.iterdir()} == before


# ------------------------------------------------------------------ 12-14. serve


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def served(cli: Cli, monkeypatch: pytest.MonkeyPatch, *args: object) -> tuple[Result, list]:
    """`fieldkit serve ...` up to the point it would serve: the Datasette it made."""
    made: list = []

    def keep(ds: object, sock: socket.socket) -> None:
        sock.close()
        made.append(ds)

    monkeypatch.setattr(serve, "run", keep)
    return cli("serve", *args, "--port", free_port()), made


async def test_a_password_on_loopback_means_a_login(
    db_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch, plugins: None
) -> None:
    laptop(db_path, "ann")
    monkeypatch.delenv("FIELDKIT_SERVE_PASSWORD", raising=False)
    res, made = served(cli, monkeypatch, "--db", db_path, "--public")
    one_line(res, "needs a password")
    assert not made
    monkeypatch.setenv("FIELDKIT_SERVE_PASSWORD", PASSWORD)
    res, made = served(cli, monkeypatch, "--db", db_path, "--public")
    assert res.exit_code == 0 and "log in at /-/login" in res.output
    ds = made[0]
    page = await ds.client.get(f"/{db_path.stem}/records")
    assert page.status_code == 302 and "/-/login" in page.headers["location"]
    assert (await ds.client.get("/-/login")).status_code == 200


async def log_in(ds, password: str):  # type: ignore[no-untyped-def]
    page = await ds.client.get("/-/login")
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
    assert token, page.text
    return await ds.client.post(
        "/-/login",
        data={"password": password, "csrftoken": token[1], "next": "/"},
        cookies={"ds_csrftoken": page.cookies["ds_csrftoken"]},
    )


@pytest.mark.slow
async def test_wrong_passwords_are_throttled_and_logged(
    db_path: Path, plugins: None, caplog: pytest.LogCaptureFixture
) -> None:
    laptop(db_path, "ann")
    ds = serve.make_datasette([db_path], password=PASSWORD)
    now = [1000.0]
    guard.throttle_for(ds).clock = lambda: now[0]
    caplog.set_level(logging.INFO, logger="fieldkit.serve")
    for _ in range(guard.FREE_TRIES):
        assert (await log_in(ds, "wrong password!")).status_code == 401
    refused = await log_in(ds, PASSWORD)  # the right one too: no more tries for now
    assert refused.status_code == 429 and "try again in 1 s." in refused.text
    now[0] += 1.0
    assert (await log_in(ds, "wrong password!")).status_code == 401  # the sixth
    now[0] += 1.5
    assert (await log_in(ds, PASSWORD)).status_code == 429  # waits 2 s now
    assert any("wrong passwords from 127.0.0.1" in r.getMessage() for r in caplog.records)
    now[0] += 1.0
    ok = await log_in(ds, PASSWORD)
    assert ok.status_code == 302
    assert (await log_in(ds, "wrong password!")).status_code == 401  # the count was cleared


async def test_pointer_and_path_leaking_sql_is_denied(db_path: Path, plugins: None) -> None:
    laptop(db_path, "ann")
    ds = serve.make_datasette([db_path], password=PASSWORD)
    cookies = (await log_in(ds, PASSWORD)).cookies
    name = db_path.stem

    async def query(sql: str) -> dict:
        res = await ds.client.get(f"/{name}.json", params={"sql": sql}, cookies=cookies)
        return res.json()

    for sql in (
        "select fts3_tokenizer('simple')",
        "select * from pragma_database_list",
        "select file from pragma_database_list()",
        "select zeroblob(200000000)",
    ):
        data = await query(sql)
        assert data.get("ok") is False, (sql, data)
        assert str(db_path) not in str(data)
    fine = await query("select name from pragma_table_info('records') limit 1")
    assert fine.get("ok", True) and fine["rows"], fine
    assert (await query("select count(*) from records"))["rows"][0][0] == 1


async def test_debug_pages_need_a_login(db_path: Path, plugins: None) -> None:
    laptop(db_path, "ann")
    ds = serve.make_datasette([db_path], password=PASSWORD)
    for page in ("/-/allow-debug", "/-/messages", "/-/versions", "/-/threads", "/-/databases"):
        res = await ds.client.get(page)
        assert res.status_code in (302, 403), (page, res.status_code)
        assert str(db_path) not in res.text
    cookies = (await log_in(ds, PASSWORD)).cookies
    assert (await ds.client.get("/-/allow-debug", cookies=cookies)).status_code == 200


# ------------------------------------------------------------------ the files as a script
@pytest.mark.slow
def test_the_script_writes_every_file(tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, str(Path(H.__file__)), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert res.returncode == 0, res.stderr
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"bomb.xlsx", "dimension_lie.xlsx", "not_5000.xlsx", "choices_20000.xlsx"} <= names
    shutil.rmtree(tmp_path / "out")
