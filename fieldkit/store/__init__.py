"""The store: every read and write of a fieldkit database goes through here.

Its public face is this package's names below (a Store, the Writer `Store.writing()`
yields, the change and log-row types, the ids and keys records are known by, the file
and busy helpers, the log's digest and verification, the keyring's listing), and four
modules other layers may import for what they own:

- fieldkit.store.views: the reporting views and the queries over them;
- fieldkit.store.attachments: answered files (described, listed, written out);
- fieldkit.store.keys: a device's signing key (the user's, a derived one, fingerprints);
- fieldkit.store.rowkeys: the digests the register's and plans' rows are keyed by.

The merge (fieldkit.sync) alone also imports fieldkit.store.fold, the low-level
interface of the fold it runs in a transaction of its own. Every other module of the
store is internal: pyproject.toml's import-linter contracts hold both rules.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from fieldkit.store.connection import (
    create_file,
    is_busy,
    one_line,
    read_uri,
    require_fieldkit,
    run_script,
)
from fieldkit.store.definitions import installed_checklists
from fieldkit.store.digest import ID_BYTES
from fieldkit.store.identity import key_part, natural_key, new_id
from fieldkit.store.keyring import listing as key_listing
from fieldkit.store.keyring import shown as keyring_time
from fieldkit.store.log import COUNTER_BITS, Change, LogRow, hlc_ms
from fieldkit.store.schema import SCHEMA_VERSION, UNION_TABLES, checklist_hash
from fieldkit.store.store import (
    OBSERVER_ROLES,
    RECORD_FIELDS,
    STATUSES,
    IncompleteRecord,
    Store,
    answers_with_rules,
    resolve_force,
)
from fieldkit.store.writer import Writer

if TYPE_CHECKING:
    from fieldkit.store.asof import describe as describe_as_of
    from fieldkit.store.chain import Verification, log_digest, verify

# Loaded when first asked for (the capture app opens without them): name -> (module, name).
_LATER = {
    "describe_as_of": ("asof", "describe"),
    "Verification": ("chain", "Verification"),
    "log_digest": ("chain", "log_digest"),
    "verify": ("chain", "verify"),
}


def __getattr__(name: str) -> Any:
    if name not in _LATER:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attr = _LATER[name]
    value = getattr(import_module(f"{__name__}.{module}"), attr)
    globals()[name] = value
    return value


__all__ = [
    "COUNTER_BITS",
    "ID_BYTES",
    "OBSERVER_ROLES",
    "RECORD_FIELDS",
    "SCHEMA_VERSION",
    "STATUSES",
    "UNION_TABLES",
    "Change",
    "IncompleteRecord",
    "LogRow",
    "Store",
    "Verification",
    "Writer",
    "answers_with_rules",
    "checklist_hash",
    "create_file",
    "describe_as_of",
    "hlc_ms",
    "installed_checklists",
    "is_busy",
    "key_listing",
    "key_part",
    "keyring_time",
    "log_digest",
    "natural_key",
    "new_id",
    "one_line",
    "read_uri",
    "require_fieldkit",
    "resolve_force",
    "run_script",
    "verify",
]
