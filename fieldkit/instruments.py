"""Instruments as data: load a checklist definition from a file or a database, compare two
versions against the answers a database holds, and install a new one.

Installing is a logged change like any other write: the definition goes into the
`checklists` and `items` tables (which merges copy between databases) and a setting change
(record 'checklist', field the checklist id, key `v<version>`, value the definition's
hash) goes into the change log, in one transaction. Old versions stay installed, so
records made under them keep reading their answers under their own version.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fieldkit.checklists import Checklist, ChecklistError, get, parse_checklist
from fieldkit.checklists.diff import Change as DiffChange
from fieldkit.checklists.diff import breaking, count_answers, diff
from fieldkit.errors import BadInput, FieldkitError
from fieldkit.store import Change, Store, checklist_hash

FILE_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".yaml", ".yml", ".json")
_REF = re.compile(r"^([a-z][a-z0-9_]*)(?:[@:]v?(\d+))?$")


class BreakingVersion(FieldkitError):
    """A new version that would strand stored answers (exit 1, like a failing check)."""

    exit_code = 1


def load_file(path: Path, *, language: str | None = None) -> Checklist:
    """A checklist from an XLSForm workbook, a YAML file or a JSON definition."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        from fieldkit.checklists.xlsform_read import read_xlsform

        return read_xlsform(path, language=language).checklist
    if suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as e:
            raise ChecklistError(f"{path.name}: not valid JSON ({e})") from None
        return parse_checklist(data, path.name)
    if suffix in (".yaml", ".yml"):
        import yaml

        from fieldkit.yamlfile import safe_load

        try:
            data = safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            raise ChecklistError(
                f"{path.name}: not valid YAML ({' '.join(str(e).split())})"
            ) from None
        return parse_checklist(data, path.name)
    raise ChecklistError(f"{path.name}: not a checklist file (.xlsx, .xls, .yaml or .json)")


def resolve(ref: str, store: Store | None, *, language: str | None = None) -> Checklist:
    """A checklist named by a file path, or by `ID` / `ID@VERSION` (installed in the
    database when one is given, else shipped with fieldkit)."""
    path = Path(ref)
    if path.exists() or "/" in ref or path.suffix.lower() in FILE_SUFFIXES:
        if not path.exists():
            raise ChecklistError(f"{ref}: no such file")
        return load_file(path, language=language)
    m = _REF.match(ref)
    if not m:
        raise ChecklistError(
            f"{ref!r} is neither a checklist file nor a checklist id (ID or ID@VERSION)"
        )
    cid, version = m.group(1), m.group(2)
    if store is not None:
        have = store.conn.execute("SELECT 1 FROM checklists WHERE id = ?", (cid,)).fetchone()
        if have:
            return store.checklist(cid, int(version) if version else None)
    shipped = get(cid)
    if version and int(version) != shipped.version:
        raise ChecklistError(
            f"{cid} v{version} is not installed here (fieldkit ships v{shipped.version}; use --db)"
        )
    return shipped


def answer_counter(conn: sqlite3.Connection, checklist_id: str) -> Callable[[str, str | None], int]:
    """counter(item_id, choice) -> stored answers (of non-deleted records of the checklist,
    any version) to the item, or that use the choice (a choice or multi answer)."""

    def count(item_id: str, choice: str | None) -> int:
        args: list[object] = [checklist_id, item_id]
        extra = ""
        if choice is not None:
            extra = (
                " AND (c.value = ? OR (json_valid(c.value) AND json_type(c.value) = 'array'"
                " AND EXISTS (SELECT 1 FROM json_each(c.value) j WHERE j.value = ?)))"
            )
            args += [choice, choice]
        row = conn.execute(
            "SELECT count(*) FROM cells c JOIN records r ON r.record_id = c.record_id"
            " WHERE r.checklist_id = ? AND r.deleted = 0 AND c.kind = 'answer' AND c.field = ?"
            " AND c.value IS NOT NULL" + extra,
            args,
        ).fetchone()
        return int(row[0])

    return count


def compare(old: Checklist, new: Checklist, store: Store | None = None) -> list[DiffChange]:
    """The changes from old to new; with a database, how many answers each touches."""
    changes = diff(old, new)
    if store is not None:
        renamed = {i.id: i.renamed_from for i in new.items if i.renamed_from in old.item_map}
        count_answers(changes, answer_counter(store.conn, old.id), renamed)
    return changes


def known(store: Store | None) -> dict[str, Checklist]:
    """The checklists fieldkit ships and, with a database, the ones installed in it, which
    win: the latest installed version of each."""
    from fieldkit.checklists import load_all

    found = dict(load_all())
    if store is not None:
        found.update((c.id, c) for c in store.installed_checklists())
    return found


def known_checklist(checklist_id: str, store: Store | None) -> Checklist:
    """One checklist by id (as installed in the database, else as shipped); an unknown id
    is one line naming the known ones."""
    found = known(store)
    if checklist_id not in found:
        raise BadInput(f"unknown checklist {checklist_id!r} (known: {', '.join(sorted(found))})")
    return found[checklist_id]


@dataclass
class Comparison:
    """What `new` changes from `old` (with a database, how many answers each touches)."""

    old: Checklist
    new: Checklist
    changes: list[DiffChange]

    @property
    def breaking(self) -> list[DiffChange]:
        return [c for c in self.changes if c.breaking]

    def as_dict(self) -> dict[str, object]:
        return {
            "old": {"id": self.old.id, "version": self.old.version},
            "new": {"id": self.new.id, "version": self.new.version},
            "breaking": bool(self.breaking),
            "changes": [c.as_dict() for c in self.changes],
        }


def compare_refs(
    old: str, new: str, store: Store | None = None, *, language: str | None = None
) -> Comparison:
    """`checklists diff`: the two checklists files or ids name (see `resolve`), compared."""
    a = resolve(old, store, language=language)
    b = resolve(new, store, language=language)
    return Comparison(a, b, compare(a, b, store))


@dataclass
class Installed:
    checklist: Checklist
    status: str  # "installed" or "already installed"
    previous: int | None = None  # the version it replaces as the latest, if any
    changes: list[DiffChange] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # choice files that came (a new version)


def install(store: Store, checklist: Checklist, *, accept_breaking: bool = False) -> Installed:
    """Install a checklist version into the database (a logged change)."""
    cid, version = checklist.id, checklist.version
    rows = store.conn.execute(
        "SELECT version, hash FROM checklists WHERE id = ? ORDER BY version", (cid,)
    ).fetchall()
    hashes = {int(v): h for v, h in rows}
    if version in hashes:
        if (
            hashes[version] == checklist_hash(checklist)
            or store.checklist(cid, version) == checklist
        ):
            return Installed(checklist, "already installed")
        came = _files_came(store, checklist, hashes)
        if came is not None:
            return came
        raise ChecklistError(
            f"{cid} v{version} is already installed with a different definition; "
            "give the new one a higher version (settings sheet, version column)"
        )
    previous = max(hashes) if hashes else None
    changes: list[DiffChange] = []
    if previous is not None:
        if version < previous:
            raise ChecklistError(f"{cid} v{version} is older than the installed v{previous}")
        changes = compare(store.checklist(cid, previous), checklist, store)
        broken = breaking(changes)
        if broken and not accept_breaking:
            listed = "; ".join(
                f"{c.what} {c.item}{' ' + c.choice if c.choice else ''}"
                + (
                    f" ({c.answers} answer{'s' if c.answers != 1 else ''})"
                    if c.answers is not None
                    else ""
                )
                for c in broken
            )
            raise BreakingVersion(
                f"{cid} v{version} breaks v{previous}: {listed}. Answers stay readable under"
                " their version; to install it anyway, use --accept-breaking"
            )
    with store.writing() as w:
        w.install(checklist)
        w.append([Change("checklist", "setting", cid, checklist_hash(checklist), f"v{version}")])
    return Installed(checklist, "installed", previous, changes)


def _files_came(store: Store, checklist: Checklist, hashes: dict[int, str]) -> Installed | None:
    """A form whose version is installed, imported again with the choice files the latest
    version waited for (XLSForm select_one_from_file, the file not there before) and
    nothing else changed: a new version (the latest + 1) whose choices are the files'.
    None when that is not the case."""
    from dataclasses import replace

    from fieldkit.checklists.choice_files import files_arrived

    latest = max(hashes)
    newest = store.checklist(checklist.id, latest)
    as_latest = replace(checklist, version=latest)
    if newest == as_latest:
        return Installed(newest, "already installed")  # the files came before
    came = files_arrived(newest, as_latest)
    if not came:
        return None
    source = {**checklist.source, "version": latest + 1}
    result = install(store, parse_checklist(source, f"{checklist.id} v{latest + 1}"))
    result.files = came
    return result


def install_shipped_updates(store: Store) -> list[str]:
    """Install every shipped checklist version newer than the database's (a database made
    by an older fieldkit), unless it would break stored answers: then say how to look.
    Returns one line per checklist it installed or held back."""
    from fieldkit.checklists import load_all

    lines = []
    have = store.latest_versions()
    for checklist in load_all().values():
        current = have.get(checklist.id)
        if current is None or int(current) >= checklist.version:
            continue
        try:
            install(store, checklist)
        except sqlite3.OperationalError as e:
            if "readonly" in str(e).replace(" ", "").lower():
                return lines  # a write-protected file: left as it is
            raise
        except BreakingVersion:
            lines.append(
                f"{checklist.id} v{checklist.version} not installed: it would break stored"
                f" answers (see `fieldkit checklists diff {checklist.id} <export of"
                f" v{checklist.version}> --db`)"
            )
            continue
        lines.append(f"installed {checklist.id} v{checklist.version} (shipped with this fieldkit)")
    return lines
