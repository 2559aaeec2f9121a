"""Text fields: the app's cursor-blink setting, and keys applied in the order typed."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from fieldkit.tui.keys import own_action


class Field(Input):
    def on_mount(self) -> None:
        self.cursor_blink = bool(getattr(self.app, "cursor_blink", True))


async def apply_key(field: Input, event: events.Key) -> bool:
    """Apply a key to a text field now, as the field itself would (a character typed over
    the selection or at the cursor, within the field's restrictions; one of its own key
    bindings run), rather than through the field's message queue, where it would wait
    behind nothing but could be overtaken by a key the app or screen handles at once
    (Tab, a shortcut). False: not a key the field handles."""
    if event.is_printable and event.character:
        if field.selection.is_empty:
            field.insert_text_at_cursor(event.character)
        else:
            field.replace(event.character, *field.selection)
        return True
    action = own_action(field, event.key)
    if action is None:
        return False
    await field.run_action(action)
    return True
