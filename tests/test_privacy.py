"""`fieldkit pii` and `fieldkit scrub`: finding personal data in free text, and writing a copy
of a database without any free text."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest

from fieldkit.demo import NOTES, SLIPS
from fieldkit.privacy.database import find_pii, scrub
from fieldkit.register.plans import add_evidence, assign, new_plan, set_rag
from fieldkit.register.recs import add_event
from fieldkit.store import LogRow, Store

CHANGE_COLUMNS = "id, device_id, seq, hlc, record_id, kind, field, rkey, value, author, parent"
SECRETS = (
    "Sarah Jenkins",
    "07700 900461",
    "sj@example.org",
    "LS6 2AB",
    "CR/15/KEN000123",
    "Mrs Patel",
    "First draft naming Tracy Baker",
    "INC-XYZ-42",
    "Loser note from the other laptop",
    "Winner note on this laptop",
    "Spoke to Karen Whitfield on 07700 900982",
    "survivor.feedback@example.net",
    "Rag note naming Delia Moss",
    "Owner Priya Raman",
)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def log_rows(store: Store) -> list[tuple]:
    return store.conn.execute(f"SELECT {CHANGE_COLUMNS} FROM changes ORDER BY id").fetchall()


def fold(target: Store, source: Store) -> int:
    with target.writing() as w:
        return w.append_stamped([LogRow(*r) for r in log_rows(source)])


@pytest.fixture
def sensitive(tmp_path: Path) -> Path:
    """A small database with personal data in notes, text answers, subject refs, an earlier
    (replaced) value and an open conflict on a note, plus clean text."""
    path = tmp_path / "team.db"
    with Store.create(path, inspector="amy") as s:
        rid = s.create_record("case_file_review", "kent", subject_ref="sj@example.org")
        s.set_answer(rid, "cf_crime_ref", "CR/15/KEN000123")
        s.set_answer(rid, "cf_victim_injured", "yes")
        s.set_answer(rid, "cf_notes", "Victim Sarah Jenkins, mobile 07700 900461, LS6 2AB.")
        s.set_note(rid, "cf_victim_injured", "First draft naming Tracy Baker")
        s.set_note(rid, "cf_victim_injured", "Injuries photographed at the scene.")
        clean = s.create_record("call_listening", "gwent", subject_ref="INC-XYZ-42")
        s.set_answer(clean, "cl_call_ref", "INC-GWE-000001")
        s.set_answer(clean, "cl_calm_reassuring", "4")
        s.set_note(clean, "cl_calm_reassuring", "Handler kept control of a distressed call.")
        s.set_note(clean, "cl_call_ref", "Call back to Mrs Patel logged.")
        s.delete(clean)
        s.set_target("call_listening", 12)
        add_event(s, "eb2014:2", "2015-03-01", comment="Spoke to Karen Whitfield on 07700 900982")
        new_plan(s, "kent")
        add_evidence(s, "kent:p02", "2018-06-03", "Survey: survivor.feedback@example.net")
        set_rag(s, "kent:s02", "2018-06-01", "amber", note="Rag note naming Delia Moss")
        assign(s, "kent:s02", "2018-06-01", owner="Owner Priya Raman")
        # A concurrent edit of one note on another laptop: an open conflict.
        other_path = tmp_path / "other.db"
        with Store.create(other_path, inspector="bo") as other:
            fold(other, s)
            other.set_note(rid, "cf_crime_ref", "Loser note from the other laptop")
            s.set_note(rid, "cf_crime_ref", "Winner note on this laptop")
            fold(s, other)
        other_path.unlink()
        assert s.conflicts(), "the fixture needs an open conflict"
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


# ------------------------------------------------------------------------------ pii


def test_pii_finds_current_and_earlier_values(sensitive: Path) -> None:
    with Store.open(sensitive, readonly=True) as s:
        hits = find_pii(s.conn)
    found = {(h.item_id, h.where, h.source, h.kind, h.text) for h in hits}
    assert ("cf_notes", "answer", "current", "name", "Sarah Jenkins") in found
    assert ("cf_notes", "answer", "current", "phone", "07700 900461") in found
    assert ("cf_notes", "answer", "current", "postcode", "LS6 2AB") in found
    assert ("subject_ref", "subject_ref", "current", "email", "sj@example.org") in found
    assert ("cl_call_ref", "note", "current", "name", "Mrs Patel") in found
    assert ("cf_victim_injured", "note", "earlier", "name", "Tracy Baker") in found
    # clean text is not reported; references are not names
    assert not any("Handler" in h.text or "INC-" in h.text or "CR/15" in h.text for h in hits)
    assert {h.checklist_id for h in hits} == {"case_file_review", "call_listening", None}
    # the register's typed comments and the plans' notes and evidence are free text too
    assert ("2015-03-01", "register comment", "current", "name", "Karen Whitfield") in found
    assert ("2015-03-01", "register comment", "current", "phone", "07700 900982") in found
    email = ("p02", "plan evidence", "current", "email", "survivor.feedback@example.net")
    assert email in found
    assert ("s02", "plan note", "current", "name", "Delia Moss") in found
    register = {h.record_id for h in hits if h.checklist_id is None}
    assert register == {"everyones_business_2014:2", "kent:stop-2018"}


def test_pii_cli_json_and_text(cli, sensitive: Path) -> None:
    before = sha(sensitive)
    result = cli("pii", "--db", sensitive, "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert {r["kind"] for r in rows} == {"name", "phone", "email", "postcode"}
    assert {"record_id", "checklist_id", "force_code", "item_id", "kind", "text"} <= set(rows[0])
    text = cli("pii", "--db", sensitive)
    assert text.exit_code == 0
    assert "Sarah Jenkins" in text.stdout and "07700 900461" in text.stdout
    assert "kent" in text.stdout and "case_file_review" in text.stdout
    assert "earlier value" in text.stdout
    assert sha(sensitive) == before


def test_pii_clean_database_says_so(cli, store: Store, db_path: Path) -> None:
    rid = store.create_record("front_desk", "kent")
    store.set_note(rid, "fd_station_name", "Leaflets in English, Polish and Urdu.")
    result = cli("pii", "--db", db_path)
    assert result.exit_code == 0
    assert "nothing in the free text looks like personal data" in result.stdout


@pytest.mark.slow  # the demo database
def test_pii_on_demo_finds_the_slips_only(demo_db: Path) -> None:
    with Store.open(demo_db, readonly=True) as s:
        hits = find_pii(s.conn)
    assert hits
    assert {h.kind for h in hits} == {"name", "phone", "postcode"}
    assert all(any(h.text in slip for slip in SLIPS) for h in hits)
    assert not any(h.text in note for h in hits for note in NOTES)


def test_pii_refuses_a_missing_database(cli, tmp_path: Path) -> None:
    result = cli("pii", "--db", tmp_path / "nope.db")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "nope.db").exists()


# ---------------------------------------------------------------------------- scrub


def test_scrub_leaves_no_free_text_in_the_copy(cli, sensitive: Path, tmp_path: Path) -> None:
    before = sha(sensitive)
    raw = sensitive.read_bytes()
    assert all(secret.encode() in raw for secret in SECRETS)  # the test can fail
    dst = tmp_path / "share" / "scrubbed.db"
    result = cli("scrub", "--db", sensitive, "--out", dst)
    assert result.exit_code == 0, result.stderr
    assert sha(sensitive) == before
    assert stat.S_IMODE(dst.stat().st_mode) == 0o600
    data = dst.read_bytes()
    for secret in SECRETS:
        assert secret.encode() not in data, secret
    assert sorted(p.name for p in dst.parent.iterdir()) == ["scrubbed.db"]


def test_scrubbed_copy_is_a_working_fieldkit_database(sensitive: Path, tmp_path: Path) -> None:
    dst = tmp_path / "scrubbed.db"
    counts = scrub(sensitive, dst)
    assert counts["cells"] > 0 and counts["changes"] > counts["cells"]
    with Store.open(sensitive, readonly=True) as src, Store.open(dst) as out:
        assert out.meta("scrubbed_from") == src.database_id
        assert out.database_id != src.database_id
        assert out.device_id != src.device_id
        assert find_pii(out.conn) == []
        assert out.conflicts() == []
        assert out.counts()["changes"] == src.counts()["changes"]
        src_records = {r["record_id"]: r for r in src.records()}
        src_records |= {r["record_id"]: r for r in src.records(deleted=True)}
        out_records = {r["record_id"]: r for r in out.records()}
        out_records |= {r["record_id"]: r for r in out.records(deleted=True)}
        assert out_records.keys() == src_records.keys()
        for rid, rec in out_records.items():
            assert rec["subject_ref"] is None
            assert rec["deleted"] == src_records[rid]["deleted"]
            assert rec["force_code"] == src_records[rid]["force_code"]
            assert out.notes(rid) == {}
            checklist = src.checklist_of(rid)
            items = checklist.item_map
            kept = {k: v for k, v in src.answers(rid).items() if items[k[0]].kind != "text"}
            assert kept != src.answers(rid)  # each record had a text answer (its reference)
            answers = out.answers(rid)
            for item_id in checklist.natural_key:
                assert answers.pop((item_id, "")).startswith("ref-")
            assert answers == kept
        assert (
            out.conn.execute("SELECT * FROM targets").fetchall()
            == src.conn.execute("SELECT * FROM targets").fetchall()
        )
        # It takes writes, stamped with its own device id.
        rid = out.create_record("front_desk", "kent")
        out.set_answer(rid, "fd_open_at_visit", "yes")
        assert out.answers(rid)[("fd_open_at_visit", "")] == "yes"
        # Its log rebuilds its state: merged into a fresh database, the same cells come out.
        with Store.create(tmp_path / "fresh.db") as fresh:
            fold(fresh, out)
            cells = "SELECT record_id, kind, field, rkey, value FROM cells ORDER BY 1, 2, 3, 4"
            assert fresh.conn.execute(cells).fetchall() == out.conn.execute(cells).fetchall()
            records = "SELECT * FROM records ORDER BY record_id"
            assert fresh.conn.execute(records).fetchall() == out.conn.execute(records).fetchall()


def test_scrub_refuses_an_existing_target(cli, sensitive: Path, tmp_path: Path) -> None:
    dst = tmp_path / "exists.db"
    dst.write_bytes(b"keep me")
    before = sha(sensitive)
    result = cli("scrub", "--db", sensitive, "--out", dst)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "already exists" in result.stderr
    assert dst.read_bytes() == b"keep me"
    assert sha(sensitive) == before


def test_scrub_onto_itself_is_refused(cli, sensitive: Path) -> None:
    before = sha(sensitive)
    result = cli("scrub", "--db", sensitive, "--out", sensitive)
    assert result.exit_code == 2
    assert sha(sensitive) == before


@pytest.mark.parametrize("content", [b"", b"hello\n" * 50, b"SQLite format 3\x00" + b"\x00" * 50])
def test_scrub_of_a_bad_source_writes_nothing(cli, tmp_path: Path, content: bytes) -> None:
    src = tmp_path / "bad.db"
    src.write_bytes(content)
    dst = tmp_path / "out.db"
    result = cli("scrub", "--db", src, "--out", dst)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert not dst.exists()
    assert src.read_bytes() == content


@pytest.fixture(scope="module")
def scrubbed_demo(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dst = tmp_path_factory.mktemp("scrubbed") / "demo-scrubbed.db"
    scrub(demo_db, dst)
    return dst


@pytest.mark.slow  # the demo database
def test_scrub_demo_removes_every_note_and_reference(demo_db: Path, scrubbed_demo: Path) -> None:
    data = scrubbed_demo.read_bytes()
    for text in (*NOTES, *SLIPS):
        assert text.encode() not in data, text
    with Store.open(demo_db, readonly=True) as src:
        refs = [r[0] for r in src.conn.execute("SELECT subject_ref FROM records LIMIT 50")]
        n_src = src.counts()
    assert refs and not any(ref.encode() in data for ref in refs)
    with Store.open(scrubbed_demo, readonly=True) as out:
        n_out = out.counts()
        assert out.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert n_out["records"] == n_src["records"]
    assert n_out["changes"] == n_src["changes"]


@pytest.mark.slow  # the demo database
@pytest.mark.parametrize("report", ["evidence", "scales", "coverage"])
def test_scrubbed_demo_reports_the_same_figures(
    cli, demo_db: Path, scrubbed_demo: Path, report: str
) -> None:
    source = cli("report", report, "--db", demo_db, "--json")
    copy = cli("report", report, "--db", scrubbed_demo, "--json")
    assert source.exit_code == copy.exit_code == 0, copy.stderr
    assert json.loads(source.stdout)

    def figures(text: str) -> list[dict]:  # the copy's log is its own: so is its digest
        return [{k: v for k, v in r.items() if k != "log_digest"} for r in json.loads(text)]

    assert figures(copy.stdout) == figures(source.stdout)


@pytest.mark.slow  # the whole demo merged twice
def test_scrubbed_demo_merges_into_a_team_database(
    cli, scrubbed_demo: Path, tmp_path: Path
) -> None:
    team = tmp_path / "team.db"
    result = cli("merge", scrubbed_demo, "--into", team)
    assert result.exit_code == 0, result.stderr
    again = cli("merge", scrubbed_demo, "--into", team)
    assert again.exit_code == 0, again.stderr
    cells = "SELECT record_id, kind, field, rkey, value FROM cells ORDER BY 1, 2, 3, 4"
    with Store.open(team, readonly=True) as t, Store.open(scrubbed_demo, readonly=True) as s:
        assert t.counts() == s.counts()
        assert t.conn.execute(cells).fetchall() == s.conn.execute(cells).fetchall()
        assert find_pii(t.conn) == []


def test_scrub_keeps_duplicates_recognisable(store: Store, db_path: Path, tmp_path: Path) -> None:
    refs = ["CR/15/KEN000123", "  cr/15/ken000123", "CR/15/KEN000999"]
    for ref in refs:
        rid = store.create_record("case_file_review", "kent")
        store.set_answer(rid, "cf_crime_ref", ref)
    store.close()
    dst = tmp_path / "scrubbed.db"
    scrub(db_path, dst)
    keys = "SELECT record_id, natural_key FROM records ORDER BY record_id"

    def groups(path: Path) -> set[frozenset[str]]:
        with Store.open(path, readonly=True) as s:
            by_key: dict[str, set[str]] = {}
            for rid, key in s.conn.execute(keys):
                by_key.setdefault(key, set()).add(rid)
            return {frozenset(v) for v in by_key.values()}

    assert groups(dst) == groups(db_path)
    assert len(groups(dst)) == 2  # the two spellings of one crime reference are one key
    with Store.open(dst, readonly=True) as s:
        values = [
            v for (v,) in s.conn.execute("SELECT value FROM cells WHERE field = 'cf_crime_ref'")
        ]
    assert len(values) == 3 and all(v.startswith("ref-") for v in values)
    assert not any("KEN" in v.upper() for v in values)
