"""Data return workbooks for forces to fill in: one per force, its name and the period filled
in, the questions with their guidance, and each figure cell checked by Excel as the form
says (a whole number, within the item's range, or "unknown" where the form allows it).
What identifies the return (checklist, version, force, period) is on a hidden sheet that
`fieldkit returns import` reads back; the sheet is protected except for the figure cells."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from fieldkit import forces
from fieldkit.checklists import Checklist, Item
from fieldkit.checklists.kinds import QUANTITY_KINDS, YESNO_KINDS
from fieldkit.errors import BadInput
from fieldkit.files import replace_privately

META_SHEET = "fieldkit"
SHEET = "Return"
FIRST_ROW = 8  # the first question's row
ID_COL, PROMPT_COL, FIGURE_COL, HELP_COL = "A", "B", "C", "D"
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")


def collection_of(checklist: Checklist) -> None:
    """Refuse a checklist that is not a data collection (no `returns:` block)."""
    if checklist.returns is None:
        raise BadInput(f"{checklist.id} is not a data return (its checklist file has no returns:)")


def questions(checklist: Checklist) -> list[Item]:
    """The items a force fills in: every answerable plain item but the period (HMIC's)
    and the sign-off (set by `returns agree`)."""
    r = checklist.returns
    assert r is not None
    skip = {r.period_item, r.agreed_item}
    return [
        i
        for s in checklist.sections
        if s.repeat is None
        for i in s.items
        if i.answerable and i.id not in skip
    ]


def _guidance(item: Item) -> str:
    parts = [item.help] if item.help else []
    if item.kind in QUANTITY_KINDS:
        parts.append("A whole number" + (', or "unknown"' if item.unknown else "") + ".")
    elif item.kind in YESNO_KINDS:
        parts.append("yes or no" + (', or "unknown"' if item.unknown else "") + ".")
    return " ".join(parts)


def _validation(item: Item, cell: str) -> DataValidation | None:
    """Excel's check of a figure cell, as the form says."""
    if item.kind in QUANTITY_KINDS:
        low = int(item.minimum) if item.minimum is not None else 0
        bound = f"{cell}>={low}" + (
            f",{cell}<={int(item.maximum)}" if item.maximum is not None else ""
        )
        number = f"AND(ISNUMBER({cell}),{cell}=INT({cell}),{bound})"
        formula = f'OR({number},LOWER({cell})="unknown")' if item.unknown else number
        dv = DataValidation(type="custom", formula1=formula, allow_blank=True)
        dv.error = "A whole number" + (', or "unknown"' if item.unknown else "")
    elif item.kind in YESNO_KINDS:
        options = "yes,no" + (",unknown" if item.unknown else "")
        dv = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True)
        dv.error = "yes or no"
    else:
        return None
    dv.errorTitle = "Not a valid figure"
    dv.showErrorMessage = True
    dv.add(cell)
    return dv


def _write(path: Path, checklist: Checklist, force: str, period: str) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws["A1"] = checklist.title
    ws["A1"].font = Font(bold=True, size=14)
    for row, (label, value) in enumerate(
        (("Force", forces.NAMES[force]), ("Period", period), ("Form", checklist.id)), 3
    ):
        ws[f"A{row}"], ws[f"B{row}"] = label, value
        ws[f"A{row}"].font = Font(bold=True)
    ws["A6"] = "Fill in the yellow cells only. Figures only: no names of victims or officers."
    headings = ("Question id", "Question", "Figure", "Guidance")
    for col, text in zip((ID_COL, PROMPT_COL, FIGURE_COL, HELP_COL), headings, strict=True):
        ws[f"{col}{FIRST_ROW - 1}"] = text
        ws[f"{col}{FIRST_ROW - 1}"].font = Font(bold=True)
    for n, item in enumerate(questions(checklist)):
        row = FIRST_ROW + n
        ws[f"{ID_COL}{row}"] = item.id
        ws[f"{PROMPT_COL}{row}"] = item.prompt
        ws[f"{HELP_COL}{row}"] = _guidance(item)
        figure = ws[f"{FIGURE_COL}{row}"]
        figure.fill = INPUT_FILL
        figure.protection = Protection(locked=False)
        for col in (PROMPT_COL, HELP_COL):
            ws[f"{col}{row}"].alignment = Alignment(wrap_text=True, vertical="top")
        dv = _validation(item, f"{FIGURE_COL}{row}")
        if dv is not None:
            ws.add_data_validation(dv)
    for col, width in ((ID_COL, 26), (PROMPT_COL, 60), (FIGURE_COL, 14), (HELP_COL, 60)):
        ws.column_dimensions[col].width = width
    ws.protection.sheet = True
    meta = wb.create_sheet(META_SHEET)
    for row, (key, value) in enumerate(
        (
            ("checklist_id", checklist.id),
            ("checklist_version", checklist.version),
            ("force_code", force),
            ("period", period),
        ),
        1,
    ):
        meta[f"A{row}"], meta[f"B{row}"] = key, value
    meta.sheet_state = "hidden"
    wb.save(path)


def write_templates(
    checklist: Checklist,
    out_dir: Path,
    *,
    period: str | None = None,
    only: list[str] | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """One workbook per force (or the forces in `only`), `<force code>.xlsx` in `out_dir`
    (made owner-only when missing). Refuses, before writing any, when one exists already
    and not `overwrite`."""
    collection_of(checklist)
    assert checklist.returns is not None
    period = period or checklist.returns.period
    if not period:
        raise BadInput(f"{checklist.id}: say which period the returns are for (--period)")
    codes = [code for code, _, _ in forces.FORCES]
    if only:
        codes = []
        for text in only:
            code = forces.resolve(text)
            if code is None:
                raise BadInput(f"unknown force {text!r}")
            codes.append(code)
    if out_dir.exists() and not out_dir.is_dir():
        raise BadInput(f"{out_dir}: not a directory")
    paths = [out_dir / f"{code}.xlsx" for code in codes]
    if not overwrite:
        for p in paths:
            if p.exists():
                raise BadInput(f"{p}: already exists (use --overwrite to replace it)")
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for code, p in zip(codes, paths, strict=True):
        replace_privately(p, lambda tmp, code=code: _write(tmp, checklist, code, period))
    return paths
