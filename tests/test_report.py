"""`fieldkit report` and `fieldkit targets`: JSON and terminal output, coverage against
targets, and clean refusals."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from helpers.records import call, case_file
from typer.testing import Result

from fieldkit import report
from fieldkit.store import Store

Cli = Callable[..., Result]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def small_db(path: Path) -> Path:
    with Store.create(path, inspector="tester") as s:
        for i, v in enumerate(["yes", "yes", "yes", "no", "na"]):
            case_file(s, "kent", f"K{i}", answers={"cf_t2_999_listened_exhibited": v})
        case_file(s, "essex", "E1", answers={"cf_t2_999_listened_exhibited": "no"})
        case_file(s, "essex", "B1", category="burglary", answers={"cf_t2_bwv_used": "yes"})
        call(s, "kent", "INC-1", cl_calm_reassuring=4)
        call(s, "kent", "INC-2", status="draft", cl_calm_reassuring=1)
    return path


def test_evidence_json_rows_carry_the_figures_and_a_label(cli: Cli, db_path: Path) -> None:
    small_db(db_path)
    res = cli("report", "evidence", "--db", db_path, "--checklist", "case_file_review", "--json")
    assert res.exit_code == 0, res.output
    rows = {r["item_id"]: r for r in json.loads(res.output)}
    r = rows["cf_t2_999_listened_exhibited"]
    assert (r["applicable"], r["completed"], r["percent"]) == (5, 3, 60)
    assert r["label"] == "60% (3 of 5)"
    assert r["question"] == "Was the 999 call recording listened to and exhibited"
    assert "force" not in r
    # the burglary file is not in scope
    assert rows["cf_t2_bwv_used"]["applicable"] == 0
    assert rows["cf_t2_bwv_used"]["label"] == "no applicable records"


def test_evidence_by_force_json(cli: Cli, db_path: Path) -> None:
    small_db(db_path)
    res = cli(
        "report", "evidence", "--db", db_path, "-c", "case_file_review", "--by", "force", "--json"
    )
    assert res.exit_code == 0, res.output
    rows = [r for r in json.loads(res.output) if r["item_id"] == "cf_t2_999_listened_exhibited"]
    assert {r["force"]: r["label"] for r in rows} == {
        "essex": "0% (0 of 1)",
        "kent": "75% (3 of 4)",
    }


def test_evidence_for_one_force_and_the_excluded_files(cli: Cli, db_path: Path) -> None:
    small_db(db_path)
    res = cli(
        "report", "evidence", "--db", db_path, "-c", "case_file_review", "-f", "Kent", "--json"
    )
    rows = {r["item_id"]: r for r in json.loads(res.output)}
    assert rows["cf_t2_999_listened_exhibited"]["label"] == "75% (3 of 4)"
    res = cli(
        "report", "evidence", "--db", db_path, "-c", "case_file_review", "--excluded", "--json"
    )
    rows = {r["item_id"]: r for r in json.loads(res.output)}
    assert rows["cf_t2_bwv_used"]["label"] == "100% (1 of 1)"


def test_evidence_table_in_the_terminal(cli: Cli, db_path: Path) -> None:
    small_db(db_path)
    res = cli("report", "evidence", "--db", db_path, "-c", "case_file_review")
    assert res.exit_code == 0, res.output
    assert "Case-file review: 6 record(s)" in res.output
    assert "60% (3 of 5)" in res.output
    words = " ".join(res.output.replace("│", " ").split())
    first = " ".join(ln.split("│")[1].strip() for ln in res.output.splitlines() if "│" in ln)
    assert "Was the 999 call recording listened to and exhibited" in first  # wrapped, whole
    assert "B. Evidence at the scene" in words  # grouped by section
    assert "cf_t2_999_listened_exhibited" not in res.output  # ids only on request
    assert "Not counted: 0 draft(s), 0 duplicate(s)" in words
    res = cli("report", "evidence", "--db", db_path, "-c", "case_file_review", "--ids")
    first = "".join(ln.split("│")[1].strip() for ln in res.output.splitlines() if "│" in ln)
    assert "[cf_t2_999_listened_exhibited]" in first


def test_scales_report(cli: Cli, db_path: Path) -> None:
    small_db(db_path)
    res = cli("report", "scales", "--db", db_path, "-c", "call_listening", "--json")
    rows = {r["item_id"]: r for r in json.loads(res.output)}
    assert rows["cl_calm_reassuring"]["label"] == "100% (1 of 1)"  # the draft is not counted
    assert rows["cl_calm_reassuring"]["mean"] == "4.0"


def test_bad_options_are_one_clear_line(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    small_db(db_path)
    before = sha(db_path)
    res = cli("report", "evidence", "--db", db_path, "--by", "county")
    assert res.exit_code == 2 and "--by takes 'force'" in res.output
    res = cli("report", "evidence", "--db", db_path, "-c", "nope")
    assert res.exit_code == 2 and "unknown checklist 'nope'" in res.output
    res = cli("report", "evidence", "--db", db_path, "-f", "Atlantis")
    assert res.exit_code == 2 and "unknown force" in res.output
    res = cli("report", "coverage", "--db", tmp_path / "missing.db")
    assert res.exit_code == 2 and "no such database" in res.output
    assert "Traceback" not in res.output
    assert sha(db_path) == before


def test_coverage_defaults(store: Store) -> None:
    call(store, "kent", "INC-1")
    case_file(store, "kent", "CR/1", category="rape")
    case_file(store, "kent", "CR/2", category="rape", status="draft")
    store.create_record("front_desk", "kent", status="final")
    rows = report.coverage(store.conn, force="kent")
    got = {(r["checklist_id"], r["stratum"]): r for r in rows}
    assert got[("call_listening", "")]["target"] == 10
    assert got[("call_listening", "")]["final"] == 1
    for stratum in ("rape", "serious_violence", "abh", "burglary"):
        assert got[("case_file_review", stratum)]["target"] == 10
    rape = got[("case_file_review", "rape")]
    assert (rape["final"], rape["drafts"], rape["remaining"]) == (1, 1, 9)
    assert got[("front_desk", "")]["target"] is None  # as recorded
    assert ("marac_observation", "") not in got  # no target and nothing recorded
    keys = {"checklist_id", "stratum", "force_code", "target", "final", "drafts"}
    assert all(keys <= set(r) for r in rows)
    everyone = report.coverage(store.conn)
    assert len([r for r in everyone if r["checklist_id"] == "call_listening"]) == 43


def test_a_force_specific_target_wins_over_every_force(store: Store) -> None:
    store.set_target("call_listening", 12)
    store.set_target("call_listening", 5, force="essex")
    store.set_target("case_file_review", 20)
    store.set_target("case_file_review", 3, stratum="burglary")
    store.set_target("front_desk", 2, force="kent")
    rows = {
        (r["checklist_id"], r["stratum"], r["force_code"]): r["target"]
        for r in report.coverage(store.conn)
    }
    assert rows[("call_listening", "", "kent")] == 12
    assert rows[("call_listening", "", "essex")] == 5
    assert rows[("case_file_review", "rape", "kent")] == 20
    assert rows[("case_file_review", "burglary", "kent")] == 3
    assert rows[("front_desk", "", "kent")] == 2
    assert ("front_desk", "", "essex") not in rows


def test_targets_cli_set_and_list(cli: Cli, db_path: Path) -> None:
    small_db(db_path)
    res = cli(
        "targets",
        "set",
        "case_file_review",
        "15",
        "--stratum",
        "rape",
        "--force",
        "Kent",
        "--db",
        db_path,
    )
    assert res.exit_code == 0, res.output
    assert "target set: 15 rape case_file_review record(s) for Kent" in res.output
    res = cli("targets", "list", "--db", db_path, "--json")
    rows = json.loads(res.output)
    assert {
        "checklist_id": "case_file_review",
        "stratum": "rape",
        "force_code": "kent",
        "target": 15,
        "source": "set",
    } in rows
    res = cli("report", "coverage", "--db", db_path, "--force", "kent", "--json")
    got = {(r["checklist_id"], r["stratum"]): r for r in json.loads(res.output)}
    assert got[("case_file_review", "rape")]["target"] == 15
    res = cli("report", "coverage", "--db", db_path, "--force", "kent")
    assert res.exit_code == 0 and "Kent Police" in res.output


def test_clearing_a_target_lets_the_broader_one_or_the_default_apply(store: Store) -> None:
    store.set_target("call_listening", 12)
    store.set_target("call_listening", 5, force="essex")

    def essex() -> int | None:
        rows = report.coverage(store.conn, force="essex")
        return next(r["target"] for r in rows if r["checklist_id"] == "call_listening")

    assert essex() == 5
    assert store.clear_target("call_listening", force="Essex") is True
    assert essex() == 12
    assert store.clear_target("call_listening", force="essex") is False  # nothing left there
    assert store.clear_target("call_listening") is True
    assert essex() == 10  # the default
    log = store.conn.execute(
        "SELECT rkey, value FROM changes WHERE kind = 'setting' AND record_id = 'target'"
        " ORDER BY seq"
    ).fetchall()
    assert log == [("@*", 12), ("@essex", 5), ("@essex", None), ("@*", None)]


def test_targets_cli_clear(cli: Cli, db_path: Path) -> None:
    small_db(db_path)
    assert cli("targets", "set", "call_listening", "7", "--db", db_path).exit_code == 0
    res = cli("targets", "clear", "call_listening", "--db", db_path)
    assert res.exit_code == 0 and "target cleared: call_listening for every force" in res.output
    res = cli("targets", "clear", "call_listening", "--db", db_path)
    assert res.exit_code == 1 and "no target is set" in res.output
    rows = json.loads(cli("targets", "list", "--db", db_path, "--json").output)
    assert all(r["source"] == "default" for r in rows)


def test_targets_cli_refuses_nonsense_and_changes_nothing(cli: Cli, db_path: Path) -> None:
    small_db(db_path)
    with Store.open(db_path) as s:
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = sha(db_path)
    for args, message in [
        (("case_file_review", "5", "--stratum", "arson"), "unknown stratum 'arson'"),
        (("call_listening", "5", "--stratum", "rape"), "not sampled by stratum"),
        (("nope", "5"), "unknown checklist 'nope'"),
        (("call_listening", "5", "--force", "Atlantis"), "unknown force"),
    ]:
        res = cli("targets", "set", *args, "--db", db_path)
        assert res.exit_code == 2 and message in res.output, (args, res.output)
        assert "Traceback" not in res.output
    res = cli("targets", "set", "--db", db_path, "call_listening", "--", "-1")
    assert res.exit_code == 2 and "0 or more" in res.output
    assert sha(db_path) == before
