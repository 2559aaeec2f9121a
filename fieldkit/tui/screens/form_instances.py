"""Adding and removing a repeat's instances in a form: 'add another' lines (one per
instance of the enclosing repeat for a repeat inside a repeat) and ctrl+d, pressed twice,
to remove the focused question's instance with its inner instances (their answers
cleared as logged changes, so a merge carries the removal). A part of FormScreen."""

from __future__ import annotations

from typing import Any

from textual.containers import VerticalScroll

from fieldkit.checklists import NA, nesting
from fieldkit.tui.form_flow import Said
from fieldkit.tui.form_model import Entry, FormModel
from fieldkit.tui.widgets.status import SaveStatus


class FormInstances:
    """FormScreen's repeat instances (a mixin of the screen)."""

    entries: list[Entry]
    index: int
    model: FormModel
    checklist: Any
    focused: Any
    final: bool
    query_one: Any
    _shown: Any
    _stale: Any
    _build: Any
    _focus_index: Any
    _row_of: Any
    _save: Any
    _say: Any
    call_later: Any
    _remove_armed: str = ""

    async def _relayout(self, focus: Any) -> None:
        """Lay the form out again and focus the first entry `focus(entry)` picks."""
        items = self.query_one("#items", VerticalScroll)
        await items.remove_children()
        self._shown.clear()
        self._stale.clear()
        await items.mount_all(self._build())
        for i, e in enumerate(self.entries):
            if focus(e):
                self._focus_index(i)
                return
        if self.entries:
            self._focus_index(min(self.index, len(self.entries) - 1))

    async def _add_instance(self, section_id: str, outer: str = "") -> None:
        section = next(s for s in self.checklist.sections if s.id == section_id)
        new_key = self.model.add_instance(section, outer)
        await self._relayout(
            lambda e: e.group.section.repeat == section.repeat and e.rkey == new_key
        )
        self.query_one(SaveStatus).show(
            f"Added {section.repeat.key if section.repeat else 'instance'} {new_key}: "
            "it is stored with its first answer.",
            "info",
        )

    async def action_remove_instance(self) -> None:
        """ctrl+d: remove the focused question's repeat instance (asked first)."""
        row = self._row_of(self.focused)
        repeat = row.entry.group.section.repeat if row is not None else None
        if row is None or repeat is None or repeat.fixed or repeat.count is not None:
            self._remove_armed = ""
            self._say(Said("ctrl+d removes an instance of a repeat you add to.", "info"))
            return
        rkey = row.entry.rkey
        keys = self._instance_answers(repeat, rkey)
        if self._remove_armed != f"{repeat.key}:{rkey}":
            self._remove_armed = f"{repeat.key}:{rkey}"
            self._say(
                Said(
                    f"Remove {repeat.key} {rkey} and its {len(keys)} answers?"
                    " Press ctrl+d again to remove it.",
                    "warning",
                )
            )
            return
        self._remove_armed = ""
        if self.final:
            self._save(keys[0] if keys else row.entry.key, None)  # says it is final
            return
        # in the screen's own queue, as the relayout an answer's change asks for is
        # (a priority key's action runs in the app's)
        self.call_later(self._remove, repeat, rkey, keys)

    async def _remove(self, repeat: Any, rkey: str, keys: list[tuple[str, str]]) -> None:
        for key in keys:
            if not self._save(key, None):
                return
        for k, added in self.model.added.items():
            self.model.added[k] = [a for a in added if a != rkey and not a.startswith(rkey + "/")]
        depth = len(nesting.parts(rkey))
        outer = nesting.prefix(rkey, depth - 1)
        await self._relayout(
            lambda e: (
                e.group.section.repeat is not None
                and nesting.prefix(e.rkey, depth - 1) == outer
                and e.rkey != rkey
            )
        )
        self._say(Said(f"Removed {repeat.key} {rkey} ({len(keys)} answers cleared).", "saved"))

    def _instance_answers(self, repeat: Any, rkey: str) -> list[tuple[str, str]]:
        """The answers of an instance and of the instances inside it."""
        own = self.checklist.repeat_items.get(repeat.key, frozenset())
        inner = self.checklist.inner_items.get(repeat.key, frozenset())
        found = [
            ((iid, k), v)
            for (iid, k), v in self.model.answers.items()
            if v is not None
            and ((iid in own and k == rkey) or (iid in inner and k.startswith(rkey + "/")))
        ]
        return [key for key, v in sorted(found, key=lambda kv: kv[1] == NA)]  # n/a last
