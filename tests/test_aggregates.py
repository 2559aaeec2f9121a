"""The stored aggregates (issue 13 point 1): after any history of writes, deletes,
restores, reopenings, duplicate case files (same natural key) and merges, every figure the
reports read from them equals the full recomputation (fieldkit/sql/recompute.sql, the views
as they were before the counts were stored)."""

from __future__ import annotations

from pathlib import Path

from helpers.examples import examples
from helpers.oracle import assert_equal_to_recomputation, rows
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldkit.store import Store
from fieldkit.store.aggregates import rebuild
from fieldkit.store.connection import transaction
from fieldkit.sync import merge

CASE = "case_file_review"
CALL = "call_listening"
ANSWERS = {
    CASE: {
        "cf_crime_ref": ("CR/1", "cr/1 ", "CR/2", ""),
        "cf_offence_category": ("rape", "abh", "burglary"),
        "cf_da_flag": ("yes", "no"),
        "cf_victim_injured": ("yes", "no"),
        "cf_t2_bwv_used": ("yes", "no", "na", None),
        "cf_t2_house_to_house": ("yes", "no", None),
    },
    CALL: {
        "cl_call_ref": ("C1", "C2", ""),
        "cl_ctx_knows_definitions": (1, 2, 3, 4, None),
    },
}
CHECKLISTS = sorted(ANSWERS)
FORCES = ("kent", "essex")

device = st.integers(0, 1)
pick = st.integers(0, 4)
op = st.one_of(
    st.tuples(st.just("create"), device, st.sampled_from(CHECKLISTS), st.sampled_from(FORCES)),
    st.tuples(st.just("answer"), device, pick, st.integers(0, 5), st.integers(0, 5)),
    st.tuples(st.just("answer"), device, pick, st.integers(0, 5), st.integers(0, 5)),
    st.tuples(st.just("key"), device, pick, st.integers(0, 3)),
    st.tuples(st.just("key"), device, pick, st.integers(0, 3)),
    st.tuples(st.just("key"), device, pick, st.integers(0, 3)),
    st.tuples(st.just("final"), device, pick),
    st.tuples(st.just("reopen"), device, pick),
    st.tuples(st.just("delete"), device, pick),
    st.tuples(st.just("restore"), device, pick),
    st.tuples(st.just("merge"), device, device),
)


def play(paths: list[Path], ops: list[tuple], check: bool = False) -> None:
    """Run the ops; with `check`, compare with the recomputation after every one."""
    stores = [Store.create(p, inspector=f"inspector {i}") for i, p in enumerate(paths)]
    try:
        # Both devices start from the same few records, so that edits soon collide on keys.
        for checklist, force in ((CASE, "kent"), (CASE, "kent"), (CASE, "essex"), (CALL, "kent")):
            stores[0].create_record(checklist, force, status="final")
        merge([paths[0]], paths[1])
        for step in ops:
            kind, s = step[0], stores[step[1]]
            if kind == "create":
                s.create_record(step[2], step[3], status="final")
                continue
            if kind == "merge":
                if step[1] != step[2]:
                    merge([paths[step[1]]], paths[step[2]])
                continue
            ids = sorted(r[0] for r in s.conn.execute("SELECT record_id FROM records"))
            if not ids:
                continue
            rid = ids[step[2] % len(ids)]
            checklist = s.record(rid)["checklist_id"]
            if kind == "key":  # the natural key: duplicates come and go
                item = "cf_crime_ref" if checklist == CASE else "cl_call_ref"
                s.set_answer(
                    rid, item, ANSWERS[checklist][item][step[3] % len(ANSWERS[checklist][item])]
                )
            elif kind == "answer":
                items = ANSWERS[checklist]
                item = sorted(items)[step[3] % len(items)]
                s.set_answer(rid, item, items[item][step[4] % len(items[item])])
            elif kind == "final":
                s.set_field(rid, "status", "final")
            elif kind == "reopen":
                s.reopen(rid)
            elif kind == "delete":
                s.delete(rid)
            else:
                s.restore(rid)
            if check:
                assert_equal_to_recomputation(paths[step[1]])
    finally:
        for s in stores:
            s.close()


@settings(max_examples=examples(40, dev=5), deadline=None)
@given(st.lists(op, min_size=12, max_size=40))
def test_stored_aggregates_equal_a_full_recomputation(ops: list[tuple]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / "a.db", Path(tmp) / "b.db"]
        play(paths, ops, check=True)
        for path in paths:
            assert_equal_to_recomputation(path)


def test_duplicates_count_once_and_the_next_copy_counts_when_the_first_goes(
    store: Store,
) -> None:
    """Two copies of one case file: only the first counts; deleting it makes the second
    count, and the stored figures follow."""
    first = store.create_record(CASE, "kent", status="final")
    for rid in (first, store.create_record(CASE, "kent", status="final")):
        store.set_answer(rid, "cf_crime_ref", "CR/9")
        store.set_answer(rid, "cf_t2_bwv_used", "yes" if rid == first else "no")
    bwv = "SELECT completed, applicable FROM evidence_summary WHERE item_id = 'cf_t2_bwv_used'"
    assert store.conn.execute(bwv).fetchall() == [(1, 1)]
    store.delete(first)
    assert store.conn.execute(bwv).fetchall() == [(0, 1)]
    store.close()
    assert_equal_to_recomputation(store.path)


def test_rebuild_gives_what_the_fold_kept(store: Store) -> None:
    rid = store.create_record(CALL, "kent", status="final")
    store.set_answer(rid, "cl_ctx_knows_definitions", 3)
    kept = rows(store.conn, "scale_summary")
    assert [r[6] for r in kept] == [1]  # scored
    with transaction(store.conn):
        rebuild(store.conn)
    assert rows(store.conn, "scale_summary") == kept


def test_an_older_record_given_the_same_key_takes_over_the_count(store: Store) -> None:
    """The record counted for a key stops counting when an older record is given its key."""
    older = store.create_record(CASE, "kent", status="final")
    newer = store.create_record(CASE, "kent", status="final")
    store.set_answer(newer, "cf_crime_ref", "CR/1")
    store.set_answer(newer, "cf_t2_bwv_used", "yes")
    store.set_answer(older, "cf_t2_bwv_used", "no")
    bwv = "SELECT completed, applicable FROM evidence_summary WHERE item_id = 'cf_t2_bwv_used'"
    assert store.conn.execute(bwv).fetchall() == [(1, 2)]
    store.set_answer(older, "cf_crime_ref", "cr/1 ")
    assert store.conn.execute(bwv).fetchall() == [(0, 1)]
    store.set_answer(older, "cf_crime_ref", "CR/2")  # no longer a copy: both count again
    assert store.conn.execute(bwv).fetchall() == [(1, 2)]
    store.close()
    assert_equal_to_recomputation(store.path)


def test_migrating_an_old_database_computes_its_aggregates(tmp_path: Path) -> None:
    """A schema 1 database (tests/fixtures/schema_v1.db) gets its counts when opened: its
    draft case file shows in coverage, as the recomputation has it."""
    import shutil

    db = tmp_path / "old.db"
    shutil.copyfile(Path(__file__).parent / "fixtures" / "schema_v1.db", db)
    with Store.open(db) as s:
        drafts = s.conn.execute(
            "SELECT force_code, drafts FROM coverage WHERE checklist_id = 'case_file_review'"
            " AND drafts > 0"
        ).fetchall()
        assert drafts == [("kent", 1)]
    assert_equal_to_recomputation(db)


def test_a_draft_counts_where_its_answers_put_it(store: Store) -> None:
    """A draft's answers that leave every count as it was (most answers) and the ones that
    move it (its stratum, its scope, its natural key onto a final record's, then final
    itself: a copy, not counted): the stored figures equal the recomputation after each."""
    first = store.create_record(CASE, "kent", status="final")
    store.set_answer(first, "cf_crime_ref", "CR/5")
    draft = store.create_record(CASE, "kent")
    drafts = "SELECT stratum, drafts FROM agg_records WHERE drafts > 0 ORDER BY stratum"
    for item, value in (
        ("cf_t2_bwv_used", "yes"),
        ("cf_offence_category", "rape"),
        ("cf_t2_bwv_used", "no"),
        ("cf_offence_category", "abh"),
        ("cf_da_flag", "yes"),
        ("cf_crime_ref", "cr/5 "),
    ):
        store.set_answer(draft, item, value)
        assert_equal_to_recomputation(store.path)
    assert store.conn.execute(drafts).fetchall() == [("abh", 1)]
    store.set_field(draft, "status", "final")
    assert_equal_to_recomputation(store.path)
    bwv = "SELECT completed, applicable FROM evidence_summary WHERE item_id = 'cf_t2_bwv_used'"
    assert store.conn.execute(bwv).fetchall() == [(0, 0)]  # the copy's "no": not counted
    store.delete(first)
    assert store.conn.execute(bwv).fetchall() == [(0, 1)]
    store.close()
    assert_equal_to_recomputation(store.path)
