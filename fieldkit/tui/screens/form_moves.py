"""Moving between a form's questions: to the next or previous one that can be answered (the
'add another' lines of open repeat sections are stops too), to the next section, to a
question by its key, and keeping the focused one in view. A part of FormScreen."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from textual.containers import VerticalScroll
from textual.errors import NoWidget
from textual.widget import Widget

from fieldkit.checklists import AnswerKey
from fieldkit.tui.form_model import Entry, FormModel, Group
from fieldkit.tui.screens.form_layout import Row
from fieldkit.tui.widgets.add_instance import AddInstance
from fieldkit.tui.widgets.item_row import ChoiceRow, TextRow
from fieldkit.tui.widgets.status import SaveStatus


class FormMoves:
    """FormScreen's moves (a mixin of the screen: it reads its entries, rows and model, and
    calls the screen's focus, query and save)."""

    entries: list[Entry]
    rows: dict[AnswerKey, Row]
    index: int
    model: FormModel
    focused: Widget | None
    final: bool
    set_focus: Any
    call_after_refresh: Any
    query_one: Any
    _refresh_chrome: Any
    _save: Any

    def _focus_index(self, index: int) -> None:
        if not self.entries:
            return
        index = max(0, min(index, len(self.entries) - 1))
        self.index = index
        row = self.rows[self.entries[index].key]
        # set_focus, not widget.focus(): the latter waits for the next turn of the loop,
        # and the next key must already go to the new question
        self.set_focus(row.input if isinstance(row, TextRow) else row, scroll_visible=False)
        # now, in the frame that shows the move (the form as it is laid out), and again
        # once laid out, in case this turn changed a row's height
        self._scroll_to(row)
        self.call_after_refresh(self._scroll_to, row)
        self._refresh_chrome(data=False)

    def _scroll_to(self, row: Widget) -> None:
        """Bring the row into view, scrolling only when it is not all on screen (the hints
        are in their own panel, so the row alone must show): moving between rows on screen
        scrolls and repaints nothing else. A row off screen is brought to the middle, not
        just inside the edge: answering moves down one question at a time, and a scroll
        lays out and repaints the whole form, so the next few answers need none."""
        items = self.query_one("#items", VerticalScroll)
        if items.can_view_entire(row):
            return
        with suppress(NoWidget):  # not laid out yet (the form opening): once it is
            items.scroll_to_widget(row, animate=False, immediate=True, center=True)

    def _row_of(self, widget: Widget | None) -> Row | None:
        node = widget
        while node is not None:
            if isinstance(node, ChoiceRow | TextRow):
                return node
            node = node.parent  # type: ignore[assignment]
        return None

    def action_move(self, delta: int) -> None:
        """To the next (1) or previous (-1) question that can be answered, in screen
        order; 'add another ...' lines of open repeat sections are stops too."""
        if not self._save_if_dirty():
            return
        focused = self.focused
        here: Widget | None = focused if isinstance(focused, AddInstance) else None
        if here is None and self.entries:
            here = self.rows[self.entries[self.index].key]
        target = self._dom_step(here, delta) if here is not None else None
        if target is None:
            status = self.query_one(SaveStatus)
            if delta > 0 and status.level != "warning":  # a privacy warning stays
                status.show("Last question. ctrl+f finalises the record; Esc goes back.", "info")
            return
        if isinstance(target, AddInstance):
            self.set_focus(target, scroll_visible=False)
            self.call_after_refresh(self._scroll_to, target)
            return
        self._focus_key(target.entry.key)

    def _dom_step(self, widget: Widget, delta: int) -> Widget | None:
        children = list(self.query_one("#items", VerticalScroll).children)
        try:
            i = children.index(widget)
        except ValueError:
            return None
        j = i + delta
        while 0 <= j < len(children):
            w = children[j]
            if isinstance(w, AddInstance):
                return w
            if isinstance(w, ChoiceRow | TextRow) and self.model.navigable(w.entry):
                return w
            j += delta
        return None

    def _focus_key(self, key: AnswerKey) -> None:
        for i, e in enumerate(self.entries):
            if e.key == key:
                self._focus_index(i)
                return

    def action_group(self, delta: int) -> None:
        if not self.entries or not self._save_if_dirty():
            return
        groups: list[Group] = []
        for e in self.entries:
            if not groups or groups[-1] != e.group:
                groups.append(e.group)
        current = self.entries[self.index].group
        gi = groups.index(current) + delta
        if not 0 <= gi < len(groups):
            return
        target = groups[gi]
        for i, e in enumerate(self.entries):
            if e.group == target:
                self._focus_index(self.model.first_navigable(self.entries, i))
                return

    def _advance_from(self, key: AnswerKey) -> None:
        for i, e in enumerate(self.entries):
            if e.key == key:
                self.index = i
                break
        self.action_move(1)
