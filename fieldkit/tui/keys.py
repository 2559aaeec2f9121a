"""Keys as the screens declare them (their BINDINGS), read through Textual's public API."""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import Widget


def key_table(bindings: Iterable[BindingType]) -> dict[str, str]:
    """Key -> action, from a class's BINDINGS (the one place a key is declared)."""
    return {b.key: b.action for b in Binding.make_bindings(bindings)}


def has_priority_binding(screen: Screen[object], key: str) -> bool:
    """Does the app or the screen bind `key` with priority (it acts before the focus)?"""
    active = screen.active_bindings.get(key)
    return active is not None and active.binding.priority


def own_action(widget: Widget, key: str) -> str | None:
    """The action `widget` itself binds to `key` while it has the focus (None: it does
    not bind it, or something above it binds it with priority)."""
    active = widget.screen.active_bindings.get(key)
    if active is None or active.node is not widget:
        return None
    return active.binding.action
