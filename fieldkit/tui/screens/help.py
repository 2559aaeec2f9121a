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

# how each kind of question is answered comes from the checklist (fieldkit.checklists.words)
CLEARING = [("Bksp", "clears the answer of a list or yes/no question")]
MOVING = [
    ("↓ ↑ Tab", "next / previous question (n/a (auto) questions are skipped)"),
    ("PgDn PgUp", "next / previous section"),
    ("ctrl+n", "a note on this question (Enter saves, empty clears)"),
    ("ctrl+f", "finalise: needs every required answer; asks once if personal"),
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
                yield from self._answering()
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

    def _answering(self) -> ComposeResult:
        """This question (its kind, keys and labels), then every kind the checklist has:
        all read from the checklist's definition."""
        from fieldkit.checklists.words import kind_guide, question_guide, question_name

        checklist = getattr(self.under, "checklist", None)
        if checklist is None:
            return
        row = self.under._row_of(self.under.focused)  # type: ignore[attr-defined]
        if row is not None:
            yield Static(Content.styled("This question: " + question_name(row.item, 60), "bold"))
            yield Static(_table(question_guide(checklist, row.item)))
        yield Static(
            Content.styled(f"Answering {checklist.title}: each answer is saved at once", "bold")
        )
        yield Static(_table(kind_guide(checklist) + CLEARING))

    def action_close(self) -> None:
        self.dismiss(None)
