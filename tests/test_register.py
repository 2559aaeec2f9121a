"""The recommendations register: seed 000 parsed as written, import all-or-nothing and
idempotent, the 11 national recommendations, dated events and the current status."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers.shared_files import shared_file

from fieldkit import sql
from fieldkit.errors import BadInput
from fieldkit.register import (
    add_event,
    export_entries,
    format_entry,
    import_register,
    list_recommendations,
    parse_text,
    rec_event_rows,
    recommendation,
    recommendation_rows,
    timeline,
)
from fieldkit.register.parse import parse_date
from fieldkit.register.reference import reference_sql
from fieldkit.store import Store

SEED_000 = shared_file("seeds/000_df0ad699e43dac57.txt")
SEED_TEXT = SEED_000.read_text(encoding="utf-8")
LEADS = {
    1: "Home Office",
    2: "HMIC",
    3: "HMIC",
    4: "Home Office",
    5: "College of Policing / NPCC",
    6: "College of Policing / NPCC",
    7: "College of Policing / NPCC",
    8: "College of Policing / NPCC",
    9: "Home Office",
    10: "APCC",
    11: "HMIC",
}


def by_ref(rows: list[dict]) -> dict[str, dict]:
    return {r["ref"]: r for r in rows}


# ----------------------------------------------------------------------------- seed 000
def test_seed_000_three_events_dates_and_final_status() -> None:
    [entry] = parse_text(SEED_TEXT, SEED_000.name)
    assert entry.reg_id == "2321"  # the register's id, not the recommendation number
    assert entry.heading == "Everyone's business: Improving the police response to domestic abuse"
    assert [(e.date, e.kind) for e in entry.events] == [
        ("2014-03-27", "status"),
        ("2017-07-17", "comment"),
        ("2017-08-11", "status"),
    ]
    assert [e.date_text for e in entry.events] == [
        "27th March 2014",
        "17th July 2017",
        "11th August 2017",
    ]
    assert entry.events[0].body == "awaiting-review"
    assert entry.events[2].body == "no-further-action-needed"
    comment = entry.events[1].body
    assert comment.startswith("\n\nThis area of activity has subsequently been inspected")
    assert comment.endswith("against these subsequent inspections.\n\n")
    assert entry.current_status == "no-further-action-needed"


def test_seed_000_text_is_kept_as_written() -> None:
    [entry] = parse_text(SEED_TEXT, SEED_000.name)
    assert entry.text.startswith("By September 2014, every police force")
    assert (
        "IPCC findings, whether in connection with the force in question or another force; and 20\n"
        in entry.text
    )
    assert "MARAC self-assessments.The action plan should" in entry.text
    assert "  \u2022 in consultation with police and crime commissioners" in entry.text
    assert not SEED_TEXT.endswith("\n")  # no newline at the end of the file
    assert format_entry(entry) == SEED_TEXT  # byte for byte


def test_import_seed_000_is_recommendation_2_and_idempotent(cli, db_path: Path) -> None:
    r = cli("register", "import", SEED_000, "--db", db_path)
    assert r.exit_code == 0, r.output
    assert "2321 → everyones_business_2014:2" in r.stdout
    assert "1 new entry, 3 new of 3 events" in r.stdout
    again = cli("register", "import", SEED_000, "--db", db_path)
    assert again.exit_code == 0
    assert "0 new entries, 0 new of 3 events" in again.stdout
    rows = by_ref(json.loads(cli("register", "list", "--json", "--db", db_path).stdout))
    rec2 = rows["eb2014:2"]
    assert rec2["rec_id"] == "everyones_business_2014:2"
    assert rec2["register_ids"] == "2321"
    assert rec2["current_status"] == "no-further-action-needed"
    assert rec2["status_since"] == "2017-08-11"
    # seed 000: 3 events; shipped: seed 001's December 2014 update and the Annex E status
    assert (rec2["events"], rec2["comments"], rec2["first_event"]) == (5, 2, "2014-03-27")
    with Store.open(db_path, readonly=True) as s:
        [text] = s.conn.execute("SELECT text FROM register_entries").fetchone()
        assert (
            s.conn.execute("SELECT count(*) FROM rec_events WHERE source = 'register'").fetchone()[
                0
            ]
            == 3
        )
        assert format_entry(parse_text(SEED_TEXT)[0]).endswith(
            "[/comment][/on][on]11th August 2017 [status]no-further-action-needed[/status][/on]"
        )
        assert export_entries(s.conn) == SEED_TEXT
    assert text == parse_text(SEED_TEXT)[0].text


# ---------------------------------------------------------------------- malformed input
BAD = [
    (lambda t: t.replace("27th March 2014", "32nd March 2014"), ":14:5:", "bad date"),
    (lambda t: t.replace("27th March", "27st March"), ":14:5:", "should read 27th"),
    (lambda t: t.replace(" (2321)", ""), ":1:1:", "register id in brackets"),
    (lambda t: t.replace("[/comment]", ""), ":14:", "[comment] is not closed"),
    (
        lambda t: t.replace("[status]awaiting-review", "[state]awaiting-review"),
        ":14:",
        "[status] or [comment]",
    ),
    (
        lambda t: t.replace("[/status][/on][on]17th", "[/status][/on] 20 [on]17th"),
        ":14:",
        "unexpected text after [/on]",
    ),
    (lambda t: t.replace("awaiting-review", ""), ":14:", "empty [status]"),
    (
        lambda t: t.replace("[/status][/on][on]17th", "[/status][on]17th"),
        ":14:",
        "followed by [/on]",
    ),
]


@pytest.mark.parametrize(("mutate", "position", "message"), BAD)
def test_malformed_entry_one_line_with_position_nothing_stored(
    cli, db_path: Path, tmp_path: Path, mutate, position: str, message: str
) -> None:
    good = tmp_path / "good.txt"
    good.write_text(SEED_TEXT.replace("(2321)", "(2399)"), encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text(mutate(SEED_TEXT), encoding="utf-8")
    Store.create(db_path).close()
    r = cli("register", "import", good, bad, "--db", db_path)
    assert r.exit_code == 2
    line = r.stderr.strip()
    assert len(line.splitlines()) == 1
    assert f"bad.txt{position}" in line
    assert message in line
    assert "Traceback" not in r.output
    with Store.open(db_path, readonly=True) as s:  # the good file was not stored either
        assert s.conn.execute("SELECT count(*) FROM register_entries").fetchone()[0] == 0
        assert (
            s.conn.execute("SELECT count(*) FROM rec_events WHERE source = 'register'").fetchone()[
                0
            ]
            == 0
        )


def test_missing_file_and_empty_file(cli, db_path: Path, tmp_path: Path) -> None:
    r = cli("register", "import", tmp_path / "nope.txt", "--db", db_path)
    assert r.exit_code == 2 and "nope.txt: no such file" in r.stderr
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    r = cli("register", "import", empty, "--db", db_path)
    assert r.exit_code == 2 and "empty.txt:1:1: empty file" in r.stderr


def test_same_register_id_with_other_text_is_refused(store: Store, tmp_path: Path) -> None:
    import_register(store, [SEED_000])
    changed = tmp_path / "changed.txt"
    changed.write_text(SEED_TEXT.replace("By September 2014", "By October 2014"), encoding="utf-8")
    with pytest.raises(BadInput, match=r"changed.txt:1: register entry 2321 is already stored"):
        import_register(store, [changed])
    assert store.conn.execute("SELECT count(*) FROM register_entries").fetchone()[0] == 1


def test_windows_line_endings_and_bom_read_the_same(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "crlf.txt"
    f.write_bytes(b"\xef\xbb\xbf" + SEED_TEXT.replace("\n", "\r\n").encode("utf-8"))
    import_register(store, [f])
    import_register(store, [SEED_000])  # the same rows: nothing new, no clash
    assert store.conn.execute("SELECT count(*) FROM register_entries").fetchone()[0] == 1
    assert (
        store.conn.execute("SELECT count(*) FROM rec_events WHERE source = 'register'").fetchone()[
            0
        ]
        == 3
    )


def test_several_entries_in_one_file_including_one_without_events(
    store: Store, tmp_path: Path
) -> None:
    text = (
        "Everyone's business: Improving the police response to domestic abuse (2400)\n\n"
        "Forces need support in how they target and manage perpetrators of domestic abuse. "
        "The College of Policing ...\n\n"
        + SEED_TEXT
        + "\n\nSome later report (77)\n\nA recommendation nobody numbered.\n\n"
        "[on]1st May 2016 [status]in-progress[/status][/on]\n"
    )
    f = tmp_path / "many.txt"
    f.write_text(text, encoding="utf-8")
    result = import_register(store, [f])
    assert result.matched == [
        ("2400", "everyones_business_2014:8"),
        ("2321", "everyones_business_2014:2"),
        ("77", "register:77"),
    ]
    assert any("register entry 77 does not match its report" in w for w in result.warnings)
    rows = by_ref(list_recommendations(store.conn))
    # no events of its own: only the shipped ones (seed 001's update, the Annex E status)
    assert rows["eb2014:8"]["events"] == 2 and rows["eb2014:8"]["register_ids"] == "2400"
    assert rows["register:77"]["current_status"] == "in-progress"
    assert rows["register:77"]["title"] == "Some later report"
    assert len(rows) == 12


def test_rec_option_names_the_recommendation_of_an_unmatched_entry(
    cli, db_path: Path, tmp_path: Path
) -> None:
    f = tmp_path / "one.txt"
    f.write_text(
        "Everyone's business (9001)\n\nReworded text.\n\n[on]2nd June 2015 [status]complete[/status][/on]",
        encoding="utf-8",
    )
    r = cli("register", "import", f, "--rec", "eb2014:5", "--db", db_path)
    assert r.exit_code == 0, r.output
    assert "9001 → everyones_business_2014:5" in r.stdout
    rows = by_ref(json.loads(cli("register", "list", "--json", "--db", db_path).stdout))
    assert rows["eb2014:5"]["current_status"] == "complete"
    r = cli("register", "import", f, SEED_000, "--rec", "eb2014:5", "--db", db_path)
    assert r.exit_code == 2 and "ONE entry" in r.stderr


# ------------------------------------------------------------------ reference data
def test_eleven_recommendations_ship_with_their_lead(cli, db_path: Path) -> None:
    cli("init", "--db", db_path)
    rows = json.loads(cli("register", "list", "--json", "--db", db_path).stdout)
    assert [r["ref"] for r in rows] == [f"eb2014:{n}" for n in range(1, 12)]
    assert {r["rec_number"]: r["lead_org"] for r in rows} == LEADS
    assert all(r["source_report"] == "everyones_business_2014" for r in rows)
    # seed 001: NOG met 10 June, 4 September 2014, and the December 2014 update
    assert by_ref(rows)["eb2014:1"]["comments"] == 3
    assert by_ref(rows)["eb2014:10"]["annex_e_status"] is None  # Annex E has no update for it
    # Annex E (2015) statuses are dated status events: 10 of the 11 have one
    statuses = {r["ref"]: (r["current_status"], r["status_since"]) for r in rows}
    assert statuses["eb2014:11"] == ("limited-progress", "2015-12-01")
    assert statuses["eb2014:10"] == (None, None)
    assert sum(1 for st, _ in statuses.values() if st) == 10
    found = json.loads(
        cli("register", "list", "--status", "limited-progress", "--json", "--db", db_path).stdout
    )
    assert [r["ref"] for r in found] == ["eb2014:11"]
    bogus = cli("register", "list", "--status", "bogus", "--db", db_path)
    assert bogus.exit_code == 2 and "unknown status 'bogus' (known: awaiting-review" in bogus.stderr


def test_full_texts_ship_with_the_recommendations(store: Store) -> None:
    rows = by_ref(list_recommendations(store.conn))
    full = store.conn.execute(
        "SELECT rec_number, full_text, update_group FROM recommendations ORDER BY rec_number"
    ).fetchall()
    assert len(full) == 11 and all(t and len(t) > 150 for _, t, _ in full)
    assert full[1][1].startswith("By September 2014, every police force in England and Wales")
    assert "  • after close consideration of all the recommendations in this report;" in full[1][1]
    assert full[2][2] == 2  # Recommendation 3 is reported with 2, as seed 001 does
    assert rows["eb2014:3"]["lead_org"] == "HMIC"


def test_schema_step_reference_block_matches_the_yaml() -> None:
    text = sql.read("0004_register_events.sql")
    block = re.search(r"-- BEGIN reference\n(.*?)-- END reference", text, re.S)
    assert block is not None
    assert block.group(1) == reference_sql()


# ------------------------------------------------------------------------- events
def test_current_status_is_the_latest_status_event_by_date(store: Store) -> None:
    add_event(store, "eb2014:6", "2015-01-10", status="in-progress")
    add_event(store, "eb2014:6", "2016-06-30", status="complete")
    add_event(store, "eb2014:6", "2016-07-01", comment="Cardiff research published.")
    add_event(store, "eb2014:6", "2015-05-05", status="outstanding")  # late entry of an older fact
    row = by_ref(list_recommendations(store.conn))["eb2014:6"]
    assert (row["current_status"], row["status_since"], row["last_event"]) == (
        "complete",
        "2016-06-30",
        "2016-07-01",
    )
    mine = [e for e in timeline(store.conn, "everyones_business_2014:6") if e["source"] == "manual"]
    assert [e["event_date"] for e in mine] == [
        "2015-01-10",
        "2015-05-05",
        "2016-06-30",
        "2016-07-01",
    ]


def test_same_day_statuses_later_one_wins(store: Store) -> None:
    add_event(store, "eb2014:4", "2016-01-31", status="outstanding")
    add_event(store, "eb2014:4", "2016-01-31", status="complete")
    assert by_ref(list_recommendations(store.conn))["eb2014:4"]["current_status"] == "complete"


def test_add_event_cli_and_unknown_status_is_an_error(cli, db_path: Path) -> None:
    cli("register", "import", SEED_000, "--db", db_path)
    for typo in ("Under Review", "done-ish"):
        r = cli(
            "register",
            "add-event",
            "2321",
            "--on",
            "1st May 2018",
            "--status",
            typo,
            "--db",
            db_path,
        )
        assert r.exit_code == 2
        assert f"unknown status {typo!r} (known: awaiting-review, in-progress" in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    rows = by_ref(json.loads(cli("register", "list", "--json", "--db", db_path).stdout))
    assert rows["eb2014:2"]["current_status"] == "no-further-action-needed"
    r = cli(
        "register",
        "add-event",
        "eb2014:2",
        "--on",
        "2018-05-02",
        "--status",
        "No further action needed",
        "--db",
        db_path,
    )
    assert r.exit_code == 0 and r.stderr == ""  # spelled out, it is the known slug
    rows = by_ref(json.loads(cli("register", "list", "--json", "--db", db_path).stdout))
    assert rows["eb2014:2"]["current_status"] == "no-further-action-needed"


def test_add_event_bad_input_is_one_line(cli, db_path: Path) -> None:
    cli("init", "--db", db_path)
    cases = [
        (["eb2014:2", "--on", "2018-05-01"], "either a status or a comment"),
        (
            ["eb2014:2", "--on", "2018-05-01", "--status", "x", "--comment", "y"],
            "either a status or a comment",
        ),
        (["eb2014:2", "--on", "31st June 2018", "--status", "complete"], "not a real date"),
        (["eb2014:12", "--on", "2018-05-01", "--status", "complete"], "has no recommendation 12"),
        (["2321", "--on", "2018-05-01", "--status", "complete"], "no register entry 2321"),
        (["eb2014:2", "--on", "2018-05-01", "--status", "a [b]"], "without [ or ]"),
        (["eb2014:2", "--on", "2018-05-01", "--comment", "  "], "needs some text"),
    ]
    for args, message in cases:
        r = cli("register", "add-event", *args, "--db", db_path)
        assert r.exit_code == 2, args
        assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    with Store.open(db_path, readonly=True) as s:
        assert (
            s.conn.execute("SELECT count(*) FROM rec_events WHERE source = 'manual'").fetchone()[0]
            == 0
        )


def test_add_event_again_is_a_no_op(store: Store) -> None:
    first = add_event(store, "eb2014:9", "2016-04-01", comment="Statutory guidance issued.")
    again = add_event(store, "eb2014:9", "2016-04-01", comment="Statutory guidance issued.")
    assert first.added and not again.added and first.event_id == again.event_id
    manual = [
        e for e in timeline(store.conn, "everyones_business_2014:9") if e["source"] == "manual"
    ]
    assert len(manual) == 1


def test_list_status_filter(cli, db_path: Path) -> None:
    cli("register", "import", SEED_000, "--db", db_path)
    cli(
        "register",
        "add-event",
        "eb2014:5",
        "--on",
        "2015-09-21",
        "--status",
        "complete",
        "--db",
        db_path,
    )
    done = json.loads(
        cli("register", "list", "--status", "complete", "--json", "--db", db_path).stdout
    )
    # Annex E (2015) gives 3 as complete; 5 is complete by the event just added
    assert [r["ref"] for r in done] == ["eb2014:3", "eb2014:5"]
    none = json.loads(cli("register", "list", "--status", "none", "--json", "--db", db_path).stdout)
    assert [r["ref"] for r in none] == ["eb2014:10"]
    table = cli("register", "list", "--db", db_path).stdout
    assert "eb2014:11" in table and "11 recommendation(s)" in table


def test_show_prints_text_and_timeline(cli, db_path: Path) -> None:
    cli("register", "import", SEED_000, "--db", db_path)
    r = cli("register", "show", "2321", "--db", db_path)
    assert r.exit_code == 0
    assert "self-assessments.The action plan" in r.stdout
    assert "awaiting-review" in r.stdout and "2017-07-17" in r.stdout
    data = json.loads(cli("register", "show", "eb2014:2", "--json", "--db", db_path).stdout)
    mine = [e for e in data["timeline"] if e["source"] == "register"]
    assert [e["kind"] for e in mine] == ["status", "comment", "status"]
    assert mine[1]["body"].startswith("This area of activity")  # trimmed for display


# ----------------------------------------------------------------- views and rows
def test_timeline_view_and_export_rows(store: Store) -> None:
    import_register(store, [SEED_000])
    add_event(store, "eb2014:2", "2018-01-01", comment="Checked again.")
    rows = store.conn.execute(
        "SELECT position, event_date, kind, body, current_status, title FROM rec_timeline"
        " WHERE rec_id = 'everyones_business_2014:2' ORDER BY position"
    ).fetchall()
    assert [r[:3] for r in rows] == [
        (1, "2014-03-27", "status"),
        (2, "2014-12-01", "comment"),  # seed 001's update
        (3, "2015-12-01", "status"),  # Annex E: complete
        (4, "2017-07-17", "comment"),
        (5, "2017-08-11", "status"),
        (6, "2018-01-01", "comment"),
    ]
    assert {r[4] for r in rows} == {"no-further-action-needed"}
    assert rows[0][5] == "Force DA action plans"
    sheet = recommendation_rows(store.conn)
    assert len(sheet) == 11 and sheet[1]["ref"] == "eb2014:2"
    assert (
        sheet[1]["current_status"] == "no-further-action-needed" and sheet[1]["lead_org"] == "HMIC"
    )
    events = rec_event_rows(store.conn)
    # shipped: 3 comments of seed 001 and an Annex E status on Rec 1, 2 + 2 on each of
    # the other 10 bar Rec 10 (no Annex E status); 4 more on Rec 2
    assert len(events) == (3 + 1) + 9 * 2 + 1 + 4
    assert recommendation(store.conn, "2321")["entries"][0]["reg_id"] == "2321"


def test_parse_date_forms() -> None:
    assert parse_date("27th March 2014") == "2014-03-27"
    assert parse_date("1st  May 2018") == "2018-05-01"
    assert parse_date("22nd Sept 2015") == "2015-09-22"
    assert parse_date("2017-08-11") == "2017-08-11"
    for bad in ("29th February 2015", "27th Marchember 2014", "March 2014", "11st May 2015"):
        with pytest.raises(ValueError):
            parse_date(bad)


def test_export_writes_the_register_format_back(cli, db_path: Path, tmp_path: Path) -> None:
    cli("register", "import", SEED_000, "--db", db_path)
    cli(
        "register",
        "add-event",
        "2321",
        "--on",
        "2018-01-01",
        "--comment",
        "Checked again.",
        "--db",
        db_path,
    )
    out = tmp_path / "out.txt"
    r = cli("register", "export", "eb2014:2", "-o", out, "--db", db_path)
    assert r.exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith(SEED_TEXT)
    assert text.endswith("[on]1st January 2018 [comment]Checked again.[/comment][/on]")
    [entry] = parse_text(text)
    assert [e.date for e in entry.events][-1] == "2018-01-01"
