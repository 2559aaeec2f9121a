"""How a form's rows look as the focus and the answers change: the focused question's bar
and background, a text field's focused background (set on the widgets: a `:focus` rule
would re-apply the stylesheet at every move), and the mark beside a typed answer."""

from __future__ import annotations

from textual.color import Color
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widget import Widget

from fieldkit.tui.widgets.inputs import Field


def show_focus(row: Widget, on: bool) -> None:
    """The focused row's thick accent bar and background, set on the row itself. A
    `:focus` or `:focus-within` rule would re-apply the stylesheet to the row (and to every
    widget in a text row) at each move: a few milliseconds, more than the rest of a move."""
    theme = row.app.theme_variables
    accent = Color.parse(theme.get("accent", "orange"))
    row.styles.border_left = ("thick", accent) if on else ("blank", accent)
    row.styles.background = Color.parse(theme.get("boost", "black 4%")) if on else None


_STATE_MARKS = {
    "saved": ("✓ saved", "$success"),
    "editing": ("● not saved yet", "bold $warning"),
    "waiting": ("… waiting", "bold $warning"),
    "error": ("✗ not saved", "bold $error"),
}


def state_mark(state: str) -> tuple[str, str]:
    """The mark beside a typed answer for its save state, and its style ("", "": none)."""
    return _STATE_MARKS.get(state, ("", ""))


class AnswerInput(Field):
    """The Input of a text row (up/down move between questions, not the cursor)."""

    DEFAULT_CSS = """
    AnswerInput { border: none; height: 1; padding: 0 1; width: 1fr; }
    AnswerInput:focus { border: none; }
    """
    # Input sets its virtual size (its text's width) at every character typed, which in
    # Textual asks for a layout of the whole screen: on a form of 100 questions 10-35 ms a
    # character. The field's size is fixed (one line, its share of the row) and it scrolls
    # its text itself, so a repaint is enough.
    virtual_size = Reactive(Size(0, 0), layout=False)

    def watch_has_focus(self, focused: bool) -> None:
        """Its background, set on the field (see field_look)."""
        field_look(self, focused)


def field_look(field: Widget, focused: bool) -> None:
    """A text row's field as the stylesheet draws it (app.tcss, Input's `:focus`): a
    lighter surface, tinted, while it has the focus. Set on the field, because re-applying
    the stylesheet to an Input (and its cursor, selection and placeholder parts) at each
    move cost a few milliseconds; the form sets it again when the theme changes."""
    theme = field.app.theme_variables
    if focused:
        field.styles.background = Color.parse(theme["surface-lighten-1"])
        field.styles.background_tint = Color.parse(theme["foreground"]).with_alpha(0.05)
    else:
        field.styles.background = Color.parse(theme["surface"])
        field.styles.background_tint = None
