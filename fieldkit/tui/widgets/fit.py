"""Repaint a widget without laying the whole screen out again when its height stays.

Textual lays out a screen as one tree: a layout asked for by any widget of the form walks
all of its ~100 rows. An answer changes one row's text (and a title or two), which nearly
always keeps their height, so a repaint is enough; a layout is asked for only when the
height changes."""

from __future__ import annotations

from textual import messages
from textual.visual import VisualType
from textual.widget import Widget

from fieldkit.tui.plain import Static


def refresh_fitted(widget: Widget) -> None:
    """Repaint `widget`, and lay the screen out again only if its content's height (at
    its current width) is no longer the height it was given."""
    if not widget.is_mounted:
        return  # laid out with the rest when it is mounted (a form sets its rows first)
    width = widget.content_size.width
    if not width or widget.is_container or not widget.display:
        widget.refresh(layout=True)
        return
    before = widget.content_size.height
    widget.refresh()  # drops the cached render and height
    after = widget.get_content_height(widget.container_size, widget.app.size, width)
    if after != before:
        widget.refresh(layout=True)


def update_fitted(static: Static, content: VisualType) -> None:
    """`Static.update`, with a layout only when the new text changes its height."""
    static.update(content, layout=False)
    refresh_fitted(static)


def paint_next(widget: Widget) -> None:
    """Have `widget`'s change in the screen's very next frame. A refreshed widget is
    otherwise added to the frame by its own message queue, which may run only after the
    frame is drawn: what the user waits for (the answer saved, the status line) would
    then wait for the frame after, with everything else."""
    if widget.is_mounted and widget.display:
        widget.screen.post_message(messages.Update(widget))
