"""What an answer puts on screen, and when: the status line saying it is saved first, in a
frame of its own, the rest of the answer in the frame after (`_after_paint`); group titles
scrolled off screen updated when the form scrolls. A part of FormScreen."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import Any

from textual.containers import VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches

from fieldkit.tui.plain import Static
from fieldkit.tui.widgets.fit import update_fitted

TERMINAL_TIME = 0.004  # seconds the terminal has to show an answer's status line


class FormPaint:
    """FormScreen's drawing order (a mixin of the screen: it calls the screen's app, query
    and refresh callbacks)."""

    app: Any
    call_after_refresh: Any
    query_one: Any
    _shown: dict[str, Content]
    _stale: dict[str, Content]  # titles off screen, shown when the form scrolls
    _later: list[Callable[[], None]]  # steps for after the next paint
    _gc_paused: bool  # the garbage collector waits for an answer's first frame

    def _after_paint(self, step: Callable[[], None]) -> None:
        """Do `step` once the screen has shown what is there now (the saved answer and
        the status line: what the user waits for), in order with the steps before it.
        Steps left are done before the next key is handled (`_paint_done`), so a key
        typed ahead acts on the form as it is after them, never before."""
        self._later.append(step)
        if len(self._later) == 1:
            self.call_after_refresh(self._after_frame)

    async def _after_frame(self) -> None:
        """The steps, once the terminal has had the frame just drawn: Textual's writer
        thread hands it over while this one waits, and the terminal draws it while the
        steps would otherwise take the processor (on two cores, the terminal, the app
        and what else runs share them). A key typed meanwhile runs the steps first."""
        self._resume_gc()
        await asyncio.sleep(TERMINAL_TIME)
        self._paint_done()

    def _paint_done(self) -> None:
        """The steps left for after the last paint, in order (in one screen update)."""
        self._resume_gc()
        if not self._later:
            return
        if self not in self.app.screen_stack:  # left meanwhile: nothing to show
            self._later.clear()
            return
        with self.app.batch_update():
            while self._later:
                self._later.pop(0)()

    def _pause_gc(self) -> None:
        """From a key to its first frame (a collection of the older objects takes 3-40
        ms): the collector runs with the rest of the answer."""
        if gc.isenabled():
            gc.disable()
            self._gc_paused = True

    def _resume_gc(self) -> None:
        if self._gc_paused:
            self._gc_paused = False
            gc.enable()

    def _update(self, selector: str, content: Content, *, seen: bool = False) -> None:
        """Update a Static only when its text changes (a layout only if its height does).
        A group title scrolled off screen waits until the form scrolls (`seen`: update it
        wherever it is): a widget changed off screen makes Textual lay out every row of
        the form again to find where it is, which would happen at each answer."""
        if self._shown.get(selector) == content:
            self._stale.pop(selector, None)
            return
        try:
            static = self.query_one(selector, Static)
        except NoMatches:  # not mounted yet
            return
        items = self.query_one("#items", VerticalScroll)
        if not seen and static.parent is items and not items.can_view_partial(static):
            self._stale[selector] = content
            return
        self._stale.pop(selector, None)
        update_fitted(static, content)
        self._shown[selector] = content

    def _scrolled(self) -> None:
        """The form scrolled: the titles left to update are updated (once)."""
        if self._stale:
            self.call_after_refresh(self._show_stale)

    def _show_stale(self) -> None:
        for selector, content in list(self._stale.items()):
            self._update(selector, content, seen=True)
