"""Conflicts from merging: see each one and settle it (keep the winner or the other)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable

from fieldkit.errors import FieldkitError
from fieldkit.store import Store, hlc_ms
from fieldkit.tui.plain import PlainTable, Static
from fieldkit.tui.widgets.footer import KeysFooter
from fieldkit.tui.writes import attempt


def when(hlc: int | None) -> str:
    if not hlc:
        return ""
    return datetime.fromtimestamp(hlc_ms(int(hlc)) / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


class ConflictsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "settle('winner')", "Keep winning value"),
        Binding("o", "settle('other')", "Keep other value"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Static(
            "Conflicts: two people changed the same answer without seeing each other's change",
            id="conflicts-head",
        )
        yield PlainTable(id="conflicts-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="conflict-detail")
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Record", "Question", "Winning value", "Other value", "Other by", "When")
        self.reload()
        table.focus()

    def describe(self, c: dict[str, Any]) -> dict[str, str]:
        """Human wording for one conflict: record, question, both values."""
        question, show = c["field"], (lambda v: "" if v is None else str(v))
        try:
            checklist = self.store.checklist_of(c["record_id"])
        except FieldkitError:
            checklist = None
        if checklist is not None and c["kind"] in ("answer", "note"):
            item = checklist.item_map.get(c["field"])
            if item is not None:
                question = item.prompt + (" (note)" if c["kind"] == "note" else "")
                if c["kind"] == "answer":

                    def show(v: Any, item: Any = item) -> str:
                        return "(blank)" if v is None else item.display(v)

        elif c["kind"] == "record":
            question = f"record field: {c['field']}"
        if c["rkey"]:
            question += f" [{c['rkey']}]"
        try:
            ref = self.store.record(c["record_id"]).get("subject_ref") or ""
        except FieldkitError:
            ref = ""
        if not ref:
            natural = (c.get("natural_key") or "").split("|")
            ref = natural[-1] if len(natural) > 1 and natural[-1] else c["record_id"][:8]
        title = checklist.title if checklist is not None else (c.get("checklist_id") or "")
        return {
            "record": f"{title}: {ref}",
            "question": question,
            "winner": show(c["winner_value"]),
            "other": show(c["value"]),
            "by": c.get("author") or c["device_id"],
            "when": when(c["hlc"]),
        }

    def reload(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.rows = self.store.conflicts()
        for c in self.rows:
            d = self.describe(c)
            table.add_row(
                d["record"],
                d["question"],
                d["winner"],
                d["other"],
                d["by"],
                d["when"],
                key=c["change_id"],
            )
        self._detail()

    def _current(self) -> dict[str, Any] | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def _detail(self) -> None:
        box = self.query_one("#conflict-detail", Static)
        c = self._current()
        if c is None:
            box.update(Content.styled("No conflicts waiting.", "$text-muted"))
            return
        d = self.describe(c)
        box.update(
            Content.assemble(
                (d["record"], "bold"),
                ("\n", ""),
                (d["question"], ""),
                ("\n", ""),
                ("winning: ", "bold $success"),
                (d["winner"], ""),
                ("   other: ", "bold $warning"),
                (d["other"], ""),
                (f" (by {d['by']}, {d['when']})", "$text-muted"),
                (
                    "\nw keeps the winning value, o keeps the other; either is a logged change.",
                    "$text-muted",
                ),
            )
        )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail()

    def action_settle(self, keep: str) -> None:
        c = self._current()
        if c is None:
            return
        done, _ = attempt(self, "Settle", lambda: self.store.settle(c["change_id"], keep=keep))
        if not done:
            return
        d = self.describe(c)
        kept = d["winner"] if keep == "winner" else d["other"]
        self.notify(f"Settled {d['question'][:40]}: kept {kept}.", title="Conflict settled")
        self.reload()

    def action_back(self) -> None:
        self.dismiss(None)
