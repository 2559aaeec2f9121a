"""`fieldkit verify`: check every change's digest and every device's hash chain."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from fieldkit.cli.base import command, out
from fieldkit.cli.output import emit_json
from fieldkit.store import verify

if TYPE_CHECKING:
    from fieldkit.store import Store


@command("verify", db="read")
def verify_cli(store: Store, json_: bool) -> None:
    """Check the change log: every change matches its id (nothing edited), every device's
    changes form an unbroken chain (nothing deleted or reordered), no sequence number is
    missing, every change is covered by a signature of its device's key (a signed change at
    or after it in its chain: nothing added or rewritten without the key); and every
    register and plan row matches the key made from it, and every register, plan and
    checklist row is signed by a key the database knows (or shipped with fieldkit); every
    attached file matches its digest and every file the log answers is held. Lists, per
    device, the changes held and any break; exit 0 only when all holds (1 when something
    does not). Reads only."""
    path = store.path
    result = verify(store.conn)
    if json_:
        emit_json({"db": str(path), **result.as_dict()})
    else:
        say = lambda text: out.print(text, highlight=False, markup=False, soft_wrap=True)  # noqa: E731
        say(f"{path}: {result.changes:,} changes from {len(result.devices)} device(s)")
        for d in result.devices:
            forks = (
                f", {d.forks} sequence number(s) written twice (a copied file)" if d.forks else ""
            )
            state = "ok" if not d.problems else f"{len(d.problems)} problem(s)"
            signed = (
                f", signed by key {d.key} ({d.inspector or '-'})"
                if d.key
                else f", vouched for by key {', '.join(d.vouched_by)}"
                if d.vouched_by
                else ""
            )
            say(
                f"  {d.device_id}: {d.changes:,} changes, up to seq {d.last_seq}{forks}"
                f"{signed}: {state}"
            )
        say(f"  register and plan rows: {result.register_rows:,} checked against their keys")
        say(f"  attached files: {result.attachments:,} checked against their digests")
        say(
            f"  register, plan and checklist rows: {result.signed_rows:,} checked for a "
            "signature of a key this database knows"
        )
        for p in result.problems:
            say(f"  BROKEN: {p}")
        say(f"log digest {result.log_digest}")
        say("the log holds" if result.ok else "the log does NOT hold: restore it from a copy")
    if not result.ok:
        raise typer.Exit(1)
