"""Reading and writing recommendations-register entries in the format of seed 000.

An entry (DOMAIN.md 5.1)::

    <report title> (<register id>)

    <recommendation text: paragraphs and bullets, as written>

    [on]27th March 2014 [status]awaiting-review[/status][/on][on]17th July 2017 [comment]

    <free text>

    [/comment][/on][on]11th August 2017 [status]no-further-action-needed[/status][/on]

A file may hold several entries, one after another. Text is kept exactly as written (PDF
defects included); only Windows line endings are read as plain newlines. Pure functions:
no SQLite here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from fieldkit.errors import BadInput

ON_OPEN = "[on]"
ON_CLOSE = "[/on]"
BODY_TAGS = ("status", "comment")
MONTHS = {
    name: n
    for n, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
DATE_RE = re.compile(
    r"^(?P<day>\d{1,2})(?P<suffix>st|nd|rd|th)?\s+(?P<month>[A-Za-z]+)\.?,?\s+(?P<year>\d{4})$",
    re.I,
)
ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RegisterError(BadInput):
    """A register entry that does not follow the format."""


@dataclass(frozen=True)
class Event:
    """One dated `[on]…[/on]` event: a status slug or a comment, as written."""

    date: str  # ISO yyyy-mm-dd
    date_text: str  # as written, e.g. "27th March 2014"
    kind: str  # "status" | "comment"
    body: str  # the slug, or the comment text exactly as written (with its blank lines)
    seq: int = 0  # position in its entry, 1-based

    @property
    def display(self) -> str:
        """The body without the blank lines a comment begins and ends with."""
        return self.body.strip("\n") if self.kind == "comment" else self.body


@dataclass(frozen=True)
class Entry:
    """One register entry: heading, the register's own id, the text, and its events."""

    reg_id: str
    heading: str  # the report title as written, without the "(id)"
    text: str  # the recommendation text as written (without the blank lines around it)
    events: tuple[Event, ...]
    title_line: str = ""  # the first line exactly as written
    origin: str = ""  # "file:line" where the entry starts

    @property
    def current_status(self) -> str | None:
        return current_status(self.events)


def current_status(events: tuple[Event, ...] | list[Event]) -> str | None:
    """The slug of the latest status event (by date; file order breaks ties)."""
    statuses = [e for e in events if e.kind == "status"]
    if not statuses:
        return None
    return max(statuses, key=lambda e: (e.date, e.seq)).body


def match_title(line: str) -> dict[str, str] | None:
    """`<heading> (<register id>)` split into heading and reg_id, else None.

    Written without a regular expression: the pattern it replaces (a lazy heading, then
    spaces, then the bracketed id) backtracked quadratically on a long line of spaces."""
    s = line.rstrip(" \t")
    if not s or s[0].isspace() or not s.endswith(")"):
        return None
    i = s.rfind("(")
    reg_id = s[i + 1 : -1]
    if i <= 0 or not reg_id or not (reg_id.isascii() and reg_id.isdigit()):
        return None
    heading = s[:i].rstrip()
    if not heading or "\n" in heading:
        return None
    return {"heading": heading, "reg_id": reg_id}


def ordinal(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def parse_date(text: str) -> str:
    """`27th March 2014` (or `27 March 2014`, `27 Mar 2014`, `2014-03-27`) as ISO 2014-03-27.

    Raises ValueError with a short reason."""
    t = " ".join(text.split())
    if ISO_RE.match(t):
        try:
            return date.fromisoformat(t).isoformat()
        except ValueError:
            raise ValueError(f"{text!r} is not a real date") from None
    m = DATE_RE.match(t)
    if not m:
        raise ValueError(f"{text!r} is not a date like '27th March 2014'")
    month = MONTHS.get(m["month"].lower())
    if month is None:
        raise ValueError(f"{m['month']!r} is not a month name")
    day, year = int(m["day"]), int(m["year"])
    try:
        value = date(year, month, day)
    except ValueError:
        raise ValueError(f"{text!r} is not a real date") from None
    suffix = m["suffix"]
    if suffix and suffix.lower() != ordinal(day):
        raise ValueError(f"{text!r}: the day should read {day}{ordinal(day)}")
    return value.isoformat()


def format_date(iso: str) -> str:
    """ISO 2014-03-27 as the register writes it: 27th March 2014."""
    d = date.fromisoformat(iso)
    return f"{d.day}{ordinal(d.day)} {d.strftime('%B')} {d.year}"


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


class _Reader:
    def __init__(self, text: str, origin: str):
        self.text = text
        self.origin = origin
        self._mark = (0, 1)  # (offset, line there): entries are read in order

    def line_at(self, offset: int) -> int:
        at, line = self._mark
        if offset < at:
            at, line = 0, 1
        line += self.text.count("\n", at, offset)
        self._mark = (offset, line)
        return line

    def fail(self, offset: int, message: str) -> RegisterError:
        line, col = _position(self.text, offset)
        return RegisterError(f"{self.origin}:{line}:{col}: {message}")

    def where(self, offset: int) -> str:
        return f"{self.origin}:{self.line_at(offset)}"

    def skip_space(self, pos: int) -> int:
        n = len(self.text)
        while pos < n and self.text[pos] in " \t\r\n":
            pos += 1
        return pos

    def line_end(self, pos: int) -> int:
        end = self.text.find("\n", pos)
        return len(self.text) if end < 0 else end

    def next_title(self, start: int, stop: int) -> int:
        """Offset of a line in [start, stop) that reads as the next entry's title: blank line
        before, title pattern, blank line (or the end) after. -1 if none."""
        pos = start
        while pos < stop:
            end = self.line_end(pos)
            line = self.text[pos:end]
            before_blank = pos >= 2 and self.text[pos - 2 : pos] == "\n\n"
            after = self.text[end + 1 : self.line_end(end + 1)] if end < len(self.text) else ""
            if before_blank and match_title(line) and after.strip() == "":
                return pos
            pos = end + 1
        return -1

    def entries(self) -> list[Entry]:
        out: list[Entry] = []
        pos = self.skip_space(0)
        if pos >= len(self.text):
            raise self.fail(0, "empty file: no register entry")
        while pos < len(self.text):
            entry, pos = self.entry(pos)
            out.append(entry)
            pos = self.skip_space(pos)
        return out

    def entry(self, start: int) -> tuple[Entry, int]:
        end = self.line_end(start)
        title_line = self.text[start:end]
        m = match_title(title_line)
        if not m:
            raise self.fail(
                start,
                "expected a title line ending in the register id in brackets, "
                'like "Everyone\'s business: … (2321)"',
            )
        body_start = end + 1
        on = self.text.find(ON_OPEN, body_start)
        stop = len(self.text) if on < 0 else on
        nxt = self.next_title(body_start, stop)
        body_end = nxt if nxt >= 0 else stop
        text = self.text[body_start:body_end].strip("\n") if body_start < body_end else ""
        if not text.strip():
            raise self.fail(
                body_start if body_start < len(self.text) else start,
                (f"register entry {m['reg_id']} has no recommendation text"),
            )
        events: list[Event] = []
        pos = body_end
        if nxt < 0 and on >= 0:
            pos = on
            while True:
                event, pos = self.event(pos, len(events) + 1)
                events.append(event)
                after = self.skip_space(pos)
                if self.text.startswith(ON_OPEN, after):
                    pos = after
                    continue
                if after < len(self.text):
                    title_start = self.text.rfind("\n", 0, after) + 1
                    if title_start != after or not match_title(
                        self.text[after : self.line_end(after)]
                    ):
                        raise self.fail(
                            after,
                            "unexpected text after [/on] (expected another [on] event "
                            "or the title line of the next entry)",
                        )
                pos = after
                break
        entry = Entry(
            reg_id=m["reg_id"],
            heading=m["heading"],
            text=text,
            events=tuple(events),
            title_line=title_line,
            origin=self.where(start),
        )
        return entry, pos

    def event(self, start: int, seq: int) -> tuple[Event, int]:
        text = self.text
        pos = start + len(ON_OPEN)
        tag_at = text.find("[", pos)
        line_end = self.line_end(pos)
        if tag_at < 0 or tag_at > line_end:
            raise self.fail(pos, "expected a date then [status] or [comment] after [on]")
        date_text = text[pos:tag_at]
        if not date_text.strip():
            raise self.fail(pos, "[on] has no date")
        try:
            iso = parse_date(date_text.strip())
        except ValueError as e:
            raise self.fail(pos, f"bad date: {e}") from None
        kind = next((k for k in BODY_TAGS if text.startswith(f"[{k}]", tag_at)), None)
        if kind is None:
            found = text[tag_at : text.find("]", tag_at) + 1 or tag_at + 12]
            raise self.fail(
                tag_at, f"expected [status] or [comment] after the date, found {found!r}"
            )
        body_start = tag_at + len(kind) + 2
        close = f"[/{kind}]"
        body_end = text.find(close, body_start)
        nxt = text.find(ON_OPEN, body_start)
        if body_end < 0 or (0 <= nxt < body_end):
            raise self.fail(tag_at, f"[{kind}] is not closed with {close}")
        body = text[body_start:body_end]
        if kind == "status":
            if not body.strip():
                raise self.fail(body_start, "empty [status]")
            if "\n" in body:
                raise self.fail(body_start, "a [status] slug must be on one line")
        elif not body.strip():
            raise self.fail(body_start, "empty [comment]")
        pos = body_end + len(close)
        after = pos
        while after < len(text) and text[after] in " \t\r\n":
            after += 1
        if not text.startswith(ON_CLOSE, after):
            raise self.fail(pos, f"{close} should be followed by [/on]")
        return Event(
            date=iso, date_text=date_text.strip(), kind=kind, body=body, seq=seq
        ), after + len(ON_CLOSE)


def parse_text(text: str, origin: str = "<text>") -> list[Entry]:
    """Every entry in a register text; RegisterError (one line: origin:line:col: problem)
    on the first thing that does not fit."""
    text = text.replace("\r\n", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    return _Reader(text, origin).entries()


def format_entry(entry: Entry) -> str:
    """An entry in the register's own format (the inverse of parse_text for one entry)."""
    title = entry.title_line or f"{entry.heading} ({entry.reg_id})"
    events = "".join(
        f"{ON_OPEN}{e.date_text or format_date(e.date)} [{e.kind}]{e.body}[/{e.kind}]{ON_CLOSE}"
        for e in entry.events
    )
    return f"{title}\n\n{entry.text}" + (f"\n\n{events}" if events else "")
