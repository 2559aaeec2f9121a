"""Attachments: the files image, audio, video, file and osm questions are answered with.

A file is held once, in the `attachments` table keyed by the SHA-256 of its content
(schema step 0010); the answer written to the change log is that digest, so the log's
digests and signatures cover the file through it. At most MAX_BYTES a file: a photo or a
short recording, not a film. `fieldkit verify` checks every held file against its digest
and that every digest the log answers is held (`problems`); a merge takes a source's
files by plain union (fieldkit.store.schema.UNION_TABLES).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fieldkit import sql
from fieldkit.checklists.model import ATTACHMENT_KINDS, DIGEST_RE, Item
from fieldkit.errors import BadInput

MAX_BYTES = 20 * 1024 * 1024  # 20 MiB: one attached file, at most
Q = sql.queries("attachments")


@dataclass(frozen=True)
class Attachment:
    digest: str
    name: str
    size: int
    content: bytes

    def row(self) -> dict[str, Any]:
        return {
            "digest": self.digest,
            "name": self.name,
            "size": self.size,
            "content": self.content,
        }


def size_text(size: int) -> str:
    """A file's size for people: 812 B, 14.2 kB, 3.1 MB."""
    if size < 1000:
        return f"{size} B"
    for unit in ("kB", "MB", "GB"):
        size_f = size / 1000
        if size_f < 1000 or unit == "GB":
            return f"{size_f:.1f} {unit}"
        size = int(size_f)
    return f"{size} B"  # (not reached)


def label(name: str, size: int) -> str:
    """How an attachment reads on screen and in reports: `photo.jpg (14.2 kB)`."""
    return f"{name} ({size_text(size)})"


def read_file(path: Path, what: str) -> Attachment:
    """A file to attach, read whole; BadInput in one line (naming `what`, the question) when
    it is missing, a folder, unreadable or over MAX_BYTES (refused before it is read)."""
    path = Path(os.path.expanduser(str(path)))
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise BadInput(f"{what}: {path} is a folder, not a file")
        if size > MAX_BYTES:
            raise BadInput(
                f"{what}: {path.name} is {size_text(size)}; an attached file holds at most"
                f" {size_text(MAX_BYTES)}"
            )
        content = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{what}: no file {path}") from None
    except OSError as e:
        raise BadInput(f"{what}: cannot read {path} ({e.strerror or e})") from None
    if len(content) > MAX_BYTES:  # (grew while read)
        raise BadInput(f"{what}: {path.name} is over {size_text(MAX_BYTES)}")
    return Attachment(hashlib.sha256(content).hexdigest(), path.name, len(content), content)


def held(conn: sqlite3.Connection, digest: str) -> bool:
    row = conn.execute("SELECT 1 FROM main.attachments WHERE digest = ?", (digest,)).fetchone()
    return row is not None


def to_attach(
    conn: sqlite3.Connection, item: Item, raw: Any, base: Path | None = None
) -> Attachment | None:
    """The file an answer to an attachment item names, read (None: the answer is blank, not
    applicable, or the digest of a file held already). `raw` is a path (relative to `base`
    when given, as a CSV export names its media files)."""
    if item.kind not in ATTACHMENT_KINDS or not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip()
    if text.lower() in ("na", "n/a", "not applicable"):
        return None
    digest = text.lower().removeprefix("sha256:")
    if DIGEST_RE.fullmatch(digest) and held(conn, digest):
        return None
    path = Path(os.path.expanduser(text))
    if base is not None and not path.is_absolute():
        found = [p for p in (base / text, base / "media" / text) if p.exists()]
        path = found[0] if found else base / text
    return read_file(path, item.id)


def add(conn: sqlite3.Connection, attachment: Attachment | None) -> None:
    """Hold a file (inside the caller's write transaction); held already, or None: nothing
    changes."""
    if attachment is not None:
        conn.execute(Q["add"], attachment.row())


def describe(conn: sqlite3.Connection, digests: Iterable[Any]) -> dict[str, str]:
    """digest -> `name (size)` for the attachments held among `digests`."""
    wanted = sorted({str(d) for d in digests if isinstance(d, str) and DIGEST_RE.fullmatch(d)})
    if not wanted:
        return {}
    try:
        rows = conn.execute(Q["describe"], {"digests": json.dumps(wanted)}).fetchall()
    except sqlite3.OperationalError:  # a database from before schema step 0010
        return {}
    return {d: label(n, s) for d, n, s in rows}


def names(conn: sqlite3.Connection) -> dict[str, str]:
    """digest -> `name (size)` for every attachment held (no content read)."""
    try:
        rows = conn.execute("SELECT digest, name, size FROM main.attachments").fetchall()
    except sqlite3.OperationalError:  # a database from before schema step 0010
        return {}
    return {d: label(n, s) for d, n, s in rows}


def problems(conn: sqlite3.Connection, schema: str = "main") -> tuple[int, list[str]]:
    """(files held, one line per problem): a held file whose content does not match its
    digest (edited), and a digest the log answers that is not held (missing)."""
    tables = {r[0] for r in conn.execute(f"SELECT name FROM {schema}.sqlite_master")}
    if "attachments" not in tables:
        return 0, []
    out: list[str] = []
    count = 0
    have: set[str] = set()
    for digest, size, content in conn.execute(Q["held"].replace("{schema}", schema)):
        count += 1
        have.add(digest)
        data = bytes(content) if content is not None else b""
        if hashlib.sha256(data).hexdigest() != digest or len(data) != size:
            out.append(f"attachment {digest[:12]}: content does not match its digest (edited)")
    for (digest,) in conn.execute(Q["answered"].replace("{schema}", schema)):
        if DIGEST_RE.fullmatch(digest) and digest not in have:
            out.append(f"attachment {digest[:12]}: answered in the log but not held (missing)")
    return count, out


def source_problem(conn: sqlite3.Connection) -> str | None:
    """A merge source's first attachment (of those the attached `target` lacks) that does
    not match its digest or is over MAX_BYTES, in words (None: every one holds)."""
    tables = {r[0] for r in conn.execute("SELECT name FROM main.sqlite_master")}
    held = {r[0] for r in conn.execute("SELECT name FROM target.sqlite_master")}
    if "attachments" not in tables or "attachments" not in held:
        return None
    for digest, size, content in conn.execute(Q["source_new"]):
        data = bytes(content) if content is not None else b""
        if len(data) > MAX_BYTES:
            return f"attachment {str(digest)[:12]} is {size_text(len(data))} (over the limit)"
        if hashlib.sha256(data).hexdigest() != digest or len(data) != size:
            return f"attachment {str(digest)[:12]} does not match its digest (edited)"
    return None


def write_files(conn: sqlite3.Connection, record_ids: list[str], folder: Path) -> int:
    """Write the attachments the current answers of `record_ids` name into `folder`
    (made owner-only), one file each, named `<record>-<item>[-<repeat>]-<name>`, owner-only.
    Returns the number of files written."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    n = 0
    for record_id, item_id, rkey, _digest, name, _size, content in conn.execute(
        Q["of_records"], {"records": json.dumps(record_ids)}
    ):
        parts = [str(record_id), str(item_id)] + ([str(rkey)] if rkey else [])
        target = folder / _safe("-".join(parts) + "-" + str(name))
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(bytes(content))
        os.chmod(target, 0o600)
        n += 1
    return n


def _safe(name: str) -> str:
    """A file name with nothing that leaves the folder (no separator, no leading dot)."""
    cleaned = "".join(c if c.isalnum() or c in "-_.() " else "_" for c in name)
    return cleaned.lstrip(".") or "attachment"
