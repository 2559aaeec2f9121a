"""The workbook, the terminal report, Datasette (canned queries and the dashboard) and the
force briefing show the same numbers for the same database (issue 13, done-when)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest
from helpers.workbook import table
from openpyxl import load_workbook
from typer.testing import Result

from fieldkit.export import export_xlsx
from fieldkit.store import Store

Cli = Callable[..., Result]


class Rows(HTMLParser):
    """The briefing's table rows, as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, list[str]]] = []  # (the heading above, cells)
        self.heading = ""
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "tr":
            self.rows.append((self.heading, []))
        elif tag in ("td", "h2", "h3"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1][1].append("".join(self._cell).strip())
            self._cell = None
        elif tag in ("h2", "h3") and self._cell is not None:
            self.heading = "".join(self._cell).strip()
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@pytest.mark.slow  # the demo database
async def test_every_output_shows_the_same_numbers(
    demo_db: Path, cli: Cli, tmp_path: Path, plugins: None
) -> None:
    # the terminal report (CSV form of the same table), pooled and for one force
    res = cli("report", "evidence", "--db", demo_db, "--format", "csv", "--ids")
    terminal = {r["item_id"]: r["label"] for r in csv.DictReader(io.StringIO(res.output))}
    res = cli("report", "evidence", "--db", demo_db, "-f", "kent", "--format", "csv", "--ids")
    terminal_kent = {
        (r["checklist"], r["question"]): (r["item_id"], r["label"], r["rest_label"])
        for r in csv.DictReader(io.StringIO(res.output))
    }
    t2 = json.loads(cli("report", "summary", "table2", "--db", demo_db, "--json").output)
    t2_terminal = {r["item_id"]: r["label"] for r in t2["rows"]}
    assert len(terminal) > 100 and len(t2_terminal) == 7

    # the workbook
    out = tmp_path / "demo.xlsx"
    with Store.open(demo_db, readonly=True) as s:
        export_xlsx(s, out, only=["Summary", "Table 2"])
    wb = load_workbook(out)
    workbook = {
        k: c["Figure"].value for k, c in table(wb["Summary"], "Question", "Item id").items()
    }
    t2_workbook = {
        k: c["Figure"].value for k, c in table(wb["Table 2"], "Evidence", "Item id").items()
    }
    assert workbook == terminal
    assert t2_workbook == t2_terminal

    # Datasette: the canned queries and the dashboard's Table 2 chart
    from fieldkit.datasette.serve import make_datasette

    ds = make_datasette([demo_db])
    res = await ds.client.get("/demo/evidence.json?_shape=array&_size=max&checklist=")
    datasette = {r["item_id"]: r["label"] for r in res.json()}
    assert datasette == terminal
    res = await ds.client.get(
        "/demo/summary_table.json?"
        + urlencode({"summary": "table2", "checklist": "", "_shape": "array"})
    )
    assert {r["item_id"]: r["label"] for r in res.json()} == t2_terminal
    board = (await ds.client.get("/-/metadata.json")).json()["plugins"]["datasette-dashboards"]
    query = re.sub(r"\[\[.*?\]\]", "", board["findings"]["charts"]["summary-0"]["query"])
    res = await ds.client.get("/demo.json?" + urlencode({"sql": query, "_shape": "array"}))
    assert {r["item_id"]: r["label"] for r in res.json()} == t2_terminal

    # the force briefing (with its appendix): the force's figure and the rest of England
    # and Wales's, row by row, as `report evidence --force` gives them
    page = tmp_path / "kent.html"
    assert cli("report", "force", "kent", "--full", "--out", page, "--db", demo_db).exit_code == 0
    parsed = Rows()
    parsed.feed(page.read_text(encoding="utf-8"))
    compared = 0
    for heading, row in parsed.rows:
        checklist = heading.removesuffix(": findings")
        key = (checklist, row[0] if row else "")
        if len(row) == 6 and key in terminal_kent:
            _item_id, kent_label, rest_label = terminal_kent[key]
            assert (row[1], row[3]) == (kent_label, rest_label), (heading, row)
            compared += 1
        elif len(row) == 6 and heading.startswith("Table 2"):
            item_id, kent_label, rest_label = next(
                v for (_, q), v in terminal_kent.items() if q == row[0]
            )
            assert (row[1], row[3]) == (kent_label, rest_label), row
            assert item_id in t2_terminal
            compared += 1
    assert compared >= 40, compared
