"""The store: every read and write of a fieldkit database goes through here."""

from fieldkit.store.identity import new_id
from fieldkit.store.log import Change
from fieldkit.store.schema import SCHEMA_VERSION
from fieldkit.store.store import (
    OBSERVER_ROLES,
    RECORD_FIELDS,
    STATUSES,
    IncompleteRecord,
    Store,
    resolve_force,
)

__all__ = [
    "OBSERVER_ROLES",
    "RECORD_FIELDS",
    "SCHEMA_VERSION",
    "STATUSES",
    "Change",
    "IncompleteRecord",
    "Store",
    "new_id",
    "resolve_force",
]
