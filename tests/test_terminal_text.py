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


# ------------------------------------------------ every way out, over hostile definitions
# tests/helpers/hostile_text.py: a merged database whose case-file definition (title,
# sections, prompts, help, choices) and answers, notes and a register comment carry OSC 52,
# CSI 2J, C1 controls, DEL, Rich markup and the formulas =HYPERLINK(...) and =cmd|...


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    from helpers.hostile_text import hostile_db

    return hostile_db(tmp_path)


REPORTS = [
    ("report", "evidence"),
    ("report", "evidence", "--by", "force"),
    ("report", "coverage"),
    ("report", "scales"),
    ("report", "summary"),
]
FORMATS = ["table", "csv", "markdown", "json"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("command", REPORTS, ids=" ".join)
def test_report_formats_hold_no_control(
    cli: Cli, hostile: Path, command: tuple[str, ...], fmt: str
) -> None:
    from helpers.hostile_text import leaked

    result = cli(*command, "--db", hostile, "--format", fmt)
    assert result.exit_code == 0, result.output
    assert not leaked(result.stdout_bytes + result.stderr_bytes)
    clean(result)


def test_csv_cells_a_spreadsheet_would_run_are_text(cli: Cli, hostile: Path) -> None:
    import csv
    import io

    from helpers.hostile_text import DDE, HYPERLINK

    out = cli("report", "evidence", "--db", hostile, "--format", "csv").stdout
    cells = [c for row in csv.reader(io.StringIO(out)) for c in row]
    assert f"'{HYPERLINK}" in cells and f"'{DDE}" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    # figures stay figures
    assert "100" in cells and not [c for c in cells if c.startswith("'") and c[1:].isdigit()]


def test_markdown_holds_the_text_without_controls(cli: Cli, hostile: Path) -> None:
    from helpers.hostile_text import SHOWN

    text = clean(cli("report", "coverage", "--db", hostile, "--format", "markdown"))
    assert SHOWN in text and "[/x]" in text


def test_force_briefing_html_and_svg(cli: Cli, hostile: Path, tmp_path: Path) -> None:
    from helpers.hostile_text import leaked

    page = tmp_path / "kent.html"
    assert cli("report", "force", "kent", "--out", page, "--db", hostile).exit_code == 0
    raw = page.read_bytes()
    assert not leaked(raw) and not CONTROLS.findall(raw.decode())
    assert b"<svg" in raw and b"Evil PWNED" in raw
    assert b"<script" not in raw.lower()


def test_briefing_escapes_html() -> None:
    from fieldkit.report.briefing_svg import bars_svg

    question = '<script>alert(1)</script>"\x1b]52;c;UFdORUQ=\x07'
    svg = bars_svg([{"question": question, "percent": 50, "rest_percent": 40}], "<b>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "UFdORUQ" not in svg
    assert "&lt;b&gt;" in svg


def test_xlsx_export_reads_back_clean(cli: Cli, hostile: Path, tmp_path: Path) -> None:
    """export xlsx crashed (openpyxl IllegalCharacterError) on a title holding a control
    character; every cell, sheet title and formula-looking text is now safe."""
    from helpers.hostile_text import DDE, HYPERLINK
    from openpyxl import load_workbook

    book = tmp_path / "out.xlsx"
    result = cli("export", "xlsx", "--out", book, "--db", hostile)
    assert result.exit_code == 0, result.output
    clean(result)
    wb = load_workbook(book)
    texts = []
    for ws in wb:
        assert not CONTROLS.findall(ws.title)
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str):
                    assert not CONTROLS.findall(c.value), (ws.title, c.coordinate)
                    assert c.data_type == "s", (ws.title, c.coordinate, c.value)
                    texts.append(c.value)
    assert HYPERLINK in texts and any(DDE in t for t in texts)
    assert any("Files Evil PWNED" in t for t in texts)


def test_progress_update_docx_html_md(cli: Cli, hostile: Path, tmp_path: Path) -> None:
    """`register report --out x.docx` crashed on a comment holding a control character."""
    from docx import Document
    from helpers.hostile_text import leaked

    for suffix in (".docx", ".html", ".md"):
        out = tmp_path / f"update{suffix}"
        result = cli(
            "register", "report", "--since", "2015-01-01", "--until", "2015-12-31",
            "--out", out, "--db", hostile,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        if suffix == ".docx":
            doc = Document(str(out))
            text = "\n".join(p.text for p in doc.paragraphs)
            text += "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
        else:
            assert not leaked(out.read_bytes())
            text = out.read_text()
        assert "Evil PWNED" in text and not CONTROLS.findall(text.replace("\t", ""))


def test_json_keeps_the_data_escaped(cli: Cli, hostile: Path) -> None:
    import json

    from helpers.hostile_text import CLIPBOARD

    out = cli("checklists", "show", "case_file_review", "--db", hostile, "--json").stdout
    assert not CONTROLS.findall(out)
    assert CLIPBOARD in json.loads(out)["title"]  # the data itself, escaped in transit


@pytest.mark.parametrize(
    "command",
    [
        ("checklists", "list"),
        ("checklists", "show", "case_file_review"),
        ("conflicts",),
        ("register", "show", "eb2014:7"),
        ("targets", "list"),
        ("pii",),
    ],
    ids=" ".join,
)
def test_other_commands(cli: Cli, hostile: Path, command: tuple[str, ...]) -> None:
    from helpers.hostile_text import leaked

    result = cli(*command, "--db", hostile)
    assert result.exit_code == 0, result.output
    assert not leaked(result.stdout_bytes + result.stderr_bytes)
    clean(result)


def test_xlsform_export_of_a_hostile_definition(cli: Cli, hostile: Path, tmp_path: Path) -> None:
    """A held definition exports to a form that imports again (its controls gone)."""
    form = tmp_path / "form.xlsx"
    result = cli("checklists", "export", "case_file_review", "--out", form, "--db", hostile)
    assert result.exit_code == 0, result.output
    from fieldkit.checklists.xlsform_read import read_xlsform

    assert "Evil PWNED" in read_xlsform(form).checklist.title


@pytest.mark.parametrize(
    ("raw", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+44 7700 900123", "'+44 7700 900123"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'=1"),
        ("-3", "-3"),
        ("+44", "+44"),
        ("-0.5e3", "-0.5e3"),
        ("plain", "plain"),
        (-3, -3),
    ],
)
def test_csv_cell(raw: object, cell: object) -> None:
    from fieldkit.safetext import csv_cell

    assert csv_cell(raw) == cell


def test_table_cells_and_titles_are_text_not_markup() -> None:
    """Stored `[bold]` neither styles a table cell or title nor `[/x]` crashes it."""
    from io import StringIO

    from fieldkit.cli.failures import SafeConsole, SafeTable
    from fieldkit.cli.output import show
    from fieldkit.report.render import Column, Frame

    buffer = StringIO()
    console = SafeConsole(file=buffer, force_terminal=True, width=200)
    table = SafeTable("title", "n")
    table.add_row("[bold]PWNED[/] [/x] [link=http://evil.example/]x", 3)
    console.print(table)
    out = buffer.getvalue()
    assert "[bold]PWNED[/] [/x] [link=http://evil.example/]x" in out
    assert "\x1b[1mPWNED" not in out and "\x1b]8" not in out
    frame = Frame("[bold]Title[/x]", [Column("q", "Question")], [{"q": "[i]q[/i]"}])
    import fieldkit.cli.output as output

    buffer = StringIO()
    original = output.out
    output.out = SafeConsole(file=buffer, force_terminal=True, width=120)
    try:
        show([frame], "table")
    finally:
        output.out = original
    assert "[bold]Title[/x]" in buffer.getvalue() and "[i]q[/i]" in buffer.getvalue()
