"""One specification of the evidence and scale figures (fieldkit/report/figures.py): the
terminal's CSV, the workbook's sheets and Datasette's column descriptions all follow it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import openpyxl
from typer.testing import Result

from fieldkit.datasette.metadata import TABLES
from fieldkit.export import export_xlsx
from fieldkit.report.figures import EVIDENCE, SCALES, csv_figures, sheet_figures
from fieldkit.store import Store


def test_csv_sheets_and_datasette_follow_the_specification(
    demo_db: Path, cli: Callable[..., Result], tmp_path: Path
) -> None:
    for command, spec in (("evidence", EVIDENCE), ("scales", SCALES)):
        res = cli("report", command, "--db", demo_db, "--by", "force", "--ids", "--format", "csv")
        header = next(csv.reader(io.StringIO(res.output)))[1:]  # after the table it is from
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
    rows = ws.iter_rows(min_row=2, max_row=2)
    cells = next(rows)
    at = [f.key for f in sheet_figures(EVIDENCE, per_force=True)].index("percent")
    assert cells[at].number_format == "0%" and 0 <= cells[at].value <= 1

    for view, spec in (("evidence_summary", EVIDENCE), ("scale_by_force", SCALES)):
        described = TABLES[view][1]
        for f in spec:
            if f.description:
                assert described[f.key] == f.description
