"""The Store: an open fieldkit database, and the way every write into it goes.

Every change to fieldkit's own data (records, answers, notes, targets, settled conflicts)
is a Store method: a short transaction that appends to the change log and rebuilds the
cells it touched (fieldkit.store.log), so a process killed at any moment loses nothing
that was committed. Every other write goes through the Writer `Store.writing()` yields
(fieldkit.store.writer): one transaction, refused on a read-only store, whose named
methods append to the log (the CSV import, the demo, instrument installs), install
checklists and trust keys, and in which the register, plans and scrub run their own
tables' statements; the rows it inserts are signed before it commits. Only the merge
holds a transaction of its own, through the fold interface (fieldkit.store.fold).
Readers are plain functions over `Store.conn`, rows through fieldkit.sql.rows(): the
rule in full is fieldkit/sql/__init__.py's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fieldkit import forces, sql
from fieldkit.checklists import (
    NA,
    AnswerError,
    AnswerKey,
    Checklist,
    ChecklistError,
    apply_rules,
    get,
    missing_required,
    parse_stored,
    stamps,
    validate_answer,
)
from fieldkit.errors import BadDatabase, BadInput, FieldkitError
from fieldkit.limits import check_text
from fieldkit.store import attachments, connection, rowsigs, schema, views
from fieldkit.store.definitions import installed_checklists
from fieldkit.store.identity import new_id
from fieldkit.store.log import Change, write_local
from fieldkit.store.writer import Writer

RECORD_FIELDS = (
    "checklist_id",
    "checklist_version",
    "inspection",
    "force_code",
    "inspector",
    "observer_role",
    "observed_at",
    "subject_ref",
    "status",
    "deleted",
)
OBSERVER_ROLES = ("hmic_staff", "force_peer_specialist", "voluntary_sector_expert", "other")
STATUSES = ("draft", "final")


class IncompleteRecord(FieldkitError):
    """A record that cannot be final yet: required items are unanswered."""

    def __init__(self, record_id: str, missing: list[AnswerKey]):
        self.record_id = record_id
        self.missing = missing
        names = ", ".join(f"{i}[{k}]" if k else i for i, k in missing[:8])
        more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
        super().__init__(f"{len(missing)} required item(s) unanswered: {names}{more}")


def resolve_force(text: str) -> str:
    code = forces.resolve(text)
    if code is None:
        raise BadInput(f"unknown force {text!r}: use a code or name of one of the 43 forces")
    return code


class Store:
    """An open fieldkit database."""

    def __init__(self, conn: sqlite3.Connection, path: Path, readonly: bool = False):
        self.conn = conn
        self.path = path
        self.readonly = readonly
        self._checklists: dict[tuple[str, int], Checklist] = {}
        self._closing: list[Any] = []  # what close() also ends (an as-of copy's directory)
        self.told: list[str] = []  # what opening it did that its user should be told
        self.signer: Any = None  # the key writing() signs rows with (None: the user's)
        self._written: list[tuple[str, str]] = []  # rows writing() inserts (rowsigs.track)
        self._tracking = False

    # ---------------------------------------------------------------- opening
    @classmethod
    def create(cls, path: Path | str, *, inspector: str | None = None) -> Store:
        """A new database at `path`, owner-only, with the schema and reference data."""
        path = Path(path)
        connection.create_file(path)
        try:
            conn = connection.connect(path)
            schema.migrate(conn)
            now = datetime.now(UTC).isoformat(timespec="seconds")
            with connection.transaction(conn):
                conn.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [
                        ("app", "fieldkit"),
                        ("database_id", new_id()),
                        ("device_id", new_id().replace("-", "")[-12:]),
                        ("created_at", now),
                        ("inspector", inspector or ""),
                        ("seq", "0"),
                        ("hlc", "0"),
                    ],
                )
                if inspector:  # a named inspector's device: its key in its log from the start
                    write_local(conn, [], author=inspector, introduce=True)
        except BaseException:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            raise
        return cls(conn, path)

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        readonly: bool = False,
        create: bool = False,
        inspector: str | None = None,
        as_of: str | None = None,
    ) -> Store:
        """Open an existing database (checked first, migrated with a backup if older), or
        create it when `create` is set and there is no file.

        With `as_of` (a date, or an ISO date and time), a read-only view of the database as
        its log stood then: the changes dated before it folded into a private temporary
        copy (removed on close), which every report, view and export reads as it reads the
        live file. `path` still names the live file."""
        path = Path(path)
        if as_of is not None:
            return cls._as_of(path, as_of)
        if create and not path.exists():
            return cls.create(path, inspector=inspector)
        # (its schema read by the connection that keeps it, not twice)
        version = connection.require_fieldkit(path, schema.SCHEMA_VERSION, schema=False)
        conn = connection.connect(path, readonly=readonly)
        try:
            if version < schema.SCHEMA_VERSION:
                if readonly:
                    raise BadDatabase(
                        f"{path}: older fieldkit schema {version}; open it once with a writing "
                        "command (e.g. `fieldkit init`) to migrate it"
                    )
                schema.backup(conn, path, version)
                schema.migrate(conn)
                vouched = schema.vouch_upgraded(conn, version)
        except BaseException:
            conn.close()
            raise
        store = cls(conn, path, readonly)
        if version < schema.SCHEMA_VERSION and not readonly and vouched:
            store.told.append(vouched)
        return store

    @classmethod
    def _as_of(cls, path: Path, when: str) -> Store:
        from fieldkit.store import asof

        until = asof.cutoff(when)
        with cls.open(path, readonly=True):
            pass  # the same checks (and refusals) as opening it
        directory = asof.as_of_directory()
        try:
            store = cls.create(Path(directory.name) / "as-of.db")
            # a throwaway copy, removed on close: nothing to keep safe from a power cut, so
            # the fold is neither journalled to disk nor synced (it waited on the disk)
            store.conn.execute("PRAGMA journal_mode = MEMORY")
            store.conn.execute("PRAGMA synchronous = OFF")
            asof.fold_as_of(store.conn, path, until)
            store.conn.execute("PRAGMA query_only = ON")
        except BaseException:
            directory.cleanup()
            raise
        store.path, store.readonly = path, True
        store._closing.append(directory)
        return store

    def close(self) -> None:
        self.conn.close()
        for item in self._closing:
            item.cleanup()
        self._closing.clear()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @property
    def device_id(self) -> str:
        return self.meta("device_id") or ""

    @property
    def database_id(self) -> str:
        return self.meta("database_id") or ""

    @property
    def inspector(self) -> str:
        return self.meta("inspector") or ""

    def adopt_inspector(self, name: str) -> bool:
        """Name the inspector of a database that names none (made without `init
        --inspector`, as `fieldkit capture` makes one): the author of the changes written
        here from now on, and the name offered where no context is remembered. False
        (nothing written) when it names one already or `name` is blank."""
        name = name.strip()
        if not name or self.inspector:
            return False
        with self.writing() as w:
            w.set_meta([("inspector", name)])
        return True

    # ------------------------------------------------------------- checklists
    def latest_versions(self) -> dict[Any, Any]:
        """Each stored checklist id and the latest version of it held, as stored (a merged
        database may hold one this fieldkit cannot read: callers check)."""
        return dict(self.conn.execute("SELECT id, max(version) FROM checklists GROUP BY id"))

    def checklist(self, checklist_id: str, version: int | None = None) -> Checklist:
        """A checklist as stored in this database (the latest version if none is given)."""
        if version is None:
            row = self.conn.execute(
                "SELECT max(version) FROM checklists WHERE id = ?", (checklist_id,)
            ).fetchone()
            if row[0] is None:
                return get(checklist_id)  # raises the clear "unknown checklist" error
            version = int(row[0])
        key = (checklist_id, int(version))
        if key not in self._checklists:
            row = self.conn.execute(
                "SELECT definition FROM checklists WHERE id = ? AND version = ?", key
            ).fetchone()
            if row is None:
                raise ChecklistError(f"unknown checklist {checklist_id!r} version {version}")
            try:
                parsed = parse_stored(row[0], f"{checklist_id} v{version}")
            except (TypeError, ValueError):
                raise BadDatabase(
                    f"{self.path}: the stored definition of {checklist_id} v{version} is damaged"
                ) from None
            self._checklists[key] = parsed
        return self._checklists[key]

    def installed_checklists(self) -> list[Checklist]:
        """Every checklist installed here (its latest version), in dashboard order."""
        return installed_checklists(self.conn)

    def checklist_of(self, record_id: str) -> Checklist:
        rec = self.record(record_id)
        return self.checklist(rec["checklist_id"], rec["checklist_version"])

    # ------------------------------------------------------------------ writes
    @contextmanager
    def writing(self) -> Iterator[Writer]:
        """One write transaction on this database (committed when the block ends, rolled
        back if it raises): the Writer to write with (fieldkit.store.writer). The rows
        inserted inside are signed in the same transaction. Refused when read-only."""
        if self.readonly:
            raise FieldkitError(f"{self.path}: opened read-only")
        with connection.transaction(self.conn) as conn:
            self._tracking = self._tracking or rowsigs.track(conn, self._written)
            self._written.clear()  # (what a block rolled back inserted)
            yield Writer(self, conn)
            rowsigs.sign_written(conn, self._written, self.signer)  # signed before COMMIT

    def update_views(self) -> bool:
        """Store this fieldkit's view definitions in the file if it holds other ones (made
        by an older fieldkit: readers then use TEMP copies on each connection, and plain
        SQLite tools see the old ones). True if they were replaced."""
        if views.current(self.conn):
            return False
        try:
            with self.writing() as w:
                views.refresh(w.conn)
        except sqlite3.OperationalError as e:
            if "readonly" in str(e).replace(" ", "").lower():
                return False  # a write-protected file: readers keep using TEMP copies
            raise
        return True

    @contextmanager
    def waiting_at_most(self, seconds: float) -> Iterator[None]:
        """Let writes inside wait at most `seconds` for another writer (SQLite's busy
        timeout, a setting of this connection, put back afterwards)."""
        before = self.conn.execute("PRAGMA busy_timeout").fetchone()[0]
        self.conn.execute(f"PRAGMA busy_timeout = {max(0, int(seconds * 1000))}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {int(before)}")

    def write(self, changes: Iterable[Change], *, author: str | None = None) -> int:
        """Write changes in one transaction; the building block of every other write."""
        with self.writing() as w:
            return w.append(changes, author=author)

    def record_changes(
        self,
        checklist: Checklist,
        force_code: str,
        *,
        record_id: str | None = None,
        inspection: str = "",
        inspector: str | None = None,
        observer_role: str | None = None,
        observed_at: str | None = None,
        subject_ref: str | None = None,
        status: str = "draft",
        answers: Mapping[AnswerKey, Any] | None = None,
        notes: Mapping[AnswerKey, str] | None = None,
    ) -> tuple[str, list[Change]]:
        """The changes that create one record (validated values only). No I/O."""
        if status not in STATUSES:
            raise BadInput(f"status must be draft or final, not {status!r}")
        if observer_role is not None and observer_role not in OBSERVER_ROLES:
            raise BadInput(f"observer role must be one of {', '.join(OBSERVER_ROLES)}")
        rid = record_id or new_id()
        fields = {
            "checklist_id": checklist.id,
            "checklist_version": checklist.version,
            "inspection": inspection or "",
            "force_code": force_code,
            "inspector": inspector if inspector is not None else self.inspector,
            "observer_role": observer_role,
            "observed_at": observed_at,
            "subject_ref": subject_ref,
            "status": status,
            "deleted": 0,
        }
        out = [Change(rid, "record", k, v) for k, v in fields.items()]
        for (item_id, rkey), value in (answers or {}).items():
            if value is not None:
                out.append(Change(rid, "answer", item_id, value, rkey))
        for (item_id, rkey), text in (notes or {}).items():
            if text:
                out.append(Change(rid, "note", item_id, text, rkey))
        filled = stamps.stamp_answers(  # XLSForm metadata (start, deviceid ...): the stamps
            checklist, answers or {}, observed_at, self.device_id, fields["inspector"]
        )
        out += [Change(rid, "answer", i, v, k) for (i, k), v in filled.items()]
        return rid, out

    def create_record(self, checklist_id: str, force: str, **kw: Any) -> str:
        """Create one record (draft unless status='final'); returns its id."""
        checklist = self.checklist(checklist_id)
        self._ensure_checklist(checklist)
        rid, changes = self.record_changes(checklist, resolve_force(force), **kw)
        self.write(changes)
        return rid

    def _ensure_checklist(self, checklist: Checklist) -> None:
        if self.readonly:
            return
        with self.writing() as w:
            w.install(checklist)

    def set_answer(
        self, record_id: str, item_id: str, raw: Any, rkey: str = ""
    ) -> dict[AnswerKey, Any]:
        """Set one answer (parsed and checked against its item), and whatever the relevance
        rules then change, in one transaction. Returns every value written."""
        checklist = self.checklist_of(record_id)
        try:
            item = checklist.item(item_id)
        except KeyError as e:
            raise BadInput(str(e.args[0])) from None
        check_text(item_id, raw)
        attachment = attachments.to_attach(self.conn, item, raw)  # a path: the file, read
        raw = attachment.digest if attachment is not None else raw
        # Read, check and write in one write transaction: another writer (a second app, a
        # merge) cannot change the record between the rules being worked out and applied.
        with self.writing() as w:
            before = self.answers(record_id)
            try:
                value = validate_answer(checklist, before, (item_id, rkey), raw)
            except AnswerError as e:
                raise BadInput(str(e)) from None
            answers = {**before, (item_id, rkey): value}
            w.attach(attachment)  # the file answered (None: no file)
            written = {(item_id, rkey): value}
            written.update(apply_rules(checklist, answers, before))
            w.append(Change(record_id, "answer", i, v, k) for (i, k), v in written.items())
        return written

    def set_note(self, record_id: str, item_id: str, text: str | None, rkey: str = "") -> None:
        self.checklist_of(record_id).item(item_id)
        check_text(f"note on {item_id}", text)
        self.write([Change(record_id, "note", item_id, (text or "").strip() or None, rkey)])

    def set_field(self, record_id: str, field: str, value: Any) -> None:
        """Change an envelope field (force, observed_at, subject_ref, ...)."""
        if field not in RECORD_FIELDS or field in ("checklist_id", "checklist_version"):
            raise BadInput(f"{field!r} is not a field that can be changed")
        if field == "force_code":
            value = resolve_force(str(value))
        if field == "status" and value not in STATUSES:
            raise BadInput(f"status must be draft or final, not {value!r}")
        self.write([Change(record_id, "record", field, value)])

    def finalise(self, record_id: str) -> None:
        """Make a record final; refuses (IncompleteRecord) while a required item is blank."""
        checklist = self.checklist_of(record_id)
        missing = missing_required(checklist, self.answers(record_id))
        if missing:
            raise IncompleteRecord(record_id, missing)
        ends = stamps.end_answers(checklist, self.answers(record_id))  # XLSForm's `end`
        ended = [Change(record_id, "answer", i, v, k) for (i, k), v in ends.items()]
        self.write([*ended, Change(record_id, "record", "status", "final")])

    def reopen(self, record_id: str) -> None:
        self.set_field(record_id, "status", "draft")

    def delete(self, record_id: str) -> None:
        """Soft delete: a logged change, undone by `restore`."""
        self.set_field(record_id, "deleted", 1)

    def restore(self, record_id: str) -> None:
        self.set_field(record_id, "deleted", 0)

    def duplicate(self, record_id: str) -> str:
        """A new draft with the same envelope and answers, minus the natural-key items."""
        rec = self.record(record_id)
        checklist = self.checklist(rec["checklist_id"], rec["checklist_version"])
        answers = {
            k: v for k, v in self.answers(record_id).items() if k[0] not in checklist.natural_key
        }
        rid, changes = self.record_changes(
            checklist,
            rec["force_code"],
            inspection=rec["inspection"] or "",
            inspector=self.inspector or rec["inspector"],
            observer_role=rec["observer_role"],
            observed_at=rec["observed_at"],
            answers=answers,
        )
        self.write(changes)
        return rid

    def set_target(
        self, checklist_id: str, target: int, *, stratum: str = "", force: str = "*"
    ) -> None:
        """A sample target for the team (force '*' = every force)."""
        self.checklist(checklist_id)
        code = "*" if force == "*" else resolve_force(force)
        if target < 0:
            raise BadInput("a target is a number of 0 or more")
        self.write([Change("target", "setting", checklist_id, int(target), f"{stratum}@{code}")])

    def clear_target(self, checklist_id: str, *, stratum: str = "", force: str = "*") -> bool:
        """Take a target back out (a logged change, so it merges like setting one): the
        next broader target applies again, else the default. False if none was set."""
        self.checklist(checklist_id)
        code = "*" if force == "*" else resolve_force(force)
        rkey = f"{stratum}@{code}"
        row = self.conn.execute(
            "SELECT value FROM cells WHERE record_id = 'target' AND kind = 'setting'"
            " AND field = ? AND rkey = ?",
            (checklist_id, rkey),
        ).fetchone()
        if row is None or row[0] is None:
            return False
        self.write([Change("target", "setting", checklist_id, None, rkey)])
        return True

    def settle(self, change_id: str, keep: str = "winner") -> None:
        """Settle a conflict: keep the winning value or the other one. The settling is a
        logged change that has seen both, so it merges like any other."""
        row = self.conn.execute(
            "SELECT record_id, kind, field, rkey, value, winner_value FROM conflicts"
            " WHERE change_id = ?",
            (change_id,),
        ).fetchone()
        if row is None:
            raise BadInput(f"no open conflict {change_id!r}")
        record_id, kind, field, rkey, other, winner = row
        if keep not in ("winner", "other"):
            raise BadInput("keep must be 'winner' or 'other'")
        self.write([Change(record_id, kind, field, winner if keep == "winner" else other, rkey)])

    # ------------------------------------------------------------------- reads
    def record(self, record_id: str) -> dict[str, Any]:
        row = sql.row(self.conn, "SELECT * FROM records WHERE record_id = ?", (record_id,))
        if row is None:
            raise BadInput(f"no record {record_id!r}")
        return row

    def _cells(self, record_id: str, kind: str) -> dict[AnswerKey, Any]:
        rows = self.conn.execute(
            "SELECT field, rkey, value FROM cells WHERE record_id = ? AND kind = ?",
            (record_id, kind),
        )
        return {(f, k): v for f, k, v in rows if v is not None}

    def answers(self, record_id: str) -> dict[AnswerKey, Any]:
        return self._cells(record_id, "answer")

    def notes(self, record_id: str) -> dict[AnswerKey, str]:
        return self._cells(record_id, "note")

    def visit_carryover(
        self, checklist_id: str, force: str, inspector: str
    ) -> tuple[dict[AnswerKey, Any], str]:
        """What a new record of `checklist_id` starts with: the answers of its `scope: visit`
        sections (a call's control-room context, say) from the inspector's last record of it
        at this force, with the relevance rules those answers set; and which record they came
        from (its subject reference, else the start of its id). ({}, "") when there is none."""
        checklist = self.checklist(checklist_id)
        ids = {i.id for s in checklist.sections if s.scope == "visit" for i in s.items}
        if not ids:
            return {}, ""
        mine = [
            r
            for r in self.records(checklist=checklist_id, force=force)
            if (r["inspector"] or "") == inspector
        ]
        if not mine:
            return {}, ""
        last = max(mine, key=lambda r: r["created_hlc"] or 0)
        carried = {
            k: v
            for k, v in self.answers(last["record_id"]).items()
            if k[0] in ids and v is not None
        }
        for key, value in apply_rules(checklist, carried).items():
            if value is not None:
                carried[key] = value
        return carried, last["subject_ref"] or last["record_id"][:8]

    def records(
        self,
        *,
        checklist: str | None = None,
        force: str | None = None,
        status: str | None = None,
        search: str | None = None,
        deleted: bool = False,
    ) -> list[dict[str, Any]]:
        """Records, newest first, filtered; `search` looks in subject refs and notes."""
        like = f"%{search}%"
        matching = (
            "(subject_ref LIKE ? OR natural_key LIKE ? OR EXISTS (SELECT 1 FROM cells c"
            " WHERE c.record_id = records.record_id AND c.kind = 'note' AND c.value LIKE ?))",
            [like] * 3,
        )
        where, args = sql.where(
            {
                "deleted": 1 if deleted else 0,
                "checklist_id": checklist,
                "force_code": resolve_force(force) if force else None,
                "status": status,
            },
            *([matching] if search else []),
        )
        return sql.rows(self.conn, f"SELECT * FROM records {where} ORDER BY updated_hlc DESC", args)

    def record_answers(self, item_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """{record_id: {item_id: answer}}: these items' record-level answers in every record
        (the natural-key answers a list shows to tell records apart)."""
        ids = sorted(set(item_ids))
        if not ids:
            return {}
        rows = self.conn.execute(
            "SELECT record_id, field, value FROM cells WHERE kind = 'answer' AND rkey = ''"
            f" AND field IN ({', '.join('?' * len(ids))}) AND value IS NOT NULL",
            ids,
        )
        out: dict[str, dict[str, Any]] = {}
        for rid, field, value in rows:
            out.setdefault(rid, {})[field] = value
        return out

    def conflicts(self) -> list[dict[str, Any]]:
        return sql.rows(
            self.conn,
            "SELECT f.*, r.checklist_id, r.force_code, r.natural_key FROM conflicts f"
            " LEFT JOIN records r ON r.record_id = f.record_id ORDER BY f.record_id, f.field",
        )

    def data_version(self) -> int:
        """SQLite's data_version: it changes when another connection (another program, a
        merge) commits to the file, never for this store's own writes."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def record_totals(self) -> tuple[int, int]:
        """(records, drafts) the database holds, deleted records not counted."""
        total, drafts = self.conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'draft') FROM records"
            " WHERE deleted = 0"
        ).fetchone()
        return int(total), int(drafts)

    def counts(self) -> dict[str, int]:
        q = self.conn.execute
        return {
            "records": self.record_totals()[0],
            "answers": q("SELECT count(*) FROM cells WHERE kind = 'answer'").fetchone()[0],
            "changes": q("SELECT count(*) FROM changes").fetchone()[0],
            "conflicts": self.conflict_count(),
        }

    def log_digest(self) -> str:
        """The digest of the whole change log (32 hex digits; `fieldkit verify` prints it):
        ties a published figure to the exact state it came from."""
        from fieldkit.store.chain import log_digest

        return log_digest(self.conn)

    def conflict_count(self) -> int:
        """Values waiting to be settled (what the dashboard shows)."""
        return int(self.conn.execute("SELECT count(*) FROM conflicts").fetchone()[0])


def answers_with_rules(checklist: Checklist, answers: dict[AnswerKey, Any]) -> dict[AnswerKey, Any]:
    """Answers plus the NA the relevance rules set for blank items (used by the importer)."""
    out = dict(answers)
    for key, value in apply_rules(checklist, out).items():
        if value == NA and out.get(key) in (None, ""):
            out[key] = NA
    return out
