"""A checklist in words (fieldkit/checklists/outline.py) and which checklists a command
knows (instruments.known: shipped, the database's installed versions winning)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fieldkit.checklists import get, parse_checklist
from fieldkit.checklists.outline import item_flags, kind_text, section_heading, sizes
from fieldkit.errors import BadInput
from fieldkit.instruments import compare_refs, install, known, known_checklist
from fieldkit.store import Store


def test_item_words_kind_choices_and_flags() -> None:
    case = get("case_file_review")
    category = case.item_map["cf_offence_category"]
    assert kind_text(category).startswith("one of: ")
    assert "burglary" in kind_text(category).split(": ")[1].split(", ")
    derived = next(i for i in case.items if i.formula)
    assert f"computed: {derived.formula}" in item_flags(derived)
    ranged = replace(category, kind="count", choices=(), minimum=1, maximum=None)
    assert "range 1 to …" in item_flags(ranged)
    optional = replace(ranged, required=False, minimum=None)
    assert item_flags(optional)[0] == "optional"
    marac = get("marac_observation")
    repeated = next(s for s in marac.sections if s.repeat)
    assert section_heading(repeated) == f"{repeated.title} (repeats per {repeated.repeat.key})"
    assert sizes(case)["items"] == len(case.items)


def test_installed_version_wins_and_unknown_is_one_line(store: Store) -> None:
    shipped = get("call_listening")
    assert known(None)["call_listening"] == shipped
    source = {**shipped.source, "version": shipped.version + 1, "title": "Call listening, revised"}
    install(store, parse_checklist(source, "revised"))
    assert known(store)["call_listening"].title == "Call listening, revised"
    assert known_checklist("call_listening", store).version == shipped.version + 1
    with pytest.raises(BadInput, match=r"unknown checklist 'nope' \(known: call_listening, "):
        known_checklist("nope", store)
    found = compare_refs("call_listening", "call_listening", None)
    assert found.as_dict() == {
        "old": {"id": "call_listening", "version": shipped.version},
        "new": {"id": "call_listening", "version": shipped.version},
        "breaking": False,
        "changes": [],
    }
