"""The workbook as LibreOffice prints it (slow: a real `soffice --headless` conversion)."""

from __future__ import annotations

import re
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


def test_printing_the_report_workbook_counts_pages_per_sheet_and_labels_every_bar(
    tmp_path: Path,
) -> None:
    """With --data the data sheets are in a second file: the workbook prints the report
    sheets only, each footer counting its own sheet's pages, every bar labelled with its
    figure in LibreOffice's PDF."""
    if not printed.available():
        pytest.skip("LibreOffice (soffice) and pdftotext are needed to print the workbook")
    db = tmp_path / "team.db"
    with Store.create(db, inspector="tester") as s:
        for i in range(6):
            case_file(s, "kent", f"K/{i}", answers={"cf_t2_bwv_used": "yes" if i % 2 else "no"})
        marac(s, "kent", "Maidstone", "2015-06-01", {"police": "yes", "idva": "no"})
        rows = evidence(s.conn)
        out = tmp_path / "report.xlsx"
        export_xlsx(s, out, data_out=tmp_path / "data.xlsx")
    path = printed.to_pdf(out, tmp_path)
    pages = printed.pages_per_sheet(path)
    assert not {"Answers", "By force", "Case-file review"} & set(pages)
    assert sum(pages.values()) <= 30
    texts = printed.page_texts(path)
    footers = [printed.FOOTER.findall(t)[-1].split("  ")[-1].strip() for t in texts]
    numbers = [int(re.search(r"page (\d+)", t).group(1)) for t in texts]  # type: ignore[union-attr]
    for n, (sheet, number) in enumerate(zip(footers, numbers, strict=True)):
        first = n == 0 or footers[n - 1] != sheet
        assert number == (1 if first else numbers[n - 1] + 1), (sheet, number)
    # "Coverage · page 2", never a total: LibreOffice's (and Excel's) &N counts the whole
    # print job's pages, which read as the sheet's would be wrong
    assert len(texts) > len(set(footers))  # a sheet of more than one page was printed
    for text in texts:
        assert not re.search(r"page \d+ of \d+", text), text[-200:]
    charts = " ".join(
        " ".join(t.split()) for t, f in zip(texts, footers, strict=True) if f == "Charts"
    )
    for r in rows:
        if r["applicable"]:
            assert r["label"] in charts, r["question"]


def test_the_data_sheets_print_only_their_heading_saying_where_the_rows_are(
    tmp_path: Path,
) -> None:
    """Printing the whole workbook gives the report sheets; each data sheet prints one page
    (its heading, and how to print its rows), however many rows it holds."""
    if not printed.available():
        pytest.skip("LibreOffice (soffice) and pdftotext are needed to print the workbook")
    db = tmp_path / "team.db"
    with Store.create(db, inspector="tester") as s:
        for i in range(150):  # five answers each
            case_file(s, "kent", f"K/{i}", answers={"cf_t2_bwv_used": "yes" if i % 2 else "no"})
        out = tmp_path / "team.xlsx"
        written = export_xlsx(s, out)
    assert written["Answers"] >= 750  # 15 pages or more if printed
    path = printed.to_pdf(out, tmp_path)
    pages = printed.pages_per_sheet(path)
    for sheet in ("By force", "Scales by force", "Case-file review", "Answers", "Notes"):
        assert pages[sheet] == 1, sheet
    assert pages["Summary"] >= 1 and pages["Table 2"] == 1
    texts = printed.page_texts(path)
    answers = next(t for t in texts if "Answers · page 1" in t)
    assert f"Answers: {written['Answers']:,} row(s) for filtering and sorting" in " ".join(
        answers.split()
    )
    assert "K/1" not in answers
