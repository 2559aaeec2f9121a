"""Privacy commands: pii (what looks like personal data in free text) and scrub (a copy
without any free text)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from fieldkit.cli.base import command, out
from fieldkit.cli.database import Database
from fieldkit.cli.output import emit_json
from fieldkit.privacy.database import find_pii, read_key, scrub

if TYPE_CHECKING:
    from fieldkit.store import Store


@command("pii", db="read")
def pii_cli(store: Store, json_: bool) -> None:
    """List free text that looks like personal data.

    Notes, free-text answers and subject references (and earlier values the change log
    still holds), comments typed on recommendations and notes and evidence on action
    plans, that look like names, phone numbers, email addresses, postcodes or dates of
    birth. A report: exits 0 whatever it finds."""
    path = store.path
    hits = find_pii(store.conn)
    if json_:
        emit_json([asdict(h) for h in hits])
        return
    if not hits:
        out.print(f"{path}: nothing in the free text looks like personal data")
        return
    last = None
    for h in hits:
        if h.record_id != last:
            last = h.record_id
            out.print(
                f"[bold]{h.record_id}[/]  {h.checklist_id or '-'}  {h.force_code or '-'}",
                highlight=False,
            )
        item = f"{h.item_id}[{h.rkey}]" if h.rkey else h.item_id
        where = h.where if h.source == "current" else f"{h.where}, earlier value"
        out.print(
            f"  {escape(item)} ({where}): {h.kind} [yellow]{escape(repr(h.text))}[/]",
            highlight=False,
        )
    by_kind = Counter(h.kind for h in hits)
    places = len({h.record_id for h in hits})
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(by_kind.items()))
    out.print(
        f"{len(hits)} possible item(s) of personal data in {places} record(s), "
        f"recommendation(s) or plan(s): {kinds}. "
        "Edit them, or share a copy made with `fieldkit scrub`."
    )


@command("scrub", db="path")
def scrub_cli(
    out_path: Annotated[
        Path,
        typer.Option("--out", help="The copy to write (a new file).", show_default=False),
    ],
    db: Database,
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file",
            help="A team's secret key (a file of at least 16 bytes): copies scrubbed with "
            "one key give a reference the same pseudonym, so a case recorded on two "
            "laptops is still found twice after merging the copies.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write a copy of the database without free text, to share.

    No notes, free-text answers, attached files or subject references, in current values,
    the change log or free pages; no comments on recommendations, and no notes, evidence or owners on
    action plans. References that identify a record (crime reference, station name)
    become opaque pseudonyms, so duplicates still count once. The source is not changed.
    The copy is a database of its own: merging it with the database it was made from (or
    anything holding that one's changes) is refused."""
    path = db.path
    key = read_key(key_file) if key_file is not None else None
    counts = scrub(path, out_path, key=key)
    out.print(
        f"wrote {out_path}: {counts['cells']} current and "
        f"{counts['changes'] - counts['cells']} earlier free-text value(s) removed "
        f"(record references replaced by pseudonyms), {counts['register']} register comment(s)"
        f" and plan note(s), evidence and owner(s) blanked; {path} unchanged"
    )
