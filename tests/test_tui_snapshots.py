"""Layout snapshots of the capture app at 100x40 and at 80x24 (fixed data, no clock)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from fieldkit.context import InspectionContext
from fieldkit.store import Store
from fieldkit.tui.app import make_app

SIZES = [(100, 40), (80, 24)]


@pytest.fixture
def filled_db(db_path: Path) -> tuple[Path, str]:
    """A database with one final call, two drafts and a case file, and the id of the
    draft call (answered up to section C)."""
    with Store.create(db_path, inspector="A. Inspector") as store:
        done = store.create_record(
            "call_listening", "kent", inspector="A. Inspector", subject_ref="CR-0001"
        )
        store.set_field(done, "status", "final")
        draft = store.create_record(
            "call_listening", "kent", inspector="A. Inspector", subject_ref="CR-0002"
        )
        for item, value in [
            ("cl_visit_datetime", "2015-06-01T09:15"),
            ("cl_visit_unannounced", "yes"),
            ("cl_ctx_thrive_adopted", "yes"),
            ("cl_ctx_auto_repeat_id", "no"),
            ("cl_ctx_repeat_id_fallback", "handler_asks_caller"),
            ("cl_ctx_intel_staff", "part_of_the_day"),
            ("cl_ctx_child_protection_access", "yes"),
            ("cl_ctx_systems_count", 3),
        ]:
            store.set_answer(draft, item, value)
        store.set_note(draft, "cl_ctx_intel_staff", "analyst on days only")
        case = store.create_record(
            "case_file_review", "kent", inspector="A. Inspector", subject_ref="CF-0042"
        )
        store.set_answer(case, "cf_offence_category", "abh")
    return db_path, draft


def _app(db: Path):  # noqa: ANN202
    ctx = InspectionContext("PEEL 2015 DA", "kent", "A. Inspector", "hmic_staff")
    return make_app(db, now=lambda: datetime(2015, 6, 1, 9, 30), cursor_blink=False, ctx=ctx)


@pytest.mark.parametrize("size", SIZES, ids=["100x40", "80x24"])
def test_dashboard_snapshot(snap_compare, filled_db, size) -> None:  # noqa: ANN001
    db, _ = filled_db
    assert snap_compare(_app(db), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=["100x40", "80x24"])
def test_form_snapshot(snap_compare, filled_db, size) -> None:  # noqa: ANN001
    db, draft = filled_db

    async def open_draft(pilot) -> None:  # noqa: ANN001
        pilot.app.open_record(draft)
        await pilot.pause()

    assert snap_compare(_app(db), terminal_size=size, run_before=open_draft)
