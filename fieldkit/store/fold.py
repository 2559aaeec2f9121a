"""The fold interface: what the merge (fieldkit.sync, and nothing else) takes from the
store to run a fold in a transaction of its own.

A merge opens the target with the store's one opener (`connect(path, attaching=True)`),
attaches its sources by `read_uri`, and inside one `transaction` stages what they bring
(`begin_fold`), folds it into current state step by step (`fold_after`, `FOLD_STEPS`) and
closes the chains it took in (`close_chains`). Beside that, the pieces its checks of the
sources need: the schema's table lists and rows, the content digests and the clock's
layout, row keys and signatures, the device keys and the keyring (the opener registers
the digest functions the merge's SQL calls). pyproject.toml's import-linter contracts
let fieldkit.sync alone import this module.
"""

from fieldkit.store.attachments import source_problem as attachment_problem
from fieldkit.store.connection import (
    connect,
    connect_read,
    create_file,
    open_read_uri,
    quick_check,
    read_uri,
    require_fieldkit,
    run_script,
    transaction,
)
from fieldkit.store.digest import HLC_LIMIT, ID_BYTES, content_id
from fieldkit.store.digest import show as show_change
from fieldkit.store.keyring import Keyring
from fieldkit.store.keyring import decide as decide_key
from fieldkit.store.keyring import row_valid as keyring_row_valid
from fieldkit.store.keyring import shown as keyring_time
from fieldkit.store.log import (
    COUNTER_BITS,
    FOLD_STEPS,
    begin_fold,
    close_chains,
    fold_after,
)
from fieldkit.store.rowsigs import ROW_TABLES, key_sql, shipped
from fieldkit.store.rowsigs import row_valid as row_signature_valid
from fieldkit.store.schema import (
    DEFINITION_TABLES,
    ITEM_COLUMNS,
    KEY_ITEM_COLUMNS,
    SCHEMA_VERSION,
    UNION_TABLES,
    checklist_rows,
)
from fieldkit.store.signing import DeviceKey, device_keys
from fieldkit.store.views import refresh as refresh_views

__all__ = [
    "COUNTER_BITS",
    "DEFINITION_TABLES",
    "FOLD_STEPS",
    "HLC_LIMIT",
    "ID_BYTES",
    "ITEM_COLUMNS",
    "KEY_ITEM_COLUMNS",
    "ROW_TABLES",
    "SCHEMA_VERSION",
    "UNION_TABLES",
    "DeviceKey",
    "Keyring",
    "attachment_problem",
    "begin_fold",
    "checklist_rows",
    "close_chains",
    "connect",
    "connect_read",
    "content_id",
    "create_file",
    "decide_key",
    "device_keys",
    "fold_after",
    "key_sql",
    "keyring_row_valid",
    "keyring_time",
    "open_read_uri",
    "quick_check",
    "read_uri",
    "refresh_views",
    "require_fieldkit",
    "row_signature_valid",
    "run_script",
    "shipped",
    "show_change",
    "transaction",
]
