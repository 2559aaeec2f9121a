"""What a database holds, as plain rows: the canonical content merge and conflict tests
compare."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fieldkit.store.connection import read_uri

# Content, not bookkeeping: no meta (ids, counters) and no merges (provenance).
DUMP = {
    "changes": "SELECT id, device_id, seq, hlc, record_id, kind, field, rkey, value, author,"
    " parent FROM changes ORDER BY id",
    "change_parents": "SELECT child, parent FROM change_parents ORDER BY child, parent",
    "chain_heads": "SELECT id FROM chain_heads ORDER BY id",
    "cells": "SELECT * FROM cells ORDER BY record_id, kind, field, rkey",
    "conflicts": "SELECT * FROM conflicts ORDER BY change_id",
    "records": "SELECT * FROM records ORDER BY record_id",
    "checklists": "SELECT id, version, hash FROM checklists ORDER BY id, version",
    "items": "SELECT * FROM items ORDER BY checklist_id, checklist_version, item_id",
    "natural_key_items": "SELECT * FROM natural_key_items ORDER BY 1, 2, 3",
    "signatures": "SELECT * FROM signatures ORDER BY change_id, public_key",
    "keyring": "SELECT * FROM keyring ORDER BY 1, 2, 3, 4",
}


def dump_conn(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    return {name: conn.execute(q).fetchall() for name, q in DUMP.items()}


def dump(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(read_uri(path), uri=True)
    try:
        return dump_conn(conn)
    finally:
        conn.close()
