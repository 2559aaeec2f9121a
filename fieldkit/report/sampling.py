"""Coverage: records done per checklist, stratum and force, against the sample targets.

The rule lives in the `coverage` view (fieldkit/sql/views.sql): a team lead's target
(Store.set_target, the `targets` view) wins over the default; a force-specific target wins
over one for every force ('*'), and one for the stratum over one for the whole checklist.
Defaults and strata come from each checklist's definition (`targets.default`, per stratum
when `targets.stratify_by` names a choice item; no default = as recorded, target None),
through the `checklist_info` view, so any installed checklist is covered.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from fieldkit import sql
from fieldkit.errors import BadInput
from fieldkit.store import resolve_force, views

if TYPE_CHECKING:
    from fieldkit.store import Store


def coverage(conn: sqlite3.Connection, force: str | None = None) -> list[dict[str, Any]]:
    """One row per (checklist, stratum, force) with a target or any records: keys
    checklist_id, stratum, force_code, target (None = as recorded), final (counted records),
    drafts, plus force_name and remaining (target − final, never below 0)."""
    views.ensure(conn)
    where, args = sql.where({"force_code": resolve_force(force) if force else None})
    return sql.rows(
        conn,
        "SELECT checklist_id, stratum, force_code, target, final, drafts, force_name, remaining"
        f" FROM coverage {where} ORDER BY checklist_id, force_code, stratum",
        args,
    )


def strata(conn: sqlite3.Connection, checklist_id: str) -> list[str]:
    """The strata a checklist is sampled by ([] when it is not stratified): the choices of
    its stratify_by item in its latest version, in their order."""
    views.ensure(conn)
    rows = conn.execute(
        "SELECT json_extract(j.value, '$.code') FROM checklist_info c"
        " JOIN items i ON i.checklist_id = c.checklist_id AND i.checklist_version = c.version"
        " AND i.item_id = c.stratify_by, json_each(i.choices) j"
        " WHERE c.checklist_id = ? ORDER BY j.key",
        (checklist_id,),
    )
    return [r[0] for r in rows]


def check_target(conn: sqlite3.Connection, checklist_id: str, stratum: str) -> None:
    """Refuse (BadInput) a target for an unknown checklist or stratum."""
    from fieldkit.report.findings import check_checklist  # (not needed to show coverage)

    check_checklist(conn, checklist_id)
    if stratum:
        known = strata(conn, checklist_id)
        if stratum not in known:
            if not known:
                raise BadInput(f"{checklist_id} is not sampled by stratum; leave out --stratum")
            raise BadInput(
                f"unknown stratum {stratum!r} for {checklist_id} (known: {', '.join(known)})"
            )


def set_target(store: Store, checklist_id: str, n: int, *, stratum: str, force: str) -> None:
    """Set a team lead's target (a logged change) for a known checklist and stratum."""
    check_target(store.conn, checklist_id, stratum)
    store.set_target(checklist_id, n, stratum=stratum, force=force)


def clear_target(store: Store, checklist_id: str, *, stratum: str, force: str) -> bool:
    """Take a target back out (False when none was set) for a known checklist and stratum."""
    check_target(store.conn, checklist_id, stratum)
    return store.clear_target(checklist_id, stratum=stratum, force=force)


def targets(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """The targets a team lead has set, plus the defaults that apply where none is set."""
    views.ensure(conn)
    rows: list[dict[str, Any]] = [
        {
            "checklist_id": cid,
            "stratum": "(each)" if by else "",
            "force_code": "*",
            "target": n,
            "source": "default",
        }
        for cid, n, by in conn.execute(
            "SELECT checklist_id, default_target, stratify_by FROM checklist_info"
            " WHERE default_target IS NOT NULL ORDER BY checklist_id"
        )
    ]
    for cid, stratum, force_code, target in conn.execute(
        "SELECT checklist_id, stratum, force_code, target FROM targets"
        " ORDER BY checklist_id, stratum, force_code"
    ):
        rows.append(
            {
                "checklist_id": cid,
                "stratum": stratum,
                "force_code": force_code,
                "target": target,
                "source": "set",
            }
        )
    return rows
