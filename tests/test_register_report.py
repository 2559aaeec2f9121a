"""The quarterly progress update (`fieldkit register report`) for the period of seed 001,
the National Oversight Group's December 2014 update, built from the shipped reference data
plus events: its sections, grouping, full texts, statuses and action-plan RAG counts."""

from __future__ import annotations

import re
from pathlib import Path

from helpers.shared_files import shared_file

SEED_000 = shared_file("seeds/000_df0ad699e43dac57.txt")
SEED_001 = shared_file("seeds/001_59df4785b8a122c7.txt").read_text(encoding="utf-8")
PERIOD = ("--since", "2014-06-01", "--until", "2014-12-31")


def _fill(cli, db: Path) -> None:
    assert cli("register", "import", SEED_000, "--db", db).exit_code == 0
    cli("register", "add-event", "eb2014:1", "--on", "2014-06-10", "--status", "in-progress",
        "--db", db)  # fmt: skip
    cli("register", "add-event", "eb2014:3", "--on", "2015-02-01", "--comment", "After the period.",
        "--db", db)  # fmt: skip
    cli("plans", "new", "--force", "kent", "--db", db)
    cli("plans", "new", "--force", "dyfed-powys", "--db", db)
    for ref, rag in (("kent:s01", "green"), ("kent:s02", "amber"), ("dyfed-powys:s01", "red")):
        cli("plans", "link", ref, "eb2014:2", "--on", "2014-10-01", "--db", db)
        cli("plans", "status", ref, "--on", "2014-11-01", "--rag", rag, "--db", db)
    # a rating after the period does not count; a withdrawn one never does
    cli("plans", "status", "kent:s01", "--on", "2015-03-01", "--rag", "red", "--db", db)


def test_update_for_seed_001_period_has_its_structure(cli, db_path: Path, tmp_path: Path) -> None:
    _fill(cli, db_path)
    out = tmp_path / "update.md"
    r = cli("register", "report", *PERIOD, "--out", out, "--db", db_path)
    assert r.exit_code == 0, r.output
    assert out.stat().st_mode & 0o777 == 0o600
    text = out.read_text(encoding="utf-8")
    # the headings of seed 001's "Update on progress against recommendations", in order
    seed_heads = re.findall(r"^(Recommendations? [\d and]+):", SEED_001, re.M)
    assert re.findall(r"^### (.+)$", text, re.M) == seed_heads
    assert seed_heads[1] == "Recommendations 2 and 3"
    assert text.index("## Summary of statuses") < text.index("## Update on progress")
    assert text.index("## Update on progress") < text.index("## Forces' action plans")
    # full texts, not titles only
    assert "chief constables should review how they, and their senior officers" in text
    assert "  • after close consideration of all the recommendations in this report;" in text
    # statuses at the start and the end of the period, and how they changed
    assert "| 1. National oversight group | Home Office | - | in-progress |" in text
    assert "| 2. Force DA action plans | HMIC | awaiting-review | awaiting-review |" in text
    assert "none recorded at the start of the period, in-progress at its end" in text
    # the period's events in date order; nothing from outside it
    sec1 = text.split("### Recommendation 1\n")[1].split("### ")[0]
    dates = re.findall(r"^- (\d+\w\w \w+ 2014):", sec1, re.M)
    assert dates == ["10th June 2014", "10th June 2014", "4th September 2014", "1st December 2014"]
    assert "All 43 forces have provided an action plan to HMIC" in text  # seed 001's update
    assert "After the period." not in text and "2015" not in sec1
    # RAG counts of the objectives linked to Recommendation 2, as at the end of the period
    assert "- Kent Police: 1 amber, 1 green" in text and "- Dyfed-Powys Police: 1 red" in text
    assert "| Kent Police | 0 | 1 | 1 | 0 | 0 | 0 |" in text


def test_update_as_html_and_docx(cli, db_path: Path, tmp_path: Path) -> None:
    from docx import Document

    _fill(cli, db_path)
    page = tmp_path / "update.html"
    assert cli("register", "report", *PERIOD, "-o", page, "--db", db_path).exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert "<h3>Recommendations 2 and 3</h3>" in html and "<table>" in html
    doc_path = tmp_path / "update.docx"
    assert cli("register", "report", *PERIOD, "-o", doc_path, "--db", db_path).exit_code == 0
    doc = Document(str(doc_path))
    heads = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert heads[:2] == ["Recommendation 1", "Recommendations 2 and 3"] and len(heads) == 10
    assert doc.tables[0].rows[2].cells[2].text == "awaiting-review"


def test_report_bad_input_is_one_line(cli, db_path: Path, tmp_path: Path) -> None:
    cli("init", "--db", db_path)
    cases = [
        (("--since", "2015-01-01", "--until", "2014-01-01"), "is before --since"),
        (("--since", "yesterday"), "bad --since date"),
        (("--since", "2014-06-01", "--out", tmp_path / "u.pdf"), "write the update as .md"),
    ]
    for args, message in cases:
        r = cli("register", "report", *args, "--db", db_path)
        assert r.exit_code == 2 and message in r.stderr, (args, r.stderr)
    existing = tmp_path / "keep.md"
    existing.write_text("mine", encoding="utf-8")
    r = cli("register", "report", "--since", "2014-06-01", "-o", existing, "--db", db_path)
    assert r.exit_code == 2 and existing.read_text(encoding="utf-8") == "mine"
