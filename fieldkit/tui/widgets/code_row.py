"""A choice question whose list is still in a file the form was imported without (XLSForm
`select_one_from_file F`, F not there): answered by typing a choice's code, and it says so
where the choices would be."""

from __future__ import annotations

import json

from textual.content import Content

from fieldkit.tui.widgets.item_row import TextRow


def waiting_words(file: str, multi: bool) -> str:
    what = "codes, separated by spaces" if multi else "a choice's code"
    return f"the choices are in {file}, not imported yet: type {what}"


class CodeRow(TextRow):
    """A text row for a list waiting for its file: a code typed, a multi's codes shown
    separated by spaces (as ODK writes them)."""

    def _placeholder(self) -> str:
        optional = "" if self.item.required else " (optional)"
        return ("codes from " if self.item.kind == "multi" else "a code from ") + (
            f"{self.item.choice_file}; Enter saves{optional}"
        )

    def _as_saved(self, v: object) -> str:
        if self.item.kind == "multi":
            try:
                return " ".join(json.loads(str(v)))
            except ValueError:
                return str(v)
        return str(v)

    def hints(self) -> list[Content]:
        words = waiting_words(self.item.choice_file, self.item.kind == "multi")
        return [Content.styled(words, "$warning"), *super().hints()]
