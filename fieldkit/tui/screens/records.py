"""The records list: filter, search, open, duplicate as new, delete (soft) and undo."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Select

from fieldkit import forces
from fieldkit.context import InspectionContext
from fieldkit.errors import FieldkitError
from fieldkit.store import Store
from fieldkit.tui import messages as msg
from fieldkit.tui.form_status import short
from fieldkit.tui.plain import PlainTable, Static
from fieldkit.tui.widgets.footer import KeysFooter
from fieldkit.tui.widgets.inputs import Field
from fieldkit.tui.writes import attempt

ALL = "*"
STATUSES = (("Any status", ALL), ("Draft", "draft"), ("Final", "final"), ("Deleted", "deleted"))


class RecordsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "duplicate", "Duplicate"),
        Binding("x,delete", "delete", "Delete"),
        Binding("u", "undo", "Undo"),
        Binding("slash", "search", "Search"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, store: Store, ctx: InspectionContext) -> None:
        super().__init__()
        self.store = store
        self.ctx = ctx
        self.deleted_stack: list[str] = []
        self._armed_delete: str | None = None  # a final record x was pressed on once
        self.rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Static(
            "Records: filter with the boxes, / searches references and notes", id="records-head"
        )
        titles = [(Content(i.label), i.id) for i in self.app.instruments]  # type: ignore[attr-defined]
        force_opts = [
            (name, code) for code, name in sorted(forces.NAMES.items(), key=lambda x: x[1])
        ]
        with Horizontal(id="filters"):
            yield Select(
                [("All checklists", ALL), *titles],
                value=ALL,
                allow_blank=False,
                compact=True,
                id="f-checklist",
            )
            yield Select(
                [("All forces", ALL), *force_opts],
                value=self.ctx.force_code or ALL,
                allow_blank=False,
                compact=True,
                id="f-force",
            )
            yield Select(list(STATUSES), value=ALL, allow_blank=False, compact=True, id="f-status")
            yield Field(compact=True, placeholder="search ref / notes", id="f-search")
        yield PlainTable(id="records-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="records-count")
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # widths that fit 80 columns: a status and a date are never cut
        table.add_column("Checklist", width=16)
        table.add_column("Force", width=11)
        table.add_column("Reference", width=12)
        table.add_column("Status", width=7)
        table.add_column("Inspector", width=10)
        table.add_column("Observed", width=10)
        self.reload()
        table.focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def _filters(self) -> dict[str, Any]:
        def val(wid: str) -> str:
            v = self.query_one(wid, Select).value
            return v if isinstance(v, str) else ALL

        checklist, force, status = val("#f-checklist"), val("#f-force"), val("#f-status")
        search = self.query_one("#f-search", Field).value.strip()
        return {
            "checklist": None if checklist == ALL else checklist,
            "force": None if force == ALL else force,
            "status": None if status in (ALL, "deleted") else status,
            "deleted": status == "deleted",
            "search": search or None,
        }

    def reload(self) -> None:
        table = self.query_one(DataTable)
        keep = self._current_id()
        self.rows = self.store.records(**self._filters())
        table.clear()
        titles: dict[tuple[str, int], str] = {}
        for r in self.rows:
            key = (r["checklist_id"], r["checklist_version"])
            if key not in titles:
                titles[key] = checklist_title(self.store, *key)
            table.add_row(
                short(titles[key], 16),
                short(forces.NAMES.get(r["force_code"], r["force_code"] or ""), 11),
                short(r["subject_ref"] or "", 12),
                "Deleted" if r["deleted"] else (r["status"] or "").capitalize(),
                short(r["inspector"] or "", 10),
                (r["observed_at"] or "")[:10],
                key=r["record_id"],
            )
        n = len(self.rows)
        self.query_one("#records-count", Static).update(
            f" {n} record{'s' if n != 1 else ''}"
            + ("  ·  Enter open · d duplicate · x delete · u undo" if n else "")
        )
        if keep is not None:
            ids = [r["record_id"] for r in self.rows]
            if keep in ids:
                table.move_cursor(row=ids.index(keep))

    def _current_id(self) -> str | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]["record_id"]

    def on_select_changed(self, event: Select.Changed) -> None:
        self.reload()

    def on_input_changed(self, event: Field.Changed) -> None:
        self.reload()

    def on_input_submitted(self, event: Field.Submitted) -> None:
        self.query_one(DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        rid = self._current_id()
        if rid is not None:
            self.post_message(msg.RecordChosen(rid))

    def action_duplicate(self) -> None:
        rid = self._current_id()
        if rid is None:
            return
        done, new = attempt(self, "Duplicate", lambda: self.store.duplicate(rid))
        if not done or new is None:
            return
        self.notify("Duplicated as a new draft (without its reference).", title="Duplicate")
        self.post_message(msg.RecordChosen(new))

    def action_delete(self) -> None:
        rid = self._current_id()
        if rid is None:
            return
        rec = self.store.record(rid)
        if rec["deleted"]:
            self.notify("Already deleted: u restores it.")
            return
        if rec["status"] == "final" and self._armed_delete != rid:
            self._armed_delete = rid  # a final record: a second x (or Delete) confirms
            self._say(
                f"{rec['subject_ref'] or rid[:8]} is FINAL: press x again to delete it, "
                "any other key keeps it."
            )
            self.app.bell()
            return
        self._armed_delete = None
        if not attempt(self, "Delete", lambda: self.store.delete(rid))[0]:
            return
        self.deleted_stack.append(rid)
        self.reload()
        self.notify(
            f"Deleted {rec['subject_ref'] or rid[:8]} (logged): u undoes it.", title="Deleted"
        )

    def on_key(self, event: Any) -> None:
        if event.key not in ("x", "delete") and self._armed_delete is not None:
            self._armed_delete = None
            self.reload()

    def _say(self, text: str) -> None:
        self.query_one("#records-count", Static).update(Content.styled(" " + text, "bold $warning"))

    def action_undo(self) -> None:
        rid: str | None = None
        if self._filters()["deleted"]:
            rid = self._current_id()
        elif self.deleted_stack:
            rid = self.deleted_stack.pop()
        if rid is None:
            self.notify("Nothing to undo.")
            return
        if not attempt(self, "Restore", lambda: self.store.restore(rid))[0]:
            return
        self.reload()
        rec = self.store.record(rid)
        self.notify(f"Restored {rec['subject_ref'] or rid[:8]}.", title="Undo")

    def action_search(self) -> None:
        self.query_one("#f-search", Field).focus()

    def action_back(self) -> None:
        self.dismiss(None)


def checklist_title(store: Store, checklist_id: str, version: Any) -> str:
    """A checklist's title; one this fieldkit cannot read (merged content) is named."""
    try:
        return store.checklist(checklist_id, version).title
    except (FieldkitError, TypeError, ValueError):
        return f"? {checklist_id} version {version}"
