"""The workbook as LibreOffice prints it (slow: a real `soffice --headless` conversion)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.records import call, case_file, marac

from fieldkit.export import export_xlsx, printed
from fieldkit.report import evidence
from fieldkit.store import Store

pytestmark = pytest.mark.slow


@pytest.fixture
def pdf(tmp_path: Path) -> tuple[Path, list[dict]]:
    if not printed.available():
        pytest.skip("LibreOffice (soffice) and pdftotext are needed to print the workbook")
    db = tmp_path / "team.db"
    with Store.create(db, inspector="tester") as s:
        for i in range(6):
            case_file(s, "kent", f"K/{i}", answers={"cf_t2_bwv_used": "yes" if i % 2 else "no"})
        call(s, "kent", "INC-1", cl_calm_reassuring=4)
        marac(s, "kent", "Maidstone", "2015-06-01", {"police": "yes", "idva": "no"})
        rows = evidence(s.conn)
        out = tmp_path / "team.xlsx"
        export_xlsx(s, out, only=["Summary", "Table 2", "Charts"])
    return printed.to_pdf(out, tmp_path), rows


def test_the_report_sheets_print_labelled_and_within_their_pages(
    pdf: tuple[Path, list[dict]],
) -> None:
    path, rows = pdf
    pages = printed.pages_per_sheet(path)
    assert 1 <= pages["Summary"] <= 4
    assert pages["Table 2"] == 1
    assert pages["Charts"] == 3  # one chart per Summary table, a page each
    texts = printed.page_texts(path)
    summary = " ".join(" ".join(t.split()) for t in texts[: pages["Summary"]])
    assert summary.startswith("Inspection findings: evidence by instrument Source: team.db")
    for r in rows:  # every figure is on the printed Summary, none cut off the page
        assert r["label"] in summary
    table2 = " ".join(texts[pages["Summary"]].split())
    assert "Table 2: Review of evidence contained in 6 case files" in table2
    # every bar of the chart labelled: each Table 2 question is printed twice on the page,
    # once in the table and once beside its bar
    for question in (
        "House-to-house enquiries completed",
        "Safety measures being considered and documented",
        "Was the 999 call recording listened to and exhibited",
    ):
        assert table2.count(question) == 2, question
