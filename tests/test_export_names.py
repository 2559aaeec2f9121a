"""`export xlsx` says what it wrote as it is (issue 27, point 9): the charts counted, a
repeat column's heading matching what it holds, sheet names cut at a word."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from helpers.suite_form import suite_check_form
from openpyxl import load_workbook
from typer.testing import Result

from fieldkit.store import Store

Cli = Callable[..., Result]


def test_export_counts_charts_heads_repeats_and_names_sheets_by_words(
    tmp_path: Path, cli: Cli
) -> None:
    db = tmp_path / "team.db"
    assert (
        cli("checklists", "import", suite_check_form(tmp_path / "s.xlsx"), "--db", db).exit_code
        == 0
    )
    with Store.open(db) as store:
        rid = store.create_record("suite_check", "kent")
        store.set_answer(rid, "suite_ref", "S-1")
        store.set_answer(rid, "trained", "yes", "1")
        store.set_answer(rid, "trained", "no", "2")
        store.set_field(rid, "status", "final")
        pcc = store.create_record("pcc_checklist", "kent")
        store.set_field(pcc, "status", "final")
    out = tmp_path / "book.xlsx"
    result = cli("export", "xlsx", "--db", db, "--out", out)
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    charts = len(wb["Charts"]._charts)
    assert charts > 0
    assert f"Charts ({charts})" in result.output
    for name in wb.sheetnames:
        assert "  " not in name and name == name.strip()
    # 'PCC checklist: holding to account' (33 characters): cut after a whole word
    pcc_sheet = next(n for n in wb.sheetnames if n.startswith("PCC checklist"))
    assert "PCC checklist holding to account".startswith(pcc_sheet)
    assert re.fullmatch(r"[\w ]+", pcc_sheet)
    assert len(pcc_sheet) <= 31 and "PCC checklist holding to account"[len(pcc_sheet)] == " "
    # the open repeat's column holds '1: yes | 2: no', and its heading says so
    ws = wb["Custody suite check"]
    for col in ws.iter_cols():
        values = [c.value for c in col]
        if "1: yes | 2: no" in values:
            heading = " ".join(str(v) for v in values[:3] if v)
            assert "JSON" not in heading and "1: answer | 2: answer" in heading
            break
    else:
        raise AssertionError("no column holds the repeat's answers")
