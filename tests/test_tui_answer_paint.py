"""What the form draws after an answer, at 80x24: the status line first, then the rest,
and nothing left stale or jumping.

The status line saying an answer is saved is drawn in a frame of its own; the row's mark,
the progress, the hints and the move to the next question follow in the next frame (and
before the next key is handled: tests/test_tui_form.py test_typing_ahead_keeps_key_order).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from helpers.form import CALL
from helpers.tui import new_record, screen_text
from textual.containers import VerticalScroll

from fieldkit.context import InspectionContext
from fieldkit.tui.app import make_app
from fieldkit.tui.widgets.status import SaveStatus, group_title

CTX = InspectionContext("PEEL 2015 DA", "kent", "A. Inspector", "hmic_staff")
NOW = datetime(2015, 6, 1, 9, 30)


def one_key(keys: list[str]) -> bool:
    return len(keys) == 1 and keys[0] in "yna123456789"


def drawn(update: object) -> str:
    """The text a frame sends to the terminal: the lines it draws (all of a full one)."""
    chops = getattr(update, "chops", None)
    if chops is None:  # a full frame: every line
        lines = getattr(update, "strips", [])
        return "\n".join("".join(strip.text for strip in line) for line in lines)
    rows = dict.fromkeys(y for y, _, _ in update.spans)  # type: ignore[attr-defined]
    return "\n".join(
        "".join(strip.text for strip in chops[y].values() if strip is not None) for y in rows
    )


async def test_the_first_frame_after_an_answer_says_it_is_saved(db_path: Path) -> None:
    """The first frame sent to the terminal after a one-key answer draws the status line
    saying it is saved, and only that: it is not held back until the answered row's mark,
    the next question's focus, the progress and the hints are drawn (the frame after)."""
    app = make_app(db_path, now=lambda: NOW, cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await new_record(pilot, "call_listening")
        first_frames: list[str] = []
        display = app._display

        def watch(shown_screen, update) -> None:  # type: ignore[no-untyped-def]
            if watching and not first_frames:
                first_frames.append(drawn(update))
            display(shown_screen, update)

        app._display = watch  # type: ignore[method-assign]
        checked = 0
        for item_id, keys, _ in CALL:
            if screen.entries[screen.index].item.id != item_id:
                break
            watching = one_key(keys)
            first_frames.clear()
            number = screen.entries[screen.index].item.position
            await pilot.press(*keys)
            await pilot.pause()
            if watching:
                assert first_frames and f"Saved {number} (" in first_frames[0], (
                    f"{item_id}: the first frame drew {first_frames}"
                )
                # the status line alone: the row's mark and the move come in the next
                assert f" {number} · " not in first_frames[0], first_frames[0]
                assert "✓ saved" in screen_text(app).split(f" {number} · ", 1)[1].split("\n")[0]
                checked += 1
                if checked == 4:
                    break
        assert checked == 4


@pytest.mark.slow
async def test_a_group_title_answered_off_screen_is_right_when_scrolled_back(
    db_path: Path,
) -> None:
    """A group's progress changes while its title is scrolled off the top; back at the
    top, the title shows the progress as it is, not as it was when it left the screen."""
    app = make_app(db_path, now=lambda: NOW, cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await new_record(pilot, "call_listening")
        items = screen.query_one("#items", VerticalScroll)
        title = screen.query_one("#group-a_context")
        group = screen.entries[screen.index].group
        left_at = ""
        for item_id, keys, _ in CALL:
            entry = screen.entries[screen.index]
            if entry.group != group or entry.item.id != item_id:
                break
            if not left_at and not items.can_view_partial(title):
                left_at = group_title(screen.model, group).plain
            await pilot.press(*keys)
            await pilot.pause()
        now = group_title(screen.model, group).plain
        assert left_at and now != left_at  # answered while off screen
        items.scroll_home(animate=False)  # as the mouse wheel would
        await pilot.pause()
        await pilot.pause()
        assert items.can_view_partial(title)
        assert now in screen_text(app)
        assert left_at not in screen_text(app)


@pytest.mark.slow
async def test_the_status_line_keeps_its_second_line(db_path: Path) -> None:
    """Once a saved answer's message needs two lines the status line keeps them: the
    form does not jump up and down a line from one answer to the next."""
    app = make_app(db_path, now=lambda: NOW, cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await new_record(pilot, "call_listening")
        status = screen.query_one(SaveStatus)
        heights: list[int] = []
        for item_id, keys, _ in CALL:
            if screen.entries[screen.index].item.id != item_id:
                break
            await pilot.press(*keys)
            await pilot.pause()
            if one_key(keys):
                heights.append(status.size.height)
            if heights.count(2) > 3:
                break
        assert 1 in heights and 2 in heights  # both kinds of message were said
        grown = heights.index(2)
        assert set(heights[grown:]) == {2}


@pytest.mark.slow
async def test_typing_past_the_field_s_width_scrolls_the_text(db_path: Path) -> None:
    """A text longer than its field scrolls within it as it is typed (the field keeps its
    one line; the form is not laid out again at each character): the end of what was typed
    is on screen, and all of it is saved."""
    from helpers.form import typed

    app = make_app(db_path, now=lambda: NOW, cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await new_record(pilot, "call_listening")
        row = screen.rows[("cl_ctx_notes", "")]
        row.input.focus()
        await pilot.pause()
        text = "Two handlers on shift; the supervisor " + "listened in " * 4 + "ENDMARK"
        await pilot.press(*typed(text))
        await pilot.pause()
        assert row.input.size.height == 1
        assert "ENDMARK" in screen_text(app)
        assert text[:20] not in screen_text(app)  # scrolled: the start is out of the field
        await pilot.press("enter")
        await pilot.pause()
        assert screen.model.answers[("cl_ctx_notes", "")] == text


async def test_the_garbage_collector_runs_again_after_each_answer(db_path: Path) -> None:
    """It waits from a key to the frame saying the answer is saved, never longer."""
    import gc

    app = make_app(db_path, now=lambda: NOW, cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await new_record(pilot, "call_listening")
        for item_id, keys, _ in CALL[:8]:
            if screen.entries[screen.index].item.id != item_id:
                break
            await pilot.press(*keys)
            await pilot.pause()
            assert gc.isenabled(), f"after {item_id}"
        await pilot.press("a")  # refused (no n/a here): nothing drawn later
        await pilot.pause()
        assert gc.isenabled()
        await pilot.press("escape")
        await pilot.pause()
    assert gc.isenabled()
