"""Where the focused question is shown at 80x24: the bar beside it alone, moving with each
answer and each move, from a choice question to a typed one and back, in the colours of
the theme F2 switches to (the bar is set on the row, not by a `:focus` rule); a typed
question as stored from the first screen; and a question that would be off screen brought
to the middle."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.tui import new_record, screen_text
from textual.color import Color

from fieldkit.context import InspectionContext
from fieldkit.store import Store
from fieldkit.tui.app import make_app
from fieldkit.tui.screens.form import FormScreen
from fieldkit.tui.widgets.item_row import ChoiceRow, TextRow

CTX = InspectionContext("PEEL 2015 DA", "kent", "A. Inspector", "hmic_staff")


def barred(app: object) -> list[tuple[str, Color | None]]:
    """Each screen line that starts with the thick bar, and the bar's colour."""
    out = []
    for strip in app.screen._compositor.render_strips():  # type: ignore[attr-defined]
        segments = list(strip)
        if segments and segments[0].text.startswith("█"):
            style = segments[0].style
            color = style.color if style is not None else None
            text = "".join(s.text for s in segments)
            out.append((text, Color.from_rich_color(color) if color else None))
    return out


def shown_number(app: object) -> str:
    row = app.screen._row_of(app.focused)  # type: ignore[attr-defined]
    return f" {row.entry.number} · "


async def test_the_bar_follows_the_focus_and_the_theme(db_path: Path) -> None:
    app = make_app(db_path, cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await new_record(pilot, "call_listening")
        kinds = {type(screen._row_of(app.focused))}
        for key in ["enter", "y", "y", "up", "down"]:  # a typed row, choice rows, moves
            await pilot.press(key)
            await pilot.pause()
            row = screen._row_of(app.focused)
            assert row is not None
            kinds.add(type(row))
            bars = barred(app)
            # the bar is beside the focused question only (its question and answer lines)
            assert bars, "no bar beside the focused question"
            assert any(shown_number(app) in text for text, _ in bars), bars
            accent = Color.parse(app.theme_variables["accent"])
            assert {c for _, c in bars} == {accent}
        assert kinds == {ChoiceRow, TextRow}
        while not isinstance(screen._row_of(app.focused), TextRow):
            await pilot.press("up")
        await pilot.pause()
        typed = screen._row_of(app.focused)
        assert isinstance(typed, TextRow)
        for move in ("f2", "down", "f2"):  # the theme switched on a typed and a choice row
            await pilot.press(move)
            await pilot.pause()
            row = screen._row_of(app.focused)
            assert row is not None
            theme = app.theme_variables
            assert row.styles.background == Color.parse(theme["boost"]), (move, row)
            # the text field: lighter while it has the focus, the plain surface after
            field = "surface-lighten-1" if row is typed else "surface"
            assert typed.input.styles.background == Color.parse(theme[field]), (move, field)
            assert {c for _, c in barred(app)} == {Color.parse(app.theme_variables["accent"])}


async def test_a_typed_question_opens_as_stored(db_path: Path) -> None:
    """A case-file review opened again at 80x24: a typed question made n/a by an answer
    shows no field to type in, and a typed question with a note shows it under the answer,
    from the first screen (the rows are set up before they are shown)."""
    with Store.create(db_path, inspector="A. Inspector") as store:
        rid = store.create_record("case_file_review", "kent", subject_ref="CF-1")
        store.set_answer(rid, "cf_offence_detail", "s.47 assault")
        store.set_note(rid, "cf_offence_detail", "Checked with the OIC")
        store.set_answer(rid, "cf_arrest", "not_arrested")
    app = make_app(db_path, cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_record(rid)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        detail = screen.rows[("cf_offence_detail", "")]
        delay = screen.rows[("cf_arrest_delay_hours", "")]
        assert isinstance(detail, TextRow) and isinstance(delay, TextRow)
        assert detail.input.value == "s.47 assault"
        screen._focus_key(detail.entry.key)
        await pilot.pause()
        text = screen_text(app)
        assert "s.47 assault" in text and "Checked with the OIC" in text
        assert detail.query_one(".answer-line").display
        # the n/a question: its words and why, no field (nothing to type)
        assert not delay.query_one(".answer-line").display
        assert delay.input.disabled


@pytest.mark.slow  # a whole call record answered key by key (about 5 s)
async def test_answering_down_the_form_scrolls_now_and_then(db_path: Path) -> None:
    """At 80x24, answering question after question moves the focus down one at a time: a
    question that would be off screen is brought to the middle, not just inside the bottom
    edge, so the form jumps every few answers rather than creeping at every one (and the
    questions to come are on screen)."""
    app = make_app(db_path, cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await new_record(pilot, "call_listening")
        items = screen.query_one("#items")
        await pilot.press("enter")  # the visit's time: now
        scrolls, answers, last = 0, 0, items.scroll_y
        keys = {
            **{"yn": ["y"], "ynna": ["y"], "q4": ["3"], "choice": ["1"], "multi": ["1", "enter"]},
            **{"count": ["3", "enter"], "text": ["x", "enter"], "datetime": ["enter"]},
        }
        for _ in range(20):
            row = screen._row_of(app.focused)
            assert row is not None
            await pilot.press(*keys[row.item.kind])
            await pilot.pause()
            answers += 1
            focused = screen._row_of(app.focused)
            assert focused is not None and items.can_view_entire(focused)
            if items.scroll_y != last:
                scrolls += 1
                last = items.scroll_y
                # brought to the middle: the next question is on screen below it
                assert focused.region.bottom <= items.region.bottom - 2
        assert answers >= 10
        assert scrolls <= answers // 2, f"{scrolls} scrolls in {answers} answers"
