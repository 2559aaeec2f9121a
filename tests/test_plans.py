"""Forces' action plans: the STOP template, dated RAG statuses, evidence, links to
recommendations, and the Excel importer (bad rows by sheet row number, all or nothing,
idempotent)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from fieldkit.errors import BadInput
from fieldkit.register import (
    add_evidence,
    import_plan_xlsx,
    link,
    list_objectives,
    new_plan,
    plan_rows,
    recommendation,
    set_rag,
)
from fieldkit.register.reference import template
from fieldkit.store import Store

HEADER = ["Theme", "Objective", "Owner", "Due", "Status"]


def workbook(path: Path, rows: list[list], header: list = HEADER, title: str = "Plan") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(["Domestic Abuse Delivery Plan 2018/2019"])  # a title row above the header
    ws.append([])
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def objectives(store: Store, **kw) -> dict[str, dict]:
    return {r["objective_id"]: r for r in list_objectives(store.conn, **kw)}


# ------------------------------------------------------------------------ template
def test_stop_template_has_41_objectives_as_written() -> None:
    tpl = template("stop-2018")
    assert [t.code for t in tpl.themes] == ["S", "T", "O", "P"]
    counts = {t.code: sum(o.theme == t.code for o in tpl.objectives) for t in tpl.themes}
    assert counts == {"S": 10, "T": 9, "O": 14, "P": 8}
    ids = [o.id for o in tpl.objectives]
    assert ids[:2] == ["s01", "s02"] and ids[-1] == "p08" and "o14" in ids
    text = {o.id: o.text for o in tpl.objectives}
    assert text["s09"] == "Supervisor's quality assure the safety plans that are put in place."
    assert "There usage is effectively reviewed." in text["t08"]  # typo kept
    assert text["p04"].endswith("scrutinised and evaluated by Safer Lives.")
    assert tpl.themes[2].includes[0].endswith("HMIC and IPOC.")


def test_new_plan_from_template_is_idempotent(cli, db_path: Path) -> None:
    r = cli("plans", "new", "--force", "Kent Police", "--db", db_path)
    assert r.exit_code == 0 and "kent:stop-2018: created (4 themes, 41 objectives)" in r.stdout
    r = cli("plans", "new", "--force", "kent", "--from", "stop-2018", "--db", db_path)
    assert "already exists" in r.stdout
    rows = json.loads(cli("plans", "list", "--force", "kent", "--json", "--db", db_path).stdout)
    assert len(rows) == 41 and {r["rag"] for r in rows} == {None}
    assert rows[0]["objective_ref"] == "kent:stop-2018:s01"
    assert rows[0]["theme_title"] == "Safeguard people from domestic abuse."
    r = cli("plans", "new", "--force", "Atlantis", "--db", db_path)
    assert r.exit_code == 2 and "unknown force 'Atlantis'" in r.stderr
    r = cli("plans", "new", "--force", "kent", "--from", "nope", "--db", db_path)
    assert r.exit_code == 2 and "unknown plan template 'nope'" in r.stderr


# ---------------------------------------------------------------- statuses and links
def test_rag_history_latest_by_date_wins(store: Store) -> None:
    new_plan(store, "kent")
    set_rag(store, "kent:s02", "2018-06-01", "Amber", note="audit booked")
    set_rag(store, "kent:stop-2018:s02", "2018-09-01", "G")
    set_rag(store, "s02", "2018-07-01", "red", force="kent")  # an older rating, typed late
    row = objectives(store)["s02"]
    assert (row["rag"], row["rag_since"]) == ("green", "2018-09-01")
    history = store.conn.execute(
        "SELECT event_date, value, note FROM plan_timeline WHERE objective_id = 's02' ORDER BY position"
    ).fetchall()
    assert history == [
        ("2018-06-01", "amber", "audit booked"),
        ("2018-07-01", "red", None),
        ("2018-09-01", "green", None),
    ]
    assert not set_rag(store, "kent:s02", "2018-09-01", "green").added  # the same again


def test_unknown_rag_is_an_error_naming_the_known_values(cli, db_path: Path) -> None:
    cli("plans", "new", "--force", "kent", "--db", db_path)
    for typo in ("Purple", "ambre"):
        r = cli("plans", "status", "kent:s01", "--on", "2018-06-01", "--rag", typo, "--db", db_path)
        assert r.exit_code == 2
        assert f"unknown RAG status {typo!r} (known: red, amber, green" in r.stderr
    rows = json.loads(cli("plans", "list", "--json", "--db", db_path).stdout)
    assert {r["rag"] for r in rows} == {None}


def test_future_rag_refused_and_a_mistake_withdrawn_or_corrected(cli, db_path: Path) -> None:
    cli("plans", "new", "--force", "kent", "--db", db_path)
    r = cli("plans", "status", "kent:s01", "--on", "2030-01-01", "--rag", "red", "--db", db_path)
    assert r.exit_code == 2 and "is in the future" in r.stderr and "--allow-future" in r.stderr
    r = cli(
        "plans",
        "status",
        "kent:s01",
        "--on",
        "2030-01-01",
        "--rag",
        "red",
        "--allow-future",
        "--db",
        db_path,
    )
    assert r.exit_code == 0
    cli("plans", "status", "kent:s01", "--on", "2018-06-01", "--rag", "green", "--db", db_path)
    show = json.loads(cli("plans", "show", "kent:s01", "--json", "--db", db_path).stdout)
    assert show["rag"] == "red"  # the mistaken 2030 rating wins until withdrawn
    bad = next(h for h in show["history"] if h["event_date"] == "2030-01-01")
    r = cli("plans", "withdraw", bad["event_id"][:8], "--reason", "typo", "--db", db_path)
    assert r.exit_code == 0 and "withdrawn" in r.stdout
    show = json.loads(cli("plans", "show", "kent:s01", "--json", "--db", db_path).stdout)
    assert (show["rag"], show["rag_since"]) == ("green", "2018-06-01")
    kept = next(h for h in show["history"] if h["event_date"] == "2030-01-01")
    assert kept["withdrawn"] == 1  # still in the history, shown as withdrawn
    assert "[withdrawn] red" in cli("plans", "show", "kent:s01", "--db", db_path).stdout
    # a correction: the green rating was really amber
    green = next(h for h in show["history"] if h["value"] == "green")
    r = cli("plans", "withdraw", green["event_id"], "--rag", "ambre", "--db", db_path)
    assert r.exit_code == 2 and "unknown RAG status 'ambre'" in r.stderr
    r = cli("plans", "withdraw", green["event_id"], "--rag", "amber", "--db", db_path)
    assert r.exit_code == 0 and "corrected by" in r.stdout
    rows = json.loads(cli("plans", "list", "--json", "--db", db_path).stdout)
    s01 = next(r for r in rows if r["objective_id"] == "s01")
    assert (s01["rag"], s01["rag_since"]) == ("amber", "2018-06-01")
    again = cli("plans", "withdraw", green["event_id"], "--db", db_path)
    assert again.exit_code == 2 and "already withdrawn" in again.stderr


def test_objective_names_and_bad_input(cli, db_path: Path) -> None:
    cli("plans", "new", "--force", "kent", "--db", db_path)
    cli("plans", "new", "--force", "kent", "--plan", "second", "--db", db_path)
    cases = [
        (["s01", "--on", "2018-06-01", "--rag", "red"], "say which force"),
        (["kent:s01", "--on", "2018-06-01", "--rag", "red"], "in 2 plans"),
        (["kent:stop-2018:z99", "--on", "2018-06-01", "--rag", "red"], "no objective 'z99'"),
        (["kent:stop-2018:s01", "--on", "2018-13-01", "--rag", "red"], "bad date"),
        (["kent:nope:s01", "--on", "2018-06-01", "--rag", "red"], "no plan kent:nope"),
    ]
    for args, message in cases:
        r = cli("plans", "status", *args, "--db", db_path)
        assert r.exit_code == 2 and message in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1
    r = cli(
        "plans",
        "status",
        "s01",
        "--force",
        "kent",
        "--plan",
        "second",
        "--on",
        "2018-06-01",
        "--rag",
        "red",
        "--db",
        db_path,
    )
    assert r.exit_code == 0 and "kent:second:s01: recorded" in r.stdout


def test_links_evidence_owner_and_due(cli, store: Store, db_path: Path) -> None:
    new_plan(store, "kent")
    assert link(store, "kent:p02", ["eb2014:2", "eb2014:10"], on="2018-06-01") == [
        ("everyones_business_2014:2", True),
        ("everyones_business_2014:10", True),
    ]
    assert link(store, "kent:p02", ["eb2014:2"], on="2018-06-02") == [
        ("everyones_business_2014:2", False)
    ]
    add_evidence(store, "kent:p02", "2018-06-03", "MARAC referral audit: 48 of 50 referred.")
    store.close()
    r = cli(
        "plans",
        "assign",
        "kent:p02",
        "--on",
        "2018-06-01",
        "--owner",
        "DCI Jones",
        "--due",
        "31/03/2019",
        "--db",
        db_path,
    )
    assert r.exit_code == 0, r.output
    r = cli(
        "plans", "link", "kent:p02", "eb2014:10", "--unlink", "--on", "2018-07-01", "--db", db_path
    )
    assert "everyones_business_2014:10: unlinked" in r.stdout
    data = json.loads(cli("plans", "show", "kent:p02", "--json", "--db", db_path).stdout)
    assert (data["owner"], data["due"], data["evidence_notes"]) == ("DCI Jones", "2019-03-31", 1)
    assert data["recommendations"] == "everyones_business_2014:2"
    with Store.open(db_path, readonly=True) as s:
        rec = recommendation(s.conn, "eb2014:2")
        assert [(o["force_code"], o["objective_id"]) for o in rec["objectives"]] == [
            ("kent", "p02")
        ]


# ---------------------------------------------------------------------- Excel import
ROWS = [
    [
        "S",
        "We will be supportive and remove risk to protect people from domestic abuse.",
        "DCI Smith",
        datetime(2019, 3, 31),
        "Amber",
    ],
    [
        "S",
        "Risk assessments completed by attending officers are consistently of a high standard.",
        "Insp Khan",
        "30/06/2019",
        "green",
    ],
    [
        "T - Tackle offenders",
        "There is clear allocation and prioritisation policy for high, medium and standard risk cases.",
        "DI Patel",
        "Ongoing",
        "R",
    ],
    [
        "O",
        "We will actively seek feedback on performance from survivors of domestic abuse.",
        None,
        None,
        None,
    ],
]


def test_import_xlsx_reads_back_and_is_idempotent(cli, db_path: Path, tmp_path: Path) -> None:
    f = workbook(tmp_path / "Kent DA plan.xlsx", ROWS)
    r = cli("plans", "import", f, "--force", "kent", "--on", "2018-06-30", "--db", db_path)
    assert r.exit_code == 0, r.output
    assert "kent:kent-da-plan: 4 rows, 4 new objectives" in r.stdout
    with Store.open(db_path, readonly=True) as s:
        got = objectives(s)
        themes = dict(s.conn.execute("SELECT code, title FROM plan_themes").fetchall())
    assert sorted(got) == ["o01", "s01", "s02", "t01"]
    assert (got["s01"]["owner"], got["s01"]["due"], got["s01"]["rag"]) == (
        "DCI Smith",
        "2019-03-31",
        "amber",
    )
    assert (got["s02"]["due"], got["s02"]["rag"], got["s02"]["rag_since"]) == (
        "2019-06-30",
        "green",
        "2018-06-30",
    )
    assert (got["t01"]["due"], got["t01"]["rag"]) == ("Ongoing", "red")  # text kept as written
    assert got["o01"]["rag"] is None and got["o01"]["owner"] is None
    assert themes == {
        "S": "Safeguard people from domestic abuse.",
        "T": "Tackle offenders",
        "O": "Opportunities to develop and improve",
    }
    again = cli("plans", "import", f, "--force", "kent", "--on", "2018-07-31", "--db", db_path)
    assert "0 new objectives, 0 new status/owner/due/evidence entries, 0 new links" in again.stdout


def test_updated_sheet_adds_what_changed(store: Store, tmp_path: Path) -> None:
    f = workbook(tmp_path / "plan.xlsx", ROWS)
    import_plan_xlsx(store, f, "kent", plan="stop-2018", on="2018-06-30")
    changed = [list(r) for r in ROWS]
    changed[0][4] = "Green"
    changed[3][2] = "Ch Supt Lee"
    g = workbook(tmp_path / "plan-q3.xlsx", changed)
    result = import_plan_xlsx(store, g, "kent", plan="stop-2018", on="2018-09-30")
    assert (result.new_objectives, result.new_events) == (0, 2)
    got = objectives(store)
    assert (got["s01"]["rag"], got["s01"]["rag_since"]) == ("green", "2018-09-30")
    assert got["o01"]["owner"] == "Ch Supt Lee"
    history = store.conn.execute(
        "SELECT event_date, value FROM plan_timeline WHERE objective_id = 's01' AND kind = 'rag' ORDER BY position"
    ).fetchall()
    assert history == [("2018-06-30", "amber"), ("2018-09-30", "green")]


def test_sheet_matches_the_template_plan_by_text(store: Store, tmp_path: Path) -> None:
    new_plan(store, "kent")
    rows = [
        [
            "S",
            "Risk assessments completed by attending officers are consistently of a high standard.",
            "Insp Khan",
            None,
            "Amber",
        ],
        [
            "Partnership working",
            "Ensure that all high-risk domestic abuse cases are referred to multiagency risk-assessment conferences (MARACs) so victims receive the support they need.",
            "DCI Jones",
            None,
            "Green",
        ],
        ["P", "A new objective the force added.", "DCI Jones", None, "Red"],
    ]
    result = import_plan_xlsx(
        store, workbook(tmp_path / "k.xlsx", rows), "kent", plan="stop-2018", on="2018-06-30"
    )
    assert result.new_objectives == 1
    got = objectives(store)
    assert (got["s02"]["rag"], got["p02"]["rag"], got["p09"]["rag"]) == ("amber", "green", "red")
    assert got["p09"]["objective"] == "A new objective the force added."
    assert len(got) == 42


def test_optional_columns_id_evidence_recommendations_date(store: Store, tmp_path: Path) -> None:
    header = [
        "ID",
        "Theme",
        "Objective",
        "Owner",
        "Due",
        "RAG status",
        "Evidence",
        "Recommendations",
        "As at",
    ]
    rows = [
        [
            "s10",
            "S",
            "As a result of Police intervention persons do not become repeat victims of domestic abuse.",
            "DCI Smith",
            None,
            "Amber",
            "Repeat rate down 3 points.",
            "eb2014:2; eb2014:4",
            date(2018, 5, 31),
        ],
    ]
    result = import_plan_xlsx(
        store, workbook(tmp_path / "x.xlsx", rows, header), "kent", plan="p", on="2018-06-30"
    )
    assert (result.new_objectives, result.new_events, result.new_links) == (1, 3, 2)
    row = objectives(store)["s10"]
    assert row["recommendations"] == "everyones_business_2014:2; everyones_business_2014:4"
    assert (row["rag_since"], row["evidence_notes"]) == ("2018-05-31", 1)


GOOD = ["P", "Fine objective.", "x", None, "green"]
BAD_SHEETS = [
    (HEADER, [GOOD, ["S", "", "x", None, "Amber"]], "row 5: no objective"),
    (HEADER, [["", "Something", "x", None, "Amber"], GOOD], "row 4: no theme"),
    (
        HEADER,
        [GOOD, ["Safeguarding things", "Something", "x", None, "Amber"]],
        "theme 'Safeguarding things' (row 5) is not a code",
    ),
    (
        HEADER + ["Recommendations"],
        [GOOD + [""], ["S", "A", "x", None, "Amber", "eb2014:99"]],
        "row 5: Everyone's business",
    ),
    (
        HEADER + ["Date"],
        [GOOD + [""], ["S", "A", "x", None, "Amber", "31/02/2018"]],
        "row 5: bad date",
    ),
    (
        ["ID"] + HEADER,
        [["s01"] + GOOD, ["s01", "S", "B", "x", None, "Red"]],
        "row 5: objective s01 is also on row 4",
    ),
    (
        ["Theme", "Objective", "Status"],
        [["S", "A", "Amber"]],
        "row 3: the header lacks column(s) owner, due",
    ),
    (HEADER, [], "no objectives below the header (row 3)"),
]


@pytest.mark.parametrize(("header", "rows", "message"), BAD_SHEETS)
def test_bad_row_one_line_with_sheet_row_nothing_stored(
    cli, db_path: Path, tmp_path: Path, header: list, rows: list, message: str
) -> None:
    f = workbook(tmp_path / "bad.xlsx", rows, header)
    Store.create(db_path).close()
    r = cli("plans", "import", f, "--force", "kent", "--on", "2018-06-30", "--db", db_path)
    assert r.exit_code == 2
    line = r.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in r.output
    assert "bad.xlsx: sheet 'Plan'" in line
    assert message in line
    with Store.open(db_path, readonly=True) as s:
        for table in ("plans", "plan_objectives", "plan_events", "plan_links"):
            assert s.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table


def test_not_a_workbook_missing_sheet_and_text_clash(store: Store, tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a zip", encoding="utf-8")
    with pytest.raises(BadInput, match="junk.xlsx: not an Excel .xlsx workbook"):
        import_plan_xlsx(store, junk, "kent")
    f = workbook(tmp_path / "p.xlsx", ROWS)
    with pytest.raises(BadInput, match=r"no sheet 'Q3' \(sheets: Plan\)"):
        import_plan_xlsx(store, f, "kent", sheet="Q3")
    new_plan(store, "kent")
    clash = workbook(
        tmp_path / "c.xlsx",
        [["s01", "S", "Reworded objective.", "x", None, "Amber"]],
        ["ID"] + HEADER,
    )
    with pytest.raises(BadInput, match=r"row 4: objective s01 is stored as"):
        import_plan_xlsx(store, clash, "kent", plan="stop-2018")
    assert store.conn.execute("SELECT count(*) FROM plan_events").fetchone()[0] == 0


# ------------------------------------------------------------------------ views, rows
def test_plans_by_force_view_summary_and_rows(store: Store) -> None:
    new_plan(store, "kent")
    new_plan(store, "essex")
    set_rag(store, "kent:s01", "2018-06-01", "red")
    set_rag(store, "kent:s02", "2018-06-01", "red")
    set_rag(store, "essex:p01", "2018-06-01", "complete")
    summary = store.conn.execute(
        "SELECT force_code, rag, objectives FROM plan_rag_summary ORDER BY force_code, rag"
    ).fetchall()
    assert summary == [
        ("essex", "complete", 1),
        ("essex", "unrated", 40),
        ("kent", "red", 2),
        ("kent", "unrated", 39),
    ]
    rows = plan_rows(store.conn)
    assert len(rows) == 82
    assert rows[0]["force_name"] == "Essex Police" and rows[0]["objective_id"] == "s01"
    assert {"force_code", "plan", "theme", "objective", "owner", "due", "rag", "rag_since"} <= set(
        rows[0]
    )
    assert [r["objective_id"] for r in list_objectives(store.conn, force="kent", rag="red")] == [
        "s01",
        "s02",
    ]
    assert len(list_objectives(store.conn, rag="none")) == 79


def test_theme_title_must_name_the_plans_theme(store: Store, tmp_path: Path) -> None:
    new_plan(store, "kent")
    ok = [["T - Tackle offenders", "A new tackling objective.", "x", None, "Amber"]]
    assert (
        import_plan_xlsx(
            store, workbook(tmp_path / "ok.xlsx", ok), "kent", plan="stop-2018"
        ).new_objectives
        == 1
    )
    bad = [["T - Training", "Another objective.", "x", None, "Amber"]]
    with pytest.raises(BadInput, match=r"row 4: theme T is 'Tackle offenders utilising"):
        import_plan_xlsx(store, workbook(tmp_path / "bad.xlsx", bad), "kent", plan="stop-2018")


# ------------------------------------------------------- real plans (issues 11 and 16)
def test_stray_far_cell_is_refused_before_reading(cli, db_path: Path, tmp_path: Path) -> None:
    f = workbook(tmp_path / "far.xlsx", [GOOD])
    wb = load_workbook(f)
    wb.active["XFD3000"] = "stray"
    wb.save(f)
    assert f.stat().st_size < 10_000
    r = cli("plans", "import", f, "--force", "kent", "--db", db_path)
    assert r.exit_code == 2
    assert "has a value in column 16,384 (at most 1,000 columns)" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_theme_merged_over_several_rows(store: Store, tmp_path: Path) -> None:
    f = workbook(
        tmp_path / "merged.xlsx",
        [
            ["S", "First safeguarding objective.", "A", None, "green"],
            [None, "Second safeguarding objective.", "B", None, "amber"],
            ["T", "A tackling objective.", "C", None, "red"],
            [None, "Another tackling objective.", "D", None, "red"],
        ],
    )
    wb = load_workbook(f)
    wb.active.merge_cells("A4:A5")
    wb.active.merge_cells("A6:A7")
    wb.save(f)
    import_plan_xlsx(store, f, "kent", on="2018-06-30")
    got = objectives(store)
    assert sorted(got) == ["s01", "s02", "t01", "t02"]
    assert got["s02"]["rag"] == "amber" and got["t02"]["theme"] == "T"


def test_force_theme_names_mapped_and_plan_matched(cli, db_path: Path, tmp_path: Path) -> None:
    rows = [
        ["Safeguarding", "Risk assessments are checked by a supervisor.", "A", None, "amber"],
        ["Learning", "Lessons from reviews reach staff.", "B", None, "green"],
    ]
    f = workbook(tmp_path / "kent-da-plan.xlsx", rows)
    r = cli("plans", "import", f, "--force", "kent", "--on", "2018-06-30", "--db", db_path)
    assert r.exit_code == 2
    assert "theme 'Safeguarding' (row 4), 'Learning' (row 5) is not a code" in r.stderr
    assert "--theme 'Safeguarding=S'" in r.stderr
    r = cli("plans", "import", f, "--force", "kent", "--theme", "Safeguarding=S",
            "--theme", "Learning=L", "--on", "2018-06-30", "--db", db_path)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "plan kent:kent-da-plan: new, named after the file" in r.stdout
    # version 2 of the same file updates the force's plan, and says so
    g = workbook(tmp_path / "kent-da-plan-v2.xlsx", [[*rows[0][:4], "green"], rows[1]])
    r = cli("plans", "import", g, "--force", "kent", "--theme", "Safeguarding=S",
            "--theme", "Learning=L", "--on", "2018-09-30", "--db", db_path)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "plan kent:kent-da-plan: the force's only plan" in r.stdout
    data = json.loads(cli("plans", "list", "--json", "--db", db_path).stdout)
    assert {(d["plan"], d["theme"], d["theme_title"]) for d in data} == {
        ("kent-da-plan", "S", "Safeguard people from domestic abuse."),
        ("kent-da-plan", "L", "Learning"),
    }
    assert {d["rag"] for d in data} == {"green"}
    table = cli("plans", "list", "--db", db_path).stdout
    assert "┃ theme" in table and "theme L Learning" in table
    # a second plan: from then on the force's plans must be named
    cli("plans", "new", "--force", "kent", "--db", db_path)
    r = cli("plans", "import", g, "--force", "kent", "--theme", "Safeguarding=S",
            "--theme", "Learning=L", "--db", db_path)  # fmt: skip
    assert r.exit_code == 2 and "kent has 2 plans (kent-da-plan, stop-2018)" in r.stderr


def test_show_prints_the_theme_includes_lines(cli, db_path: Path) -> None:
    cli("plans", "new", "--force", "kent", "--db", db_path)
    shown = cli("plans", "show", "kent:t03", "--db", db_path).stdout
    tpl = next(t for t in template("stop-2018").themes if t.code == "T")
    assert "This includes:" in shown
    assert all(line[:40] in shown.replace("\n", " ") for line in tpl.includes)
