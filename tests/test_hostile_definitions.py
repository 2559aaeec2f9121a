"""Hostile sources: definitions and register rows forged with plain sqlite3.

A merge unions a source's checklist definitions and register rows. Each crafted source
below would change the team's figures or history if unioned; each must be refused through
`fieldkit merge SRC --into TEAM` with one line on stderr, exit 2, and every file in the
folder byte for byte as it was (no -wal or -shm left behind). A legitimate new checklist
version still merges."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from fieldkit import checklists
from fieldkit.checklists import parse_checklist
from fieldkit.checklists.model import snake
from fieldkit.register import add_event, link, new_plan, set_rag, withdraw_event
from fieldkit.store import Store, schema
from fieldkit.sync.checks import REGISTER_KEYS

Cli = Callable[..., Result]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files(folder: Path) -> dict[str, str]:
    """Every file in the folder with its sha256."""
    return {p.name: sha(p) for p in sorted(folder.iterdir()) if p.is_file()}


def case_file(s: Store, force: str, ref: str) -> str:
    return s.create_record(
        "case_file_review",
        force,
        status="final",
        subject_ref=ref,
        answers={
            ("cf_crime_ref", ""): ref,
            ("cf_offence_category", ""): "abh",
            ("cf_da_flag", ""): "yes",
            ("cf_victim_injured", ""): "yes",
            ("cf_t2_bwv_used", ""): "yes",
        },
    )


def run_sql(path: Path, *statements: str, params: tuple = ()) -> None:
    """Edit a database the way a hostile user would: plain sqlite3, no fieldkit."""
    conn = sqlite3.connect(path)
    try:
        for stmt in statements:
            conn.execute(stmt, params if "?" in stmt else ())
        conn.commit()
    finally:
        conn.close()


def set_definition(path: Path, cid: str, version: int, edit: Callable[[dict], None]) -> None:
    """Rewrite a stored definition (and its hash and items, so only the edit differs)."""
    conn = sqlite3.connect(path)
    try:
        (text,) = conn.execute(
            "SELECT definition FROM checklists WHERE id = ? AND version = ?", (cid, version)
        ).fetchone()
        data = json.loads(text)
        edit(data)
        checklist = parse_checklist(data, "test", held=True)  # forged: nothing refused
        new = checklist.definition_json()
        conn.execute(
            "UPDATE checklists SET definition = ?, hash = ?, title = ?, version = ? "
            "WHERE id = ? AND version = ?",
            (
                new,
                schema.checklist_hash(checklist),
                checklist.title,
                checklist.version,
                cid,
                version,
            ),
        )
        conn.execute(
            "DELETE FROM items WHERE checklist_id = ? AND checklist_version IN (?, ?)",
            (cid, version, checklist.version),
        )
        conn.execute(
            "DELETE FROM natural_key_items WHERE checklist_id = ? AND checklist_version IN (?, ?)",
            (cid, version, checklist.version),
        )
        items, key_items = schema.checklist_rows(checklist)
        conn.executemany(f"INSERT INTO items VALUES ({', '.join('?' * 16)})", items)
        conn.executemany("INSERT INTO natural_key_items VALUES (?, ?, ?, ?)", key_items)
        conn.commit()
    finally:
        conn.close()


# The shipped case-file review version: the database holds this one.
CFR = checklists.get("case_file_review").version


def first_prompt(data: dict, text: str) -> None:
    data["sections"][0]["items"][0]["prompt"] = text


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """team.db (one case file) and src.db (another, and register rows), side files gone."""
    with Store.create(tmp_path / "team.db", inspector="lead") as s:
        case_file(s, "kent", "CR/1")
    with Store.create(tmp_path / "src.db", inspector="ann") as s:
        case_file(s, "essex", "CR/2")
        add_event(s, "eb2014:2", "2018-02-01", status="outstanding")
        add_event(s, "eb2014:7", "2015-10-01", comment="Pay link not taken forward.")
        typo = add_event(s, "eb2014:9", "2016-01-05", status="complete")
        withdraw_event(s, typo.event_id, reason="typo")
        new_plan(s, "kent")
        set_rag(s, "kent:s01", "2018-06-01", "amber")
        link(s, "kent:s01", ["eb2014:2"], on="2018-07-01")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src.db", "team.db"]
    return tmp_path


def refused(cli: Cli, folder: Path, *expected: str, target: str = "team.db") -> str:
    """Merge src.db into the target: one line, exit 2, every file as it was."""
    before = files(folder)
    result = cli("merge", folder / "src.db", "--into", folder / target)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    assert "src.db" in lines[0]
    for text in expected:
        assert text in lines[0], lines[0]
    assert files(folder) == before
    return lines[0]


CASES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # A duplicate of an item row under a new id: the team would count an item twice.
    "extra items row": (
        (
            "INSERT INTO items SELECT checklist_id, checklist_version, 'cf_t2_extra', 999, "
            "section_id, section_title, repeat_key, prompt, kind, choices, na_allowed, na_when, "
            "required, help, basis, source FROM items WHERE item_id = 'cf_t2_bwv_used'",
        ),
        (f"case_file_review version {CFR}", "cf_t2_extra"),
    ),
    # Case files keyed by the offence instead of the crime reference: duplicates vanish.
    "changed natural key": (
        (
            "UPDATE natural_key_items SET item_id = 'cf_offence_category' "
            "WHERE checklist_id = 'case_file_review'",
        ),
        (f"case_file_review version {CFR}", "natural key"),
    ),
    "items of a version it does not define": (
        (
            "INSERT INTO items SELECT checklist_id, 7, item_id, position, section_id, "
            "section_title, repeat_key, prompt, kind, choices, na_allowed, na_when, required, "
            "help, basis, source FROM items WHERE item_id = 'cf_t2_bwv_used'",
        ),
        ("case_file_review version 7", "no definition"),
    ),
    "definition that is not UTF-8": (
        ("INSERT INTO checklists VALUES ('forged', 1, 'Forged', CAST(X'FF7B7D' AS TEXT), 'h')",),
        ("text",),
    ),
    "hash that does not match the definition": (
        ("UPDATE checklists SET hash = 'x' WHERE id = 'front_desk'",),
        ("front_desk version 1", "hash"),
    ),
    "non-numeric checklist version": (
        ("UPDATE checklists SET version = 'one' WHERE id = 'front_desk'",),
        ("front_desk version one",),
    ),
    "rec_events row edited under its key": (
        (
            "UPDATE rec_events SET comment_text = 'Pay link taken forward.' "
            "WHERE comment_text = 'Pay link not taken forward.'",
        ),
        ("rec_events row",),
    ),
    "comment blanked as scrub would, in a source that is no scrubbed copy": (
        ("UPDATE rec_events SET comment_text = '(scrubbed)' WHERE kind = 'comment'",),
        ("rec_events row",),
    ),
    "status event moved to another recommendation": (
        ("UPDATE rec_events SET rec_id = 'everyones_business_2014:3' WHERE kind = 'status'",),
        ("rec_events row",),
    ),
    "plan_events RAG rating changed": (
        ("UPDATE plan_events SET value = 'green' WHERE kind = 'rag'",),
        ("plan_events row",),
    ),
    "plan moved to another force": (
        ("UPDATE plans SET force_code = 'essex'",),
        ("plans row",),
    ),
    "plan objective rewritten": (
        ("UPDATE plan_objectives SET text = 'Nothing to do' WHERE objective_id = 's01'",),
        ("plan_objectives row",),
    ),
    # A withdrawal moved onto another event: a real status would vanish from the team's.
    "withdrawal pointed at another event": (
        (
            "UPDATE register_withdrawals SET target_id = "
            "(SELECT event_id FROM rec_events WHERE kind = 'status' LIMIT 1)",
        ),
        ("register_withdrawals row",),
    ),
    "plan link reversed": (
        ("UPDATE plan_links SET linked = 0",),
        ("plan_links row",),
    ),
}


@pytest.mark.parametrize("target", ["team.db", "new-team.db"])
@pytest.mark.parametrize("case", list(CASES))
def test_forged_rows_are_refused_and_nothing_changes(
    cli: Cli, folder: Path, case: str, target: str
) -> None:
    statements, expected = CASES[case]
    run_sql(folder / "src.db", *statements)
    refused(cli, folder, *expected, target=target)
    assert not (folder / "new-team.db").exists()


def test_same_checklist_version_with_another_prompt_is_refused(cli: Cli, folder: Path) -> None:
    set_definition(
        folder / "src.db",
        "case_file_review",
        CFR,
        lambda d: first_prompt(d, "Was the file any good?"),
    )
    line = refused(cli, folder, f"case_file_review version {CFR}", "differs")
    assert "team.db" in line  # the file that holds the definition it differs from


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["sections"][0]["items"][0].update(kind="stars"), "unknown kind"),
        (lambda d: d.update(natural_key=["cf_nowhere"]), "natural_key names missing item"),
        (lambda d: d["sections"][0].update(items="not a list"), "does not validate"),
    ],
    ids=["unknown kind", "natural key of a missing item", "items not a list"],
)
def test_definitions_pass_the_loader_validation(
    cli: Cli, folder: Path, edit: Callable[[dict], None], expected: str
) -> None:
    """A new checklist, valid JSON, that the loader would refuse as a YAML file."""
    conn = sqlite3.connect(folder / "src.db")
    (text,) = conn.execute("SELECT definition FROM checklists WHERE id = 'front_desk'").fetchone()
    data = json.loads(text)
    data.update(id="forged_desk", version=3)
    edit(data)
    new = json.dumps(data, sort_keys=True)
    conn.execute(
        "INSERT INTO checklists VALUES ('forged_desk', 3, ?, ?, ?)",
        (data["title"], new, hashlib.sha256(new.encode()).hexdigest()),
    )
    conn.commit()
    conn.close()
    refused(cli, folder, "forged_desk version 3", expected)


@pytest.mark.parametrize("text", ['{"id": "forged", ', "[1, 2", ""])
def test_a_definition_that_is_not_json_is_refused(cli: Cli, folder: Path, text: str) -> None:
    run_sql(
        folder / "src.db",
        "INSERT INTO checklists VALUES ('forged', 1, 'Forged', ?, ?)",
        params=(text, hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()),
    )
    refused(cli, folder, "forged version 1", "not valid JSON")


def test_a_register_row_holding_binary_is_refused(cli: Cli, folder: Path) -> None:
    """Even with a key computed over it: readers expect text."""
    from fieldkit.register.ids import digest

    parts = ("everyones_business_2014:7", None, "2015-11-01", "1 Nov 2015", 0, "comment")
    blob = b"\x01\x02"
    key = digest("rec_event", *parts, None, blob, "manual", None, None)
    run_sql(
        folder / "src.db",
        "INSERT INTO rec_events VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, 'manual', NULL, NULL)",
        params=(key, *parts, blob),
    )
    refused(cli, folder, "rec_events row", "binary")


def test_a_scrubbed_copy_merges_but_not_edited_further(cli: Cli, folder: Path) -> None:
    """Scrub gives the comments it blanks the keys of their new content, so the copy passes
    the register check every source passes; an edit after the scrub is refused."""
    copy = folder / "copy.db"
    assert cli("scrub", "--db", folder / "src.db", "--out", copy).exit_code == 0
    clean = folder / "clean-team.db"
    assert cli("merge", copy, "--into", clean).exit_code == 0
    clean.unlink()
    run_sql(
        copy, "UPDATE rec_events SET rec_id = 'everyones_business_2014:3' WHERE kind = 'status'"
    )
    before = files(folder)
    result = cli("merge", copy, "--into", folder / "team.db")
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "copy.db" in line and "rec_events row" in line
    assert files(folder) == before


def test_two_sources_with_different_definitions_of_one_version(cli: Cli, folder: Path) -> None:
    """Neither is held by the team yet: the second is refused, naming the first."""
    other = folder / "other.db"
    with Store.create(other, inspector="bob") as s:
        case_file(s, "kent", "CR/3")

    def bump(text: str) -> Callable[[dict], None]:
        def edit(d: dict) -> None:
            d["version"] = CFR + 1
            first_prompt(d, text)

        return edit

    set_definition(folder / "src.db", "case_file_review", CFR, bump("Version two, Ann's"))
    set_definition(other, "case_file_review", CFR, bump("Version two, Bob's"))
    before = files(folder)
    result = cli("merge", folder / "src.db", other, "--into", folder / "team.db")
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "other.db" in line and f"case_file_review version {CFR + 1}" in line and "src.db" in line
    assert files(folder) == before


def test_a_new_checklist_version_still_merges(cli: Cli, folder: Path) -> None:
    src = folder / "src.db"
    with Store.open(src) as s:
        v1 = s.checklist("case_file_review")
        data = json.loads(v1.definition_json())
        data["version"] = CFR + 1
        first_prompt(data, "Crime reference (as on the file)")
        with s.writing() as w:
            w.install(parse_checklist(data, "v2"))
        case_file(s, "essex", "CR/9")  # a record on the new version
    result = cli("merge", src, "--into", folder / "team.db")
    assert result.exit_code == 0, result.output
    again = cli("merge", src, "--into", folder / "team.db")
    assert again.exit_code == 0
    conn = sqlite3.connect(folder / "team.db")
    try:
        versions = conn.execute(
            "SELECT version FROM checklists WHERE id = 'case_file_review' ORDER BY version"
        ).fetchall()
        prompts = conn.execute(
            "SELECT checklist_version, prompt FROM items "
            "WHERE item_id = 'cf_crime_ref' ORDER BY checklist_version"
        ).fetchall()
        on_v2 = conn.execute(
            "SELECT count(*) FROM records WHERE checklist_version = ? AND subject_ref = 'CR/9'",
            (CFR + 1,),
        ).fetchone()[0]
    finally:
        conn.close()
    assert versions == [(CFR,), (CFR + 1,)]
    assert prompts[1] == (CFR + 1, "Crime reference (as on the file)")
    assert prompts[0][1] != prompts[1][1]
    assert on_v2 == 1


def test_register_rows_made_by_fieldkit_match_their_keys(folder: Path) -> None:
    """The key rules the merge checks are the ones the register writes with: every merged
    register table of a source with events, a plan, a rating and a link passes."""
    from fieldkit.sync.checks import check_sources

    conn = sqlite3.connect(folder / "src.db")
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in REGISTER_KEYS}
    conn.close()
    assert all(counts[t] > 0 for t in ("rec_events", "plans", "plan_events", "plan_links"))
    check_sources([folder / "src.db"], folder / "team.db")  # raises on a mismatch


# ------------------------------------------------------------------ control characters
# Every text of a definition coming in (a workbook, a YAML or JSON file, a merged source)
# is refused when it holds a control character but tab and newline: C0, DEL, C1. One line
# naming where (sheet, row and column; item and field; file, checklist and item), exit 2,
# every file as it was. (Databases that already hold such text: tests/test_terminal_text.py.)
ESC_52 = "\x1b]52;c;UFdORUQ=\x07"


def test_a_new_checklist_version_with_a_control_character_is_refused(
    cli: Cli, folder: Path
) -> None:
    """A new version (nothing held to differ from) whose one prompt carries OSC 52."""
    src = folder / "src.db"
    with Store.open(src) as s:
        data = json.loads(s.checklist("case_file_review").definition_json())
        data["version"] = CFR + 1
        data["sections"][1]["items"][2]["help"] = f"Look {ESC_52} closely"
        item = data["sections"][1]["items"][2]["id"]
        with s.writing() as w:
            w.install(parse_checklist(data, "forged", held=True))
    line = refused(cli, folder, f"case_file_review version {CFR + 1}", f"item {item}: help")
    assert "control character (U+001B)" in line and "\x1b" not in line


@pytest.mark.parametrize(
    ("where", "char"),
    [("title", "\x9b"), ("choice label", "\x7f"), ("section title", "\x07")],
)
def test_a_merged_definition_holding_a_control_character_is_refused(
    cli: Cli, folder: Path, where: str, char: str
) -> None:
    def edit(d: dict) -> None:
        if where == "title":
            d["title"] = f"Case{char} files"
        elif where == "section title":
            d["sections"][2]["title"] = f"C{char}"
        else:
            item = next(i for s in d["sections"] for i in s["items"] if i.get("choices"))
            c = item["choices"][0]
            item["choices"][0] = (
                {"code": c["code"], "label": f"x{char}"}
                if isinstance(c, dict)
                else {"code": snake(c), "label": f"x{char}"}
            )

    set_definition(folder / "src.db", "case_file_review", CFR, edit)
    expected = {"title": ": title:", "section title": "section ", "choice label": "choices[1]"}
    line = refused(cli, folder, f"case_file_review version {CFR}", expected[where])
    assert f"U+{ord(char):04X}" in line


def _xls(path: Path, survey: list[list[str]], choices: list[list[str]] | None = None) -> Path:
    """An .xls workbook (BIFF, as older Excel and the issue's form): any character fits."""
    import xlwt

    book = xlwt.Workbook()
    for name, rows in (("survey", survey), ("choices", choices), ("settings", None)):
        if name == "settings":
            rows = [["form_id", "version"], ["hostile", "1"]]
        if rows is None:
            continue
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
    book.save(str(path))
    return path


@pytest.mark.parametrize(
    ("sheet", "expected"),
    [
        (
            "survey",
            "survey sheet, row 3, column label: holds a control character (U+001B) at character 6",
        ),
        (
            "choices",
            "choices sheet, row 2, column label: holds a control character (U+009D) at character 4",
        ),
    ],
)
def test_an_xls_form_holding_escape_sequences_is_refused(
    cli: Cli, folder: Path, sheet: str, expected: str
) -> None:
    """The issue's form: labels holding OSC 52, imported into the team's database."""
    pytest.importorskip("xlwt")
    survey = [
        ["type", "name", "label"],
        ["select_one yn", "seen", "Seen?"],
        ["text", "what", f"What {ESC_52 if sheet == 'survey' else ''}was seen?"],
    ]
    choices = [
        ["list_name", "name", "label"],
        ["yn", "yes", "Yes\x9d52;c;UFdORUQ=\x9c" if sheet == "choices" else "Yes"],
        ["yn", "no", "No"],
    ]
    form = _xls(folder / "form.xls", survey, choices)
    before = files(folder)
    result = cli("checklists", "import", form, "--db", folder / "team.db")
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [f"fieldkit: form.xls: {expected}"]
    assert files(folder) == before


def test_an_xlsx_form_holding_c1_controls_is_refused(cli: Cli, folder: Path) -> None:
    from helpers.xlsforms import row, small_form

    form = small_form(folder / "form.xlsx", [row("text", "t", "ok", hint="Look\x9b2J here")])
    before = files(folder)
    result = cli("checklists", "import", form, "--db", folder / "team.db")
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "form.xlsx: survey sheet, row 5, column hint::English (en)" in line
    assert "U+009B" in line and files(folder) == before


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_definition_file_holding_a_control_character_is_refused(
    cli: Cli, folder: Path, suffix: str
) -> None:
    data = json.loads(checklists.get("front_desk").definition_json())
    data["sections"][0]["items"][1]["prompt"] = "Was it\x1b[2J open?"
    item = data["sections"][0]["items"][1]["id"]
    path = folder / f"desk{suffix}"
    path.write_text(json.dumps(data))  # JSON is YAML too
    before = files(folder)
    result = cli("checklists", "diff", "front_desk", path)
    assert result.exit_code == 2
    assert f"desk{suffix}: item {item}: prompt: holds a control character (U+001B)" in (
        result.stderr
    )
    assert files(folder) == before


def test_tab_and_newline_are_text(folder: Path) -> None:
    data = json.loads(checklists.get("front_desk").definition_json())
    data["sections"][0]["items"][1]["help"] = "Line one\n\tLine two"
    assert parse_checklist(data, "ok").items[1].help == "Line one\n\tLine two"
