"""Pick from a choice list (Enter on a choice item), one or several."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, SelectionList
from textual.widgets.option_list import Option

from fieldkit.checklists import NA, Item
from fieldkit.tui.plain import Label


class ChoicePicker(ModalScreen[Any]):
    """Returns the chosen code (choice), a list of codes (multi), or None if cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "confirm", "Confirm", show=True, priority=True),
    ]

    def __init__(self, item: Item, value: Any) -> None:
        super().__init__()
        self.item = item
        self.value = value

    def compose(self) -> ComposeResult:
        item = self.item
        with Vertical(id="picker", classes="dialog"):
            yield Label(item.prompt, classes="dialog-title")
            if item.kind == "multi":
                chosen = _codes(self.value)
                yield Label("Space toggles, Enter confirms, Esc cancels", classes="dialog-help")
                yield SelectionList[str](
                    *[
                        (Content(f"{n}  {c.label}"), c.code, c.code in chosen)
                        for n, c in enumerate(item.choices, 1)
                    ],
                    id="choices",
                )
            else:
                yield Label("Enter picks, Esc cancels", classes="dialog-help")
                options = [
                    Option(Content(f"{n}  {c.label}"), id=c.code)
                    for n, c in enumerate(item.choices, 1)
                ]
                if item.na_allowed:
                    options.append(Option("a  n/a (not applicable)", id=NA))
                yield OptionList(*options, id="choices", markup=False)

    def on_mount(self) -> None:
        widget = self.query_one("#choices")
        if isinstance(widget, OptionList):
            codes = [c.code for c in self.item.choices] + [NA]
            if self.value in codes:
                widget.highlighted = codes.index(self.value)
            else:
                widget.highlighted = 0
        widget.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def on_selection_list_selection_toggled(self, event: SelectionList.SelectionToggled) -> None:
        """An exclusive choice ("None") cannot go with another: picking one clears the rest."""
        event.stop()
        widget = event.selection_list
        code = event.selection.value
        if code not in widget.selected:
            return
        alone = {c.code for c in self.item.choices if c.exclusive}
        for other in list(widget.selected):
            if other != code and (code in alone or other in alone):
                widget.deselect(other)

    def action_confirm(self) -> None:
        widget = self.query_one("#choices")
        if isinstance(widget, SelectionList):
            self.dismiss(list(widget.selected))
        elif isinstance(widget, OptionList) and widget.highlighted is not None:
            self.dismiss(widget.get_option_at_index(widget.highlighted).id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _codes(value: Any) -> list[str]:
    try:
        out = json.loads(value) if isinstance(value, str) else []
    except ValueError:
        return []
    return out if isinstance(out, list) else []
