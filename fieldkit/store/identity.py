"""How a record is told apart: its id (UUIDv7, unique everywhere) and its natural key (the
force and the answers that name the case, as the records fold keys them)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def new_id() -> str:
    """A globally unique, time-ordered record id (UUIDv7)."""
    # (uuid-utils, not uuid6: importing uuid6 reads its own version through
    # importlib.metadata, some 25-40 ms paid by the first record the capture app makes)
    import uuid_utils

    return str(uuid_utils.uuid7())


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def key_part(value: Any) -> str:
    """One natural-key answer as the records fold keys it: SQLite's lower(trim(value)), so
    spaces trimmed and ASCII letters lower-cased (an accented capital stays as written)."""
    return ("" if value is None else str(value)).strip(" ").translate(_ASCII_LOWER)


def natural_key(force_code: str, values: Iterable[Any]) -> str:
    """The key that tells one case apart across databases, as `records.natural_key` holds
    it: the force and each natural-key answer (key_part), joined by '|'. The fold builds
    the stored one in SQL (fieldkit/sql/state.sql); tests/test_store.py holds the two equal."""
    return "|".join([force_code, *(key_part(v) for v in values)])
