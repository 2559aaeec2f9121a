"""What `fieldkit import` says about rows for records already stored with other values."""

from __future__ import annotations

from typing import Any

from rich.markup import escape

from fieldkit.cli.base import out
from fieldkit.importer import ImportResult

SHOWN = 10


def _value(v: Any) -> str:
    return "(blank)" if v is None or v == "" else repr(v)


def report_differences(result: ImportResult) -> None:
    """Never silent: how many rows differ, what changed (the first few), and whether it
    was applied."""
    rows, cells = result.differing, f"{result.changed_answers} answer(s)"
    if result.changed_other:
        cells += f" and {result.changed_other} note(s) or record field(s)"
    if result.updated:
        out.print(
            f"updated {rows} record(s) already stored: {cells} changed, "
            "each a logged change (the old values stay in the history)"
        )
    else:
        out.print(
            f"{rows} row(s) differ from the records stored ({cells}); "
            "nothing was changed. Use --update to apply them."
        )
    for line, _rid, what, old, new in result.differences[:SHOWN]:
        out.print(f"  line {line}: {escape(what)}: {escape(_value(old))} -> {escape(_value(new))}")
    if len(result.differences) > SHOWN:
        out.print(f"  ... and {len(result.differences) - SHOWN} more")
