"""Exports of the findings and the data (Excel)."""

from fieldkit.export.xlsx import EXCEL_MAX_ROWS, export_xlsx

__all__ = ["EXCEL_MAX_ROWS", "export_xlsx"]
