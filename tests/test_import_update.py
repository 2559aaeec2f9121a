"""Importing a corrected CSV again: never silent. Without --update the differing rows are
counted and nothing changes; with --update the differences become logged changes."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from pathlib import Path

from typer.testing import Result

from fieldkit.report import evidence
from fieldkit.store import Store

Cli = Callable[..., Result]
HEADER = [
    "force",
    "observed_at",
    "status",
    "cf_crime_ref",
    "cf_offence_category",
    "cf_da_flag",
    "cf_victim_injured",
    "cf_t2_bwv_used",
    "note:cf_t2_bwv_used",
]


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def rows(bwv: tuple[str, str, str], note: str = "") -> list[list[str]]:
    return [
        ["kent", "2015-06-01", "final", f"CR/{i}", "abh", "yes", "yes", v, note if i == 0 else ""]
        for i, v in enumerate(bwv)
    ]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bwv(db: Path) -> str:
    with Store.open(db, readonly=True) as s:
        (r,) = [r for r in evidence(s.conn) if r["item_id"] == "cf_t2_bwv_used"]
    return r["label"]


def test_a_corrected_file_is_reported_and_left_alone_without_update(
    cli: Cli, db_path: Path, tmp_path: Path
) -> None:
    first = write(tmp_path / "cases.csv", rows(("yes", "no", "no")))
    res = cli("import", first, "-c", "case_file_review", "--partial", "--db", db_path)
    assert res.exit_code == 0, res.output
    assert bwv(db_path) == "33% (1 of 3)"
    again = cli("import", first, "-c", "case_file_review", "--partial", "--db", db_path)
    assert "0 records imported, 3 already present" in again.output
    assert "differ" not in again.output

    corrected = write(tmp_path / "corrected.csv", rows(("yes", "yes", "na"), note="BWV seen"))
    before = sha(db_path)
    res = cli("import", corrected, "-c", "case_file_review", "--partial", "--db", db_path)
    assert res.exit_code == 1, res.output  # a script can tell the file differs
    text = " ".join(res.output.split())
    assert "0 records imported, 0 already present" in text
    assert (
        "3 row(s) differ from the records stored (2 answer(s) and 1 note(s) or record "
        "field(s)); nothing was changed." in text
    )
    assert "Use --update to apply them." in text
    assert "line 3: cf_t2_bwv_used: 'no' -> 'yes'" in text
    assert "line 2: cf_t2_bwv_used: (blank) -> 'BWV seen'" in text  # the note
    assert sha(db_path) == before
    assert bwv(db_path) == "33% (1 of 3)"


def test_update_applies_the_differences_as_logged_changes(
    cli: Cli, db_path: Path, tmp_path: Path
) -> None:
    cli(
        "import",
        write(tmp_path / "a.csv", rows(("yes", "no", "no"))),
        "-c",
        "case_file_review",
        "--partial",
        "--db",
        db_path,
    )
    with Store.open(db_path, readonly=True) as s:
        changes = s.conn.execute("SELECT count(*) FROM changes").fetchone()[0]
    corrected = write(tmp_path / "b.csv", rows(("yes", "yes", "na"), note="BWV seen"))
    res = cli(
        "import", corrected, "-c", "case_file_review", "--partial", "--db", db_path, "--update"
    )
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "updated 3 record(s) already stored: 2 answer(s) and 1 note(s)" in text
    assert bwv(db_path) == "100% (2 of 2)"
    with Store.open(db_path, readonly=True) as s:
        after = s.conn.execute("SELECT count(*) FROM changes").fetchone()[0]
        assert after == changes + 3  # each difference one logged change, the old kept
        old = s.conn.execute(
            "SELECT count(*) FROM changes WHERE field = 'cf_t2_bwv_used' AND kind = 'answer'"
            " AND value = 'no'"
        ).fetchone()[0]
        assert old == 2
        (rid,) = [r["record_id"] for r in s.records(search="CR/0")]
        assert s.notes(rid) == {("cf_t2_bwv_used", ""): "BWV seen"}
    res = cli(
        "import", corrected, "-c", "case_file_review", "--partial", "--db", db_path, "--update"
    )
    assert "0 records imported, 3 already present" in res.output
    assert "updated" not in res.output  # nothing left to apply


def test_a_bad_row_in_an_update_changes_nothing(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    cli(
        "import",
        write(tmp_path / "a.csv", rows(("yes", "no", "no"))),
        "-c",
        "case_file_review",
        "--partial",
        "--db",
        db_path,
    )
    bad = rows(("no", "no", "maybe"))
    before = sha(db_path)
    res = cli(
        "import",
        write(tmp_path / "b.csv", bad),
        "-c",
        "case_file_review",
        "--partial",
        "--db",
        db_path,
        "--update",
    )
    assert res.exit_code == 2 and "b.csv:4 column cf_t2_bwv_used" in res.output
    assert "Traceback" not in res.output
    assert sha(db_path) == before
