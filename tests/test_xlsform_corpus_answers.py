"""Each real form of the corpus that imports also takes answers (issue 24): a CSV of one
final record (--partial: not every question answered), with a plain answer to every question that has one to give (a choice's first
code, a yes, a number, a word, a date), imports; `report evidence` counts the record under
the form's title, and the workbook's sheet for the form holds the record with its answers.

An answer the form itself refuses (its constraint, its relevance, a filtered choice list)
is named by the import in one line with its column: that column is left out and the rest
imported again, as a user correcting the file would."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from helpers.corpus_answers import plain_answers, refused_column, write_answers
from typer.testing import Result

from fieldkit.checklists.xlsform_read import XLSFormError, read_xlsform

Cli = Callable[..., Result]
CORPUS = Path(__file__).parent / "fixtures" / "xlsforms"
FORMS = sorted(p for p in CORPUS.iterdir() if p.suffix in (".xls", ".xlsx", ".xlsm"))


@pytest.mark.slow  # 27 forms, each through init, import, two reports and a workbook
@pytest.mark.parametrize("form", FORMS, ids=[p.name for p in FORMS])
def test_an_imported_form_takes_a_csv_of_answers_shown_in_the_report_and_workbook(
    form: Path, tmp_path: Path, cli: Cli
) -> None:
    try:
        checklist = read_xlsform(form).checklist
    except XLSFormError:
        pytest.skip("refused in one line (tests/test_xlsform_corpus.py)")
    db = tmp_path / "t.db"
    assert cli("init", "--db", db, "--inspector", "ann").exit_code == 0
    assert cli("checklists", "import", form, "--db", db).exit_code == 0
    answers = plain_answers(checklist)
    data = tmp_path / "answers.csv"
    for _ in range(len(answers) + 1):
        write_answers(data, answers)
        result = cli("import", data, "--checklist", checklist.id, "--db", db, "--partial")
        if result.exit_code == 0:
            break
        lines = result.stderr.strip().splitlines()
        assert result.exit_code == 2 and len(lines) == 1, result.output + result.stderr
        column = refused_column(lines[0], answers)
        assert column is not None, lines[0]
        del answers[column]
    assert result.exit_code == 0, result.stderr
    assert answers or not plain_answers(checklist)  # not every answer was refused

    counted = cli("report", "coverage", "--db", db, "--json")
    assert counted.exit_code == 0, counted.stderr
    assert checklist.title in counted.stdout or checklist.id in counted.stdout
    evidence = cli("report", "evidence", "--db", db, "--json")
    assert evidence.exit_code == 0, evidence.stderr
    assert {r["checklist_id"] for r in json.loads(evidence.stdout)} <= {checklist.id}

    out = tmp_path / "t.xlsx"
    assert cli("export", "xlsx", "--db", db, "--out", out).exit_code == 0
    book = openpyxl.load_workbook(out, read_only=True)
    sheets = [ws for ws in book.worksheets if ws.title.startswith(checklist.title[:20])]
    assert sheets, (checklist.title, book.sheetnames)
    rows = list(sheets[0].iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if r and r[0] == "Record id")  # the heading row
    body = [r for r in rows[at + 1 :] if any(v is not None for v in r)]
    assert len(body) == 1
    shown = {str(v) for v in body[0] if v is not None}
    assert "Gwent" in " ".join(shown) or "gwent" in shown
