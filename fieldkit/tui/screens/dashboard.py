"""The dashboard: every checklist installed in the database (keys 1-9 start a record),
coverage against targets for the current force, drafts waiting to be finished, and
conflicts waiting to be settled; the header names the database and what it holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from fieldkit.context import ROLE_LABELS, InspectionContext
from fieldkit.errors import FieldkitError
from fieldkit.report import coverage
from fieldkit.store import Store
from fieldkit.tui.catalogue import Instrument
from fieldkit.tui.plain import Label, Static
from fieldkit.tui.widgets.footer import KeysFooter

DRAFTS_SHOWN = 50


def bar(done: int, target: int, width: int = 10) -> str:
    if target <= 0:
        return ""
    filled = min(width, round(width * done / target))
    return "█" * filled + "░" * (width - filled)


def coverage_lines(store: Store, force: str, instruments: list[Instrument]) -> list[Content]:
    """One line per checklist (and per stratum where it is sampled by stratum)."""
    rows = coverage(store.conn, force=force) if force else []
    by_checklist: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_checklist.setdefault(r["checklist_id"], []).append(r)
    lines: list[Content] = []
    for inst in instruments:
        mine = by_checklist.get(inst.id, [])
        labels = stratum_labels(store, inst)
        order = list(labels)
        strata = sorted(
            (r for r in mine if r.get("stratum")),
            key=lambda r: (
                order.index(r["stratum"]) if r["stratum"] in order else 99,
                r["stratum"],
            ),
        )
        whole = [r for r in mine if not r.get("stratum")]
        label = inst.label if len(inst.label) <= 22 else inst.label[:21] + "…"
        head: list[tuple[str, str] | str] = [
            (f" {inst.key or ' '} ", "bold reverse $accent"),
            (f" {label:<22}", "bold"),
        ]
        if strata and not whole:
            lines.append(Content.assemble(*head))
            for r in strata:
                name = labels.get(r["stratum"], r["stratum"])
                lines.append(Content.assemble(("     ", ""), *_counts(name, r, draft_col=True)))
            continue
        r = whole[0] if whole else {"target": None, "final": 0, "drafts": 0}
        lines.append(Content.assemble(*head, *_counts("", r, draft_col=True)))
    return lines


def stratum_labels(store: Store, inst: Instrument) -> dict[str, str]:
    """Stratum code -> its label, in the order the definition gives (its stratify_by
    choice's order); {} when the checklist is not sampled by stratum."""
    checklist = store.checklist(inst.id, inst.version)
    return {c.code: c.label for c in checklist.strata()}


def _counts(label: str, r: dict[str, Any], *, draft_col: bool) -> list[tuple[str, str]]:
    final = int(r.get("final") or 0)
    target = r.get("target")
    drafts = int(r.get("drafts") or 0)
    out: list[tuple[str, str]] = []
    if label:
        out.append((f"{label:<21}", ""))
    if target is None:
        out.append((f"{final:>3} final (as recorded)  ", ""))
        out.append((" " * 10, ""))
    else:
        style = "bold $success" if final >= int(target) else ""
        out.append((f"{final:>3} / {int(target):<3} final ", style))
        out.append(
            (bar(final, int(target)) + "      ", "$success" if final >= int(target) else "$accent")
        )
    if draft_col and drafts:
        out.append((f" {drafts} draft{'s' if drafts != 1 else ''}", "$warning"))
    return out


class DashboardScreen(Screen[None]):
    @dataclass
    class RecordChosen(Message):
        """A draft was picked in the list (the app opens it)."""

        record_id: str

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1,2,3,4,5,6,7,8,9", "new_at", "New record", show=False),
        Binding("r", "app.records", "Records"),
        Binding("x", "app.conflicts", "Conflicts"),
        Binding("t", "app.targets", "Targets"),
        Binding("g", "app.recommendations", "Register"),
        Binding("c", "app.context", "Context"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, store: Store, ctx: InspectionContext, instruments: list[Instrument]) -> None:
        super().__init__()
        self.store = store
        self.ctx = ctx
        self.instruments = instruments
        self._shown_once = False

    def compose(self) -> ComposeResult:
        yield Static("", id="dash-head")
        with Vertical(id="dash-body"):
            yield Label(self._keys_title(), id="coverage-title", classes="panel-title")
            yield Static("", id="coverage")
            yield Static("", id="conflicts-line")
            yield Label("Drafts waiting (Enter resumes)", id="drafts-title", classes="panel-title")
            yield OptionList(id="drafts", markup=False)
        yield KeysFooter()

    def _keys_title(self) -> str:
        keys = [i.key for i in self.instruments if i.key]
        if not keys:
            return "No checklist installed in this database"
        span = keys[0] if len(keys) == 1 else f"{keys[0]}-{keys[-1]}"
        return f"New record: press {span}"

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # also sent when the dashboard is first shown: its widgets were styled as they
        # were mounted, moments before, so Textual's restyling of the whole screen then
        # would find the styles they have (12 ms of the first screen); when it is shown
        # again (a form or dialog closed, the theme perhaps changed) it is restyled as usual
        # (this handler runs before Screen's own, which reads the flag)
        if not self._shown_once:
            self._shown_once = True
            event.refresh_styles = False
        self.refresh_data()

    def set_context(self, ctx: InspectionContext) -> None:
        self.ctx = ctx
        self.refresh_data()

    def refresh_data(self) -> None:
        ctx = self.ctx
        role = ROLE_LABELS.get(ctx.observer_role, ctx.observer_role)
        head = Content.assemble(
            ("fieldkit", "bold $accent"),
            (f"  {ctx.inspection or '(no inspection set)'}", "bold"),
            (f" · {ctx.force_name or '(no force)'}", ""),
            (f" · {ctx.inspector or '?'} ({role})", "$text-muted"),
            ("\n", ""),
            (f"Database {self.store.path.name}", ""),
            (f" · {record_count(self.store)}", "$text-muted"),
        )
        self.query_one("#dash-head", Static).update(head)
        self.query_one("#coverage", Static).update(
            Content("\n").join(coverage_lines(self.store, ctx.force_code, self.instruments))
        )
        n_conf = self.store.conflict_count()
        conf = (
            Content.assemble(
                (f" {n_conf} conflict{'s' if n_conf != 1 else ''} waiting", "bold $error"),
                (" from merging: x to settle", ""),
            )
            if n_conf
            else Content.styled(" No conflicts waiting.", "$text-muted")
        )
        self.query_one("#conflicts-line", Static).update(conf)
        drafts = self.store.records(force=ctx.force_code, status="draft") if ctx.force_code else []
        options = self.query_one("#drafts", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        for rec in drafts[:DRAFTS_SHOWN]:
            options.add_option(Option(draft_label(self.store, rec), id=rec["record_id"]))
        if not drafts:
            options.add_option(Option("None: a key above starts a record.", disabled=True))
        elif len(drafts) > DRAFTS_SHOWN:
            options.add_option(
                Option(f"... and {len(drafts) - DRAFTS_SHOWN} more (r: records)", disabled=True)
            )
        self.query_one("#drafts-title", Label).update(
            f"Drafts waiting at this force: {len(drafts)} (Enter resumes)"
            if drafts
            else "No drafts waiting at this force"
        )
        if drafts:
            options.highlighted = min(highlighted or 0, min(len(drafts), DRAFTS_SHOWN) - 1)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.RecordChosen(event.option.id))

    async def sync_key(self, event: events.Key) -> bool:
        """1-9 start a record at once, so keys typed straight after reach the new form."""
        inst = self.instrument_for(event.key)
        if inst is None:
            return False
        self.action_new(inst.id)
        return True

    def instrument_for(self, key: str) -> Instrument | None:
        return next((i for i in self.instruments if i.key and i.key == key), None)

    def action_new_at(self) -> None:
        """(Keys 1-9 are handled by sync_key; the binding documents them.)"""

    def action_new(self, checklist_id: str) -> None:
        self.app.new_record(checklist_id)  # type: ignore[attr-defined]


def record_count(store: Store) -> str:
    """'12 records (3 drafts)': what the database holds, deleted records not counted."""
    total, drafts = store.record_totals()
    text = f"{total} record{'s' if total != 1 else ''}"
    return text + (f" ({drafts} draft{'s' if drafts != 1 else ''})" if drafts else "")


def draft_label(store: Store, rec: dict[str, Any]) -> str:
    """A draft's line: checklist, reference, inspector (a checklist this fieldkit cannot
    read, e.g. merged from a newer one, is named rather than shown)."""
    try:
        title = store.checklist(rec["checklist_id"], rec["checklist_version"]).title
    except (FieldkitError, TypeError, ValueError):
        title = f"? {rec['checklist_id']} version {rec['checklist_version']} (cannot be read)"
    ref = rec.get("subject_ref") or "(no reference)"
    who = rec.get("inspector") or "?"
    return f"{title:<18} {ref:<20} {who}"
