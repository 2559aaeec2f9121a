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

    def __init__(self, section_id: str, label: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.section_id = section_id
        self.label = label

    def render(self) -> str:
        return f"+ add {self.label} (Enter)"
