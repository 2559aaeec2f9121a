"""Writes from screens other than the form: a busy or read-only database is a message on
screen, never a crash (the form has its own queue-and-retry for answers)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

from textual.dom import DOMNode

from fieldkit.errors import FieldkitError, busy
from fieldkit.store import is_busy

T = TypeVar("T")


def attempt(node: DOMNode, what: str, write: Callable[[], T]) -> tuple[bool, T | None]:
    """Run one store write; on failure tell the user what was not done and why.
    Returns (done, result)."""
    try:
        return True, write()
    except FieldkitError as e:
        node.notify(f"{what}: {e}", severity="error")
    except sqlite3.OperationalError as e:
        if is_busy(e):
            node.notify(busy(what), severity="warning", timeout=8)
        else:
            node.notify(f"{what}: not done ({e}).", severity="error", timeout=8)
    except sqlite3.DatabaseError as e:
        node.notify(f"{what}: not done ({e}).", severity="error", timeout=8)
    return False, None
