"""The key bar at the foot of every screen."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class KeysFooter(Footer):
    """Textual's Footer, rebuilt only when the keys it would show have changed.

    Textual's own footer recomposes all its key widgets whenever the screen's bindings
    may have changed: when it is mounted and every time focus moves (three times before
    the dashboard is first shown, and once per answer on a form, where focus moves on).
    The keys shown rarely change with focus, so compare and skip the rebuild when they
    are the same."""

    _last_shown: list[Any] | None = None

    def __init__(self, *, compact: bool = True, **kwargs: Any) -> None:
        # compact: every key of the dashboard, Quit and F1 included, fits in 80 columns
        super().__init__(compact=compact, **kwargs)

    def compose(self) -> ComposeResult:
        # Textual's footer first composes empty and fills itself in when the screen
        # signals its bindings; that costs the whole screen a second layout before it is
        # first shown. The keys are known already: show them now.
        self._bindings_ready = True
        self._last_shown = shown_keys(self.screen)
        for widget in super().compose():
            if hasattr(type(widget), "compact"):  # a key, bound to the footer's `compact`
                # its class as its `compact` watcher sets it once mounted: set now, before
                # it is styled, the watcher changes nothing and restyles nothing (each key
                # was restyled as it mounted: about 1 ms a key, 8 keys on the dashboard)
                widget.set_class(self.compact, "-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen) -> None:
        shown = shown_keys(screen)
        if shown == self._last_shown:
            return
        super().bindings_changed(screen)
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._last_shown = shown  # a rebuild is on its way


def shown_keys(screen: Screen) -> list[Any]:
    """What the footer would show for `screen`: each shown binding (with whether it is
    enabled and its tooltip), and the command palette's."""
    palette = screen.app.COMMAND_PALETTE_BINDING
    return [
        (binding, enabled, tooltip)
        for key, (_, binding, enabled, tooltip) in screen.active_bindings.items()
        if binding.show or key == palette
    ]
