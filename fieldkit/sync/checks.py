"""What a merge checks in each source's definitions and register rows before writing.

A merge copies a source's checklist definitions (`checklists`, `items`,
`natural_key_items`) and the register's append-only rows by plain union. Union is only
safe when two databases holding a key hold the same row, and when every row is what its
key says it is. So, for every source, before anything is written:

- a checklist id and version already held (by the target, by fieldkit's shipped
  checklists, or by an earlier source of the same merge) must have the same definition: a
  changed checklist is a new version, never the same one rewritten;
- every definition must pass the loader's validation, exactly as a YAML file does (a text
  holding a control character is refused, naming the checklist, item and field), name the
  id, version and title of its row, and match its `hash` (sha256 of the definition text);
- its `items` and `natural_key_items` rows must be exactly the rows the definition derives
  (fieldkit.store.schema.checklist_rows): no extra item, no changed natural key, and none
  for a checklist version the source does not define;
- every register row must match the digest its key claims (fieldkit/store/rowkeys.py: each
  merged row is keyed by a digest of its content; a plan by its force and name), in every
  source alike, a scrubbed copy too.

Anything else is refused in one line naming the file (BadInput, exit 2).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fieldkit.checklists import Checklist, ChecklistError, load_all, parse_stored
from fieldkit.errors import BadDatabase, BadInput
from fieldkit.store.fold import ITEM_COLUMNS, KEY_ITEM_COLUMNS, checklist_rows, read_uri
from fieldkit.store.rowkeys import BINARY, ROW_KEYS, key_columns, key_problem

# The merged tables whose rows are keyed by their content (fieldkit/store/rowkeys.py: one
# definition for the writer, scrub, `fieldkit verify` and this check).
REGISTER_KEYS: tuple[str, ...] = (*ROW_KEYS, "plans")


@dataclass(frozen=True)
class _Held:
    definition: Any  # the parsed JSON
    where: str  # who holds it: a file, or "fieldkit's shipped checklists"


def check_sources(paths: Sequence[Path], target: Path) -> None:
    """Check every source's definitions and register rows against the target (if it
    exists), fieldkit's shipped checklists and the sources before it. Reads only; raises
    BadInput (one line naming the file) at the first problem."""
    held = _held(target)
    for path in paths:
        conn = _open(path)
        try:
            try:
                if target.exists():
                    conn.execute("ATTACH DATABASE ? AS held", (read_uri(target),))
                _check_source(conn, Path(path), held)
            except sqlite3.DatabaseError as e:
                raise BadDatabase(f"{path}: unreadable ({e})") from None
            except UnicodeDecodeError:
                raise BadDatabase(f"{path}: holds text that is not UTF-8") from None
        finally:
            conn.close()


def _open(path: Path) -> sqlite3.Connection:
    try:
        return sqlite3.connect(read_uri(Path(path)), uri=True, isolation_level=None)
    except sqlite3.DatabaseError as e:
        raise BadDatabase(f"{path}: cannot open ({e})") from None


def _tables(conn: sqlite3.Connection, schema: str) -> set[str]:
    rows = conn.execute(f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table'")
    return {r[0] for r in rows}


def _normal(checklist: Checklist) -> Any:
    """A definition as the loader reads it: two stored texts that parse to the same
    checklist (key order, defaults written out or left implicit, facts an older fieldkit did
    not store) are the same definition; any difference in what it asks or counts is not."""
    return json.loads(checklist.definition_json())


def _held(target: Path) -> dict[tuple[str, int], _Held]:
    """Definitions a merge into `target` already holds: fieldkit's shipped checklists
    (every fieldkit database installs them), then the target's own rows."""
    held = {
        (c.id, c.version): _Held(_normal(c), "fieldkit's shipped checklists")
        for c in load_all().values()
    }
    if not target.exists():
        return held
    conn = _open(target)
    try:
        if "checklists" in _tables(conn, "main"):
            for cid, version, definition in conn.execute(
                "SELECT id, version, definition FROM checklists"
            ):
                try:
                    stored = parse_stored(definition, str(target))
                except (ChecklistError, TypeError, ValueError, AttributeError, KeyError):
                    continue  # the target's own damage is not a source's fault
                held[(cid, version)] = _Held(_normal(stored), str(target))
    except sqlite3.DatabaseError as e:
        raise BadDatabase(f"{target}: unreadable ({e})") from None
    finally:
        conn.close()
    return held


# ------------------------------------------------------------------------- definitions
def _check_source(conn: sqlite3.Connection, path: Path, held: dict[tuple[str, int], _Held]) -> None:
    tables = _tables(conn, "main")
    defined: set[tuple[str, int]] = set()
    if "checklists" in tables:
        for row in conn.execute("SELECT id, version, title, definition, hash FROM checklists"):
            defined.add(_check_definition(conn, path, row, held, tables))
    for table, columns in (("items", ITEM_COLUMNS), ("natural_key_items", KEY_ITEM_COLUMNS)):
        if table not in tables:
            continue
        for cid, version in conn.execute(
            f"SELECT DISTINCT {columns[0]}, {columns[1]} FROM {table}"
        ):
            if (cid, version) not in defined:
                raise BadInput(
                    f"{path}: {table} has rows for checklist {cid} version {version}, "
                    "which it holds no definition of"
                )
    attached = _tables(conn, "held") if _attached(conn) else set()
    for table in REGISTER_KEYS:
        if table in tables:
            _check_register(conn, path, table, table in attached)


def _attached(conn: sqlite3.Connection) -> bool:
    return any(r[1] == "held" for r in conn.execute("PRAGMA database_list"))


def _check_definition(
    conn: sqlite3.Connection,
    path: Path,
    row: tuple[Any, ...],
    held: dict[tuple[str, int], _Held],
    tables: set[str],
) -> tuple[str, int]:
    cid, version, title, definition, stored_hash = row
    what = f"{path}: checklist {cid} version {version}"
    if not isinstance(cid, str) or not isinstance(version, int) or isinstance(version, bool):
        raise BadInput(f"{what}: id and version must be text and a whole number")
    if not isinstance(definition, str):
        raise BadInput(f"{what}: the definition is not text")
    if stored_hash != hashlib.sha256(definition.encode("utf-8", "surrogatepass")).hexdigest():
        raise BadInput(f"{what}: its hash does not match its definition")
    try:
        data = json.loads(definition)
    except (ValueError, RecursionError):
        raise BadInput(f"{what}: the definition is not valid JSON") from None
    try:
        # As every reader parses it: a definition stored before checklists carried their own
        # facts (dashboard, targets, scope, summaries) takes them from the shipped file.
        checklist = parse_stored(definition, what, incoming=True)
    except ChecklistError as e:
        raise BadInput(str(e)) from None
    except (TypeError, ValueError, AttributeError, KeyError, RecursionError) as e:
        raise BadInput(f"{what}: the definition does not validate ({type(e).__name__})") from None
    if (checklist.id, checklist.version, checklist.title) != (cid, version, title):
        raise BadInput(
            f"{what}: its definition is of {checklist.id} version {checklist.version} "
            f"({checklist.title!r}), not of the row it is stored in"
        )
    key = (cid, version)
    before = held.get(key)
    data = _normal(checklist)
    if before is not None and before.definition != data:
        raise BadInput(
            f"{what} differs from the one held by {before.where}; "
            "a changed checklist needs a new version number"
        )
    if before is None:
        held[key] = _Held(data, str(path))
    items, key_items = checklist_rows(checklist)
    for table, columns, derived in (
        ("items", ITEM_COLUMNS, items),
        ("natural_key_items", KEY_ITEM_COLUMNS, key_items),
    ):
        if table not in tables:
            continue
        stored = conn.execute(
            f"SELECT {', '.join(columns)} FROM {table} WHERE {columns[0]} = ? AND {columns[1]} = ?",
            key,
        ).fetchall()
        problem = _difference(table, derived, stored)
        if problem:
            raise BadInput(f"{what}: {problem}")
    return key


def _difference(table: str, derived: Iterable[tuple], stored: Iterable[tuple]) -> str | None:
    """What differs between the rows a definition derives and the rows stored, or None."""
    want, have = Counter(derived), Counter(tuple(r) for r in stored)
    if want == have:
        return None
    if table == "natural_key_items":
        keys = ", ".join(r[3] for r in sorted(want)) or "none"
        got = ", ".join(str(r[3]) for r in sorted(have, key=repr)) or "none"
        return f"its natural key items ({got}) are not its definition's ({keys})"
    extra = sorted({str(r[2]) for r in (have - want)})
    missing = sorted({str(r[2]) for r in (want - have)} - set(extra))
    if extra:
        return f"its items table has rows its definition does not make (item {', '.join(extra)})"
    return f"its items table lacks rows of its definition (item {', '.join(missing)})"


# ------------------------------------------------------------------------------ register
def _check_register(
    conn: sqlite3.Connection,
    path: Path,
    table: str,
    in_target: bool,
) -> None:
    """Every row the target does not already hold, identical, must match its key: in every
    database, a copy made by `fieldkit scrub` too (scrub gives the rows it blanks the keys
    their new content has)."""
    key_column, part_columns = key_columns(table)
    cols = ", ".join(f'"{c}"' for c in (key_column, *part_columns))
    query = f'SELECT {cols} FROM main."{table}"'
    if in_target:
        query += f' EXCEPT SELECT {cols} FROM held."{table}"'
    for key, *parts in conn.execute(query):
        why = key_problem(table, key, parts)
        if why == BINARY:
            raise BadInput(f"{path}: {table} row {_short(key)} {why}")
        if why is not None:
            raise BadInput(f"{path}: {table} row {_short(key)} {why}; refusing to merge it")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
