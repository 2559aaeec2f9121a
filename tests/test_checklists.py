"""The four instruments as data: every DOMAIN item present, definitions validated."""

from __future__ import annotations

import copy
import hashlib
import json
import re

import pytest
from helpers.shared_files import COPIES, SHARED, copied_files, recorded_digests, shared_file

from fieldkit.checklists import ChecklistError, get, load_all, parse_checklist
from fieldkit.checklists.model import AnswerError, apply_rules, missing_required

DOMAIN = shared_file("domain/DOMAIN.md")
PREFIX_TO_CHECKLIST = {
    "cl_": "call_listening",
    "fd_": "front_desk",
    "mo_": "marac_observation",
    "cf_": "case_file_review",
}


def domain_item_ids() -> dict[str, set[str]]:
    """Item ids from the instrument tables of DOMAIN.md section 3 (first cell of each row)."""
    text = DOMAIN.read_text(encoding="utf-8")
    section3 = text[text.index("## 3. Instruments") : text.index("## 4. Table 2")]
    ids: dict[str, set[str]] = {v: set() for v in PREFIX_TO_CHECKLIST.values()}
    for line in section3.splitlines():
        m = re.match(r"^\| `((?:cl|fd|mo|cf)_[a-z0-9_]+)`(?: / `([a-z0-9_]+)`)? \|", line)
        if m:
            for iid in filter(None, m.groups()):
                ids[PREFIX_TO_CHECKLIST[iid[:3]]].add(iid)
    return ids


def test_four_instruments_ship_with_versions() -> None:
    checklists = load_all()
    for cid in ("call_listening", "front_desk", "marac_observation", "case_file_review"):
        assert cid in checklists
        assert checklists[cid].version >= 1
        assert checklists[cid].title


def test_every_domain_item_is_in_its_checklist() -> None:
    expected = domain_item_ids()
    assert sum(len(v) for v in expected.values()) > 250
    for cid, ids in expected.items():
        have = set(get(cid).item_map)
        assert ids - have == set(), f"{cid} lacks {sorted(ids - have)}"


def test_offence_category_codes() -> None:
    item = get("case_file_review").item("cf_offence_category")
    assert [c.code for c in item.choices] == ["rape", "serious_violence", "abh", "burglary"]
    assert item.parse("Actual bodily harm") == "abh"
    assert item.parse("SERIOUS VIOLENCE") == "serious_violence"


def test_injury_photos_not_applicable_when_no_injury() -> None:
    c = get("case_file_review")
    changes = apply_rules(c, {("cf_victim_injured", ""): "no"})
    assert changes[("cf_t2_injury_photos", "")] == "na"
    assert changes[("cf_body_map", "")] == "na"
    # and the rule lets go again when the answer changes
    back = apply_rules(c, {("cf_victim_injured", ""): "yes", ("cf_t2_injury_photos", ""): "na"})
    assert back == {("cf_t2_injury_photos", ""): None}


def test_rule_items_count_as_answered_when_rule_holds() -> None:
    c = get("front_desk")
    missing_open = {k for k, _ in missing_required(c, {("fd_open_at_visit", ""): "yes"})}
    missing_closed = {k for k, _ in missing_required(c, {("fd_open_at_visit", ""): "no"})}
    assert "fd_wait_minutes" in missing_open
    assert "fd_wait_minutes" not in missing_closed


def test_parse_values_by_kind() -> None:
    c = get("call_listening")
    assert c.item("cl_calm_reassuring").parse("3") == 3
    with pytest.raises(AnswerError, match="1 to 4"):
        c.item("cl_calm_reassuring").parse("7")
    with pytest.raises(AnswerError, match="not applicable is not allowed"):
        c.item("cl_identified_as_da").parse("na")
    assert c.item("cl_identified_as_da").parse("Y") == "yes"
    assert c.item("cl_call_datetime").parse("2015-06-03 14:05") == "2015-06-03T14:05"
    multi = c.item("cl_thrive_elements")
    assert json.loads(multi.parse("harm;Threat")) == ["threat", "harm"]
    with pytest.raises(AnswerError, match="not one of"):
        multi.parse("threat;bananas")


def _definition() -> dict:
    return copy.deepcopy(dict(get("front_desk").source))


def test_loader_refuses_duplicate_id() -> None:
    d = _definition()
    d["sections"][0]["items"].append(dict(d["sections"][0]["items"][0]))
    with pytest.raises(ChecklistError, match="duplicate item id"):
        parse_checklist(d, "x.yaml")


def test_loader_refuses_unknown_kind() -> None:
    d = _definition()
    d["sections"][0]["items"][0]["kind"] = "colour"
    with pytest.raises(ChecklistError, match="unknown kind 'colour'"):
        parse_checklist(d, "x.yaml")


def test_loader_refuses_rule_naming_missing_item() -> None:
    d = _definition()
    d["sections"][0]["items"][0]["na_when"] = {"item": "fd_nowhere", "equals": "yes"}
    with pytest.raises(ChecklistError, match="missing item 'fd_nowhere'"):
        parse_checklist(d, "x.yaml")


def test_loader_refuses_rule_value_that_is_not_an_answer() -> None:
    d = _definition()
    d["sections"][0]["items"][1]["na_when"] = {"item": "fd_open_at_visit", "equals": "maybe"}
    with pytest.raises(ChecklistError, match="not an answer of fd_open_at_visit"):
        parse_checklist(d, "x.yaml")


def test_unknown_checklist_error_names_known_ones() -> None:
    with pytest.raises(ChecklistError, match="unknown checklist 'nope'.*case_file_review"):
        get("nope")


def test_cli_checklists_list_and_show(cli) -> None:
    r = cli("checklists", "list", "--json")
    assert r.exit_code == 0
    ids = {row["id"] for row in json.loads(r.output)}
    assert {"call_listening", "front_desk", "marac_observation", "case_file_review"} <= ids
    r = cli("checklists", "show", "case_file_review", "--json")
    assert json.loads(r.output)["id"] == "case_file_review"
    r = cli("checklists", "show", "case_file_review")
    assert "cf_t2_injury_photos" in r.output
    r = cli("checklists", "show", "nope")
    assert r.exit_code == 2
    assert "unknown checklist 'nope'" in r.stderr


@pytest.mark.parametrize("relative", copied_files())
def test_shared_copies_match_the_originals(relative: str) -> None:
    """tests/fixtures/shared stands in for ../shared on a bare clone: it must not drift. Each
    copy matches the digest its original had when copied; the original (where this checkout
    has ../shared beside it, as CI's does) still has that digest."""
    recorded = recorded_digests()
    assert relative in recorded, f"{relative} is not in tests/fixtures/shared/SHA256SUMS"
    assert hashlib.sha256((COPIES / relative).read_bytes()).hexdigest() == recorded[relative]
    original = SHARED / relative
    if original.exists():
        assert hashlib.sha256(original.read_bytes()).hexdigest() == recorded[relative]
