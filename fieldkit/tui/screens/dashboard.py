"""The dashboard: the four instruments, coverage against targets for the current force,
drafts waiting to be finished, and conflicts waiting to be settled."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from fieldkit.context import ROLE_LABELS, InspectionContext
from fieldkit.report import coverage
from fieldkit.store import Store
from fieldkit.tui import messages as msg
from fieldkit.tui.widgets.footer import KeysFooter

INSTRUMENTS = ("call_listening", "front_desk", "marac_observation", "case_file_review")
STRATUM_LABELS = {
    "rape": "Rape",
    "serious_violence": "Serious violence",
    "abh": "Actual bodily harm",
    "burglary": "Burglary",
}
DRAFTS_SHOWN = 50


def bar(done: int, target: int, width: int = 10) -> str:
    if target <= 0:
        return ""
    filled = min(width, round(width * done / target))
    return "█" * filled + "░" * (width - filled)


def coverage_lines(store: Store, force: str) -> list[Content]:
    """One line per instrument (and per stratum where it is sampled by stratum)."""
    rows = coverage(store.conn, force=force) if force else []
    by_checklist: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_checklist.setdefault(r["checklist_id"], []).append(r)
    lines: list[Content] = []
    for n, cid in enumerate(INSTRUMENTS, 1):
        title = store.checklist(cid).title
        mine = by_checklist.get(cid, [])
        order = list(STRATUM_LABELS)
        strata = sorted(
            (r for r in mine if r.get("stratum")),
            key=lambda r: (
                order.index(r["stratum"]) if r["stratum"] in order else 99,
                r["stratum"],
            ),
        )
        whole = [r for r in mine if not r.get("stratum")]
        head: list[tuple[str, str] | str] = [
            (f" {n} ", "bold reverse $accent"),
            (f" {title:<22}", "bold"),
        ]
        if strata and not whole:
            lines.append(Content.assemble(*head))
            for r in strata:
                label = STRATUM_LABELS.get(r["stratum"], r["stratum"])
                lines.append(Content.assemble(("     ", ""), *_counts(label, r, draft_col=True)))
            continue
        r = whole[0] if whole else {"target": None, "final": 0, "drafts": 0}
        lines.append(Content.assemble(*head, *_counts("", r, draft_col=True)))
    return lines


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
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "new('call_listening')", "Call", show=False),
        Binding("2", "new('front_desk')", "Front desk", show=False),
        Binding("3", "new('marac_observation')", "MARAC", show=False),
        Binding("4", "new('case_file_review')", "Case file", show=False),
        Binding("r", "app.records", "Records"),
        Binding("x", "app.conflicts", "Conflicts"),
        Binding("t", "app.targets", "Targets"),
        Binding("g", "app.recommendations", "Register"),
        Binding("c", "app.context", "Context"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, store: Store, ctx: InspectionContext) -> None:
        super().__init__()
        self.store = store
        self.ctx = ctx

    def compose(self) -> ComposeResult:
        yield Static("", id="dash-head")
        with Vertical(id="dash-body"):
            yield Label("New record: press 1-4", id="coverage-title", classes="panel-title")
            yield Static("", id="coverage")
            yield Static("", id="conflicts-line")
            yield Label("Drafts waiting (Enter resumes)", id="drafts-title", classes="panel-title")
            yield OptionList(id="drafts")
        yield KeysFooter()

    def on_screen_resume(self) -> None:
        # also sent when the dashboard is first shown
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
        )
        self.query_one("#dash-head", Static).update(head)
        self.query_one("#coverage", Static).update(
            Content("\n").join(coverage_lines(self.store, ctx.force_code))
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
            options.add_option(Option("No drafts waiting at this force.", disabled=True))
        elif len(drafts) > DRAFTS_SHOWN:
            options.add_option(
                Option(f"... and {len(drafts) - DRAFTS_SHOWN} more (r: records)", disabled=True)
            )
        self.query_one("#drafts-title", Label).update(
            f"Drafts waiting at this force: {len(drafts)} (Enter resumes)"
        )
        if drafts:
            options.highlighted = min(highlighted or 0, min(len(drafts), DRAFTS_SHOWN) - 1)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(msg.RecordChosen(event.option.id))

    async def sync_key(self, event: events.Key) -> bool:
        """1-4 start a record at once, so keys typed straight after reach the new form."""
        if event.key in ("1", "2", "3", "4"):
            self.action_new(INSTRUMENTS[int(event.key) - 1])
            return True
        return False

    def action_new(self, checklist_id: str) -> None:
        self.app.new_record(checklist_id)  # type: ignore[attr-defined]


def draft_label(store: Store, rec: dict[str, Any]) -> str:
    title = store.checklist(rec["checklist_id"], rec["checklist_version"]).title
    ref = rec.get("subject_ref") or "(no reference)"
    who = rec.get("inspector") or "?"
    return f"{title:<18} {ref:<20} {who}"
