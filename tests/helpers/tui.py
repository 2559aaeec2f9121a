"""Helpers for capture-app tests (no fixtures here: see tests/conftest.py)."""

from __future__ import annotations

from typing import Any


def key_of(app: Any, checklist_id: str) -> str:
    """The dashboard key that starts a record of `checklist_id` (from the app's list of
    installed checklists, so tests follow the order the definitions give)."""
    for inst in app.instruments:
        if inst.id == checklist_id:
            assert inst.key, f"{checklist_id} has no key on the dashboard"
            return str(inst.key)
    raise AssertionError(f"{checklist_id} is not offered on the dashboard")


async def new_record(pilot: Any, checklist_id: str) -> Any:
    """Start a record of `checklist_id` from the dashboard by its key; the form's screen."""
    from fieldkit.tui.screens.form import FormScreen

    await pilot.press(key_of(pilot.app, checklist_id))
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, FormScreen), f"{checklist_id}: no form opened"
    return screen


def screen_lines(app: Any) -> list[str]:
    """The text of the terminal as the user sees it (every layer: dialogs, notifications),
    one string per row."""
    strips = app.screen._compositor.render_strips()
    return ["".join(seg.text for seg in strip) for strip in strips]


def screen_text(app: Any) -> str:
    return "\n".join(screen_lines(app))
