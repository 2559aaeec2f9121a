"""The workbook's charts and printing, read back from the file: every bar carries its
"77% (305 of 395)" label and its question; footers count each sheet's own pages; the data
sheets go to a second file with --data, so printing the workbook prints the report."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from helpers.records import call, case_file, marac
from openpyxl import load_workbook
from typer.testing import Result

from fieldkit.report import evidence
from fieldkit.report.summary import find_summary, summary
from fieldkit.store import Store

Cli = Callable[..., Result]
DATA = {"By force", "Scales by force", "Answers", "Notes", "Conflicts"}


def team(path: Path) -> Path:
    with Store.create(path, inspector="t") as s:
        for i in range(6):
            case_file(s, "kent", f"K/{i}", answers={"cf_t2_bwv_used": "yes" if i % 2 else "no"})
        call(s, "kent", "INC-1", cl_calm_reassuring=4)
        marac(s, "kent", "Maidstone", "2015-06-01", {"police": "yes", "idva": "no"})
    return path


def charts(xlsx: Path) -> dict[str, tuple[list[str], str]]:
    """Chart title -> (each bar's label text, the cells its categories come from)."""
    out = {}
    with zipfile.ZipFile(xlsx) as z:
        for name in sorted(n for n in z.namelist() if n.startswith("xl/charts/chart")):
            xml = z.read(name).decode("utf-8")
            title = re.search(r"<a:t>([^<]*)</a:t>", xml)
            labels = re.findall(r"<dLbl><idx val=\"\d+\"/><tx><rich>.*?<a:t>([^<]*)</a:t>", xml)
            cats = re.search(r"<cat><(?:num|str)Ref><f>([^<]*)</f>", xml)
            assert title and cats, name
            out[title.group(1)] = (labels, cats.group(1))
    return out


def test_every_bar_carries_its_figure_and_question(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    team(db_path)
    out = tmp_path / "team.xlsx"
    assert cli("export", "xlsx", "--out", out, "--db", db_path).exit_code == 0
    found = charts(out)
    with Store.open(db_path, readonly=True) as s:
        t2 = [r["label"] for r in summary(s.conn, find_summary(s.conn, "table2"))["rows"]]
        rows = evidence(s.conn)
    labels, cats = found["Table 2: % of applicable files where activity completed"]
    assert labels == t2 and len(t2) == 7
    assert "50% (3 of 6)" in t2  # body-worn video: 3 of the 6 files
    wb = load_workbook(out)
    sheet, cells = cats.split("!")
    first, last = (int(n) for n in re.findall(r"\$(\d+)", cells))
    questions = [wb[sheet.strip("'")][f"A{n}"].value for n in range(first, last + 1)]
    assert all(questions) and len(questions) == 7  # a question under every bar
    summary_charts = {t: v for t, v in found.items() if t.endswith("% completed (of applicable)")}
    for cid in ("case_file_review", "call_listening", "marac_observation"):
        mine = [r["label"] for r in rows if r["checklist_id"] == cid]
        assert mine in [labels for labels, _ in summary_charts.values()], cid
    for _labels, cats in summary_charts.values():  # the questions under the bars
        first, last = (int(n) for n in re.findall(r"\$(\d+)", cats))
        column = re.search(r"!\$([A-Z]+)\$", cats).group(1)  # type: ignore[union-attr]
        texts = [wb["Summary"][f"{column}{n}"].value for n in range(first, last + 1)]
        assert all(texts)


def test_data_sheets_go_to_a_second_file_and_pages_count_per_sheet(
    cli: Cli, db_path: Path, tmp_path: Path
) -> None:
    team(db_path)
    out, data = tmp_path / "report.xlsx", tmp_path / "data.xlsx"
    res = cli("export", "xlsx", "--out", out, "--data", data, "--db", db_path)
    assert res.exit_code == 0, res.output
    report, records = load_workbook(out), load_workbook(data)
    assert not DATA & set(report.sheetnames)
    assert {"Summary", "Table 2", "Charts", "Coverage", "About"} <= set(report.sheetnames)
    assert DATA | {"Case-file review", "About"} <= set(records.sheetnames)
    for wb in (report, records):
        for ws in wb.worksheets:
            assert ws.oddFooter.right.text == f"{ws.title} · page &P"
            assert ws.page_setup.firstPageNumber == 1 and ws.page_setup.useFirstPageNumber
    assert oct(data.stat().st_mode & 0o777) == "0o600"
    # without --data, one workbook as before; --data naming --out is refused
    one = tmp_path / "one.xlsx"
    assert cli("export", "xlsx", "--out", one, "--db", db_path).exit_code == 0
    assert set(load_workbook(one).sheetnames) >= DATA
    res = cli("export", "xlsx", "--out", tmp_path / "x.xlsx", "--data", tmp_path / "x.xlsx")
    assert res.exit_code == 2 and not (tmp_path / "x.xlsx").exists()
