"""Answer kinds: what an item's answer is, and the words the app and reports use for
each (fieldkit.checklists.model reads answers through them). Pure data."""

from __future__ import annotations

import re

KINDS = (
    "yn",
    "ynna",
    "q4",
    "count",
    "minutes",
    "date",
    "time",
    "datetime",
    "text",
    "choice",
    "multi",
    "decimal",
    "note",
    "derived",
    "geopoint",
    "geotrace",
    "geoshape",
    "image",
    "audio",
    "video",
    "file",
    "osm",
)
# Attachments: the answer is the content's digest (fieldkit.store.attachments holds the
# file once, by that digest); `osm` is OpenMapKit's .osm file.
ATTACHMENT_KINDS = ("image", "audio", "video", "file", "osm")
GEO_KINDS = ("geopoint", "geotrace", "geoshape")
CHOICE_KINDS = ("choice", "multi")
INTEGER_KINDS = ("q4", "count", "minutes")
QUANTITY_KINDS = ("count", "minutes")  # amounts of something: summed and averaged
NUMBER_KINDS = (*INTEGER_KINDS, "decimal")  # a range (min/max) applies
YESNO_KINDS = ("yn", "ynna")
NA = "na"
UNKNOWN = "unknown"

KIND_LABELS = {
    "yn": "yes / no",
    "ynna": "yes / no / n.a.",
    "q4": "scale 1-4",
    "count": "number",
    "minutes": "minutes",
    "date": "date",
    "time": "time",
    "datetime": "date and time",
    "text": "text",
    "choice": "one of",
    "multi": "any of",
    "decimal": "decimal number",
    "note": "note (no answer)",
    "derived": "computed",
    "geopoint": "location (latitude longitude)",
    "geotrace": "line of locations",
    "geoshape": "area (closed line of locations)",
    "image": "photo",
    "audio": "recording",
    "video": "video",
    "file": "file",
    "osm": ".osm file",
}
UNANSWERED_KINDS = ("derived", "note")  # shown, never answered

DIGEST_RE = re.compile(r"[0-9a-f]{64}")  # an attachment's sha256, as its answer

Q4_LABELS = {1: "Poor", 2: "Weak", 3: "Adequate", 4: "Good"}


class AnswerError(ValueError):
    """A value that does not fit its item."""
