"""Attach a note to an answer (any item), with the privacy check as it is typed."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input

from fieldkit.tui.form_status import privacy_warning
from fieldkit.tui.plain import Label, Static
from fieldkit.tui.widgets.inputs import Field


class NoteScreen(ModalScreen[str | None]):
    """Returns the note text ('' clears it) or None if cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, prompt: str, note: str) -> None:
        super().__init__()
        self.prompt = prompt
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="note", classes="dialog"):
            yield Label("Note on: " + self.prompt, classes="dialog-title")
            yield Label("Enter saves (empty clears), Esc cancels", classes="dialog-help")
            # the note's text is not selected: the first key adds to it, not replaces it
            yield Field(value=self.note, placeholder="note", id="note-text", select_on_focus=False)
            yield Static("", id="note-warning", classes="privacy-warning")

    def on_mount(self) -> None:
        self._check(self.note)
        field = self.query_one(Input)
        field.focus()
        field.cursor_position = len(field.value)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._check(event.value)

    def _check(self, text: str) -> None:
        warning = privacy_warning(text)
        box = self.query_one("#note-warning", Static)
        box.update(Content.styled("⚠ privacy: " + warning, "bold $warning") if warning else "")
        box.display = bool(warning)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
