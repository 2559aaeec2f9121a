"""`fieldkit export csv`: a checklist's records as the CSV `fieldkit import` reads, so that
correcting records through a spreadsheet is export, edit, import (a dry run listing the
differences, exit 1), import --update."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.records import case_file
from typer.testing import Result

from fieldkit.report import evidence
from fieldkit.store import Change, Store

Cli = Callable[..., Result]
WHEN = "2015-06-01T10:00"
CHECKLISTS = ("call_listening", "case_file_review", "front_desk", "marac_observation")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow  # the demo database
@pytest.mark.parametrize("checklist", CHECKLISTS)
def test_an_unchanged_export_imports_with_no_differences(
    cli: Cli, demo_copy: Path, tmp_path: Path, checklist: str
) -> None:
    out = tmp_path / f"{checklist}.csv"
    res = cli("export", "csv", "--checklist", checklist, "--out", out, "--db", demo_copy)
    assert res.exit_code == 0, res.output
    rows = read(out)
    assert f"wrote {out}: {len(rows)} record(s)" in " ".join(res.output.split())
    assert out.stat().st_mode & 0o777 == 0o600
    before = sha(demo_copy)
    res = cli("import", out, "--checklist", checklist, "--db", demo_copy)
    assert res.exit_code == 0, res.output
    assert f"0 records imported, {len(rows)} already present" in res.output
    assert "differ" not in res.output
    assert sha(demo_copy) == before


@pytest.mark.slow  # the demo database
def test_a_corrected_export_is_listed_exits_1_and_update_applies_it(
    cli: Cli, demo_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "kent.csv"
    cli("export", "csv", "-c", "case_file_review", "--force", "kent", "-o", out, "--db", demo_copy)
    rows = read(out)
    assert rows and {r["force"] for r in rows} == {"kent"}
    final = [
        r
        for r in rows
        if r["status"] == "final"
        and r["cf_t2_bwv_used"] in ("yes", "no")
        and r["cf_da_flag"] == "yes"
        and r["cf_offence_category"] != "burglary"
    ]
    target = final[0]
    old = target["cf_t2_bwv_used"]
    new = "no" if old == "yes" else "yes"
    target["cf_t2_bwv_used"] = new
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    line = rows.index(target) + 2
    before = sha(demo_copy)
    res = cli("import", out, "-c", "case_file_review", "--db", demo_copy)
    assert res.exit_code == 1
    text = " ".join(res.output.split())
    assert "1 row(s) differ from the records stored (1 answer(s)); nothing was changed." in text
    assert f"line {line}: cf_t2_bwv_used: '{old}' -> '{new}'" in text
    assert sha(demo_copy) == before

    def kent_bwv() -> int:
        with Store.open(demo_copy, readonly=True) as s:
            (r,) = [r for r in evidence(s.conn, force="kent") if r["item_id"] == "cf_t2_bwv_used"]
        return r["completed"]

    was = kent_bwv()
    res = cli("import", out, "-c", "case_file_review", "--db", demo_copy, "--update")
    assert res.exit_code == 0, res.output
    assert "updated 1 record(s) already stored: 1 answer(s) changed" in " ".join(res.output.split())
    assert kent_bwv() == was + (1 if new == "yes" else -1)


def test_an_automatic_na_left_blank_is_no_difference(
    cli: Cli, db_path: Path, tmp_path: Path
) -> None:
    """A record stored with a blank where its rule now says not applicable (written before
    the rule, or a draft cut short) exports the blank, and imports back as no change."""
    with Store.create(db_path, inspector="t") as s:
        rid = case_file(s, "kent", "CR/1", injured="no", status="draft", observed_at=WHEN)
        assert s.answers(rid)[("cf_t2_injury_photos", "")] == "na"
        with s.writing() as w:
            w.append([Change(rid, "answer", "cf_t2_injury_photos", None)], author="t")
        assert ("cf_t2_injury_photos", "") not in s.answers(rid)
    out = tmp_path / "cf.csv"
    cli("export", "csv", "-c", "case_file_review", "-o", out, "--db", db_path)
    (row,) = read(out)
    assert row["cf_t2_injury_photos"] == "" and row["cf_victim_injured"] == "no"
    res = cli("import", out, "-c", "case_file_review", "--db", db_path)
    assert res.exit_code == 0, res.output
    assert "1 already present" in res.output and "differ" not in res.output


def test_choices_are_codes_and_duplicates_write_the_counted_copy(
    cli: Cli, db_path: Path, tmp_path: Path
) -> None:
    with Store.create(db_path, inspector="t") as s:
        first = case_file(s, "kent", "CR/1", answers={"cf_t2_bwv_used": "yes"}, observed_at=WHEN)
        case_file(s, "kent", "CR/1", answers={"cf_t2_bwv_used": "no"}, observed_at=WHEN)
        s.create_record(
            "call_listening",
            "kent",
            status="draft",
            observed_at=WHEN,
            answers={
                ("cl_call_ref", ""): "INC-1",
                ("cl_vulnerability_markers", ""): '["elderly", "mental_health"]',
            },
        )
        assert s.record(first)
    out = tmp_path / "cf.csv"
    res = cli("export", "csv", "-c", "case_file_review", "-o", out, "--db", db_path)
    assert "1 record(s); left out 1 second copy of a record (the counted one written)" in (
        " ".join(res.output.split())
    )
    (row,) = read(out)
    assert (row["cf_offence_category"], row["cf_t2_bwv_used"]) == ("abh", "yes")
    calls = tmp_path / "cl.csv"
    cli("export", "csv", "-c", "call_listening", "-o", calls, "--db", db_path)
    (row,) = read(calls)
    assert row["cl_vulnerability_markers"] == "elderly;mental_health"
    assert "cl_call_ref" in row and not any(k.startswith("note:") for k in row)
    res = cli("import", calls, "-c", "call_listening", "--db", db_path)
    assert res.exit_code == 0 and "1 already present" in res.output


def test_refusals_write_nothing(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    with Store.create(db_path, inspector="t") as s:
        case_file(s, "kent", "CR/1")
    out = tmp_path / "x.csv"
    res = cli("export", "csv", "-c", "nope", "-o", out, "--db", db_path)
    assert res.exit_code == 2 and "unknown checklist 'nope'" in res.output
    assert not out.exists()
    res = cli("export", "csv", "-c", "case_file_review", "-o", tmp_path / "x.txt", "--db", db_path)
    assert res.exit_code == 2 and "must end in .csv" in res.output
    out.write_text("keep")
    res = cli("export", "csv", "-c", "case_file_review", "-o", out, "--db", db_path)
    assert res.exit_code == 2 and out.read_text() == "keep"
