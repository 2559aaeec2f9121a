"""One check of an answer, for every way one comes in: the capture app checks with it
before a write is queued, and `Store.set_answer` checks with it in its transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fieldkit.checklists.model import AnswerError, AnswerKey, Checklist, check_consistency
from fieldkit.errors import BadInput
from fieldkit.limits import check_text


def validate_answer(
    checklist: Checklist, answers: Mapping[AnswerKey, Any], key: AnswerKey, raw: Any
) -> Any:
    """The value `raw` gives the question at `key` (item id, repeat key) of a record whose
    answers are `answers`: its length within the limit, parsed as its kind, and within
    its constraint, its filtered choices and its relevance rule given the other answers.
    Raises AnswerError, one line that starts with the item id; KeyError for an item the
    checklist does not have."""
    item_id = key[0]
    item = checklist.item(item_id)
    try:
        check_text(item_id, raw)
    except BadInput as e:
        raise AnswerError(str(e)) from None
    value = item.parse(raw)
    for k, text in check_consistency(checklist, {**answers, key: value}):
        if k == key:
            raise AnswerError(f"{item_id}: {text}")
    return value
