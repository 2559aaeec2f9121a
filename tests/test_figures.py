"""One specification of the evidence and scale figures (fieldkit/report/figures.py): the
terminal's CSV, the workbook's sheets and Datasette's column descriptions all follow it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import openpyxl
from helpers.records import call, case_file
from typer.testing import Result

from fieldkit.datasette.metadata import TABLES
from fieldkit.export import export_xlsx
from fieldkit.report.figures import EVIDENCE, SCALES, csv_figures, sheet_figures
from fieldkit.store import Store


def small_team(path: Path) -> Path:
    """Case files in two forces (one excluded from the count: not domestic abuse) and calls
    with scale answers: every sheet and column the specification names has a row."""
    with Store.create(path, inspector="tester") as s:
        case_file(s, "kent", "K/1", answers={"cf_t2_bwv_used": "yes"})
        case_file(s, "kent", "K/2", answers={"cf_t2_bwv_used": "no"})
        case_file(s, "essex", "E/1", da="no")
        call(s, "kent", "INC-1", cl_calm_reassuring=3)
        call(s, "essex", "INC-2", cl_calm_reassuring=2)
    return path


def test_csv_sheets_and_datasette_follow_the_specification(
    db_path: Path, cli: Callable[..., Result], tmp_path: Path
) -> None:
    demo_db = small_team(db_path)
    for command, spec in (("evidence", EVIDENCE), ("scales", SCALES)):
        res = cli("report", command, "--db", demo_db, "--by", "force", "--ids", "--format", "csv")
        header = next(csv.reader(io.StringIO(res.output)))
        if header[0] == "table":  # more than one table: each row says which it is from
            header = header[1:]
        assert header == [f.name for f in csv_figures(spec, per_force=True, ids=True)]

    out = tmp_path / "x.xlsx"
    with Store.open(demo_db, readonly=True) as store:
        export_xlsx(store, out)
    wb = openpyxl.load_workbook(out, read_only=True)
    for sheet, spec, per_force in (
        ("By force", EVIDENCE, True),
        ("Excluded case files", EVIDENCE, False),
        ("Scales", SCALES, False),
        ("Scales by force", SCALES, True),
    ):
        first = next(wb[sheet].iter_rows(max_row=1, values_only=True))
        assert list(first) == [f.sheet for f in sheet_figures(spec, per_force=per_force)]
    # a percentage is written as the exact fraction, formatted as a percentage
    ws = wb["By force"]
    at = [f.key for f in sheet_figures(EVIDENCE, per_force=True)].index("percent")
    cells = next(r for r in ws.iter_rows(min_row=2) if r[at].value is not None)
    assert cells[at].number_format == "0%" and 0 <= cells[at].value <= 1

    for view, spec in (("evidence_summary", EVIDENCE), ("scale_by_force", SCALES)):
        described = TABLES[view][1]
        for f in spec:
            if f.description:
                assert described[f.key] == f.description
