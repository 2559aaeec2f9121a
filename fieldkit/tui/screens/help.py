"""F1: fieldkit's own help, fitting 80x24: how to answer each kind of question, notes,
finalising and reopening (on a form), and the keys of the screen it was opened from."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen

from fieldkit.tui.plain import Label, Static

ANSWERING = [
    ("y n a", "yes / no / n/a (n/a only where the question allows it)"),
    ("1-4", "scores: 1 Poor  2 Weak  3 Good  4 Strong"),
    ("1-9", "one of a list (10 or more: two digits, or 1 Enter); Enter: list"),
    ("y n", "also pick Yes / No on a list worded that way"),
    ("digits", "any-of lists: each digit ticks or unticks one; Enter moves on"),
    ("number", "type it and Enter; u = unknown where the question allows it"),
    ("date", "YYYY-MM-DD (time HH:MM); Enter on empty or ctrl+t = now"),
    ("text", "type, Enter saves (also saved a second after you stop typing)"),
    ("Bksp", "clears the answer of a list or yes/no question"),
]
MOVING = [
    ("↓ ↑ Tab", "next / previous question (n/a (auto) questions are skipped)"),
    ("PgDn PgUp", "next / previous section"),
    ("ctrl+n", "a note on this question (Enter saves, empty clears)"),
    ("ctrl+f", "finalise: needs every required answer; asks once if free text"),
    ("", "looks like a name or contact details"),
    ("ctrl+r", "reopen a final record to edit it (logged)"),
    ("Esc", "back to the dashboard: every answer is already saved"),
]


def _table(rows: list[tuple[str, str]]) -> Content:
    return Content("\n").join(
        Content.assemble((f" {key:<10}", "bold $accent"), (text, "")) for key, text in rows
    )


def screen_keys(screen: Screen) -> list[tuple[str, str]]:
    """The keys the screen shows in its key bar, with what they do."""
    out = []
    for _key, (_, binding, _enabled, _tip) in screen.active_bindings.items():
        if binding.show and binding.description:
            out.append((screen.app.get_key_display(binding), binding.description))
    return out


class HelpScreen(ModalScreen[None]):
    """fieldkit's help for the screen below it (F1 or Esc closes)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "close", "Close", priority=True),
    ]

    def __init__(self, under: Screen, *, form: bool) -> None:
        super().__init__()
        self.under = under
        self.form = form

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help", classes="dialog"):
            yield Label("fieldkit help (F1 or Esc closes)", classes="dialog-title")
            if self.form:
                yield Static(Content.styled("Answering: every answer is saved at once", "bold"))
                yield Static(_table(ANSWERING))
                yield Static(Content.styled("Moving, notes, finalising", "bold"))
                yield Static(_table(MOVING))
            else:
                yield Static(Content.styled("Keys on this screen", "bold"))
                keys = screen_keys(self.under)
                instruments = getattr(self.under, "instruments", None)
                if instruments:
                    keys[:0] = [(i.key, f"a new {i.noun} record") for i in instruments if i.key]
                yield Static(_table(keys))
                yield Static(
                    Content.assemble(
                        (" ctrl+p    ", "bold $accent"),
                        ("every command by name (new record, targets, theme...)", ""),
                    )
                )
                yield Static(
                    Content.styled(
                        "On a form, F1 shows how to answer each kind of question.",
                        "$text-muted",
                    )
                )

    def action_close(self) -> None:
        self.dismiss(None)
