"""Report tables as data (a Frame: title, columns, rows, caption) and their plain-text
forms: CSV and Markdown. The terminal form (Rich) is drawn by the CLI from the same Frame,
so every format shows the same rows and headings. Stored text goes out through
fieldkit.safetext: no control character in either form, and no CSV cell a spreadsheet
would run (`csv_cell`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fieldkit.safetext import csv_cell, safe_text, shown

FORMATS = ("table", "csv", "markdown", "json")


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    numeric: bool = False
    wrap: bool = False  # the long text column (question), wrapped in the terminal


@dataclass
class Frame:
    """One table of a report. `data` are the columns CSV gets (every figure separately,
    for a spreadsheet); `columns` are the ones a reader sees (terminal, Markdown)."""

    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    caption: str = ""
    data: list[Column] | None = None
    group: str | None = None  # a row key whose change starts a new group (section)
    notes: list[str] = field(default_factory=list)  # lines under the terminal table only


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, bytes | bytearray | memoryview):
        return shown(value)  # merged content may hold binary where text belongs
    return str(value)


def to_csv(frames: Sequence[Frame]) -> str:
    """One CSV: a header row, then every frame's rows; when there are several frames with
    different titles a first column says which table a row belongs to."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if not frames:
        return ""
    cols = frames[0].data or frames[0].columns
    several = len({f.title for f in frames}) > 1
    w.writerow([csv_cell(h) for h in (["table"] if several else []) + [c.heading for c in cols]])
    for f in frames:
        for r in f.rows:
            values = ([f.title] if several else []) + [cell(r.get(c.key)) for c in cols]
            w.writerow([csv_cell(v) for v in values])
    return buf.getvalue()


def _md(text: Any) -> str:
    return safe_text(cell(text)).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(frames: Sequence[Frame]) -> str:
    """GitHub-flavoured Markdown: a heading, a pipe table and the caption per frame."""
    parts: list[str] = []
    for f in frames:
        lines = [f"### {_md(f.title)}", ""]
        lines.append("| " + " | ".join(_md(c.heading) for c in f.columns) + " |")
        lines.append("|" + "|".join("---:" if c.numeric else "---" for c in f.columns) + "|")
        group = None
        for r in f.rows:
            if f.group and r.get(f.group) != group:
                group = r.get(f.group)
                lines.append(
                    "| " + " | ".join([f"**{_md(group)}**"] + [""] * (len(f.columns) - 1)) + " |"
                )
            lines.append("| " + " | ".join(_md(r.get(c.key)) for c in f.columns) + " |")
        if f.caption:
            lines += ["", _md(f.caption)]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"
