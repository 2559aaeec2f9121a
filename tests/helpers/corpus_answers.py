"""A plain answer to each question of a checklist, and the column a one-line refusal names:
what tests/test_xlsform_corpus_answers.py and bench/xlsform_corpus.py fill a CSV with."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from fieldkit.checklists.model import Checklist

PLAIN = {"yesno": "yes", "ynna": "yes", "integer": "2", "decimal": "2.5", "text": "seen"}
PLAIN.update({"date": "2026-03-02", "datetime": "2026-03-02T10:00:00", "time": "10:00"})


def plain_answers(checklist: Checklist) -> dict[str, str]:
    """item id -> a plain answer, for the questions outside repeats that take one."""
    out: dict[str, str] = {}
    for section in checklist.sections:
        if section.repeat is not None:
            continue
        for item in section.items:
            if item.computed is not None or item.choice_filter is not None:
                continue
            if item.kind in ("choice", "multi") and item.choices:
                out[item.id] = item.choices[0].code
            elif item.kind in ("choice", "multi") and item.choice_file:
                out[item.id] = "typed_code"  # its list waits for its file: any code
            elif item.kind in PLAIN:
                out[item.id] = PLAIN[item.kind]
    return out


def refused_column(line: str, answers: dict[str, str]) -> str | None:
    """The column an import's one-line refusal names, when it is one of `answers`."""
    for name in sorted(answers, key=len, reverse=True):
        if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", line):
            return name
    return None


def write_answers(path: Path, answers: dict[str, str]) -> None:
    """A CSV of one final record at Gwent holding `answers` (the columns fieldkit import
    reads, then one per question)."""
    row = {"force": "gwent", "observed_at": "2026-03-02", "status": "final", **answers}
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(row))
        w.writeheader()
        w.writerow(row)
