"""privacy.scan: what it flags in free text, what it leaves alone, and that it never raises."""

from __future__ import annotations

import pytest
from helpers.examples import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldkit import forces
from fieldkit.checklists import load_all
from fieldkit.demo import NOTES, SLIPS
from fieldkit.privacy.scan import Finding, scan


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in scan(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # names
        ("Spoke to Sarah Jenkins at the counter.", [("name", "Sarah Jenkins")]),
        ("Sarah Jenkins was present.", [("name", "Sarah Jenkins")]),
        ("Mrs Patel declined to comment.", [("name", "Mrs Patel")]),
        ("Statement from Mrs. O'Brien taken.", [("name", "Mrs. O'Brien")]),
        ("Seen by Dr S. Ahmed at A&E.", [("name", "Dr S. Ahmed")]),
        ("Victim Sarah JENKINS contacted.", [("name", "Sarah JENKINS")]),
        ("Suspect John McDonald arrested.", [("name", "John McDonald")]),
        ("Partner Zoë Kowalczyk-Smith present.", [("name", "Zoë Kowalczyk-Smith")]),
        ("Reviewed by DC JONES.", [("name", "DC JONES")]),
        ("Handed to Sergeant Davies.", [("name", "Sergeant Davies")]),
        ("Called S. Jenkins back.", [("name", "S. Jenkins")]),
        ("Called Mr. Smith and Ms Jones.", [("name", "Mr. Smith"), ("name", "Ms Jones")]),
        ("Spoke with DS Khan about the DASH.", [("name", "DS Khan")]),
        ("Later told Sarah about the refuge.", [("name", "Sarah")]),
        ("The victim, Sarah Kent, agreed.", [("name", "Sarah Kent")]),
        # phones
        ("Victim asked to be called on 07700 900461.", [("phone", "07700 900461")]),
        ("mobile 07700900461", [("phone", "07700900461")]),
        ("tel 07700-900-461", [("phone", "07700-900-461")]),
        ("ring +44 7700 900461 today", [("phone", "+44 7700 900461")]),
        ("ring +44 (0)7700 900461", [("phone", "+44 (0)7700 900461")]),
        ("landline 0113 496 0000", [("phone", "0113 496 0000")]),
        ("landline (0161) 496 0123", [("phone", "(0161) 496 0123")]),
        ("London 020 7946 0958.", [("phone", "020 7946 0958")]),
        ("non-geo 0300 123 4567", [("phone", "0300 123 4567")]),
        # emails
        ("email sarah.j@example.co.uk please", [("email", "sarah.j@example.co.uk")]),
        ("Sarah.Jenkins@example.com", [("email", "Sarah.Jenkins@example.com")]),
        # postcodes
        ("Address given as 14 Larch Road, LS6 2AB.", [("postcode", "LS6 2AB")]),
        ("SW1A 1AA", [("postcode", "SW1A 1AA")]),
        ("lives near M1 1AE", [("postcode", "M1 1AE")]),
        ("ls6 2ab", [("postcode", "ls6 2ab")]),
        ("B338TH", [("postcode", "B338TH")]),
        # dates of birth
        ("DOB 12/03/1985", [("dob", "DOB 12/03/1985")]),
        ("d.o.b. 12.3.85 given", [("dob", "d.o.b. 12.3.85")]),
        ("D.O.B: 12-03-1985", [("dob", "D.O.B: 12-03-1985")]),
        ("born 1985-03-12", [("dob", "born 1985-03-12")]),
        ("born on 12th March 1985", [("dob", "born on 12th March 1985")]),
        ("date of birth is 3 Mar 1985", [("dob", "date of birth is 3 Mar 1985")]),
        ("DOB 1985", [("dob", "DOB 1985")]),
    ],
)
def test_flags(text: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Greater Manchester Police attended.",
        "Thames Valley officers used Body Worn Video.",
        "Body Worn footage was exhibited.",
        "Safety Plan reviewed after bail.",
        "Detective Chief Inspector",
        "Chaired by a Detective Inspector from Public Protection.",
        "Kent Central",
        "Dyfed-Powys North",
        "Avon and Somerset West",
        "City of London East",
        "West Midlands South 2",
        "Front Desk staff at Leeds Central referred to the IDVA.",
        "Clare's Law disclosure considered; Sarah's Law not relevant.",
        "DASH completed; MARAC referral made; THRIVE rationale recorded.",
        "Crown Prosecution Service advice sought.",
        "CR/15/KEN0001230",
        "INC-KEN-012345-7",
        "INC-GWE-000001",
        "Mon-Fri 08:00-20:00",
        "National Domestic Abuse Helpline 0808 2000 247 on the poster.",
        "Meeting on 12/06/2015 at 09:30; next on 2015-07-01.",
        "Attended on the 1st and 2nd of June.",
        "Leaflets in English, Polish and Urdu.",
        "A. Visit details",
        "Operation Encompass notification sent.",
        "Public Protection Unit staff were not available.",
        "Multi Agency Safeguarding Hub referral made.",
        "The Duty Inspector reviewed it; Victim Support were contacted.",
        "Home Office Counting Rules and the Crime Recording Bureau.",
        "Call lasted 412 seconds; 3 calls in 24 hours.",
        "",
    ],
)
def test_leaves_alone(text: str) -> None:
    assert scan(text) == []


def test_demo_notes_are_clean_and_slips_are_caught() -> None:
    for note in NOTES:
        assert scan(note) == [], note
    caught = {f.kind for slip in SLIPS for f in scan(slip)}
    assert all(scan(slip) for slip in SLIPS)
    assert caught == {"phone", "postcode", "name"}


def test_force_names_and_checklist_text_are_not_names() -> None:
    for _, name, aliases in forces.FORCES:
        for text in (name, *aliases):
            assert scan(f"Seen at {text} today.") == [], text
    for checklist in load_all().values():
        for item in checklist.items:
            assert scan(item.prompt) == [], item.prompt


def test_findings_are_ordered_and_sliced() -> None:
    text = "Call Sarah Jenkins on 07700 900461 or sj@example.org, LS6 2AB, DOB 01/02/1980."
    found = scan(text)
    assert [f.kind for f in found] == ["name", "phone", "email", "postcode", "dob"]
    assert all(text[f.start : f.end] == f.text for f in found)
    assert found == sorted(found, key=lambda f: f.start)
    with pytest.raises(AttributeError):
        found[0].kind = "phone"  # type: ignore[misc]


def test_overlap_prefers_the_more_specific_kind() -> None:
    assert kinds("write to Sarah.Jenkins@example.com") == [("email", "Sarah.Jenkins@example.com")]


def test_not_a_string_is_nothing() -> None:
    assert scan(None) == []  # type: ignore[arg-type]
    assert scan(b"07700 900461") == []  # type: ignore[arg-type]


def test_long_adversarial_text_is_handled() -> None:
    text = "a." * 20_000 + "@" + "0 " * 20_000 + "Mrs " * 5_000 + "LS6 2AB " * 2_000
    found = scan(text)
    assert sum(f.kind == "postcode" for f in found) == 2_000


@settings(derandomize=True, database=None, max_examples=examples(300), deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(
                [
                    "Sarah",
                    "Jenkins",
                    "Mrs",
                    "Dr",
                    "S.",
                    "07700",
                    "900461",
                    "+44",
                    "(0)",
                    "LS6",
                    "2AB",
                    "DOB",
                    "d.o.b.",
                    "12/03/1985",
                    "@",
                    ".",
                    "-",
                    " ",
                    "\n",
                    "Kent",
                    "O'",
                    "’s",
                ]
            ),
        ),
        max_size=30,
    ).map("".join)
)
def test_never_raises_and_findings_are_consistent(text: str) -> None:
    found = scan(text)
    last_end = 0
    for f in found:
        assert isinstance(f, Finding)
        assert f.kind in {"name", "phone", "email", "postcode", "dob"}
        assert 0 <= f.start < f.end <= len(text)
        assert f.start >= last_end  # ordered, no overlaps
        assert text[f.start : f.end] == f.text
        last_end = f.end


def test_the_scanner_loads_no_database_code() -> None:
    """The capture app checks every keystroke with `scan`: importing it must not pull in the
    store (or anything that opens a database)."""
    import subprocess
    import sys

    code = (
        "import sys, fieldkit.privacy.scan; "
        "print(sorted(m for m in sys.modules if m.startswith(('fieldkit', 'sqlite3'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert "fieldkit.privacy.scan" in loaded
    assert "fieldkit.store" not in loaded and "sqlite3" not in loaded
