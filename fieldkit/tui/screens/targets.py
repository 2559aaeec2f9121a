"""Sample targets a team lead sets (for every force, or for the current one)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Select

from fieldkit.context import InspectionContext
from fieldkit.report import coverage, strata, targets
from fieldkit.store import Store
from fieldkit.tui.plain import Label, PlainTable, Static
from fieldkit.tui.screens.dashboard import stratum_labels
from fieldkit.tui.widgets.footer import KeysFooter
from fieldkit.tui.widgets.inputs import Field
from fieldkit.tui.writes import attempt


class TargetsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("delete", "clear", "Clear target"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, store: Store, ctx: InspectionContext) -> None:
        super().__init__()
        self.store = store
        self.ctx = ctx
        self.keys: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield Static(
            f"Sample targets (current force: {self.ctx.force_name or 'none set'})",
            id="targets-head",
        )
        yield PlainTable(id="targets-table", cursor_type="row")
        yield Static(
            "Enter on a row sets its target, Delete clears it (for the scope chosen below);"
            " without one the broader target or the default applies.",
            id="targets-help",
        )
        with Horizontal(id="filters"):
            yield Label("New target ")
            yield Field(compact=True, placeholder="number", id="target-value", restrict=r"[0-9]*")
            yield Select(
                [("for every force", "*"), ("for this force only", "here")],
                value="*",
                allow_blank=False,
                compact=True,
                id="target-scope",
            )
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Instrument", "Stratum", "Every force", "This force", "Applies here")
        self.reload()
        table.focus()

    def reload(self) -> None:
        conn = self.store.conn
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        self.keys = []
        set_rows = targets(conn)
        here = {
            (r["checklist_id"], r["stratum"] or ""): r["target"]
            for r in (coverage(conn, force=self.ctx.force_code) if self.ctx.force_code else [])
        }
        for inst in self.app.instruments:  # type: ignore[attr-defined]
            cid, title, labels = inst.id, inst.label, stratum_labels(self.store, inst)
            for stratum in strata(conn, cid) or [""]:
                every = _find(set_rows, cid, stratum, "*")
                mine = _find(set_rows, cid, stratum, self.ctx.force_code)
                applies = here.get((cid, stratum))
                table.add_row(
                    title,
                    labels.get(stratum, stratum) or "(whole)",
                    every,
                    mine,
                    "as recorded" if applies is None else str(applies),
                )
                self.keys.append((cid, stratum))
        if row is not None and self.keys:
            table.move_cursor(row=min(row, len(self.keys) - 1))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.query_one("#target-value", Field).focus()

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        table = self.query_one(DataTable)
        text = event.value.strip()
        if not text or table.cursor_row is None or not self.keys:
            table.focus()
            return
        cid, stratum = self.keys[table.cursor_row]
        force = self._scope()
        done, _ = attempt(
            self,
            "Target",
            lambda: self.store.set_target(cid, int(text), stratum=stratum, force=force),
        )
        if not done:
            return
        where = "every force" if force == "*" else self.ctx.force_name
        self.notify(f"Target {text} set for {cid} {stratum} at {where}.", title="Target saved")
        event.input.value = ""
        self.reload()
        table.focus()

    def action_clear(self) -> None:
        table = self.query_one(DataTable)
        if table.cursor_row is None or not self.keys:
            return
        cid, stratum = self.keys[table.cursor_row]
        force = self._scope()
        where = "every force" if force == "*" else self.ctx.force_name
        done, cleared = attempt(
            self,
            "Target",
            lambda: self.store.clear_target(cid, stratum=stratum, force=force),
        )
        if not done:
            return
        if cleared:
            self.notify(f"Target cleared for {cid} {stratum} at {where}.", title="Target cleared")
        else:
            self.notify(f"No target was set for {cid} {stratum} at {where}.", severity="warning")
        self.reload()

    def _scope(self) -> str:
        """The force the scope selector names ('*' for every force)."""
        scope = self.query_one("#target-scope", Select).value
        return self.ctx.force_code if scope == "here" and self.ctx.force_code else "*"

    def action_back(self) -> None:
        self.dismiss(None)


def _find(rows: list[dict], cid: str, stratum: str, force: str) -> str:
    for r in rows:
        if (
            r["source"] == "set"
            and r["checklist_id"] == cid
            and (r["stratum"] or "") == stratum
            and r["force_code"] == force
        ):
            return str(r["target"])
    return ""
