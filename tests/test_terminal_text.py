"""Stored text never reaches the terminal as control characters.

A merged database can hold anything a source held. Values carrying `ESC ]52` (which
writes the clipboard), CSI sequences, C1 controls, BEL, backspace and carriage returns
are printed by every command that shows stored text (register show and list, conflicts
and duplicates, report, merge summaries, error lines, JSON): the output holds no control
character but newline and tab, and the printable text around them is still there."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from fieldkit.cli.commands import app
from fieldkit.register import add_event
from fieldkit.safetext import json_text, safe_text
from fieldkit.store import Store

Cli = Callable[..., Result]
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
CLIPBOARD = "\x1b]52;c;ZXZpbA==\x07"  # OSC 52: put "evil" on the clipboard
EVIL = f"Be{CLIPBOARD}fore\x1b[2J\x9b31m\x07\x08\r\x1b]0;title\x1b\\ after"
SHOWN = "Before after"


def merged(src: Path, into: Path) -> bool:
    return CliRunner().invoke(app, ["merge", str(src), "--into", str(into)]).exit_code == 0


def crafted(tmp_path: Path) -> Path:
    """team.db: two inspectors' copies of one case file edited concurrently (a conflict), a
    duplicate case file, a register comment and a register entry heading, all crafted."""
    a, b, team = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "team.db"
    with Store.create(a, inspector=f"ann{CLIPBOARD}") as s:
        rid = s.create_record(
            "case_file_review",
            "kent",
            status="final",
            subject_ref=f"CR/{CLIPBOARD}1",
            answers={
                ("cf_crime_ref", ""): f"CR/{CLIPBOARD}1",
                ("cf_offence_category", ""): "abh",
                ("cf_da_flag", ""): "yes",
                ("cf_victim_injured", ""): "yes",
                ("cf_t2_bwv_used", ""): "yes",
            },
        )
        add_event(s, "eb2014:7", "2015-10-01", comment=EVIL)
    with Store.create(b, inspector="bob") as s:
        pass
    assert merged(a, b)  # b starts as a copy of a's work
    with Store.open(a) as s:
        s.set_answer(rid, "cf_offence_detail", f"A says {EVIL}")
    with Store.open(b) as s:
        s.set_answer(rid, "cf_offence_detail", f"B says {EVIL}")
        s.create_record(  # the same case file again: a duplicate
            "case_file_review",
            "kent",
            status="final",
            subject_ref=f"CR/{CLIPBOARD}1",
            answers={("cf_crime_ref", ""): f"CR/{CLIPBOARD}1"},
        )
    assert merged(a, team) and merged(b, team)
    conn = sqlite3.connect(team)
    conn.execute(
        "INSERT INTO register_entries VALUES ('e1', '999', 'register:999', NULL, NULL, ?, ?, ?)",
        (f"Heading {EVIL}", "title", "text"),
    )
    conn.execute(
        "UPDATE checklists SET title = ? WHERE id = 'case_file_review'", (f"Files {EVIL}",)
    )
    conn.commit()
    conn.close()
    return team


def clean(result: Result) -> str:
    text = result.stdout + result.stderr
    assert not CONTROLS.findall(text), [c for c in CONTROLS.findall(text)]
    return text


@pytest.fixture
def team(tmp_path: Path) -> Path:
    return crafted(tmp_path)


def test_register_show_and_list(cli: Cli, team: Path) -> None:
    shown = clean(cli("register", "show", "eb2014:7", "--db", team))
    assert SHOWN in shown
    listed = clean(cli("register", "list", "--db", team))
    assert "Heading" in listed
    as_json = cli("register", "show", "eb2014:7", "--db", team, "--json")
    assert as_json.exit_code == 0, as_json.stderr
    assert not CONTROLS.findall(as_json.stdout)
    # The data is all there (the comment as stored, controls and all), only escaped.
    assert any(EVIL in text for text in strings(json.loads(as_json.stdout)))


def strings(value: object) -> list[str]:
    """Every string in a parsed JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return []


def test_progress_update_on_stdout(cli: Cli, team: Path) -> None:
    """`register report` prints the update on stdout when no --out is given: the stored
    comment is in it, its escape sequences are not."""
    update = cli(
        "register", "report", "--since", "2015-01-01", "--until", "2015-12-31", "--db", team
    )
    assert update.exit_code == 0, update.stderr
    assert "1st October 2015: Before" in clean(update)


def test_conflicts_and_duplicates(cli: Cli, team: Path) -> None:
    text = clean(cli("conflicts", "--db", team))
    assert "A says" in text and "B says" in text and "cr/1" in text.lower()
    as_json = cli("conflicts", "--db", team, "--json")
    assert as_json.exit_code == 0
    assert not CONTROLS.findall(as_json.stdout)
    assert "\\u001b]52" in as_json.stdout or "]52" not in as_json.stdout


def test_report(cli: Cli, team: Path) -> None:
    text = clean(cli("report", "evidence", "--db", team, "--checklist", "case_file_review"))
    assert f"Files {SHOWN}" in text
    as_json = cli("report", "evidence", "--db", team, "--checklist", "case_file_review", "--json")
    assert as_json.exit_code == 0 and not CONTROLS.findall(as_json.stdout)


def test_merge_summaries_and_error_lines(cli: Cli, team: Path, tmp_path: Path) -> None:
    evil_name = tmp_path / f"laptop{CLIPBOARD}.db"
    with Store.create(evil_name, inspector="x"):
        pass
    text = clean(cli("merge", evil_name, "--into", team))
    assert "laptop.db" in text
    missing = cli("report", "evidence", "--db", tmp_path / f"no{CLIPBOARD}such.db")
    assert missing.exit_code == 2
    assert "nosuch.db" in clean(missing)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (EVIL, SHOWN),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("\x9d8;;http://evil\x9clink", "link"),
        ("unterminated \x1b]52;c;ZXZpbA==", "unterminated "),
        ("plain: ünïcode, “quotes”", "plain: ünïcode, “quotes”"),
    ],
)
def test_safe_text(raw: str, shown: str) -> None:
    assert safe_text(raw) == shown
    assert not CONTROLS.findall(json_text({"v": raw}))


def test_stored_text_that_looks_like_markup(cli: Cli, db_path: Path) -> None:
    """Brackets in stored text are shown as written (they crashed `register show`), and
    no hyperlink reaches the terminal."""
    from io import StringIO

    from fieldkit.cli.failures import SafeConsole

    with Store.create(db_path, inspector="x") as s:
        add_event(s, "eb2014:2", "2018-01-10", comment="see [/x] and [link=http://evil]here[/link]")
    res = cli("register", "show", "eb2014:2", "--db", db_path)
    assert res.exit_code == 0 and "[/x]" in clean(res)
    buffer = StringIO()
    SafeConsole(file=buffer, force_terminal=True).print("[link=http://evil]here[/link] [bold]b[/]")
    assert "here" in buffer.getvalue() and "\x1b[1m" in buffer.getvalue()  # styles kept
    assert "\x1b]8" not in buffer.getvalue() and "evil" not in buffer.getvalue()
