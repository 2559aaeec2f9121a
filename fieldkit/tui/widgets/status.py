"""Small display widgets: the save indicator and the section list beside a form."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from fieldkit import forces
from fieldkit.checklists import Checklist, Section
from fieldkit.tui.form_model import FormModel, Group
from fieldkit.tui.plain import Static
from fieldkit.tui.records_table import force_short


class SaveStatus(Widget):
    """What was last saved (only ever after the store returned) or why not: one line, two
    when a message needs them (never cut at 80 columns)."""

    DEFAULT_CSS = """
    SaveStatus {
        height: 1; padding: 0 1; background: $panel;
    }
    """
    MARKS: ClassVar[dict[str, tuple[str, str]]] = {
        "saved": ("✓ ", "bold $success"),
        "error": ("✗ ", "bold $error"),
        "warning": ("⚠ ", "bold $warning"),
    }

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.message = ""
        self.level = "info"  # info | saved | error | warning
        self._text = Content("")

    def render(self) -> Content:
        return self._text

    def show(self, message: str, level: str = "info") -> None:
        """Say `message`: one repaint of this line. The first message that needs two
        lines gives the line its second for good: a change of height lays the whole
        screen out again, which answering (whose status is drawn before anything else
        on the form: see FormScreen) must not wait for at every other question."""
        if (message, level) == (self.message, self.level):
            return
        self.message, self.level = message, level
        mark, style = self.MARKS.get(level, ("", "$text-muted"))
        self._text = Content.styled(mark + message, style)
        width = self.content_size.width
        if not width:  # not laid out yet: the text's own length decides
            width = self.app.size.width - self.styles.gutter.width
        if self._text.cell_length > width and self.size.height < 2:
            self.styles.height = 2  # a layout, once: the line keeps its second line after
        self.refresh()


class SectionNav(Static):
    """The form's groups with progress; the current one marked."""

    DEFAULT_CSS = """
    SectionNav { width: 30; height: 1fr; padding: 0 1; border-right: vkey $primary 40%; }
    """

    current: reactive[str] = reactive("")

    def __init__(self, model: FormModel, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.model = model

    def render(self) -> Content:
        lines = [Content.styled("Sections (PgUp/PgDn)", "bold $text-muted")]
        for g in self.model.groups():
            done, total = self.model.progress(g)
            mark = "✓" if done == total else " "
            here = g.id == self.current
            title = g.title if len(g.title) <= 18 else g.title[:17] + "…"
            lines.append(
                Content.assemble(
                    ("▸" if here else " ", "bold $accent"),
                    (f"{mark} ", "$success"),
                    (f"{title:<18}", "bold" if here else ""),
                    (f" {done}/{total}", "$text-muted"),
                )
            )
        return Content("\n").join(lines)

    def refresh_progress(self) -> None:
        self.refresh()


def group_title(model: FormModel, group: Group | None, section: Section | None = None) -> Content:
    """A group's heading with its progress; for an open repeat section with no instance
    yet (group None), the section's title and how to add one."""
    if group is None:
        title = section.title if section is not None else ""
        return Content.assemble(
            (title, "bold"), ("  none yet: Enter below adds one", "$text-muted")
        )
    done, total = model.progress(group)
    style = "$success" if done == total else "$warning"
    return Content.assemble(
        (group.title, "bold"), ("  ", ""), (f"{done}/{total} required answered", style)
    )


class FormHints(Widget):
    """The focused question's keys, help and n/a condition, in one panel below the form.

    The panel keeps its height from question to question (unless one needs more lines),
    so moving and answering repaint it without laying the form's rows out again."""

    DEFAULT_CSS = """
    FormHints { height: 3; padding: 0 1 0 2; background: $boost; }
    """
    LINES = 3  # the panel's usual height: most questions' hints fit

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._text = Content("")

    def show(self, lines: list[Content]) -> None:
        text = Content("\n").join(lines)
        if text == self._text:
            return
        self._text = text
        self.refit()
        self.refresh()

    def refit(self, width: int | None = None) -> None:
        """Take the height the text needs at `width` (default: the current one)."""
        width = width or self.content_size.width
        need = self._text.get_height(self.styles, width) if width else self.LINES
        height = max(self.LINES, min(need, max(self.LINES, self.app.size.height // 2)))
        if self.styles.height is None or self.styles.height.cells != height:
            self.styles.height = height  # a layout: only for the rare long hint

    def render(self) -> Content:
        return self._text


def header(checklist: Checklist, rec: dict[str, Any], name: str, done: str, width: int) -> Content:
    """A form's first line: checklist, force, the record's name, status and progress, on
    one line of `width` (the short label for a long title, then the name cut)."""
    status = rec.get("status") or "draft"
    force = forces.NAMES.get(rec.get("force_code") or "", "")
    title = checklist.title
    fixed = len(f" · {force} ·  · {status} · {done}")
    if len(title) + len(name) + fixed > width and checklist.label != title:
        title = checklist.label
    if len(title) + len(name) + fixed > width:  # 'Kent', not 'Kent Police'
        short_force = force_short(rec.get("force_code"))
        fixed -= len(force) - len(short_force)
        force = short_force
    room = width - fixed - len(title)
    if len(name) > room:
        name = name[: max(room - 1, 0)] + "…"
    return Content.assemble(
        (title, "bold"),
        (f" · {force} · {name} · ", ""),
        (status.upper(), "bold reverse $success" if status == "final" else "bold $warning"),
        (f" · {done}", "$text-muted"),
    )
