"""Report frames drawn as terminal tables (fieldkit/cli/boxtable.py): the section headings
kept, every cell inside its column, figures right-aligned, a long word cut or folded."""

from __future__ import annotations

from io import StringIO

import fieldkit.cli.output as output
from fieldkit.cli.boxtable import BoxColumn, fit, wrap
from fieldkit.cli.failures import SafeConsole
from fieldkit.report.render import Column, Frame


def drawn(frame: Frame, width: int = 100) -> str:
    buffer = StringIO()
    original = output.out
    output.out = SafeConsole(file=buffer, width=width)
    try:
        output.show([frame], "table")
    finally:
        output.out = original
    return buffer.getvalue()


def test_a_by_force_table_keeps_its_sections_and_every_line_inside_the_box() -> None:
    rows = [
        {"section": s, "force": f, "question": q, "label": lab}
        for s, f, q, lab in [
            ("A. Calls", "Kent Police", "Was the call listened to?", "77% (305 of 395)"),
            ("A. Calls", "Gloucestershire Constabulary", "Was it graded?", "5% (1 of 20)"),
            ("B. Scene", "Kent Police", "Were photographs taken " * 6, "100% (8 of 8)"),
        ]
    ]
    frame = Frame(
        "Case files",
        [
            Column("force", "Force"),
            Column("question", "Question", wrap=True),
            Column("label", "Completed of applicable", numeric=True),
        ],
        rows,
        caption="Not counted: 3 draft(s)",
        group="section",
    )
    text = drawn(frame)
    lines = text.splitlines()
    assert lines[0] == "Case files" and lines[-1] == "Not counted: 3 draft(s)"
    box = lines[1:-1]
    assert len({len(ln) for ln in box}) == 1  # every line as wide as the table
    assert len(box[0]) <= 100
    firsts = [ln.split("│")[1].strip() for ln in box if ln.startswith("│")]
    assert firsts.index("A. Calls") < firsts.index("Kent Police")
    assert firsts.index("B. Scene") > firsts.index("A. Calls")
    assert "Gloucestershi…" in firsts  # a word wider than its column is cut, not spilled
    assert any(ln.rstrip("│ ").endswith("77% (305 of 395)") for ln in box)  # right-aligned
    question = " ".join(ln.split("│")[2].strip() for ln in box if ln.startswith("│"))
    assert ("Were photographs taken " * 6).strip() in " ".join(question.split())


def test_wrapping_and_fitting() -> None:
    assert wrap("one two three", 7) == ("one two", "three")
    assert wrap("abcdefghij", 4) == ("abcd", "efgh", "ij")
    assert wrap("abcdefghij", 4, fold=False) == ("abc…",)
    assert wrap("a\nb", 5) == ("a", "b")
    cols = [BoxColumn("Force", 30), BoxColumn("Stratum", 20), BoxColumn("Final", 5, True)]
    narrowed = fit(cols, 50)
    assert [c.width for c in narrowed] == [17, 18, 5]  # figures keep their width
    assert sum(c.width for c in narrowed) + 3 * 3 + 1 == 50
