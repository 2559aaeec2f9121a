"""Team commands: merge databases, list conflicts and duplicates, settle a conflict."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from fieldkit.cli.base import command, out
from fieldkit.cli.database import Database
from fieldkit.cli.failures import err
from fieldkit.cli.output import emit_json, line
from fieldkit.sync import duplicates, merge, value_conflicts
from fieldkit.sync.conflicts import field_name, outstanding, settle
from fieldkit.sync.logchecks import DEFAULT_CLOCK_SKEW_MS, parse_duration

if TYPE_CHECKING:
    from fieldkit.store import Store


def _short(text: str | None, width: int = 40) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _value(v: Any) -> str:
    return "(blank)" if v is None else str(v)


@command("merge", db="into")
def merge_cli(
    sources: Annotated[
        list[Path],
        typer.Argument(help="Inspectors' database files to merge in.", show_default=False),
    ],
    db: Database,
    json_: bool,
    allow_clock_skew: Annotated[
        str | None,
        typer.Option(
            "--allow-clock-skew",
            metavar="DURATION",
            help="Accept changes dated up to this far ahead of this machine's clock (e.g. "
            "3d, 36h; default 1d): for a laptop whose clock is known to be wrong.",
            show_default=False,
        ),
    ] = None,
    identity: Annotated[
        Path | None,
        typer.Option(
            "--identity",
            "-i",
            metavar="KEY_FILE",
            help="The key that opens sealed packs (`fieldkit pack`) among the sources: the "
            "team lead's team.key (`fieldkit keys team-key`).",
            show_default=False,
        ),
    ] = None,
    trust_new: Annotated[
        bool,
        typer.Option(
            "--trust-new",
            help="Trust the keys of devices this database does not know yet (each added key "
            "is printed); without it their changes are refused.",
        ),
    ] = False,
) -> None:
    """Merge other fieldkit databases, or packs of them, into this one: safe to repeat, in
    any order and in any direction. All or nothing; the sources are only read, and each is
    checked first (as `fieldkit verify` does, and for clocks ahead of this machine's). A
    pack is decrypted into a private temporary file, removed afterwards. Every change must
    be signed by its device's key, and that key trusted here (`fieldkit keys`); a database
    that trusts no key yet takes the first keys it meets, and prints them."""
    path = db.path
    skew = DEFAULT_CLOCK_SKEW_MS if allow_clock_skew is None else parse_duration(allow_clock_skew)
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True, disable=json_) as bar:
        task = bar.add_task("merging", total=None)

        def progress(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, description=what)

        summaries = merge(
            sources, path, progress, clock_skew_ms=skew, identity=identity, trust_new=trust_new
        )
    with db.open() as store:
        left = outstanding(store)
    if json_:
        emit_json({"into": str(path), "sources": [s.__dict__ for s in summaries], **left})
        return
    for s in summaries:
        line(
            f"{Path(s.source_file).name} (database {s.source_db_id}): "
            f"{s.new_changes:,} new changes, {s.new_records:,} new records, "
            f"{s.new_answers:,} new or changed answers, {s.new_conflicts:,} new conflicts"
        )
        for key in s.trusted:
            line(f"  trusted key {key}", markup=False)
    total = (
        f"{path}: {left['records']:,} records, {left['conflicts']:,} open conflicts, "
        f"{left['duplicate_keys']:,} case(s) recorded more than once"
    )
    if left["conflicts"] or left["duplicate_keys"]:
        total += f" (see `fieldkit conflicts --db {path}`)"
    line(total, markup=False)


@command("conflicts", db="read")
def conflicts_cli(store: Store, json_: bool) -> None:
    """List value conflicts (two edits of one answer where neither inspector had seen the
    other's) and records of the same case made by different inspectors."""
    conflicts = value_conflicts(store.conn)
    dups = duplicates(store.conn)
    if json_:
        emit_json({"conflicts": conflicts, "duplicates": dups})
        return
    if not conflicts and not dups:
        out.print("no conflicts and no duplicate records")
        return
    say = lambda text="": out.print(text, highlight=False, markup=False, soft_wrap=False)  # noqa: E731
    if conflicts:
        say(
            f"{len(conflicts)} value conflict(s): two edits where neither inspector had seen "
            "the other's. Settle one with `fieldkit settle CHANGE_ID --keep winner|other`."
        )
        for c in conflicts:
            field = field_name(c)
            if c["kind"] != "answer":
                field = f"{c['kind']} {field}"
            say(f"  {c['change_id']}  {c['checklist_id'] or '?'} {c['natural_key'] or ''}")
            say(f"    record {c['record_id']}, {field}:")
            say(
                f"    kept  {_short(_value(c['winner_value']))!r} "
                f"({c['winner_author'] or '-'}, {_at(c['winner_at'])})"
            )
            say(f"    other {_short(_value(c['value']))!r} ({c['author'] or '-'}, {_at(c['at'])})")
    if dups:
        if conflicts:
            say()
        say(
            f"{len(dups)} case(s) recorded more than once (same natural key): keep one, "
            "delete or correct the others. Reports count the copy marked 'counted'."
        )
        for group in dups:
            say(f"  {group['checklist_id']} {group['natural_key']}")
            for r in group["records"]:
                say(
                    f"    {r['record_id']}  {r['inspector'] or '-'}, {r['status'] or '-'}, "
                    f"observed {r['observed_at'] or '-'}" + ("  counted" if r["counted"] else "")
                )


def _at(iso: str | None) -> str:
    return "-" if not iso else iso.replace("T", " ").replace("+00:00", " UTC")


class Keep(StrEnum):
    winner = "winner"
    other = "other"


@command("settle", db="write")
def settle_cli(
    change_id: Annotated[
        str, typer.Argument(metavar="CHANGE_ID", help="The conflict's change id (see conflicts).")
    ],
    keep: Annotated[Keep, typer.Option(help="Keep the winning value or the other one.")],
    store: Store,
) -> None:
    """Settle a value conflict. The settling is a logged change: merge it like any other."""
    row = settle(store, change_id, keep.value)
    line(
        f"settled {field_name(row)} on record {row['record_id']}: kept {_value(row['kept'])!r}",
        markup=False,
    )
