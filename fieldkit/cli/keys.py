"""`fieldkit keys`: the devices whose keys sign a database's changes, and the team's keyring."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fieldkit.cli.base import app, command, out
from fieldkit.cli.database import Database
from fieldkit.cli.output import emit_json, line
from fieldkit.errors import BadInput

if TYPE_CHECKING:
    from fieldkit.store import Store

keys_app = typer.Typer(
    help="Device keys: who signed a database's changes, and which keys a team trusts. "
    "Each device signs its changes with a key of its own (made when it first writes, kept "
    "in your config folder, owner-only; `fieldkit --key-file PATH` or $FIELDKIT_KEY use "
    "another). `fieldkit merge` takes in only changes signed by keys the team database "
    "trusts (a new team database trusts the first keys it meets); register rows and "
    "checklist definitions are signed too. Cost (bench/, 8 December 2026, idle, 2 cores): "
    "302 bytes per answer (target 320); a merge of ten laptops 1.93x a plain copy, "
    "signatures checked (their checks: 4% of its CPU); verify of 2.6 million changes 55 s, "
    "peak 43 MiB (under load); answering 1.21-1.51x a minimal app (signing: 52 µs a write).",
    no_args_is_help=True,
)
app.add_typer(keys_app, name="keys")

FingerprintArg = Annotated[
    str, typer.Argument(metavar="FINGERPRINT", help="The key's fingerprint (see `keys list`).")
]


@command("team-key", parent=keys_app)
def keys_team_key(
    out_file: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="The key file to write (never over an existing one).",
            show_default=False,
        ),
    ],
) -> None:
    """Make the team lead's key (an `age` identity, as `age-keygen` writes it) and print its
    public recipient (age1…): inspectors seal their packs for it (`fieldkit pack --to`);
    only this key opens them (`fieldkit merge PACK --identity team.key`, or `age -d -i`).
    The file is owner-only: keep it off the sticks, and keep a copy somewhere safe."""
    from fieldkit.cli.seal import make_team_key

    make_team_key(out_file)


def _own() -> str | None:
    """This user's device key, if there is one (never made here)."""
    from fieldkit.store import keys

    try:
        return keys.signer(create=False).fingerprint
    except BadInput:
        return None


@command("list", parent=keys_app, db="read")
def list_cli(store: Store, json_: bool) -> None:
    """Each device of the database: inspector, key fingerprint, first and last change, and
    whether the database trusts its key."""
    from fieldkit.store import key_listing as listing

    path = store.path
    rows = listing(store.conn, _own())
    if json_:
        emit_json({"db": str(path), "devices": rows})
        return
    say = lambda text: out.print(text, highlight=False, markup=False, soft_wrap=True)  # noqa: E731
    say(f"{path}: {sum(1 for r in rows if r['device'])} device(s)")
    for r in rows:
        if r["device"]:
            say(
                f"  {r['device']}  {r['inspector'] or '-'}  key {r['fingerprint'] or '-'}  "
                f"{r['changes']:,} changes {r['first_change']} .. {r['last_change']}  "
                f"{r['status']}"
            )
        else:
            say(f"  (no device)  key {r['fingerprint']}  {r['status']}")


@command("trust", parent=keys_app, db="write")
def trust_cli(fingerprint: FingerprintArg, store: Store) -> None:
    """Trust a device's key: merges into this database take in the changes it signs. The
    decision is signed with your key and merges on to every database merged from this one."""
    with store.writing() as w:
        found, added = w.trust(fingerprint)
    who = ", ".join(found.devices) or "not met here yet"
    names = ", ".join(found.inspectors) or "-"
    state = "trusted" if added else "already trusted"
    line(f"{state}: key {found.fingerprint} (device {who}, inspector {names})", markup=False)


@command("revoke", parent=keys_app, db="write")
def revoke_cli(
    fingerprint: FingerprintArg,
    since: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="DATE",
            help="Refuse its signatures on changes dated from this date or time (ISO, UTC), "
            "e.g. the day a laptop was lost. Default: now.",
            show_default=False,
        ),
    ] = None,
    *,
    db: Database,
) -> None:
    """Revoke a device's key (a lost or stolen laptop): merges refuse changes it signs
    dated from the revocation on; what it signed before stays."""
    from fieldkit.store import keyring_time

    ms = _when(since)
    with db.open() as store, store.writing() as w:
        found = w.revoke(fingerprint, ms)
    line(
        f"revoked: key {found.fingerprint} (device {', '.join(found.devices) or '-'}), "
        f"its changes dated from {keyring_time(ms)} refused",
        markup=False,
    )


def _when(text: str | None) -> int:
    if text is None:
        return int(datetime.now(UTC).timestamp() * 1000)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(
            f"--from {text!r}: not a date (say e.g. 2026-11-30 or 2026-11-30T14:00)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)
