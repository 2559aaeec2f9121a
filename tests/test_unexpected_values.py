"""Readers show what they can and name what they cannot.

A merge takes in whatever values a source's change log holds, so a database can hold a
binary value where text belongs, a number where text belongs, text where a score belongs,
or a checklist version that is not a number. `export xlsx` and every `report` must still
work: a binary value is written as "<binary, N bytes>" and the cells holding one are named
on stderr; the rest of the figures are as they would be."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import Result

from fieldkit.store import Store
from fieldkit.store.log import Change

Cli = Callable[..., Result]
CASE = {
    ("cf_crime_ref", ""): "CR/1",
    ("cf_offence_category", ""): "abh",
    ("cf_da_flag", ""): "yes",
    ("cf_victim_injured", ""): "yes",
    ("cf_t2_bwv_used", ""): "yes",
}


@pytest.fixture
def odd(db_path: Path) -> Path:
    """Values of unexpected types, written through the change log as a merge writes them."""
    with Store.create(db_path, inspector="tester") as s:
        r1 = s.create_record("case_file_review", "kent", status="final", answers=CASE)
        r2 = s.create_record(
            "case_file_review", "kent", status="final", answers={**CASE, ("cf_crime_ref", ""): "2"}
        )
        r3 = s.create_record(
            "call_listening",
            "kent",
            status="final",
            answers={("cl_call_ref", ""): "INC1", ("cl_calm_reassuring", ""): "3"},
        )
        r4 = s.create_record(
            "case_file_review", "essex", status="final", answers={**CASE, ("cf_crime_ref", ""): "4"}
        )
        s.write(
            [
                Change(r1, "answer", "cf_offence_detail", b"\x00\x01\x02"),
                Change(r1, "note", "cf_t2_bwv_used", b"\x01\x02"),
                Change(r2, "answer", "cf_offence_detail", 0.1234567890123456),  # 16 digits
                Change(r2, "record", "checklist_version", "two"),
                Change(r3, "answer", "cl_calm_reassuring", "lots"),
                Change(r4, "record", "force_code", b"\x01"),
            ]
        )
    return db_path


def test_export_writes_binary_as_text_and_names_the_cells(
    cli: Cli, odd: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.xlsx"
    res = cli("export", "xlsx", "--db", odd, "--out", out)
    assert res.exit_code == 0, res.output
    wb = load_workbook(out, read_only=True)
    found = {
        f"{ws.title}!{cell.coordinate}": cell.value
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith("<binary")
    }
    assert "<binary, 3 bytes>" in found.values()  # the answer
    assert "<binary, 2 bytes>" in found.values()  # the note
    assert "<binary, 1 bytes>" in found.values()  # the force code
    (warning,) = res.stderr.strip().splitlines()
    assert f"{len(found)} binary value(s)" in warning
    # the wide sheet reads each record's answers in one JSON object (which keeps 15 digits
    # of a number): the number comes back to its 16th digit, the binary answer named
    wide = [[c.value for c in row] for row in wb["Case-file review"].iter_rows()]
    column = next(n for n, v in enumerate(wide[0]) if v == "cf_offence_detail")
    assert {r[column] for r in wide[2:]} == {None, "<binary, 3 bytes>", 0.1234567890123456}
    for cell in found:
        assert cell in warning or "..." in warning


@pytest.mark.parametrize(
    "args",
    [
        ("report", "evidence"),
        ("report", "evidence", "--by", "force"),
        ("report", "scales", "--by", "force"),
        ("report", "coverage"),
        ("conflicts",),
    ],
)
def test_reports_show_what_they_can(cli: Cli, odd: Path, args: tuple[str, ...]) -> None:
    res = cli(*args, "--db", odd)
    assert res.exit_code == 0, res.output
    as_json = cli(*args, "--db", odd, "--json")
    assert as_json.exit_code == 0, as_json.output
    json.loads(as_json.stdout)
    if args in (("report", "evidence", "--by", "force"), ("report", "coverage")):
        assert "<binary, 1" in res.stdout and "<binary, 1 bytes>" in as_json.stdout
        assert "kent" in as_json.stdout  # the rest is there


def test_every_json_output_shows_binary_as_the_tables_do(cli: Cli, tmp_path: Path) -> None:
    """One JSON emitter for every command: a binary value merged into a conflict reads
    "<binary, N bytes>" in `conflicts --json`, as in the reports, not Python's b'...'."""
    from fieldkit.sync import merge

    a, b = tmp_path / "a.db", tmp_path / "b.db"
    with Store.create(a, inspector="amy") as s:
        rid = s.create_record("case_file_review", "kent")
    Store.create(b, inspector="bob").close()
    merge([a], b)
    with Store.open(a) as s:
        s.write([Change(rid, "answer", "cf_offence_detail", "as typed")])
    with Store.open(b) as s:
        s.write([Change(rid, "answer", "cf_offence_detail", b"\x00\x01")])
    merge([b], a)
    res = cli("conflicts", "--db", a, "--json")
    assert res.exit_code == 0, res.output
    (conflict,) = json.loads(res.stdout)["conflicts"]
    assert {conflict["value"], conflict["winner_value"]} == {"as typed", "<binary, 2 bytes>"}
