"""The languages a form is shown in: the definition's own (an XLSForm's default label
column) and every translation it stores (`label::Language`), in a fixed order, so that one
key steps through them. No Textual here."""

from __future__ import annotations

from fieldkit.checklists import Checklist, Item


def languages_of(checklist: Checklist) -> list[str | None]:
    """The definition's own language first (None: its plain label column), then every
    language a question, hint or choice is translated into, by name."""
    own = checklist.source.get("language") or None
    others = {lang for i in checklist.items for lang, _, _ in i.translations}
    others |= {lang for i in checklist.items for c in i.choices for lang, _ in c.labels}
    return [own, *sorted(lang for lang in others if lang != own)]


def next_language(checklist: Checklist, current: str | None) -> str | None:
    """The language after `current` (round to the first); `current` when there is one."""
    langs = languages_of(checklist)
    at = langs.index(current) if current in langs else 0
    return langs[(at + 1) % len(langs)]


def language_name(checklist: Checklist, language: str | None) -> str:
    """A language as the status line says it (the definition's own unnamed: 'as written')."""
    return language or checklist.source.get("language") or "the form's own language"


def message_in(item: Item, text: str, language: str | None) -> str:
    """A refusal in the form's language: the constraint's own message, translated."""
    translated = dict(item.messages).get(language or "")
    if translated and item.constraint_message and text.endswith(item.constraint_message):
        return text[: len(text) - len(item.constraint_message)] + translated
    return text
