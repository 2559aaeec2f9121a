"""Answer kinds: what an item's answer is, and the words the app and reports use for
each (fieldkit.checklists.model reads answers through them). Pure data."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Kind:
    """One answer kind, as every layer sees it.

    family: what sort of answer it is (yesno, scale, number, moment, text, choice, geo,
        attachment, none): the groups below are read from it;
    label: how it is shown (help, the form's margin, `checklists show` and `diff`);
    accepts: what an answer may be, in words (the help for a question starts with it);
    keyed: how the app takes it: `keys` (a key picks: y/n/a, a digit), `field` (typed, Enter
        saves), `path` (a file's path typed), `none` (shown, never answered);
    stored: what the log holds: text, integer, real, or json (a multi's list of codes);
    xlsform: the XLSForm type `checklists export` writes ('' for the selects, written with
        their list, `select_one yes_no` for the yes/no kinds);
    free_text: it may hold personal data: `pii` lists it, `scrub` rewrites it, exports
        with `--redact` leave it out;
    summed: an amount of something, added up and averaged in the reports."""

    name: str
    family: str
    label: str
    accepts: str
    keyed: str
    stored: str
    xlsform: str
    free_text: bool = False
    summed: bool = False


_ = Kind  # (the table reads better with one name a row)
TABLE: tuple[Kind, ...] = (
    _("yn", "yesno", "yes / no", "y or n", "keys", "text", "select_one yes_no"),
    _("ynna", "yesno", "yes / no / n.a.", "y, n, or a (n/a)", "keys", "text", "select_one yes_no_na"),
    _("q4", "scale", "scale 1-4", "a score, 1-4", "keys", "integer", "integer"),
    _("count", "number", "number", "a whole number, then Enter", "field", "integer", "integer", summed=True),
    _("minutes", "number", "minutes", "minutes, a whole number, then Enter", "field", "integer", "integer", summed=True),
    _("date", "moment", "date", "YYYY-MM-DD; Enter on empty or ctrl+t = today", "field", "text", "date"),
    _("time", "moment", "time", "HH:MM; Enter on empty or ctrl+t = now", "field", "text", "time"),
    _("datetime", "moment", "date and time", "YYYY-MM-DDTHH:MM; Enter on empty or ctrl+t = now", "field", "text", "dateTime"),
    _("text", "text", "text", "type, Enter saves", "field", "text", "text", free_text=True),
    _("choice", "choice", "one of", "one of a list", "keys", "text", ""),
    _("multi", "choice", "any of", "any of a list", "keys", "json", ""),
    _("rank", "choice", "choices in order", "every choice once, in order: their numbers (2 3 1), then Enter", "field", "json", ""),
    _("decimal", "number", "decimal number", "a number, then Enter", "field", "real", "decimal"),
    _("note", "none", "note (no answer)", "", "none", "text", "note"),
    _("derived", "none", "computed", "worked out from other answers", "none", "text", "calculate"),
    _("geopoint", "geo", "location (latitude longitude)", "latitude longitude [altitude accuracy]", "field", "text", "geopoint"),
    _("geotrace", "geo", "line of locations", "two or more points, separated by ;", "field", "text", "geotrace"),
    _("geoshape", "geo", "area (closed line of locations)", "a closed line of points, separated by ;", "field", "text", "geoshape"),
    _("image", "attachment", "photo", "a photo: its file's path", "path", "text", "image", free_text=True),
    _("audio", "attachment", "recording", "a recording: its file's path", "path", "text", "audio", free_text=True),
    _("video", "attachment", "video", "a video: its file's path", "path", "text", "video", free_text=True),
    _("file", "attachment", "file", "a file: its path", "path", "text", "file", free_text=True),
    _("osm", "attachment", ".osm file", "an OpenMapKit .osm file: its path", "path", "text", "osm", free_text=True),
)  # fmt: skip
del _
KIND = {k.name: k for k in TABLE}


def _where(**wanted: object) -> tuple[str, ...]:
    return tuple(k.name for k in TABLE if all(getattr(k, f) == v for f, v in wanted.items()))


KINDS = tuple(KIND)
# Attachments: the answer is the content's digest (fieldkit.store.attachments holds the
# file once, by that digest); `osm` is OpenMapKit's .osm file.
ATTACHMENT_KINDS = _where(family="attachment")
GEO_KINDS = _where(family="geo")
CHOICE_KINDS = _where(family="choice")
YESNO_KINDS = _where(family="yesno")
MOMENT_KINDS = _where(family="moment")  # dates and times: Enter on empty or ctrl+t = now
INTEGER_KINDS = _where(stored="integer")
NUMBER_KINDS = (*INTEGER_KINDS, *_where(stored="real"))  # a range (min/max) applies
QUANTITY_KINDS = _where(summed=True)  # amounts of something: summed and averaged
TYPED_KINDS = _where(keyed="field")  # typed into a field beside the question
FREE_TEXT_KINDS = _where(free_text=True)  # personal data may be in them
UNANSWERED_KINDS = _where(keyed="none")  # shown, never answered
NA = "na"
UNKNOWN = "unknown"
KIND_LABELS = {k.name: k.label for k in TABLE}

DIGEST_RE = re.compile(r"[0-9a-f]{64}")  # an attachment's sha256, as its answer

Q4_LABELS = {1: "Poor", 2: "Weak", 3: "Adequate", 4: "Good"}


class AnswerError(ValueError):
    """A value that does not fit its item."""


def markdown() -> str:
    """The table as docs/kinds.md (tests/test_kinds.py fails when the file is stale and
    says how to write it again)."""
    lines = [
        "# Answer kinds",
        "",
        "Generated from `fieldkit.checklists.kinds.TABLE`, the one table every layer reads",
        "(a test fails when they differ). *keyed*: `keys` a key picks",
        "(y/n/a, a digit), `field` typed then Enter, `path` a file's path typed, `none` never",
        "answered. *free text*: listed by `pii`, rewritten by `scrub`, left out by `--redact`.",
        "*summed*: added up and averaged in the reports.",
        "",
        "| kind | shown as | accepts | keyed | stored | XLSForm type | free text | summed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for k in TABLE:
        cells = (
            k.name,
            k.label,
            k.accepts,
            k.keyed,
            k.stored,
            k.xlsform or ("rank LIST" if k.name == "rank" else "select_one / select_multiple LIST"),
        )
        flags = ("yes" if k.free_text else "", "yes" if k.summed else "")
        lines.append("| " + " | ".join((*(f"`{cells[0]}`",), *cells[1:], *flags)) + " |")
    return "\n".join(lines) + "\n"
