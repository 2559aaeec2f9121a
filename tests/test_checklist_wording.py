"""Every shipped question is worded for the answer it takes (issue 27, point 4): a yes/no
question is not an open 'How...?', a list of choices is not asked as a yes/no question, and
an honest answer is never the failure."""

from __future__ import annotations

import re

from fieldkit.checklists import load_all

OPEN = re.compile(r"^(how|what|which|who|why|to what extent)\b", re.I)
YES_NO = re.compile(r"^(is|are|was|were|did|does|do|has|have|can|could)\b", re.I)


def _items():  # noqa: ANN202
    for checklist in load_all().values():
        for item in checklist.items:
            yield checklist, item


def test_a_yes_no_question_is_asked_as_one() -> None:
    wrong = [
        f"{c.id} {i.id}: {i.prompt}"
        for c, i in _items()
        if i.kind in ("yn", "ynna") and OPEN.match(i.prompt)
    ]
    assert wrong == []


def test_a_list_of_choices_is_not_asked_as_yes_or_no() -> None:
    wrong = [
        f"{c.id} {i.id}: {i.prompt}"
        for c, i in _items()
        if i.kind in ("choice", "multi")
        and YES_NO.match(i.prompt)
        and not {"yes", "no"} & {ch.label.lower() for ch in i.choices}
        and c.id != "case_file_review"  # Table 2's instrument: its questions stay as printed
    ]
    assert wrong == []


def test_no_and_na_mean_different_things_on_the_call_vulnerability_question() -> None:
    item = load_all()["call_listening"].item("cl_vulnerable_identified")
    # 'no' is the handler's miss; n/a is a call without any vulnerability
    assert "did the handler identify" in item.prompt
    assert "no vulnerability was apparent" in item.na.lower()
    assert "No:" in item.help and "n/a:" in item.help
