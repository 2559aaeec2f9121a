"""One question of a form.

Two kinds of row: `ChoiceRow` (yes/no, scales, choice lists: answered with single keys)
and `TextRow` (text, numbers, dates: typed into an Input). The form screen sets their
attributes (value, auto, state, note, error); they post messages when the user answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input

from fieldkit.checklists import NA, UNKNOWN, AnswerKey, Item
from fieldkit.checklists.kinds import MOMENT_KINDS, QUANTITY_KINDS, TYPED_KINDS
from fieldkit.checklists.model import (
    GEO_KINDS,
    KIND_LABELS,
    YESNO_KINDS,
    Choice,
)
from fieldkit.checklists.rank import rank_numbers
from fieldkit.checklists.words import codes_of
from fieldkit.tui import intents as it
from fieldkit.tui.form_model import Entry, digit_pick, multi_toggle
from fieldkit.tui.form_status import privacy_warning
from fieldkit.tui.plain import Static
from fieldkit.tui.widgets.fit import refresh_fitted, update_fitted
from fieldkit.tui.widgets.hints import hint_lines, yes_no_choice
from fieldkit.tui.widgets.look import AnswerInput, show_focus, state_mark

TEXT_KINDS = TYPED_KINDS  # typed into the field beside the question
NOW_KINDS = MOMENT_KINDS


def now_text(kind: str, now: datetime) -> str:
    if kind == "date":
        return now.date().isoformat()
    if kind == "time":
        return now.strftime("%H:%M")
    return now.strftime("%Y-%m-%dT%H:%M")


def default_text(item: Item, now: datetime) -> str:
    """An XLSForm `default`: a literal, or today() / now() as of this moment."""
    text = item.default.strip()
    if text == "today()":
        return now.date().isoformat()
    if text == "now()":
        return now_text(item.kind if item.kind in NOW_KINDS else "datetime", now)
    return text.strip("'\"")


def meta_text(item: Item) -> str:
    kind = KIND_LABELS.get(item.kind, item.kind)
    if not item.answerable or item.kind in TEXT_KINDS:
        # computed: shown, never answered; typed: the field beside it needs the room, and
        # its placeholder says what it takes (u = unknown, na = n/a; optional in the prompt)
        return kind
    need = "required" if item.required else "optional"
    bits = [kind, "required if…" if item.required_when is not None else need]
    if item.na:
        bits.append("n/a allowed")
    if item.unknown:
        bits.append("u = unknown")
    return " · ".join(bits)


class ChoiceRow(Widget, can_focus=True):
    """A question answered with single keys: y/n/a, digits, Enter for the list."""

    DEFAULT_CSS = """
    ChoiceRow { height: auto; padding: 0 1 0 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "noop", "yes", show=False),
        Binding("n", "noop", "no", show=False),
        Binding("a", "noop", "n/a", show=False),
        Binding("1,2,3,4,5,6,7,8,9", "noop", "pick", show=False),
        Binding("enter", "noop", "list / next", show=False),
        Binding("backspace", "noop", "clear", show=False),
    ]

    # Each change repaints the row; a layout (of the whole form) only if its height changes
    value: reactive[Any] = reactive(None, repaint=False)
    auto: reactive[str] = reactive("", repaint=False)
    prompt: reactive[str] = reactive("", repaint=False)
    state: reactive[str] = reactive("", repaint=False)
    note: reactive[str] = reactive("", repaint=False)
    error: reactive[str] = reactive("", repaint=False)
    pending: reactive[str] = reactive("", repaint=False)

    def __init__(self, entry: Entry, *, id: str | None = None, rule: str | None = None) -> None:
        super().__init__(id=id)
        self.entry = entry
        self.item = entry.item
        # its n/a rule in words: the form gives it (form_model.rule_text), else the item's
        self.rule = entry.item.rule_text() if rule is None else rule
        self._drawn: tuple[tuple[Any, ...], Content] | None = None  # render's last

    def offer(self, choices: tuple[Choice, ...]) -> None:
        """Show and answer with only these choices (an XLSForm choice_filter's, given the
        answers so far)."""
        narrowed = replace(self.entry.item, choices=choices)
        if narrowed != self.item:
            self.item = narrowed
            self.pending = ""
            refresh_fitted(self)

    def action_noop(self) -> None:
        """Keys are handled in on_key; the bindings only document them."""

    # ------------------------------------------------------------------ keys
    def intent(self, key: str, char: str) -> it.Intent | None:
        """What a key press means on this question (None: not a key for it).

        The form calls this synchronously, in key order, so fast typing never answers
        the wrong question."""
        item = self.item
        entry_key = self.entry.key
        if not item.answerable and key not in ("enter",) and char.isprintable() and char:
            what = "computed from other answers" if item.kind == "derived" else "a note"
            return it.Reject(entry_key, f"this is {what}: nothing to answer")
        if key == "enter":
            if self.pending:  # a digit waiting for a second: that choice (ticked, on)
                return self._pick(int(self.pending), advance=True)
            if item.kind == "choice" or (item.kind == "multi" and not codes_of(self.value)):
                return it.Pick(entry_key)
            return it.Move(1)
        if key in ("backspace", "delete"):
            self.pending = ""
            return it.Clear(entry_key)
        if char in ("y", "Y", "n", "N") and item.kind in YESNO_KINDS:
            return self._answer("yes" if char.lower() == "y" else "no")
        if char in ("y", "Y", "n", "N") and item.kind == "choice":
            n = yes_no_choice(item, char.lower())
            if n:
                return self._pick(n)
        if char in ("a", "A"):
            if item.na:
                return self._answer(NA)
            if item.has_rule:
                return it.Reject(
                    entry_key,
                    f"n/a is set automatically (when {self.rule}), not by hand",
                )
            return it.Reject(entry_key, "not applicable is not allowed here")
        if char in ("u", "U") and item.unknown:
            return self._answer(UNKNOWN)
        if len(char) == 1 and char.isdigit():
            return self._digit(char)
        if len(char) == 1 and char.isprintable():
            return it.Reject(entry_key, self._keys_hint())
        return None

    def _keys_hint(self) -> str:
        item = self.item
        if item.kind in YESNO_KINDS:
            keys = "y or n"
        elif item.kind == "choice" and yes_no_choice(item, "y") and yes_no_choice(item, "n"):
            keys = f"y, n or 1 to {len(item.choices)}"
        elif item.kind == "q4":
            keys = "1 to 4"
        else:
            keys = f"1 to {len(item.choices)}"
        return f"answer with {keys}" + (" (a = n/a)" if item.na else "")

    def _digit(self, char: str) -> it.Intent | None:
        item = self.item
        if item.kind == "q4":
            if char in "1234":
                return self._answer(int(char))
            return it.Reject(self.entry.key, "a score is 1 to 4")
        if item.kind not in ("choice", "multi"):
            return it.Reject(self.entry.key, self._keys_hint())
        n, buffer = digit_pick(len(item.choices), self.pending + char)
        if n is None and not buffer and self.pending:
            n, buffer = digit_pick(len(item.choices), char)  # start again with this digit
        self.pending = buffer
        if n is not None:
            return self._pick(n)
        if not buffer:
            return it.Reject(self.entry.key, f"choose 1 to {len(item.choices)}")
        then = f"ticks {buffer} and moves on" if item.kind == "multi" else f"for {buffer}"
        return it.Prompt(self.entry.key, f"{buffer}…: type the next digit, or Enter {then}")

    def _pick(self, n: int, *, advance: bool = False) -> it.Intent | None:
        self.pending = ""
        item = self.item
        if not 1 <= n <= len(item.choices):
            return it.Reject(self.entry.key, f"choose 1 to {len(item.choices)}")
        if item.kind == "multi":
            codes = multi_toggle(item, self.value, n)
            return it.Answer(self.entry.key, codes or None, advance=advance)
        return self._answer(item.choices[n - 1].code)

    def _answer(self, raw: Any) -> it.Intent:
        self.pending = ""
        return it.Answer(self.entry.key, raw, advance=True)

    # -------------------------------------------------------------- drawing
    def watch_value(self) -> None:
        refresh_fitted(self)

    def watch_auto(self) -> None:
        refresh_fitted(self)

    def watch_prompt(self) -> None:
        refresh_fitted(self)

    def watch_state(self) -> None:
        refresh_fitted(self)

    def watch_note(self) -> None:
        refresh_fitted(self)

    def watch_error(self) -> None:
        refresh_fitted(self)

    def watch_pending(self) -> None:
        refresh_fitted(self)

    def on_blur(self) -> None:
        self.pending = ""

    def watch_has_focus(self, focused: bool) -> None:
        """The bar and background of the focused question (not a `:focus` rule, which
        re-applies the whole stylesheet to the row at every move)."""
        show_focus(self, focused)

    def render(self) -> Content:
        # Textual asks again at each layout and each repaint (its cache is dropped when
        # the form is laid out): drawn again only when what it shows has changed
        shown = (
            self.entry,
            self.item,
            self.value,
            self.auto,
            self.prompt,
            self.state,
            self.note,
            self.error,
            self.pending,
        )
        drawn = self._drawn
        if drawn is None or not _same(drawn[0], shown):
            drawn = self._drawn = (shown, Content("\n").join(row_lines(self, with_options=True)))
        return drawn[1]

    def hints(self) -> list[Content]:
        """What the hint panel shows while this row has the focus."""
        size = self.app.size
        return row_hints(self, with_options=True, fit=(size.width - 4, size.height // 2))


def _same(before: tuple[Any, ...], now: tuple[Any, ...]) -> bool:
    """The same row state: the same entry and item (by identity: `offer` replaces the
    item) and the same values."""
    return before[0] is now[0] and before[1] is now[1] and before[2:] == now[2:]


def row_hints(row: Any, *, with_options: bool, fit: tuple[int, int] = (0, 0)) -> list[Content]:
    """The keys, help and n/a condition of a row's question (shown in the form's hint
    panel, not in the row: a row keeps its height when it gets the focus)."""
    item: Item = row.item
    if item.kind == "note" or row.auto:
        return []
    return hint_lines(item, auto=row.auto, with_options=with_options, value=row.value, fit=fit)


def row_lines(row: Any, *, with_options: bool) -> list[Content]:
    """The lines of a row: question, answer line, then an error and a note if any."""
    item: Item = row.item
    entry: Entry = row.entry
    prompt = row.prompt or item.prompt  # with answers shown in it (XLSForm ${item})
    if item.kind == "note":  # text to read: no answer, never required
        lines = [Content.styled(prompt, "bold")]
        if item.help:
            lines.append(Content.styled("  " + item.help, "italic $text-muted"))
        return lines
    req = ("" if item.required or not item.answerable else "  (optional)", "$text-muted")
    if item.required_when is not None:  # XLSForm `required` as an expression
        req = ("  (required if…)", "$text-muted")
    lines = [Content.assemble((prompt, "bold"), req)]
    if row.auto:
        lines.append(
            Content.assemble(
                (f"  {entry.number} · ", "$text-muted"),
                (f"n/a (auto) because {row.auto}", "italic $text-muted"),
            )
        )
        return lines
    if with_options:
        shown = display(item, row.value)
        empty = "— not computed yet" if item.kind == "derived" else "— unanswered"
        mark, mark_style = state_mark(row.state)
        answer = Content.assemble(
            (f"  {entry.number} · ", "$text-muted"),
            (meta_text(item), "$text-muted"),
            ("   ", ""),
            ("▸ " + shown, "bold $success") if shown else (empty, "$text-muted"),
            (f"  {row.pending}…", "bold $warning") if getattr(row, "pending", "") else ("", ""),
            ("  " + mark, mark_style),
        )
        lines.append(answer)
    if row.error:
        lines.append(Content.assemble(("  ! ", "bold $error"), (row.error, "$error")))
    if row.note:
        lines.append(Content.assemble(("  note: ", "bold $text-muted"), (row.note, "italic")))
    return lines


def display(item: Item, value: Any) -> str:
    if value is None or value == "":
        return ""
    return item.display(value)


class TextRow(Vertical):
    """A question answered by typing: text, numbers, dates and times."""

    @dataclass
    class AnswerGiven(Message):
        """The field was left with unsaved text: save it (the form carries the intent out)."""

        intent: it.Answer

    @dataclass
    class TextEdited(Message):
        """Free text changed but is not saved yet (the form saves it after a pause)."""

        key: AnswerKey
        text: str

    DEFAULT_CSS = """
    TextRow { height: auto; }
    TextRow > .answer-line { height: 1; }
    TextRow .meta { width: auto; padding: 0 1 0 2; color: $text-muted; }
    TextRow .mark { width: 16; padding: 0 0 0 1; }
    TextRow .notes { height: auto; }
    """

    value: reactive[Any] = reactive(None)  # its field and mark update themselves: no layout
    auto: reactive[str] = reactive("")
    prompt: reactive[str] = reactive("")
    state: reactive[str] = reactive("")
    note: reactive[str] = reactive("")
    error: reactive[str] = reactive("")
    warning: reactive[str] = reactive("")
    readonly: reactive[bool] = reactive(False)

    def __init__(self, entry: Entry, *, now: Callable[[], datetime], id: str | None = None) -> None:
        super().__init__(id=id)
        self.entry = entry
        self.item = entry.item
        self._now = now
        self._syncing = False
        self._ready = False
        self.waiting = False  # the shown value is queued for a busy database, not saved
        self._shown: dict[str, Content] = {}  # what the mark and notes show now
        self._input = AnswerInput(placeholder=self._placeholder(), select_on_focus=False)

    def compose(self) -> ComposeResult:
        # The row as it opens (its answer line hidden when n/a, its notes shown only when
        # there are some), set before it is mounted: changed after, each change would lay
        # the whole form out again.
        self._input.disabled = bool(self.auto)
        mark, (notes, any_notes) = self._mark(), self._notes()
        self._shown = {"mark": mark, "notes": notes}
        self._line = Horizontal(classes="answer-line")
        self._line.display = not self.auto
        self._mark_static = Static(mark, classes="mark")
        self._notes_static = Static(notes, classes="notes")
        self._notes_static.display = any_notes
        self._question_static = Static(self._question(), classes="question")
        yield self._question_static
        with self._line:
            yield Static(f"{self.entry.number} · {meta_text(self.item)}", classes="meta")
            yield self._input
            yield self._mark_static
        yield self._notes_static

    @property
    def input(self) -> AnswerInput:
        return self._input

    def _question(self) -> Content:
        return row_lines(self, with_options=False)[0]

    def _placeholder(self) -> str:
        kind = self.item.kind
        if self.item.default:
            return f"Enter = {self.item.default.strip()} (the form's default)"
        if kind in NOW_KINDS:
            fmt = {"date": "YYYY-MM-DD", "time": "HH:MM", "datetime": "YYYY-MM-DDTHH:MM"}[kind]
            return f"{fmt}, ^t = now"  # Enter on empty too: the hint panel says so
        if kind == "decimal":
            extra = ", or u if unknown" if self.item.unknown else ""
            return f"a number{extra}" + (", na if n/a" if self.item.na_allowed else "")
        if kind in QUANTITY_KINDS:
            extra = ", or u if unknown" if self.item.unknown else ""
            return f"a whole number{extra}" + (", na if n/a" if self.item.na_allowed else "")
        if kind in GEO_KINDS:
            more = "" if kind == "geopoint" else "; points separated by ;"
            return f"latitude longitude, e.g. 51.5074 -0.1278{more}"
        if kind == "rank":
            return "the choices' numbers in order, e.g. 2 1 3; Enter saves"
        return "type; Enter saves" + ("" if self.item.required else " (optional)")

    # ----------------------------------------------------------------- state
    def saved_text(self) -> str:
        v = self.value
        if v is None:
            return ""
        if v == NA:
            return "na"
        return self._as_saved(v)

    def _as_saved(self, v: Any) -> str:
        """A saved answer (not blank, not n/a) as the field shows it."""
        if self.item.kind == "rank":  # the numbers in order, as typed
            return rank_numbers(self.item, v)
        return str(v)

    @property
    def dirty(self) -> bool:
        return self.input.value.strip() != self.saved_text()

    def watch_value(self, _old: Any, _new: Any) -> None:
        if not self._ready:
            return
        text = self.saved_text()
        inp = self.input
        if inp.value.strip() != text:
            self._syncing = True
            inp.value = text
            self._syncing = False
        self._redraw()

    def on_mount(self) -> None:
        self._ready = True
        self.watch_value(None, self.value)
        self._redraw()

    def _redraw(self) -> None:
        """Show the row's state; only what changed is updated, and the form is laid out
        again only when the row's height changes (the mark has a fixed width)."""
        if not self._ready:
            return
        self.input.disabled = bool(self.auto)
        self._line.display = not self.auto
        mark = self._mark()
        if mark != self._shown.get("mark"):
            self._shown["mark"] = mark
            self._mark_static.update(mark, layout=False)
        text, any_notes = self._notes()
        if text != self._shown.get("notes"):
            self._shown["notes"] = text
            self._notes_static.display = any_notes
            update_fitted(self._notes_static, text)

    def _mark(self) -> Content:
        return Content.styled(*state_mark(self.state))

    def _notes(self) -> tuple[Content, bool]:
        """The lines under the answer (an error, the note, a privacy warning), and whether
        there are any."""
        lines = row_lines(self, with_options=False)[1:]
        if self.warning:
            lines.append(
                Content.assemble(("  ⚠ privacy: ", "bold $warning"), (self.warning, "$warning"))
            )
        return Content("\n").join(lines), bool(lines)

    def hints(self) -> list[Content]:
        """What the hint panel shows while this row has the focus (a rank: its choices,
        numbered, and the order saved)."""
        return row_hints(self, with_options=self.item.kind == "rank")

    def watch_auto(self) -> None:
        self._redraw()

    def watch_prompt(self) -> None:
        if self._ready:
            self._question_static.update(self._question())

    def watch_state(self) -> None:
        self._redraw()

    def watch_note(self) -> None:
        self._redraw()

    def watch_error(self) -> None:
        self._redraw()

    def watch_warning(self) -> None:
        self._redraw()

    def on_descendant_focus(self) -> None:
        self._show_focus(True)

    def _show_focus(self, on: bool) -> None:
        show_focus(self, on)

    def on_descendant_blur(self) -> None:
        self._show_focus(False)
        if self.dirty and not self.auto:
            self.post_message(
                self.AnswerGiven(it.Answer(self.entry.key, self.input.value, advance=False))
            )

    # ---------------------------------------------------------------- input
    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._syncing:
            return
        if self.item.kind == "text":
            self.warning = privacy_warning(event.value)
        if self.dirty:
            self.state = "editing"
            self.post_message(self.TextEdited(self.entry.key, event.value))
        elif self.state == "editing":
            if self.waiting:
                self.state = "waiting"
            else:
                self.state = "saved" if self.value is not None else ""

    def submit_intents(self) -> list[it.Intent]:
        """What Enter means here: save what is typed (or 'now' on an empty date) and move on."""
        text = self.input.value.strip()
        if not text and self.item.default and self.value is None:
            text = default_text(self.item, self._now())
        elif not text and self.item.kind in NOW_KINDS and self.value is None:
            text = now_text(self.item.kind, self._now())
        if text.lower() in ("u", "?") and self.item.unknown:
            text = UNKNOWN  # the short way to say it, as on choice questions
        if not text:
            out: list[it.Intent] = []
            if self.value is not None:
                out.append(it.Clear(self.entry.key))
            out.append(it.Move(1))
            return out
        return [it.Answer(self.entry.key, text, advance=True)]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # Enter is handled by the form, in key order (submit_intents)

    def now_intent(self) -> it.Intent | None:
        """The current date/time (the one-key default for date and time items)."""
        if self.item.kind not in NOW_KINDS:
            return None
        return it.Answer(self.entry.key, now_text(self.item.kind, self._now()), advance=True)
