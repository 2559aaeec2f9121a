"""Real XLSForms from a folder (issue 24): for each workbook pyxform accepts, does fieldkit
import it with every question under its own name, and does the round trip hold?

For each .xls/.xlsx/.xlsm under DIR (recursively; Excel's `~$` lock files left out):

1. pyxform accepts it (`pyxform.xls2xform.convert`, no ODK Validate); a form pyxform
   refuses is listed and left out of the rate.
2. `fieldkit checklists import FORM` into a fresh database: imported, refused (its one
   line), or a traceback; the lines naming what was ignored are counted.
3. every question of the survey sheet is an item under its own name;
4. `checklists export` then `checklists diff FORM EXPORT` finds 0 changes, and the export
   reads back to the same definition;
5. a CSV of one record with a plain answer to each question imports (`--partial`), the
   columns the form itself refuses (its constraints, relevance) left out one by one, as
   tests/test_xlsform_corpus_answers.py does; then `report evidence --checklist ID` runs
   and `export xlsx` writes a workbook whose Answers sheet holds the record's answers.

Prints one row per form, what refused each, and the rate over the accepted forms. Runs
in process (typer's CliRunner), one temporary database per form.

    python bench/xlsform_corpus.py DIR [--only NAME] [--json OUT.json]
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import traceback
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fieldkit.checklists.xlsform_book import quiet  # noqa: E402
from fieldkit.checklists.xlsform_read import XLSFormError, read_xlsform  # noqa: E402
from fieldkit.checklists.xlsform_types import type_of  # noqa: E402
from fieldkit.cli.commands import app  # noqa: E402


@dataclass
class Outcome:
    form: str
    pyxform: str = "accepted"  # or pyxform's one line
    imported: bool = False
    refused: str = ""
    traceback: str = ""
    ignored: int = 0
    library_warnings: int = 0  # lines from a library (a site-packages path, UserWarning: ...)
    missing: list[str] = field(default_factory=list)
    roundtrip: str = ""  # "" = not tried, "ok", or what failed
    answers: str = ""

    @property
    def whole(self) -> bool:
        return self.imported and not self.missing and not self.traceback


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def _pyxform(path: Path) -> str:
    from pyxform.xls2xform import convert

    try:
        with quiet():
            convert(str(path), warnings=[])
    except Exception as e:  # pyxform refuses in many exception types
        return _one_line(f"{type(e).__name__}: {e}")
    return "accepted"


def _question_names(path: Path) -> list[str]:
    """The survey rows that ask or compute something, by name as written."""
    from pyxform.xls2json_backends import xls_to_dict, xlsx_to_dict

    with quiet():
        book = (xls_to_dict if path.suffix == ".xls" else xlsx_to_dict)(str(path))
    names = []
    for row in book.get("survey", []):
        cells = {str(k).lower().strip(): str(v) for k, v in row.items()}
        kind = " ".join(cells.get("type", "").split())
        t = type_of(kind) if kind else None
        if t is not None and t.what in ("select", "question") and cells.get("name"):
            names.append(cells["name"].strip())
    return names


def _invoke(runner: CliRunner, *args: object) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def _trace(result: Any) -> str:
    e = result.exception
    if e is None or isinstance(e, SystemExit):
        return ""
    return _one_line("".join(traceback.format_exception(e))[-400:])


def _roundtrip(runner: CliRunner, form: Path, checklist_id: str, db: Path, tmp: Path) -> str:
    original = read_xlsform(form).checklist
    out = tmp / "export.xlsx"
    r = _invoke(runner, "checklists", "export", checklist_id, "--db", db, "--out", out)
    if r.exit_code != 0:
        return "export: " + (_trace(r) or _one_line(r.stderr or r.output))
    try:
        again = read_xlsform(out).checklist
    except XLSFormError as e:
        return "re-import refused: " + _one_line(str(e))
    if again != original:
        return "re-import differs"
    d = _invoke(runner, "checklists", "diff", form, out)
    first = (d.output.splitlines() or [""])[0]
    if d.exit_code != 0 or ": 0 changes" not in first:
        return "diff: " + (_trace(d) or _one_line(d.output))
    return "ok"


def _answers(runner: CliRunner, form: Path, db: Path, tmp: Path) -> str:
    from helpers.corpus_answers import plain_answers, refused_column, write_answers

    checklist = read_xlsform(form).checklist
    _invoke(runner, "init", "--db", db, "--inspector", "ann")
    r = _invoke(runner, "checklists", "import", form, "--db", db)
    if r.exit_code != 0:
        return "import into an initialised database: " + _one_line(r.stderr or r.output)
    answers = plain_answers(checklist)
    data = tmp / "answers.csv"
    for _ in range(len(answers) + 1):
        write_answers(data, answers)
        r = _invoke(runner, "import", data, "--checklist", checklist.id, "--db", db, "--partial")
        if r.exit_code == 0:
            if not answers and plain_answers(checklist):
                return "every answer refused"
            return _shown(runner, checklist, db, tmp)
        if _trace(r):
            return "traceback: " + _trace(r)
        lines = (r.stderr or r.output).strip().splitlines()
        column = refused_column(lines[0] if lines else "", answers)
        if column is None:
            return "refused: " + _one_line(lines[0] if lines else r.output)
        del answers[column]
    return "refused every column"


def _shown(runner: CliRunner, checklist: Any, db: Path, tmp: Path) -> str:
    """The imported record in the reports and the workbook."""
    from openpyxl import load_workbook

    r = _invoke(runner, "report", "evidence", "--checklist", checklist.id, "--db", db)
    if r.exit_code != 0:
        return "report evidence: " + (_trace(r) or _one_line(r.stderr or r.output))
    out = tmp / "all.xlsx"
    r = _invoke(runner, "export", "xlsx", "--db", db, "--out", out)
    if r.exit_code != 0:
        return "export xlsx: " + (_trace(r) or _one_line(r.stderr or r.output))
    ids = {i.id for i in checklist.items}
    book = load_workbook(out, read_only=True)
    rows = book["Answers"].iter_rows(values_only=True)
    header = [str(c) for c in next(rows)]
    at = header.index("Item id")
    if not any(row[at] in ids for row in rows):
        return "the workbook's Answers sheet holds none of its answers"
    return "ok"


def check(form: Path) -> Outcome:
    out = Outcome(form=str(form))
    out.pyxform = _pyxform(form)
    if out.pyxform != "accepted":
        return out
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        db = tmp / "x.db"
        r = _invoke(runner, "checklists", "import", form, "--db", db)
        out.traceback = _trace(r)
        text = (r.stderr or "") + r.output
        out.ignored = sum("ignored" in line for line in text.splitlines())
        out.library_warnings = sum(
            "site-packages" in line or bool(re.search(r"\w+Warning: ", line))
            for line in text.splitlines()
        )
        if r.exit_code != 0:
            if not out.traceback:
                out.refused = _one_line((r.stderr or r.output).strip().splitlines()[-1])
            return out
        out.imported = True
        checklist = read_xlsform(form).checklist
        ids = {i.id.rsplit("/", 1)[-1] for i in checklist.items}
        out.missing = [n for n in _question_names(form) if n not in ids]
        try:
            out.roundtrip = _roundtrip(runner, form, checklist.id, db, tmp)
        except Exception as e:  # a bug to fix, named
            out.roundtrip = "traceback: " + _one_line(f"{type(e).__name__}: {e}")
        try:
            out.answers = _answers(runner, form, tmp / "answers.db", tmp)
        except Exception as e:
            out.answers = "traceback: " + _one_line(f"{type(e).__name__}: {e}")
    return out


def _feature(refusal: str) -> str:
    """The feature a refusal names, for the table of blockers."""
    m = re.search(r"column \S+: (.*)", refusal)
    why = re.sub(r"'[^']*'", "'…'", m.group(1) if m else refusal)  # names apart
    return re.sub(r"nor in .*-media/", "nor in FORM-media/", why)[:90]


def main(
    folder: Path = typer.Argument(..., help="A folder of XLSForms (searched recursively)."),
    only: str = typer.Option("", help="Only forms whose path contains this."),
    json_out: Path = typer.Option(None, "--json", help="Write every outcome here."),
) -> None:
    forms = sorted(
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in (".xls", ".xlsx", ".xlsm")
        and not p.name.startswith("~$")
        and only in str(p)
    )
    outcomes = []
    for form in forms:
        o = check(form)
        outcomes.append(o)
        state = (
            "pyxform refuses"
            if o.pyxform != "accepted"
            else "TRACEBACK"
            if o.traceback
            else "imported"
            if o.imported
            else "refused"
        )
        note = o.traceback or o.refused or (f"missing {o.missing}" if o.missing else "")
        rest = f"roundtrip={o.roundtrip} answers={o.answers}" if o.imported else ""
        print(f"{form.relative_to(folder)}\t{state}\t{note or rest}", flush=True)
    accepted = [o for o in outcomes if o.pyxform == "accepted"]
    whole = [o for o in accepted if o.whole]
    print(f"\nforms: {len(outcomes)}; pyxform accepts {len(accepted)}")
    print(f"imported with every question: {len(whole)} of {len(accepted)}", end="")
    print(f" ({len(whole) / max(len(accepted), 1):.0%})")
    trips = [o for o in whole if o.roundtrip == "ok"]
    answered = [o for o in whole if o.answers == "ok"]
    print(f"round trip (export, diff 0 changes, same definition): {len(trips)} of {len(whole)}")
    print(
        "a CSV of answers imports, `report evidence` runs and the workbook holds them:"
        f" {len(answered)} of {len(whole)}"
    )
    print(f"tracebacks: {sum(bool(o.traceback) for o in accepted)}")
    print(f"library warnings on stderr: {sum(o.library_warnings for o in accepted)}")
    print(f"lines naming what was ignored: {sum(o.ignored for o in accepted)}")
    blockers = Counter(_feature(o.refused) for o in accepted if o.refused)
    for why, n in blockers.most_common():
        print(f"  {n:3d}  {why}")
    if json_out:
        json_out.write_text(json.dumps([asdict(o) for o in outcomes], indent=1))


if __name__ == "__main__":
    typer.run(main)
