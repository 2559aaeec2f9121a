"""The frames (title, columns, rows, caption) of summary tables of kind `rates` and
`shares`, for the terminal, CSV and Markdown: the same figures `--json` gives."""

from __future__ import annotations

from typing import Any

from fieldkit.report.render import Column, Frame

PROVISIONAL_NOTE = (
    "(provisional): the figure counts a force's return not yet agreed with the force "
    "(fieldkit returns agree)."
)


def rates_frame(s: dict[str, Any]) -> Frame:
    """A row per force and the pooled national row last; "no data" where a force did not
    give every figure a column needs."""
    cols = [Column("force_name", "Force")]
    data = [Column("force_code", "force_code"), Column("force_name", "force_name")]
    for c in s["columns"]:
        cols.append(Column(f"{c['id']}__label", c["label"], True))
        data += [
            Column(c["id"], c["id"], True),
            Column(f"{c['id']}__numerator", f"{c['id']}_numerator", True),
            Column(f"{c['id']}__denominator", f"{c['id']}_denominator", True),
        ]
    data.append(Column("provisional", "provisional"))
    rows = list(s["rows"]) + ([s["national"]] if s.get("national") else [])
    per = [c["per"] for c in s["columns"] if c["per"]]
    caption = "Pooled: the sums of the forces' figures, never an average of rates."
    if per:
        caption = f"Rates per {per[0]}, rounded half up. " + caption
    return Frame(
        s["title"],
        cols,
        rows,
        caption=caption,
        data=data,
        notes=[PROVISIONAL_NOTE] if s["provisional"] else [],
    )


def shares_frame(s: dict[str, Any], ids: bool = False) -> Frame:
    """Per group, the top N items in order, with their share of the summary's choice."""
    rows = [
        {**r, "question_shown": r["item_id"] if ids else (r["question"] or r["item_id"])}
        for r in s["rows"]
    ]
    choice = s["choice"].replace("_", " ")
    return Frame(
        s["title"],
        [
            Column("rank", "Rank", True),
            Column("question_shown", "Competency", wrap=True),
            Column("label", f"% rating '{choice}' (of those who answered)", True),
        ],
        rows,
        caption=f"{s['responses']:,} responses; each share is of those who answered the question.",
        data=[
            Column("group_id", "group"),
            Column("rank", "rank", True),
            Column("item_id", "item_id"),
            Column("question", "question"),
            Column("chosen", "chosen", True),
            Column("answered", "answered", True),
            Column("percent", "percent", True),
        ],
        group="group_label",
    )
