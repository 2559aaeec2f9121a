"""What `fieldkit serve` refuses whoever asks: guessing the password quickly, SQL that
reads the server's memory or files, and debug pages before a login.

- `Throttle`: wrong passwords from one address are free FREE_TRIES times; after that each
  further try waits twice as long as the one before (1 s, 2 s, 4 s ... up to LONGEST),
  counted from the last try, and is refused (HTTP 429, saying how long) until then. A try
  is counted when it starts, so guesses sent in parallel wait their turn too; the right
  password clears the count. Every refusal and every wait begun is logged
  (logger `fieldkit.serve`). The clock is the `clock` attribute (tests set their own).
- `authorize`: an SQLite authorizer on every connection Datasette opens. It denies SQL
  functions that hand out native pointers or touch files (`fts3_tokenizer` returns the
  address of a tokenizer, and takes one: a way to run code), and table-valued pragmas but
  those that describe tables (`pragma_database_list` names the server's files). Datasette's
  own `PRAGMA` statements (users cannot send those) are left alone.
- `limit_connection`: values of at most MAX_VALUE_BYTES (`zeroblob(10^9)` allocated a
  gigabyte).
"""

from __future__ import annotations

import logging
import sqlite3
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("fieldkit.serve")

FREE_TRIES = 5
FIRST_WAIT = 1.0  # seconds
LONGEST = 15 * 60.0
CLIENTS = 10_000  # addresses remembered (the oldest forgotten first)

DENIED_FUNCTIONS = frozenset({"fts3_tokenizer", "load_extension", "readfile", "writefile"})
ALLOWED_PRAGMA_TABLES = frozenset(
    {
        "pragma_table_info",
        "pragma_table_xinfo",
        "pragma_index_list",
        "pragma_index_info",
        "pragma_index_xinfo",
        "pragma_foreign_key_list",
    }
)
MAX_VALUE_BYTES = 64 * 1024 * 1024


@dataclass
class _Tries:
    count: int = 0
    last: float = 0.0


class Throttle:
    """Failed logins per client address (see the module's docstring)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._tries: OrderedDict[str, _Tries] = OrderedDict()

    def _wait_after(self, tries: _Tries) -> float:
        if tries.count < FREE_TRIES:
            return 0.0
        return min(FIRST_WAIT * 2 ** (tries.count - FREE_TRIES), LONGEST)

    def begin(self, client: str) -> float:
        """0 when `client` may try a password now (the try is counted until `passed`),
        else the seconds it must still wait (this request is refused, not counted)."""
        now = self.clock()
        tries = self._tries.get(client) or _Tries()
        left = tries.last + self._wait_after(tries) - now
        if tries.count and left > 0:
            log.warning(
                "login refused: %d wrong passwords from %s; next try in %.0f s",
                tries.count,
                client,
                left,
            )
            return left
        tries.count += 1
        tries.last = now
        self._tries[client] = tries
        self._tries.move_to_end(client)
        while len(self._tries) > CLIENTS:
            self._tries.popitem(last=False)
        return 0.0

    def failed(self, client: str) -> None:
        """Log a wrong password (counted by `begin`) and the wait it starts."""
        tries = self._tries.get(client)
        if tries is None:
            return
        wait = self._wait_after(tries)
        if wait:
            log.warning(
                "login: %d wrong passwords from %s; the next try waits %.0f s",
                tries.count,
                client,
                wait,
            )
        else:
            log.info(
                "login: wrong password from %s (%d of %d free)", client, tries.count, FREE_TRIES
            )

    def passed(self, client: str) -> None:
        self._tries.pop(client, None)


_throttles: weakref.WeakKeyDictionary[Any, Throttle] = weakref.WeakKeyDictionary()


def throttle_for(datasette: Any) -> Throttle:
    """The one Throttle of a Datasette instance."""
    throttle = _throttles.get(datasette)
    if throttle is None:
        throttle = _throttles[datasette] = Throttle()
    return throttle


def client_of(request: Any) -> str:
    client = request.scope.get("client") or ("unknown", 0)
    return str(client[0])


def authorize(action: int, arg1: Any, arg2: Any, database: Any, trigger: Any) -> int:
    if action == sqlite3.SQLITE_FUNCTION and str(arg2).lower() in DENIED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    if (
        action == sqlite3.SQLITE_READ
        and str(arg1).lower().startswith("pragma_")
        and str(arg1).lower() not in ALLOWED_PRAGMA_TABLES
    ):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def limit_connection(conn: sqlite3.Connection) -> None:
    """The authorizer and the size limit, on one of Datasette's connections."""
    conn.set_authorizer(authorize)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
