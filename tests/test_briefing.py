"""`fieldkit report force CODE --out kent.html`: one self-contained printable page."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from helpers.records import call, case_file
from typer.testing import Result

from fieldkit.report.summary import find_summary, summary
from fieldkit.store import Store

Cli = Callable[..., Result]


def team(path: Path) -> Path:
    with Store.create(path, inspector="tester") as s:
        for i, v in enumerate(["yes", "yes", "no", "na"]):
            case_file(s, "kent", f"K/{i}", answers={"cf_t2_bwv_used": v})
        for i, v in enumerate(["no", "no", "yes"]):
            case_file(s, "essex", f"E/{i}", answers={"cf_t2_bwv_used": v})
        call(s, "kent", "INC-1", cl_calm_reassuring=4, cl_safety_advice="yes")
        call(s, "essex", "INC-2", cl_calm_reassuring=2, cl_safety_advice="no")
    return path


class Refs(HTMLParser):
    """Every URL the page would load or link to, and every script."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts += 1
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


def test_a_force_briefing_is_one_self_contained_page(
    cli: Cli, db_path: Path, tmp_path: Path
) -> None:
    team(db_path)
    assert cli("plans", "new", "--force", "kent", "--db", db_path).exit_code == 0
    res = cli(
        "plans",
        "status",
        "kent:stop-2018:s03",
        "--on",
        "2018-09-01",
        "--rag",
        "amber",
        "--db",
        db_path,
    )
    assert res.exit_code == 0, res.output
    out = tmp_path / "kent.html"
    res = cli("report", "force", "kent", "--full", "--out", out, "--db", db_path)
    assert res.exit_code == 0, res.output
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    page = out.read_text(encoding="utf-8")
    refs = Refs()
    refs.feed(page)
    assert refs.scripts == 0 and refs.urls == []  # nothing fetched, nothing to follow
    assert page.count("<svg") >= 2  # charts inline: Table 2's, the action plan's
    body = page[page.index("<body>") :]
    text = re.sub(r"<[^>]+>", " ", body)
    text = " ".join(text.split())
    assert text.startswith("Kent Police: fieldwork briefing")
    assert "Table 2: Review of evidence contained in 4 case files" in text
    with Store.open(db_path, readonly=True) as s:
        t2 = find_summary(s.conn, "table2")
        kent = {r["item_id"]: r["label"] for r in summary(s.conn, t2, force="kent")["rows"]}
        national = {r["item_id"]: r["label"] for r in summary(s.conn, t2)["rows"]}
    assert kent["cf_t2_bwv_used"] == "67% (2 of 3)"
    assert national["cf_t2_bwv_used"] == "50% (3 of 6)"
    # against the rest of England and Wales (Essex here: 1 of 3), both bases too small
    assert (
        "Body-worn video cameras used to capture evidence from the victim and scene "
        "67% (2 of 3) 20-94% 33% (1 of 3) +33 too small to call" in text
    )
    assert "Appendix: every item" in text and "Call listening: findings" in text
    assert "Was the handler calm and reassuring? 4.0 100% (1 of 1) 50% (1 of 2)" in text
    assert "Coverage against the sample targets" in text
    assert "Open recommendations" in text
    assert "Action plan: objectives by RAG status" in text and "amber" in text


def test_a_briefing_refuses_bad_input_in_one_line(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    team(db_path)
    res = cli("report", "force", "atlantis", "--out", tmp_path / "x.html", "--db", db_path)
    assert res.exit_code == 2 and "unknown force" in res.output
    res = cli("report", "force", "kent", "--out", tmp_path / "x.pdf", "--db", db_path)
    assert res.exit_code == 2 and "must end in .html" in res.output
    assert not (tmp_path / "x.html").exists()
