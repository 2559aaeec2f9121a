"""The report's own Table 2, reproduced from raw records (DOMAIN.md 4.1 and 4.3).

480 DA-flagged case files in rape, serious violence and ABH, imported as CSV into three
inspectors' databases, whose answers give exactly the printed counts; plus burglary files,
non-DA files, drafts, a deleted file and duplicates (the same crime reference recorded again
by another inspector), all answered "yes" or "no" so that counting any of them would move
the figures. The databases are merged, and all seven rows must come out right in the report
JSON, the Datasette canned query and the Excel Summary sheet."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest
from helpers.records import T2
from helpers.workbook import table
from openpyxl import load_workbook
from typer.testing import Result

from fieldkit.report import percent
from fieldkit.store import Store
from fieldkit.sync import merge

# item: (applicable, completed, printed percent), DOMAIN.md 4.1
TABLE_2 = {
    "cf_t2_victim_statement_initial": (452, 328, 73),
    "cf_t2_injury_photos": (384, 214, 56),
    "cf_t2_house_to_house": (361, 144, 40),
    "cf_t2_officer_statement": (440, 280, 64),
    "cf_t2_bwv_used": (329, 71, 22),
    "cf_t2_999_listened_exhibited": (395, 305, 77),
    "cf_t2_safety_measures": (456, 346, 76),
}
FILES = 480
FORCES = ("kent", "essex", "durham", "gwent", "lancashire", "west_midlands")
IN_SCOPE = ("rape", "serious_violence", "abh")
HEADER = [
    "force",
    "observed_at",
    "status",
    "cf_crime_ref",
    "cf_offence_category",
    "cf_da_flag",
    "cf_victim_injured",
    *T2,
]


def answer(item_no: int, item: str, f: int) -> str:
    """The answer file f gives to an item: a different shuffle per item (multiplying by a
    number coprime to the prime 487 permutes 0..486), yes for the first `completed` files in
    that order, no up to `applicable`, not applicable after."""
    applicable, completed, _ = TABLE_2[item]
    rank = ranks(item_no)[f]
    return "yes" if rank < completed else "no" if rank < applicable else "na"


@cache
def ranks(item_no: int) -> dict[int, int]:
    order = sorted(range(FILES), key=lambda g: (g * (31 + 17 * item_no)) % 487)
    return {f: rank for rank, f in enumerate(order)}


def table2_rows() -> Iterator[list[str]]:
    for f in range(FILES):
        answers = [answer(n, item, f) for n, item in enumerate(T2)]
        injured = "no" if answers[T2.index("cf_t2_injury_photos")] == "na" else "yes"
        yield [
            FORCES[f % len(FORCES)],
            f"2015-06-{1 + f % 28:02d}",
            "final",
            f"CR/15/{f:04d}",
            IN_SCOPE[f % 3],
            "yes",
            injured,
            *answers,
        ]


def noise_row(force: str, ref: str, category: str, da: str, status: str, value: str) -> list:
    return [force, "2015-07-01", status, ref, category, da, "yes", *([value] * len(T2))]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The merged team database (built once for the module)."""
    from typer.testing import CliRunner

    from fieldkit.cli.commands import app

    runner = CliRunner()

    def cli(*args: object) -> Result:
        res = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        return res

    tmp = tmp_path_factory.mktemp("table2")
    rows = list(table2_rows())
    dbs = [tmp / f"inspector{i}.db" for i in range(3)]
    for i, db in enumerate(dbs):
        mine = [r for f, r in enumerate(rows) if f % 3 == i]
        force = FORCES[i]
        # Not counted: burglary (DA), not DA, drafts. "yes" and "no" so any leak shows.
        for k in range(8):
            value = "yes" if k % 2 else "no"
            mine.append(noise_row(force, f"BUR/{i}/{k}", "burglary", "yes", "final", value))
            mine.append(noise_row(force, f"NDA/{i}/{k}", IN_SCOPE[k % 3], "no", "final", value))
            mine.append(noise_row(force, f"DRF/{i}/{k}", IN_SCOPE[k % 3], "yes", "draft", value))
        mine.append(noise_row(force, f"DEL/{i}", "abh", "yes", "final", "yes"))
        cli(
            "import",
            write_csv(tmp / f"cases{i}.csv", mine),
            "--checklist",
            "case_file_review",
            "--db",
            db,
            "--partial",
            "--inspector",
            f"Inspector {i}",
        )
        with Store.open(db) as s:
            (gone,) = [r["record_id"] for r in s.records(search=f"DEL/{i}")]
            s.delete(gone)
    # A second inspector reviews ten of the first inspector's files again, later, with
    # different answers: the same case file (force + crime reference) must count once.
    again = [
        r[:7] + ["no" if a == "yes" else "yes" if a == "no" else a for a in r[7:]]
        for f, r in enumerate(rows)
        if f % 3 == 0
    ][:10]
    cli(
        "import",
        write_csv(tmp / "again.csv", again),
        "--checklist",
        "case_file_review",
        "--db",
        dbs[2],
        "--partial",
        "--inspector",
        "Second reviewer",
    )
    into = tmp / "team.db"
    merge(dbs, into)
    return into


def check(rows: dict[str, dict], source: str) -> None:
    for item, (applicable, completed, printed) in TABLE_2.items():
        r = rows[item]
        got = (r["applicable"], r["completed"], r["percent"])
        assert got == (applicable, completed, printed), (source, item, got)


def test_the_answers_give_the_printed_table() -> None:
    for item, (applicable, completed, printed) in TABLE_2.items():
        col = [answer(n, item, f) for n, i in enumerate(T2) if i == item for f in range(FILES)]
        assert (col.count("yes"), col.count("yes") + col.count("no")) == (completed, applicable)
        assert percent(completed, applicable) == printed


def test_report_json_reproduces_table_2(team: Path, cli: Callable[..., Result]) -> None:
    res = cli("report", "evidence", "--db", team, "--checklist", "case_file_review", "--json")
    assert res.exit_code == 0, res.output
    rows = {r["item_id"]: r for r in json.loads(res.output)}
    check(rows, "report")
    assert rows["cf_t2_bwv_used"]["label"] == "22% (71 of 329)"
    assert rows["cf_t2_999_listened_exhibited"]["label"] == "77% (305 of 395)"
    assert {rows[i]["files"] for i in T2} == {FILES}
    assert {rows[i]["blank"] for i in T2} == {0}
    with Store.open(team, readonly=True) as s:
        dups = s.conn.execute("SELECT count(*) FROM duplicate_records WHERE counted = 0")
        assert dups.fetchone()[0] == 10
        assert s.conn.execute("SELECT count(*) FROM merges").fetchone()[0] == 3


def test_the_sample_split_by_force_adds_up_to_table_2(team: Path) -> None:
    from fieldkit.report import evidence

    with Store.open(team, readonly=True) as s:
        per_force = evidence(s.conn, checklist="case_file_review", by_force=True)
    for item, (applicable, completed, _) in TABLE_2.items():
        mine = [r for r in per_force if r["item_id"] == item]
        assert len(mine) == len(FORCES)
        assert sum(r["applicable"] for r in mine) == applicable
        assert sum(r["completed"] for r in mine) == completed


async def test_datasette_canned_query_reproduces_table_2(team: Path, plugins: None) -> None:
    from fieldkit.datasette.serve import make_datasette

    ds = make_datasette([team])
    res = await ds.client.get("/team/summary_table.json?_shape=array&summary=table2")
    assert res.status_code == 200, res.text
    rows = {r["item_id"]: r for r in res.json()}
    assert list(rows) == list(T2)
    check(rows, "datasette")
    assert rows["cf_t2_injury_photos"]["label"] == "56% (214 of 384)"
    res = await ds.client.get("/team/evidence.json?_shape=array&checklist=case_file_review")
    check({r["item_id"]: r for r in res.json()}, "datasette evidence")


def test_excel_summary_reproduces_table_2(team: Path, tmp_path: Path) -> None:
    from fieldkit.export import export_xlsx

    out = tmp_path / "table2.xlsx"
    with Store.open(team, readonly=True) as s:
        export_xlsx(s, out)
    wb = load_workbook(out)
    for sheet, share_col, first in (
        ("Summary", "% completed", "Question"),
        ("Table 2", "% of applicable files where activity completed", "Evidence"),
    ):
        found = table(wb[sheet], first, "Item id")
        rows = {}
        for item in TABLE_2:
            cells = found[item]
            share = cells[share_col]
            assert share.number_format == "0%"
            applicable = cells[
                "Applicable" if sheet == "Summary" else "Number of applicable cases (out of 480)"
            ].value
            completed = cells["Completed"].value
            assert share.value == pytest.approx(completed / applicable, abs=1e-12)
            assert (
                cells["Figure"].value
                == f"{percent(completed, applicable)}% ({completed} of {applicable})"
            )
            rows[item] = {
                "applicable": applicable,
                "completed": completed,
                "percent": percent(round(share.value * applicable), applicable),
            }
        check(rows, f"excel {sheet}")
    t2 = wb["Table 2"]
    assert t2["A1"].value.startswith("Table 2: Review of evidence contained in 480 case files")
    assert list(table(t2, "Evidence", "Item id")) == list(T2)  # the report's order, only


def test_report_summary_table2_prints_table_2(team: Path, cli: Callable[..., Result]) -> None:
    res = cli("report", "summary", "table2", "--db", team, "--json")
    data = json.loads(res.output)
    assert data["files"] == FILES
    assert [r["item_id"] for r in data["rows"]] == list(T2)
    check({r["item_id"]: r for r in data["rows"]}, "report summary")
    md = cli("report", "summary", "table2", "--db", team, "--format", "markdown").output
    assert md.startswith(
        "### Table 2: Review of evidence contained in 480 case files for the offences of "
        "serious violence, rape and actual bodily harm which were identified relating to "
        "domestic abuse"
    )
    assert (
        "| Evidence | Number of applicable cases (out of 480) "
        "| % of applicable files where activity completed |"
    ) in md
    assert (
        "| Victim statement taken at time of initial police attendance | 452 | 73% (328 of 452) |"
        in md
    )
    assert "| Was the 999 call recording listened to and exhibited | 395 | 77% (305 of 395) |" in md
    assert "| Safety measures being considered and documented | 456 | 76% (346 of 456) |" in md
