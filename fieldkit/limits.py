"""Sizes fieldkit refuses past, wherever a value comes in (capture, CSV import, merge).

One text answer or note holds at most MAX_TEXT characters (about 1 MB): a field note is
a few paragraphs, and a 400 MB value once merged at a 2.9 GB peak and exported at 3.25 GB.
"""

from __future__ import annotations

from typing import Any

from fieldkit.errors import BadInput

MAX_TEXT = 1_000_000  # characters in one answer, note or CSV cell


def check_text(what: str, value: Any) -> None:
    """BadInput (one line naming `what`) for a text longer than MAX_TEXT."""
    if isinstance(value, str | bytes) and len(value) > MAX_TEXT:
        raise BadInput(
            f"{what}: {len(value):,} characters; an answer or note holds at most {MAX_TEXT:,}"
        )
