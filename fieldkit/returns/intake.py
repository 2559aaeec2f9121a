"""Reading filled-in data return workbooks back: each cell checked against its question (one
line naming the file, cell and question when one does not fit), then every return written
through the CSV importer in one transaction, so a return comes in exactly as its CSV would.
A re-sent return updates the force's record as logged changes and says what changed; a
changed return is no longer agreed (its sign-off item goes back to no)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from fieldkit import forces
from fieldkit.checklists import AnswerError, Checklist, ChecklistError
from fieldkit.errors import BadInput
from fieldkit.importer import ImportResult, import_csv
from fieldkit.returns.template import (
    FIGURE_COL,
    FIRST_ROW,
    ID_COL,
    META_SHEET,
    SHEET,
    collection_of,
    questions,
)
from fieldkit.store import Store, natural_key


@dataclass
class Return:
    """One workbook as read: its force, period and figures (stored form)."""

    path: Path
    checklist_id: str
    force: str
    period: str
    figures: dict[str, Any]


@dataclass
class Intake:
    returns: list[Return] = field(default_factory=list)
    created: int = 0
    unchanged: int = 0
    changes: list[tuple[str, str, Any, Any]] = field(default_factory=list)
    # (force, question, stored value, new value)
    unagreed: list[str] = field(default_factory=list)  # forces whose agreement was withdrawn


def _cell_text(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_return(store: Store, path: Path) -> Return:
    """A workbook's return, every figure checked against its question."""
    try:
        wb = load_workbook(path, data_only=True)
    except (OSError, InvalidFileException, zipfile.BadZipFile, KeyError, ValueError) as e:
        reason = getattr(e, "strerror", None) or "not an .xlsx workbook"
        raise BadInput(f"{path.name}: cannot read ({reason})") from None
    if META_SHEET not in wb.sheetnames or SHEET not in wb.sheetnames:
        raise BadInput(f"{path.name}: not a data return workbook (no {META_SHEET} sheet)")
    meta = {str(r[0].value): r[1].value for r in wb[META_SHEET].iter_rows(max_col=2) if r[0].value}
    try:
        checklist = store.checklist(str(meta.get("checklist_id")))
    except (ChecklistError, BadInput):
        raise BadInput(f"{path.name}: an unknown form {meta.get('checklist_id')!r}") from None
    collection_of(checklist)
    force = forces.resolve(str(meta.get("force_code") or ""))
    if force is None:
        raise BadInput(f"{path.name}: an unknown force {meta.get('force_code')!r}")
    ws = wb[SHEET]
    asked = {i.id: i for i in questions(checklist)}
    figures: dict[str, Any] = {}
    row = FIRST_ROW
    while ws[f"{ID_COL}{row}"].value:
        iid = str(ws[f"{ID_COL}{row}"].value)
        where = f"{path.name}: cell {FIGURE_COL}{row} ({iid})"
        if iid not in asked:
            raise BadInput(
                f"{path.name}: cell {ID_COL}{row}: {iid!r} is not a question of the form"
            )
        raw = _cell_text(ws[f"{FIGURE_COL}{row}"].value)
        if raw is None or str(raw).strip() == "":
            unknown = ' or "unknown"' if asked[iid].unknown else ""
            raise BadInput(f"{where}: no figure (write a whole number{unknown})")
        try:
            figures[iid] = asked[iid].parse(raw)
        except AnswerError as e:
            raise BadInput(f"{where}: {str(e).split(': ', 1)[-1]}") from None
        row += 1
    missing = [i for i in asked if i not in figures]
    if missing:
        raise BadInput(f"{path.name}: the question {missing[0]} is missing from the sheet")
    return Return(path, checklist.id, force, str(meta.get("period") or ""), figures)


def _stored(store: Store, checklist: Checklist, r: Return) -> dict[str, Any] | None:
    key = natural_key(r.force, [r.period])
    found = store.conn.execute(
        "SELECT record_id, observed_at FROM records WHERE checklist_id = ? AND natural_key = ?"
        " AND deleted = 0 ORDER BY created_hlc, record_id LIMIT 1",
        (checklist.id, key),
    ).fetchone()
    if found is None:
        return None
    answers = store.answers(found[0])
    return {"observed_at": found[1], "answers": {k: v for (k, _), v in answers.items()}}


def _csv(checklist: Checklist, rows: list[tuple[Return, dict[str, Any] | None, Any]]) -> bytes:
    assert checklist.returns is not None
    r = checklist.returns
    items = [i.id for i in questions(checklist)]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["force", "observed_at", "status", r.period_item, r.agreed_item, *items])
    today = datetime.now(UTC).date().isoformat()
    for ret, stored, agreed in rows:
        when = stored["observed_at"] if stored else today
        values = ["" if ret.figures[i] is None else ret.figures[i] for i in items]
        w.writerow([ret.force, when, "final", ret.period, agreed or "", *values])
    return buf.getvalue().encode("utf-8")


def import_returns(store: Store, paths: list[Path]) -> Intake:
    """Read every workbook, then write them all in one transaction (nothing when one is
    refused). A return already stored that says something else is updated, its changes
    listed, and its sign-off withdrawn."""
    if not paths:
        raise BadInput("no workbooks to import")
    got = Intake(returns=[read_return(store, p) for p in paths])
    by_checklist: dict[str, list[Return]] = {}
    seen: dict[tuple[str, str, str], Path] = {}
    for ret in got.returns:
        key = (ret.checklist_id, ret.force, ret.period)
        if key in seen:
            raise BadInput(f"{ret.path.name}: the same return as {seen[key].name}")
        seen[key] = ret.path
        by_checklist.setdefault(ret.checklist_id, []).append(ret)
    for cid, returns in by_checklist.items():
        checklist = store.checklist(cid)
        assert checklist.returns is not None
        agreed_item = checklist.returns.agreed_item
        rows = []
        for ret in returns:
            stored = _stored(store, checklist, ret)
            agreed = None
            if stored is not None:
                agreed = stored["answers"].get(agreed_item)
                differs = [
                    (i, stored["answers"].get(i), v)
                    for i, v in ret.figures.items()
                    if stored["answers"].get(i) != v
                ]
                if differs and agreed == "yes":
                    agreed = "no"
                    got.unagreed.append(ret.force)
                got.changes += [(ret.force, i, old, new) for i, old, new in differs]
            rows.append((ret, stored, agreed))
        result: ImportResult = import_csv(
            store, Path(f"{cid} returns"), cid, update=True, data=_csv(checklist, rows)
        )
        got.created += result.created
        got.unchanged += result.already_present
    return got
