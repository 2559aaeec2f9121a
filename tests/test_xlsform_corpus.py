"""Real XLSForms (issue 24): a corpus of forms from pyxform's own test suite and from
other public projects (tests/fixtures/xlsforms, each under its licence: SOURCES.md), none
written for fieldkit. Each is
imported with every question under its own name, or refused in one line naming the sheet,
row and column; never a traceback, never a spreadsheet library's warning on stderr. An
imported form exports and imports again to the same definition, and `diff` of the
original and the export finds no change."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from pyxform.xls2json_backends import xls_to_dict, xlsx_to_dict
from typer.testing import CliRunner, Result

from fieldkit.checklists.xlsform_book import quiet
from fieldkit.checklists.xlsform_read import XLSFormError, read_xlsform
from fieldkit.checklists.xlsform_types import type_of
from fieldkit.cli.commands import app

Cli = Callable[..., Result]
CORPUS = Path(__file__).parent / "fixtures" / "xlsforms"
FORMS = sorted(p for p in CORPUS.iterdir() if p.suffix in (".xls", ".xlsx", ".xlsm"))
WHERE = re.compile(r"(survey|choices|settings) sheet, row \d+, column \S+")


def _pyxform_accepts(path: Path) -> bool:
    from pyxform.xls2xform import convert

    try:
        with quiet():
            convert(str(path), warnings=[])
    except Exception:
        return False
    return True


def _question_names(path: Path) -> list[str]:
    """The names of the survey rows that ask or compute something (as written)."""
    with quiet():
        book = (xls_to_dict if path.suffix == ".xls" else xlsx_to_dict)(str(path))
    names = []
    for row in book["survey"]:
        cells = {k.lower(): str(v) for k, v in row.items()}
        t = type_of(" ".join(cells.get("type", "").split())) if cells.get("type") else None
        if t is not None and t.what in ("select", "question") and cells.get("name"):
            names.append(cells["name"])
    return names


@pytest.mark.parametrize("form", FORMS, ids=[p.name for p in FORMS])
def test_each_real_form_imports_under_its_own_names_or_is_refused_in_one_line(
    form: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    db = tmp_path / "corpus.db"
    result = runner.invoke(app, ["checklists", "import", str(form), "--db", str(db)])
    assert (
        "Traceback" not in result.output
        and result.exception is None
        or isinstance(result.exception, SystemExit)
    ), result.output
    assert "site-packages" not in (result.stderr or "") + result.output  # no library warning
    if result.exit_code == 2:
        text = (result.stderr or result.output).strip()
        assert len(text.splitlines()) == 1, text
        assert WHERE.search(text) or form.name in text, text
        assert not db.exists()
        return
    assert result.exit_code == 0, result.output
    ids = [i.id.rsplit("/", 1)[-1] for i in read_xlsform(form).checklist.items]
    for name in _question_names(form):
        assert name in ids, f"{name!r} is not an item of the imported form"


# what is still refused, by feature (README "Designing an instrument")
STILL_REFUSED = {
    # (its choice file, not shipped, now waits for it: its calculation's sqrt() stops it)
    "UCL_Biomass_Plot_Form.xlsx": "function sqrt() is not supported",
}


def test_the_forms_pyxform_accepts_import_but_for_the_features_named() -> None:
    accepted = [p for p in FORMS if _pyxform_accepts(p)]
    refused: dict[str, str] = {}
    for path in accepted:
        try:
            read_xlsform(path)
        except XLSFormError as e:
            refused[path.name] = str(e)
    assert len(accepted) == len(FORMS) == 33
    assert sorted(refused) == sorted(STILL_REFUSED)
    for name, why in STILL_REFUSED.items():
        assert why in refused[name], refused[name]


@pytest.mark.parametrize("form", FORMS, ids=[p.name for p in FORMS])
def test_an_imported_form_exports_and_imports_again_unchanged(
    form: Path, tmp_path: Path, cli: Cli
) -> None:
    try:
        original = read_xlsform(form).checklist
    except XLSFormError:
        pytest.skip("refused (checked above)")
    db = tmp_path / "t.db"
    assert cli("checklists", "import", form, "--db", db).exit_code == 0
    out = tmp_path / "export.xlsx"
    assert cli("checklists", "export", original.id, "--db", db, "--out", out).exit_code == 0
    assert read_xlsform(out).checklist == original
    diff = cli("checklists", "diff", form, out)
    assert diff.exit_code == 0, diff.output
    assert ": 0 changes" in diff.output.splitlines()[0]
