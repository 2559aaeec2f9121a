"""Crafting hostile databases with plain sqlite3, and checking that a refusal left every
file as it was."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from fieldkit.store import Store
from fieldkit.store.digest import change_id

COLUMNS = "id, device_id, seq, hlc, record_id, kind, field, rkey, value, author, parent, prev"


def laptop(path: Path, inspector: str, ref: str = "CR/15/1", force: str = "kent") -> Path:
    """A small inspector's database: a case file with a reference and two answers."""
    with Store.create(path, inspector=inspector) as s:
        rid = s.create_record("case_file_review", force)
        s.set_answer(rid, "cf_crime_ref", ref)
        s.set_answer(rid, "cf_da_flag", "yes")
        s.set_answer(rid, "cf_victim_injured", "no")
    return path


def edit(path: Path, *statements: str | tuple[str, tuple[Any, ...]]) -> None:
    """Change a database with plain sqlite3, as someone with the file could."""
    with closing(sqlite3.connect(path)) as conn:
        for stmt in statements:
            sql, args = (stmt, ()) if isinstance(stmt, str) else stmt
            conn.execute(sql, args)
        conn.commit()


def rows(path: Path, where: str = "1") -> list[tuple]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(f"SELECT {COLUMNS} FROM changes WHERE {where} ORDER BY seq").fetchall()


def forge(path: Path, **content: Any) -> bytes:
    """Append a change to the device's chain with a correct id and link, so that only what
    `content` sets (a clock, a value, ...) is hostile. Returns its id."""
    last = rows(path, "id IN (SELECT id FROM chain_heads)")[-1]
    change = dict(zip(COLUMNS.split(", "), last, strict=True))
    change.update(seq=last[2] + 1, prev=last[0], parent=None, field="cf_da_flag", value="no")
    change.update(content)
    order = COLUMNS.split(", ")[1:11]
    ident = change_id(*(change[k] for k in order), None, change["prev"])
    change["id"] = ident
    edit(
        path,
        (
            f"INSERT INTO changes ({COLUMNS}) VALUES ({', '.join('?' * 12)})",
            tuple(change[k] for k in COLUMNS.split(", ")),
        ),
        ("DELETE FROM chain_heads WHERE id = ?", (last[0],)),
        ("INSERT INTO chain_heads (id) VALUES (?)", (ident,)),
    )
    return ident


def sign(path: Path, key: Path | None = None) -> None:
    """Sign every chain tip of a database with a device key (the user's by default): what
    the laptop that wrote a forged-in change would have done itself, with its own key."""
    from fieldkit.store import keys
    from fieldkit.store.signing import sign_heads

    with closing(sqlite3.connect(path)) as conn, conn:
        sign_heads(conn, keys.signer(key))


def files(directory: Path) -> dict[str, str]:
    """sha256 of every file in a directory (hidden ones too)."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


def no_sidecars(directory: Path) -> bool:
    return not [p for p in directory.iterdir() if p.name.endswith(("-wal", "-shm", "-journal"))]


def refused(cli, directory: Path, *args: object) -> str:
    """Run a command that must be refused: one line, exit 2, no file changed or left."""
    before = files(directory)
    result = cli(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert files(directory) == before
    assert no_sidecars(directory)
    return lines[0]
