"""Packs: a database sealed for the stick, and packs opened for a merge.

`write_pack(db, out, to)` takes a consistent copy of the whole database (SQLite's `VACUUM
INTO`, which reads one snapshot of it while an inspector goes on writing) into a private
temporary folder, checks it, and seals it for the recipients (fieldkit.sealing: the `age`
format): the output is owner-only and appears whole or not at all; the copy is gone when
this returns, however it returns. The copy is the whole database: its log, signatures and
all, so a pack merges exactly as its database would.

`opened(sources, identity)` is the step before a merge: each pack among the sources is
decrypted into a private temporary folder, removed when the block ends (an error, Ctrl-C);
plain databases pass through. An error raised inside the block names the pack, never its
decrypted copy."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pyrage import x25519

from fieldkit.errors import BadDatabase, BadInput
from fieldkit.sealing import is_sealed, load_identities, open_sealed, private_folder, write_sealed
from fieldkit.store.fold import SCHEMA_VERSION, create_file, quick_check, read_uri, require_fieldkit


@dataclass(frozen=True)
class PackSummary:
    """What `write_pack` wrote."""

    path: Path
    changes: int  # in the copy's log
    recipients: int
    size: int  # bytes, sealed


def write_pack(
    db: Path, out: Path, to: Sequence[x25519.Recipient], *, overwrite: bool = False
) -> PackSummary:
    """Seal a consistent copy of the fieldkit database `db` into `out` for every recipient
    in `to`. Refused in one line, with nothing written: no recipient, a file that is not a
    fieldkit database, an output that exists (unless `overwrite`), is the database itself,
    or has no folder."""
    if not to:
        raise BadInput("a pack is sealed for someone: name a recipient with --to")
    require_fieldkit(db, SCHEMA_VERSION)
    if out.exists() and out.resolve() == db.resolve():
        raise BadInput(f"{out}: is the database itself; name a new file for the pack")
    if out.is_dir():
        raise BadInput(f"{out}: is a folder; name the pack file to write")
    if out.exists() and not overwrite:
        raise BadInput(f"{out}: already exists (use --overwrite to replace it)")
    if not out.parent.is_dir():
        raise BadInput(f"{out.parent}: no such folder")
    changes = 0

    def snapshot(plain: Path) -> None:
        nonlocal changes
        changes = copy_database(db, plain)

    write_sealed(out, to, snapshot)
    return PackSummary(out, changes, len(to), out.stat().st_size)


def copy_database(db: Path, copy: Path) -> int:
    """A consistent, compact copy of `db` in the new file `copy` (owner-only), checked for
    damage; returns the number of changes its log holds."""
    create_file(copy)
    try:
        src = sqlite3.connect(read_uri(db), uri=True, isolation_level=None)
    except sqlite3.DatabaseError as e:
        raise BadDatabase(f"{db}: cannot open ({e})") from None
    try:
        src.execute("VACUUM INTO ?", (str(copy),))
    except sqlite3.DatabaseError as e:
        raise BadDatabase(f"{db}: cannot be copied ({e})") from None
    finally:
        src.close()
    conn = sqlite3.connect(read_uri(copy), uri=True, isolation_level=None)
    try:
        quick_check(conn, db)
        return int(conn.execute("SELECT count(*) FROM changes").fetchone()[0])
    except sqlite3.DatabaseError as e:
        raise BadDatabase(f"{db}: corrupt database ({e}); restore it from a copy") from None
    finally:
        conn.close()


# ------------------------------------------------------------------------ opening packs
@dataclass(frozen=True)
class Opened:
    """The sources as a merge reads them: `paths`, each a pack's decrypted copy or the
    source itself; `names`, each decrypted copy's pack."""

    paths: list[Path]
    names: dict[Path, Path]

    def name(self, text: str) -> str:
        """`text` with every decrypted copy's path replaced by its pack's."""
        for plain, pack in self.names.items():
            for shown in sorted({str(plain.resolve()), str(plain)}, key=len, reverse=True):
                text = text.replace(shown, str(pack))
        return text


@contextmanager
def opened(sources: Sequence[Path], identity: Path | None) -> Iterator[Opened]:
    """The sources with each pack among them decrypted (with the identities in the file
    `identity`) into a private temporary folder, removed with the copies when the block
    ends, however it ends. A pack with no identity, or one the identity does not open, is
    refused in one line naming the pack (exit 2) before anything is written; so is an
    identity file that holds none. Errors raised in the block name packs, not copies."""
    packs = [Path(s) for s in sources if is_sealed(Path(s))]
    if packs and identity is None:
        raise BadInput(
            f"{packs[0]}: a sealed pack; name the key that opens it with --identity (team.key)"
        )
    identities = load_identities(identity) if identity is not None else []
    with private_folder("fieldkit-packs-") as folder:
        paths, names = [], {}
        for n, source in enumerate(Path(s) for s in sources):
            if source in packs:
                # (a folder each, so the copy keeps the pack's file name for progress lines)
                (folder / str(n)).mkdir(mode=0o700)
                plain = folder / str(n) / source.name
                open_sealed(source, identities, plain)
                names[plain] = source
                source = plain
            paths.append(source)
        found = Opened(paths, names)
        try:
            yield found
        except Exception as e:
            e.args = tuple(found.name(a) if isinstance(a, str) else a for a in e.args)
            for attr in ("filename", "filename2"):
                if isinstance(getattr(e, attr, None), str):
                    setattr(e, attr, found.name(getattr(e, attr)))
            raise
