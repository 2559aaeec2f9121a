"""How the register and the plans show a value (fieldkit/register/display.py): withdrawn
events marked with their correction and reason, unknown vocabulary marked, links by their
short names, the themes' legend."""

from __future__ import annotations

from fieldkit.register import display


def test_withdrawn_event_names_its_correction_and_reason() -> None:
    live = {"withdrawn": False, "replaced_by": None, "withdrawn_reason": "typo"}
    assert display.withdrawn("complete", live, reason=True) == "complete"
    gone = {"withdrawn": True, "replaced_by": None, "withdrawn_reason": "typo"}
    assert display.withdrawn("complete", gone) == "[withdrawn] complete"
    assert display.withdrawn("complete", gone, reason=True) == "[withdrawn] complete: typo"
    fixed = {"withdrawn": True, "replaced_by": "0123456789abcdef", "withdrawn_reason": None}
    assert display.withdrawn("red", fixed, reason=True) == (
        "[withdrawn] red (corrected by 0123456789)"
    )


def test_current_value_marks_none_and_unknown() -> None:
    assert display.current(None, False) == "-"
    assert display.current("green", False) == "green"
    assert display.current("purple", True) == "purple (?)"


def test_links_by_short_name_and_themes_in_code_order() -> None:
    assert display.links(None) == ""
    assert display.links("everyones_business_2014:2; other:7") == "eb2014:2; other:7"
    rows = [
        {"theme": "S", "theme_title": "Safeguard"},
        {"theme": "P", "theme_title": None},
        {"theme": "S", "theme_title": "Safeguard"},
    ]
    assert display.themes(rows) == [("P", ""), ("S", "Safeguard")]
