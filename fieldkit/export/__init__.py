"""Exports of the findings and the data (Excel)."""

from fieldkit.export.workbook import EXCEL_MAX_ROWS
from fieldkit.export.xlsx import export_xlsx

__all__ = ["EXCEL_MAX_ROWS", "export_xlsx"]
