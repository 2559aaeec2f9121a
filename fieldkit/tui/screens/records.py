"""The records list: filter, search, open, duplicate as new, delete (soft) and undo."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Select

from fieldkit import forces
from fieldkit.checklists import Checklist
from fieldkit.checklists.words import record_name
from fieldkit.context import InspectionContext
from fieldkit.errors import FieldkitError
from fieldkit.store import Store
from fieldkit.tui.plain import PlainTable, Static
from fieldkit.tui.records_table import Column, cells, columns, force_short
from fieldkit.tui.widgets.footer import KeysFooter
from fieldkit.tui.widgets.inputs import Field
from fieldkit.tui.writes import attempt

ALL = "*"
STATUSES = (("Any status", ALL), ("Draft", "draft"), ("Final", "final"), ("Deleted", "deleted"))


class RecordsScreen(Screen[None]):
    @dataclass
    class RecordChosen(Message):
        """A record was picked in the list (the app opens it)."""

        record_id: str

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
        # what u undoes, newest last: ("delete", id) restores, ("duplicate", id) deletes
        # the copy, ("restore", id) deletes again
        self.undo_stack: list[tuple[str, str]] = []
        self._armed_delete: str | None = None  # a final record x was pressed on once
        self.rows: list[dict[str, Any]] = []
        self._cols: list[Column] = []
        self._checklists: dict[tuple[str, int], Checklist | None] = {}
        self._key_map: dict[str, dict[str, Any]] = {}

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
        self.reload()
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def on_resize(self) -> None:
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
        filters = self._filters()
        self.rows = self.store.records(**filters)
        for r in self.rows:
            self._checklist(r)
        items = {i for c in self._checklists.values() if c for i in c.name_items}
        self._key_map = self.store.record_answers(items)
        shown = [self._shown_row(r) for r in self.rows]
        cols = columns(
            self.app.size.width,
            shown,
            checklist=filters["checklist"] is None,
            force=filters["force"] is None,
        )
        if cols != self._cols:
            table.clear(columns=True)
            for c in cols:
                table.add_column(c.title, width=c.width, key=c.key)
            self._cols = cols
        else:
            table.clear()
        for r, row in zip(self.rows, shown, strict=True):
            table.add_row(*cells(row, cols), key=r["record_id"])
        n = len(self.rows)
        self.query_one("#records-count", Static).update(
            f" {n} record{'s' if n != 1 else ''}"
            + ("  ·  Enter open · d duplicate · x delete · u undo" if n else "")
        )
        if keep is not None:
            ids = [r["record_id"] for r in self.rows]
            if keep in ids:
                table.move_cursor(row=ids.index(keep))

    def _checklist(self, r: dict[str, Any]) -> Checklist | None:
        key = (r["checklist_id"], r["checklist_version"])
        if key not in self._checklists:
            try:
                self._checklists[key] = self.store.checklist(*key)
            except (FieldkitError, TypeError, ValueError):
                self._checklists[key] = None
        return self._checklists[key]

    def _shown_row(self, r: dict[str, Any]) -> dict[str, str]:
        checklist = self._checklist(r)
        return {
            "checklist": checklist.label if checklist else f"? {r['checklist_id']}",
            "record": self.name_of(r),
            "force": force_short(r["force_code"]),
            "status": "Deleted" if r["deleted"] else (r["status"] or "").capitalize(),
            "inspector": r["inspector"] or "",
            "observed": r["observed_at"] or "",
        }

    def name_of(self, r: dict[str, Any]) -> str:
        """What tells the record apart: its natural key's answers (record_name)."""
        checklist = self._checklist(r)
        if checklist is None:
            return r["subject_ref"] or ""
        return record_name(
            checklist,
            self._key_map.get(r["record_id"], {}),
            observed_at=r["observed_at"] or "",
            ref=r["subject_ref"] or "",
        )

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
            self.post_message(self.RecordChosen(rid))

    def action_duplicate(self) -> None:
        rid = self._current_id()
        if rid is None:
            return
        done, new = attempt(self, "Duplicate", lambda: self.store.duplicate(rid))
        if not done or new is None:
            return
        self.undo_stack.append(("duplicate", new))
        # opened as a new draft: left with Esc before anything is written, it is discarded
        self.app.open_record(  # type: ignore[attr-defined]
            new,
            message="Duplicated as a new draft (without its reference). "
            "Esc now discards it; in Records, u undoes it.",
            new=True,
        )

    def _label(self, rid: str) -> str:
        rec = self.store.record(rid)
        checklist = self._checklist(rec)
        if checklist is None:
            return rec["subject_ref"] or "the record"
        answers = self.store.record_answers(checklist.name_items).get(rid, {})
        name = record_name(
            checklist, answers, observed_at=rec["observed_at"] or "", ref=rec["subject_ref"] or ""
        )
        return f"{checklist.label} {name}"

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
                f"{self._label(rid)} is FINAL: press x again to delete it, any other key keeps it."
            )
            self.app.bell()
            return
        self._armed_delete = None
        if not attempt(self, "Delete", lambda: self.store.delete(rid))[0]:
            return
        self.undo_stack.append(("delete", rid))
        self.reload()
        self._tell(f"Deleted {self._label(rid)} (logged): u undoes it.")

    def on_key(self, event: Any) -> None:
        if event.key not in ("x", "delete") and self._armed_delete is not None:
            self._armed_delete = None
            self.reload()

    def _tell(self, text: str) -> None:
        """What the last key did, on the line under the list (until the next reload)."""
        self.query_one("#records-count", Static).update(Content.styled(" " + text, "bold"))

    def _say(self, text: str) -> None:
        self.query_one("#records-count", Static).update(Content.styled(" " + text, "bold $warning"))

    def action_undo(self) -> None:
        """Undo the last action here (newest first); on the Deleted list, with nothing
        left to undo, restore the record under the cursor."""
        while self.undo_stack:
            what, rid = self.undo_stack.pop()
            deleted = bool(self.store.record(rid)["deleted"])
            if what == "duplicate" and not deleted:
                self._delete_again(rid, f"Undid the duplicate: {self._label(rid)} deleted.")
                return
            if what == "delete" and deleted:
                self._restore(rid, f"Undid the delete: {self._label(rid)} restored.")
                return
            if what == "restore" and not deleted:
                self._delete_again(rid, f"Undid the restore: {self._label(rid)} deleted.")
                return
            # already undone elsewhere (an untouched duplicate discarded): the one before
        rid = self._current_id() if self._filters()["deleted"] else None
        if rid is None:
            self._tell("Nothing to undo.")
            return
        if self._restore(rid, f"Restored {self._label(rid)}."):
            self.undo_stack.append(("restore", rid))

    def _delete_again(self, rid: str, said: str) -> None:
        if attempt(self, "Undo", lambda: self.store.delete(rid))[0]:
            self.reload()
            self._tell(said + " (logged)")

    def _restore(self, rid: str, said: str) -> bool:
        if not attempt(self, "Restore", lambda: self.store.restore(rid))[0]:
            return False
        self.reload()
        self._tell(said)
        return True

    def action_search(self) -> None:
        self.query_one("#f-search", Field).focus()

    def action_back(self) -> None:
        self.dismiss(None)
