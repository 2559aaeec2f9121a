"""'Add another <case>' at the end of an open repeat section of a form."""

from __future__ import annotations

from typing import Any

from textual.widget import Widget


class AddInstance(Widget, can_focus=True):
    """'Add another <case>' at the end of an open repeat section (Enter adds)."""

    DEFAULT_CSS = """
    AddInstance { height: 1; padding: 0 4; color: $text-muted; }
    AddInstance:focus { color: $text; background: $boost; text-style: bold; }
    """

    def __init__(
        self, section_id: str, label: str, outer: str = "", where: str = "", **kw: Any
    ) -> None:
        super().__init__(**kw)
        self.section_id = section_id
        self.label = label
        self.outer = outer  # the enclosing repeat's instance (a repeat inside a repeat)
        self.where = where  # ... by name: 'household 2'

    def render(self) -> str:
        where = f" in {self.where or self.outer}" if self.outer else ""
        return f"+ add {self.label}{where} (Enter)"
