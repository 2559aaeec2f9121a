"""CSV import: one row per record, all or nothing, idempotent on the natural key."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fieldkit import forces, sql
from fieldkit.checklists import (
    AnswerError,
    AnswerKey,
    Checklist,
    check_consistency,
    missing_required,
    nesting,
    submissions,
)
from fieldkit.checklists.xlsform_settings import INSTANCE_ID
from fieldkit.errors import BadInput
from fieldkit.limits import MAX_TEXT
from fieldkit.store import OBSERVER_ROLES, Change, Store, answers_with_rules, attachments, key_part
from fieldkit.store import natural_key as record_key
from fieldkit.textfiles import decode

ENVELOPE = ("force", "observed_at", "status", "subject_ref", "inspection", "observer_role")
REPEAT_COL = re.compile(r"^([^\[\]:]+)\[([A-Za-z0-9_\-]+(?:/[A-Za-z0-9_\-]+)*)\]$")
NOTE_COL = re.compile(r"^note:([^\[\]]+)(?:\[([A-Za-z0-9_\-]+(?:/[A-Za-z0-9_\-]+)*)\])?$")
MAX_FIELD = MAX_TEXT  # characters in one cell; a larger one is refused, not truncated
MAX_ERRORS_SHOWN = 3

Q = sql.queries("importer")


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    already_present: int = 0  # rows whose record is stored, with the same values
    encoding: str = "utf-8"
    record_ids: list[str] = field(default_factory=list)
    differing: int = 0  # rows whose record is stored with other values
    changed_answers: int = 0  # answers that differ
    changed_other: int = 0  # notes and envelope fields (status, observed_at, ...) that differ
    updated: bool = False  # whether the differences were applied (--update)
    differences: list[tuple[int, str, str, Any, Any]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # an export's columns ignored
    # (line, record id, what, stored value, value in the file)


ENVELOPE_FIELDS = {
    "status": "status",
    "observed_at": "observed_at",
    "subject_ref": "subject_ref",
    "inspection": "inspection",
    "observer_role": "observer_role",
}


def _differences(
    store: Store,
    record_id: str,
    fields: dict[str, Any],
    answers: dict[AnswerKey, Any],
    notes: dict[AnswerKey, str],
    columns: list[tuple[str, Any]],
    automatic: set[AnswerKey] = frozenset(),  # type: ignore[assignment]
) -> list[tuple[Change, Any]]:
    """The changes that make a stored record say what a row of the file says, each with
    the value it replaces. Only the columns in the file count: an item the file has no
    column for is left as stored; an empty cell clears its answer. An answer the file
    leaves blank and the rules make not applicable (`automatic`) is no change to an answer
    stored blank: the two mean the same."""
    stored = store.record(record_id)
    have = store.answers(record_id)
    have_notes = store.notes(record_id)
    key_items = set(store.checklist_of(record_id).natural_key)
    out: list[tuple[Change, Any]] = []
    for name, value in fields.items():
        if name in stored and (stored[name] or None) != (value or None):
            if name == "subject_ref" and _same_key(stored[name], value):
                continue
            out.append((Change(record_id, "record", name, value), stored[name]))
    keys = {key for what, key in columns if what == "answer"}
    keys |= set(answers)  # and the NAs the relevance rules set
    for key in sorted(keys):
        new, old = answers.get(key), have.get(key)
        if key[0] in key_items and _same_key(old, new):
            continue  # the same record's key, spelt differently: not a correction
        if key in automatic and old is None:
            continue
        if new != old:
            out.append((Change(record_id, "answer", key[0], new, key[1]), old))
    for what, key in columns:
        if what == "note" and notes.get(key) != have_notes.get(key):
            out.append(
                (Change(record_id, "note", key[0], notes.get(key), key[1]), have_notes.get(key))
            )
    return out


def _normalise_when(text: str) -> str:
    t = text.strip()
    try:
        if len(t) <= 10:
            return date.fromisoformat(t).isoformat()
        return datetime.fromisoformat(t).isoformat(timespec="minutes")
    except ValueError:
        raise AnswerError(f"observed_at: expected an ISO date or date-time, got {t!r}") from None


class _Errors:
    def __init__(self, name: str):
        self.name = name
        self.items: list[str] = []

    def add(self, line: int, column: str | None, message: str) -> None:
        if column is not None and not (column.isprintable() and column.strip() == column):
            column = repr(column)
        where = f"{self.name}:{line}" + (f" column {column}" if column else "")
        self.items.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            more = len(self.items) - 1
            tail = f" (and {more} more error{'s' if more != 1 else ''}; nothing was imported)"
            raise BadInput(self.items[0] + (tail if more else "; nothing was imported"))


def _columns(header: list[str], checklist: Checklist, errors: _Errors) -> list[tuple[str, Any]]:
    """What each column holds: ('envelope', name) | ('answer', (item, rkey)) | ('note', ...)."""
    items = checklist.item_map
    out: list[tuple[str, Any]] = []
    seen: set[str] = set()
    for col in header:
        name = col.strip()
        if name in seen:
            errors.add(1, name, "column appears twice")
        seen.add(name)
        if name in ENVELOPE:
            out.append(("envelope", name))
            continue
        m = NOTE_COL.match(name)
        if m and m.group(1) in items:
            out.append(("note", (m.group(1), m.group(2) or "")))
            continue
        m = REPEAT_COL.match(name)
        item_id, rkey = (m.group(1), m.group(2)) if m else (name, "")
        item = items.get(item_id)
        if item is None:
            errors.add(1, name, f"unknown column (not an item of {checklist.id})")
            out.append(("skip", name))
            continue
        section = checklist.section_of(item_id)
        if section.repeat is None and rkey:
            errors.add(1, name, f"{item_id} is not in a repeat group")
        elif section.repeat is not None and not rkey:
            errors.add(
                1, name, f"{item_id} repeats per {section.repeat.key}: name it {item_id}[KEY]"
            )
        elif section.repeat is not None and nesting.key_problem(section.repeat, rkey):
            errors.add(1, name, f"{nesting.key_problem(section.repeat, rkey)} ({item_id})")
        elif not item.answerable:
            errors.add(1, name, f"{item_id} is computed, not imported")
        out.append(("answer", (item_id, rkey)))
    for required in ("force", "observed_at", "status"):
        if required not in seen:
            errors.add(1, None, f"missing column {required!r}")
    return out


def import_into(
    db: Path,
    path: Path,
    checklist_id: str,
    *,
    create: bool = True,
    inspector: str | None = None,
    partial: bool = False,
    update: bool = False,
    encoding: str | None = None,
    force: str | None = None,
    repeats: tuple[Path, ...] = (),
) -> ImportResult:
    """import_csv into the database `db`, made when missing (with `create`). All or
    nothing, the file too: a database made for the import that it did not finish is
    removed (and its -wal/-shm), so a failed import leaves no half-made database behind."""
    made = not db.exists()
    try:
        with Store.open(db, create=create) as store:
            store.checklist(checklist_id)
            return import_csv(
                store,
                path,
                checklist_id,
                inspector=inspector,
                partial=partial,
                update=update,
                encoding=encoding,
                force=force,
                repeats=repeats,
            )
    except BaseException:
        if made:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        raise


def import_csv(
    store: Store,
    path: Path,
    checklist_id: str,
    *,
    inspector: str | None = None,
    partial: bool = False,
    update: bool = False,
    encoding: str | None = None,
    force: str | None = None,
    repeats: tuple[Path, ...] = (),
    data: bytes | None = None,
) -> ImportResult:
    """Read a whole CSV (`data`, when given, is its content: a file read another way, named
    `path`), validate every row, then write every new record in ONE transaction.
    Any error: nothing is written, and the first error names its line and column.

    A row whose record is already stored (same natural key) and says something else is
    counted in `differing` (and its cells in `changed_answers`); with `update` the
    differences are written as logged changes in the same transaction, else nothing of
    that record changes."""
    checklist = store.checklist(checklist_id)
    header, rows, encoding = _read_rows(path, encoding, data)
    errors = _Errors(path.name)
    result = ImportResult(encoding=encoding)
    tool = submissions.tool_of(header)
    if tool is not None:  # an ODK Central or KoboToolbox export
        extra = [(p.name, *_read_rows(p, encoding)[:2]) for p in repeats]
        try:
            done = submissions.translate(
                checklist, header, rows, path.name, force=force, repeats=extra
            )
        except submissions.SubmissionsError as e:
            raise BadInput(str(e)) from None
        header, rows = done.header, done.rows
        result.notices = done.notices
    elif repeats or force:
        raise BadInput(f"{path.name}: --repeat and --force are for ODK and KoboToolbox exports")
    columns = _columns(header, checklist, errors)
    errors.raise_if_any()
    rows_in = _Rows(store, checklist, path, columns, errors, result, partial, update, inspector)
    line = 1
    try:
        for line, row in rows:
            if any(cell.strip() for cell in row):
                rows_in.take(line, row)
    except csv.Error as e:  # pragma: no cover - the rows were read whole above
        errors.add(line, None, f"not valid CSV ({e})")
    errors.raise_if_any()
    if rows_in.changes:
        with store.writing() as w:
            w.install(checklist)
            for file in rows_in.files:
                w.attach(file)
            w.append(rows_in.changes, author=inspector)
    result.created = len(result.record_ids)
    result.updated = update and result.differing > 0
    return result


@dataclass
class _Envelope:
    """What a row says about its record beside the answers."""

    force: str
    status: str
    observed: str
    role: str | None
    env: dict[str, str]


class _Rows:
    """The rows of one import, checked one at a time; what they add is gathered, written
    by import_csv in one transaction once every row is known good."""

    def __init__(
        self,
        store: Store,
        checklist: Checklist,
        path: Path,
        columns: list[tuple[str, Any]],
        errors: _Errors,
        result: ImportResult,
        partial: bool,
        update: bool,
        inspector: str | None,
    ) -> None:
        self.store, self.checklist, self.path, self.columns = store, checklist, path, columns
        self.errors, self.result = errors, result
        self.partial, self.update, self.inspector = partial, update, inspector
        self.existing: dict[str, str] = {}  # natural key -> the record the figures count
        for key, rid in store.conn.execute(Q["records_by_key"], (checklist.id,)):
            self.existing[key] = rid
        self.in_file: dict[str, int] = {}  # natural key -> its line
        self.changes: list[Change] = []
        self.files: list[attachments.Attachment] = []

    def take(self, line: int, row: list[str]) -> None:
        """One row: a new record, a stored one unchanged, or its differences."""
        self.result.rows += 1
        if len(row) != len(self.columns):
            self.errors.add(line, None, f"{len(row)} cells, the header has {len(self.columns)}")
            return
        env, given, notes = self._cells(line, row)
        envelope = self._envelope(line, env)
        if envelope is None:
            return
        checklist = self.checklist
        for (item_id, rkey), problem in check_consistency(checklist, given):
            self.errors.add(line, _colname((item_id, rkey)), problem)
        answers = answers_with_rules(checklist, given)
        if envelope.status == "final" and not self.partial:
            missing = missing_required(checklist, answers)
            if missing:
                names = ", ".join(_colname(k) for k in missing[:6])
                more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
                self.errors.add(
                    line,
                    None,
                    f"final record with {len(missing)} unanswered required item(s): "
                    f"{names}{more} (use --partial for legacy data)",
                )
                return
        natural_key = self._identify(line, row, envelope, answers)
        if natural_key is None:
            return
        if natural_key in self.existing:
            self._compare(line, self.existing[natural_key], envelope, answers, given, notes)
            return
        rid, changes = self.store.record_changes(
            checklist,
            envelope.force,
            inspection=env.get("inspection", ""),
            inspector=self.inspector,
            observer_role=envelope.role,
            observed_at=envelope.observed,
            subject_ref=env.get("subject_ref") or None,
            status=envelope.status,
            answers=answers,
            notes=notes,
        )
        self.result.record_ids.append(rid)
        self.changes.extend(changes)

    def _cells(
        self, line: int, row: list[str]
    ) -> tuple[dict[str, str], dict[AnswerKey, Any], dict[AnswerKey, str]]:
        """The row's envelope cells, its answers parsed (an attachment's file read) and its
        notes; a cell that does not parse is an error of its line and column."""
        env: dict[str, str] = {}
        answers: dict[AnswerKey, Any] = {}
        notes: dict[AnswerKey, str] = {}
        for (what, key), cell in zip(self.columns, row, strict=True):
            if what == "envelope":
                env[key] = cell.strip()
            elif what == "note":
                if cell.strip():
                    notes[key] = cell.strip()
            elif what == "answer":
                item = self.checklist.item(key[0])
                try:
                    file = attachments.to_attach(
                        self.store.conn, item, cell, base=self.path.parent
                    )  # an attachment's file, named as the export names it
                    if file is not None:
                        self.files.append(file)
                        cell = file.digest
                    value = item.parse(cell)
                except (BadInput, AnswerError) as e:
                    self.errors.add(line, _colname(key), str(e).split(": ", 1)[-1])
                    continue
                if value is not None:
                    answers[key] = value
        return env, answers, notes

    def _envelope(self, line: int, env: dict[str, str]) -> _Envelope | None:
        """The row's force, status, time and role, checked (None: an error was added)."""
        force = forces.resolve(env.get("force", ""))
        if force is None:
            self.errors.add(line, "force", f"unknown force {env.get('force', '')!r}")
            return None
        status = env.get("status", "").lower()
        status = {"complete": "final", "completed": "final"}.get(status, status)
        if status not in ("draft", "final"):
            self.errors.add(line, "status", f"must be draft or final, got {env.get('status')!r}")
            return None
        try:
            observed = _normalise_when(env.get("observed_at", ""))
        except AnswerError as e:
            self.errors.add(line, "observed_at", str(e).split(": ", 1)[-1])
            return None
        role = env.get("observer_role") or None
        if role is not None and role not in OBSERVER_ROLES:
            self.errors.add(line, "observer_role", f"must be one of {', '.join(OBSERVER_ROLES)}")
            return None
        return _Envelope(force, status, observed, role, env)

    def _identify(
        self, line: int, row: list[str], envelope: _Envelope, answers: dict[AnswerKey, Any]
    ) -> str | None:
        """The row's natural key (None: it has none, or an earlier line has it too)."""
        natural = self.checklist.natural_key
        if natural == (INSTANCE_ID,) and not answers.get((INSTANCE_ID, "")):
            # no submission id: the row's digest identifies it (again adds nothing)
            digest = hashlib.sha256("\x1f".join(row).encode()).hexdigest()[:32]
            answers[(INSTANCE_ID, "")] = f"sha256:{digest}"
        key_values = [answers.get((k, "")) for k in natural]
        if not all(key_part(v) for v in key_values):
            self.errors.add(line, None, f"needs {', '.join(natural)} to identify the record")
            return None
        key = record_key(envelope.force, key_values)
        if key in self.in_file:
            self.errors.add(line, None, f"same record as line {self.in_file[key]} ({key})")
            return None
        self.in_file[key] = line
        return key

    def _compare(
        self,
        line: int,
        record_id: str,
        envelope: _Envelope,
        answers: dict[AnswerKey, Any],
        given: dict[AnswerKey, Any],
        notes: dict[AnswerKey, str],
    ) -> None:
        """A row of a record already stored: the same, or its differences listed (and kept
        to write, with --update)."""
        fields: dict[str, Any] = {"status": envelope.status, "observed_at": envelope.observed}
        for name in ("subject_ref", "inspection", "observer_role"):
            if name in envelope.env:
                fields[name] = envelope.env[name] or None
        automatic = set(answers) - set(given)
        diffs = _differences(self.store, record_id, fields, answers, notes, self.columns, automatic)
        result = self.result
        if not diffs:
            result.already_present += 1
            return
        result.differing += 1
        answered = sum(1 for change, _ in diffs if change.kind == "answer")
        result.changed_answers += answered
        result.changed_other += len(diffs) - answered
        for change, old in diffs:
            what = change.field + (f"[{change.rkey}]" if change.rkey else "")
            result.differences.append((line, change.record_id, what, old, change.value))
        if self.update:
            self.changes.extend(change for change, _ in diffs)


def _read_rows(
    path: Path, encoding: str | None = None, data: bytes | None = None
) -> tuple[list[str], list[tuple[int, list[str]]], str]:
    """(header, [(line, cells)], encoding) of a whole CSV; `;` between cells is read too
    (KoboToolbox's exports). UTF-8 unless `encoding` says otherwise: a stray byte stops
    the import, naming its line and column."""
    try:
        data = path.read_bytes() if data is None else data
    except OSError as e:
        raise BadInput(f"{path}: cannot read ({e.strerror})") from None
    text, encoding = decode(data, encoding, path.name)  # a stray byte: its line, column
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise BadInput(f"{path.name}:{line}: not a CSV file (it contains NUL bytes)")
    csv.field_size_limit(MAX_FIELD)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise BadInput(f"{path.name}: empty file, no header row") from None
    except csv.Error as e:
        raise BadInput(f"{path.name}:1: not valid CSV ({e})") from None
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error as e:
        raise BadInput(f"{path.name}:{reader.line_num}: not valid CSV ({e})") from None
    return header, rows, encoding


def _same_key(a: Any, b: Any) -> bool:
    return str(a or "").strip().lower() == str(b or "").strip().lower()


def _colname(key: AnswerKey) -> str:
    item_id, rkey = key
    return f"{item_id}[{rkey}]" if rkey else item_id
