"""A table whose cells are shown as written (see fieldkit.tui.plain)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable


class PlainTable(DataTable[Any]):
    """A DataTable whose string cells are text (DataTable reads a str as Rich markup)."""

    def add_row(self, *cells: Any, **kw: Any) -> Any:
        return super().add_row(*(Text(c) if isinstance(c, str) else c for c in cells), **kw)
