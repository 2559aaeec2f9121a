"""A question answered with a file (image, audio, video, file, osm): its path is typed,
Enter attaches it (the store reads the file and holds it by its digest), and the row then
shows the file by name and size."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fieldkit.tui import intents as it
from fieldkit.tui.form_model import Entry
from fieldkit.tui.widgets.item_row import TextRow

HINT = {
    "image": "a photo's path, e.g. ~/photos/desk.jpg",
    "audio": "a recording's path, e.g. ~/audio/call.m4a",
    "video": "a video's path",
    "osm": "an .osm file's path",
}


class AttachmentRow(TextRow):
    """A text row whose answer is a file: typed as a path, shown as `name (size)`."""

    def __init__(
        self,
        entry: Entry,
        *,
        now: Callable[[], datetime],
        describe: Callable[[str], str],
        id: str | None = None,
    ) -> None:
        super().__init__(entry, now=now, id=id)
        self._describe = describe

    def _placeholder(self) -> str:
        what = HINT.get(self.item.kind, "a file's path, e.g. ~/notes/visit.pdf")
        return f"{what}; Enter attaches it" + ("" if self.item.required else " (optional)")

    def _as_saved(self, v: object) -> str:
        return self._describe(str(v))

    def watch_value(self, old: object, new: object) -> None:
        super().watch_value(old, new)
        if self._ready and not self.dirty:
            self.input.cursor_position = 0  # the file's name, not the end of its size

    def submit_intents(self) -> list[it.Intent]:
        """Enter on the file already attached moves on; a new path attaches that file."""
        if self.value is not None and not self.dirty:
            return [it.Move(1)]
        return super().submit_intents()
