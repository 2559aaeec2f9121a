"""The recommendations register: browse recommendations, read a timeline, add an event."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Select

from fieldkit.register.recs import add_event, known_statuses, list_recommendations, timeline
from fieldkit.store import Store
from fieldkit.tui.plain import Label, PlainTable, Static
from fieldkit.tui.widgets.footer import KeysFooter
from fieldkit.tui.widgets.inputs import Field
from fieldkit.tui.writes import attempt


class RecommendationsScreen(Screen[None]):
    """Up/down picks a recommendation (its timeline shows below); `e` adds a dated event."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("e", "add_event", "Add event"),
    ]

    def __init__(self, store: Store, today: date | None = None) -> None:
        super().__init__()
        self.store = store
        self.today = today or date.today()
        self.rec_ids: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(
            "Recommendations register: current status is the latest status event", id="recs-head"
        )
        yield PlainTable(id="recs-table", cursor_type="row")
        yield Static("", id="recs-timeline-head")
        yield PlainTable(id="recs-timeline", cursor_type="row", show_cursor=False)
        with Horizontal(id="recs-add"):
            yield Label("Add ")
            yield Select(
                [("status", "status"), ("comment", "comment")],
                value="status",
                allow_blank=False,
                compact=True,
                id="recs-kind",
            )
            yield Field(compact=True, value=self.today.isoformat(), id="recs-date")
            yield Field(compact=True, placeholder="status slug or comment text", id="recs-text")
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one("#recs-table", DataTable)
        table.add_columns("Ref", "Recommendation", "Lead", "Status", "Since", "Events")
        self.query_one("#recs-timeline", DataTable).add_columns(
            "#", "Date", "Kind", "Status or comment"
        )
        self.query_one("#recs-text", Field).placeholder = (
            "status (" + ", ".join(known_statuses(self.store.conn)[:3]) + ", ...) or comment"
        )
        self.reload()
        table.focus()

    def reload(self, keep: str | None = None) -> None:
        table = self.query_one("#recs-table", DataTable)
        table.clear()
        rows = list_recommendations(self.store.conn)
        self.rec_ids = [r["rec_id"] for r in rows]
        for r in rows:
            table.add_row(
                r["ref"],
                r["title"] or "",
                r["lead_org"] or "",
                r["status_label"] or r["current_status"] or "-",
                r["status_since"] or "",
                str(r["events"] or 0),
                key=r["rec_id"],
            )
        if keep in self.rec_ids:
            table.move_cursor(row=self.rec_ids.index(keep))
        self.show_timeline()

    @property
    def current(self) -> str | None:
        table = self.query_one("#recs-table", DataTable)
        if not self.rec_ids or table.cursor_row is None:
            return None
        return self.rec_ids[min(table.cursor_row, len(self.rec_ids) - 1)]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "recs-table":
            self.show_timeline()

    def show_timeline(self) -> None:
        rec = self.current
        events = self.query_one("#recs-timeline", DataTable)
        events.clear()
        if rec is None:
            return
        rows = timeline(self.store.conn, rec)
        self.query_one("#recs-timeline-head", Static).update(
            f"Timeline of {rec} ({len(rows)} events)"
        )
        for e in rows:
            text = " ".join((e["status_slug"] or e["comment_text"] or "").split())
            events.add_row(str(e["position"]), e["event_date"], e["kind"], text[:200])

    def action_add_event(self) -> None:
        self.query_one("#recs-text", Field).focus()

    def on_input_submitted(self, event: Field.Submitted) -> None:
        rec = self.current
        text = self.query_one("#recs-text", Field).value.strip()
        if rec is None or event.input.id not in ("recs-text", "recs-date"):
            return
        if not text:
            self.notify("Type a status slug or a comment first.", severity="warning")
            return
        kind = self.query_one("#recs-kind", Select).value
        on = self.query_one("#recs-date", Field).value.strip()
        done, result = attempt(
            self, "Event", lambda: add_event(self.store, rec, on, **{str(kind): text})
        )
        if not done or result is None:
            return
        for warning in result.warnings:
            self.notify(warning, severity="warning")
        self.notify("Event saved." if result.added else "That event was already recorded.")
        self.query_one("#recs-text", Field).value = ""
        self.reload(keep=rec)
        self.query_one("#recs-table", DataTable).focus()

    def action_back(self) -> None:
        self.app.pop_screen()
