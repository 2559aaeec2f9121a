"""Set the inspection context once: inspection, force, inspector, observer role."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Select

from fieldkit import forces
from fieldkit.context import ROLE_LABELS, InspectionContext
from fieldkit.tui.plain import Label, Static
from fieldkit.tui.widgets.footer import KeysFooter
from fieldkit.tui.widgets.inputs import Field


class ContextScreen(ModalScreen[InspectionContext | None]):
    """Returns the new context, or None when cancelled (only allowed once one is set)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("down", "app.focus_next", "Next field", show=False),
        Binding("up", "app.focus_previous", "Previous field", show=False),
    ]
    # moved at once from a text field, like Tab (see FieldkitApp._move_focus_now)
    FOCUS_MOVES: ClassVar[dict[str, int]] = {"down": 1, "up": -1}

    def __init__(self, ctx: InspectionContext, *, new_database: bool = False) -> None:
        super().__init__()
        self.ctx = ctx
        # a database not given a context yet: what is shown is a suggestion to confirm
        self.new_database = new_database

    def compose(self) -> ComposeResult:
        ctx = self.ctx
        names = sorted(forces.NAMES.values())
        with Vertical(id="context", classes="dialog"):
            yield Label("Inspection context", classes="dialog-title")
            yield Label(
                (
                    "New database: check these (from the last one used) and save."
                    if ctx.inspection
                    else "New database: what is being inspected, and by whom?"
                )
                if self.new_database
                else "Set once per database; remembered, and written on every new record.",
                classes="dialog-help",
            )
            yield Label("Inspection")
            yield Field(
                compact=True,
                value=ctx.inspection,
                placeholder="e.g. PEEL 2015 domestic abuse",
                id="inspection",
            )
            yield Label("Force (type a name or code; → accepts the suggestion)")
            yield Field(
                compact=True,
                value=forces.NAMES.get(ctx.force_code, ctx.force_code),
                placeholder="e.g. Kent Police",
                suggester=SuggestFromList(names, case_sensitive=False),
                id="force",
            )
            yield Label("Inspector (your name as it appears on records)")
            yield Field(compact=True, value=ctx.inspector, placeholder="your name", id="inspector")
            yield Label("Observer role")
            yield Select(
                [(label, code) for code, label in ROLE_LABELS.items()],
                value=ctx.observer_role if ctx.observer_role in ROLE_LABELS else "hmic_staff",
                allow_blank=False,
                compact=True,
                id="role",
            )
            yield Static("", id="context-error")
            yield Label(
                "Enter in Inspector, or ctrl+s anywhere, saves. Tab moves on.",
                classes="dialog-help",
            )
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#inspection", Field).focus()

    async def sync_key(self, event: events.Key) -> bool:
        """Enter in a text field, at once (before the next key is read, so text typed
        ahead lands in the next field): in Inspector it saves, elsewhere it moves on."""
        if event.key != "enter" or not isinstance(self.focused, Field):
            return False
        if self.focused.id == "inspector":
            self.action_save()
        else:
            self.focus_next()
        return True

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()  # Enter is handled in sync_key

    def _read(self) -> InspectionContext:
        force_text = self.query_one("#force", Field).value.strip()
        role = self.query_one("#role", Select).value
        return self.ctx.with_(
            inspection=self.query_one("#inspection", Field).value.strip(),
            force_code=forces.resolve(force_text) or "" if force_text else "",
            inspector=self.query_one("#inspector", Field).value.strip(),
            observer_role=str(role) if isinstance(role, str) else "hmic_staff",
        )

    def action_save(self) -> None:
        ctx = self._read()
        problems = ctx.problems()
        error = self.query_one("#context-error", Static)
        if problems:
            error.update(Content.styled("Still needed: " + "; ".join(problems), "bold $error"))
            return
        self.dismiss(ctx)

    def action_cancel(self) -> None:
        if self.ctx.complete and not self.new_database:
            self.dismiss(None)
        else:
            self.query_one("#context-error", Static).update(
                Content.styled(
                    "Save the context for this database first (ctrl+q quits).", "bold $error"
                )
            )
