"""What opening the capture app and its first record do more cheaply (bench/startup.py)
still does what it did: the device key read from its own bytes is the key cryptography
reads, and any other key file is read (or refused) as before; record ids are UUIDv7;
the first answer of a new record opened from the dashboard is saved and signed; a form
opened is styled as a full restyle would style it; a long form scrolls from its first
layout and a short one shows no scrollbar."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from helpers.tui import new_record
from textual.containers import VerticalScroll

from fieldkit.checklists.model import YESNO_KINDS
from fieldkit.context import InspectionContext
from fieldkit.errors import BadInput
from fieldkit.store import Store, keys, new_id, verify
from fieldkit.tui.app import make_app

CTX = InspectionContext("PEEL 2015 DA", "kent", "A. Inspector", "hmic_staff")


def _write(path: Path, pem: bytes) -> Path:
    path.write_bytes(pem)
    path.chmod(0o600)
    return path


def test_a_device_key_as_fieldkit_writes_it_is_the_key_cryptography_reads(tmp_path: Path) -> None:
    made = keys.signer(tmp_path / "device.key")  # written by fieldkit, then read back
    pem = (tmp_path / "device.key").read_bytes()
    loaded = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(loaded, Ed25519PrivateKey)
    assert made.public == loaded.public_key().public_bytes_raw()
    signature = made.sign(keys.TIP, b"x" * 16)
    assert keys.valid(made.public, keys.TIP, b"x" * 16, signature)


def test_other_key_files_are_read_or_refused_as_before(tmp_path: Path) -> None:
    private = Ed25519PrivateKey.generate()
    # the same key in PKCS#8 wrapped at another width, with CRLF line ends: not the form
    # fieldkit writes, so cryptography's loader reads it
    der = private.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    import base64

    body = base64.b64encode(der).decode()
    wrapped = "\r\n".join(
        ["-----BEGIN PRIVATE KEY-----", body[:20], body[20:], "-----END PRIVATE KEY-----", ""]
    )
    other = keys.signer(_write(tmp_path / "wrapped.key", wrapped.encode()), create=False)
    assert other.public == private.public_key().public_bytes_raw()

    ec = generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(BadInput, match="not an Ed25519 key"):
        keys.signer(_write(tmp_path / "ec.key", ec), create=False)
    with pytest.raises(BadInput, match="not a fieldkit device key"):
        keys.signer(_write(tmp_path / "junk.key", b"-----BEGIN PRIVATE KEY-----\nAAAA\n"))
    broken = b"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI!!\n-----END PRIVATE KEY-----\n"
    with pytest.raises(BadInput, match="not a fieldkit device key"):
        keys.signer(_write(tmp_path / "broken.key", broken), create=False)


def test_record_ids_are_uuid7_unique_and_in_time_order() -> None:
    ids = [new_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert {uuid.UUID(i).version for i in ids} == {7}


async def test_the_first_answer_of_a_new_record_is_saved_and_signed(db_path: Path) -> None:
    Store.create(db_path, inspector="A. Inspector").close()
    app = make_app(db_path, cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_record(pilot, "call_listening")
        record_id = form.record_id
        await pilot.press("tab")  # past the call reference, to a yes/no question
        await pilot.pause()
        row = form._row_of(app.focused)
        assert row is not None and row.item.kind in YESNO_KINDS
        await pilot.press("y")
        await pilot.pause()
        form.flush()
        answered = row.item.id
    with Store.open(db_path, readonly=True) as s:
        assert s.answers(record_id)[(answered, "")] == "yes"
        report = verify(s.conn)
    assert report.ok, report.problems
    assert [d.key for d in report.devices] == [keys.signer().fingerprint]


def _styles(screen: object) -> dict[str, str]:
    return {
        f"{n.__class__.__name__}#{n.id}:{i}": n.styles.css
        for i, n in enumerate(screen.walk_children(with_self=True))  # type: ignore[attr-defined]
    }


async def test_a_form_opened_is_styled_as_restyling_it_would_style_it(db_path: Path) -> None:
    """The form skips Textual's restyle of the whole screen when it is first shown: the
    styles it has are the ones that restyle gives."""
    Store.create(db_path, inspector="A. Inspector").close()
    app = make_app(db_path, cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_record(pilot, "case_file_review")
        await pilot.pause()
        shown = _styles(form)
        form.update_node_styles(animate=False)
        await pilot.pause()
        assert _styles(form) == shown


@pytest.mark.parametrize(
    ("checklist", "scrolls"), [("case_file_review", True), ("return_query", False)]
)
async def test_a_long_form_scrolls_from_its_first_layout_a_short_one_has_no_scrollbar(
    db_path: Path, checklist: str, scrolls: bool
) -> None:
    Store.create(db_path, inspector="A. Inspector").close()
    app = make_app(db_path, cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_record(pilot, checklist)
        await pilot.pause()
        items = form.query_one("#items", VerticalScroll)
        assert items.show_vertical_scrollbar is scrolls
        assert (items.virtual_size.height > items.container_size.height) is scrolls


async def test_the_dashboard_first_shown_is_styled_as_restyling_it_would_style_it(
    db_path: Path,
) -> None:
    """The dashboard, and its key bar (each key's compact class set before it is styled),
    skip the restyle Textual gives a screen first shown: the styles are the same."""
    Store.create(db_path, inspector="A. Inspector").close()
    app = make_app(db_path, cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        dashboard = app.screen
        shown = _styles(dashboard)
        assert any(name.startswith("FooterKey") for name in shown)
        dashboard.update_node_styles(animate=False)
        await pilot.pause()
        assert _styles(dashboard) == shown


async def _warmed(pilot: object, ran: list[bool]) -> None:
    for _ in range(200):  # the warm-up's timer (1 ms here) has fired and it has run
        if ran:
            return
        await pilot.pause()  # type: ignore[attr-defined]
    raise AssertionError("the warm-up did not run")


async def test_the_device_key_is_loaded_while_the_dashboard_is_read(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shortly after the first screen the device key is loaded, ready for the first save;
    where there is no key yet the warm-up makes none: the first save does, as before."""
    import fieldkit.tui.app as app_module

    ran: list[bool] = []
    warm_up = app_module.FieldkitApp._warm_up

    def spied(self: object) -> None:
        warm_up(self)  # type: ignore[arg-type]
        ran.append(True)

    monkeypatch.setattr(app_module, "WARM_UP_AFTER", 0.001)
    monkeypatch.setattr(app_module.FieldkitApp, "_warm_up", spied)
    Store.create(db_path).close()  # no inspector: nothing written, so no key made yet
    assert not keys.key_path().exists()
    app = make_app(db_path, cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        await _warmed(pilot, ran)
        assert not keys.key_path().exists()
        form = await new_record(pilot, "call_listening")
        assert keys.key_path().exists()  # the new record's first save made it
        record_id = form.record_id
    keys._loaded.clear()
    ran.clear()
    app = make_app(db_path, cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        await _warmed(pilot, ran)
        assert [s.public for s in keys._loaded.values()] == [keys.signer().public]
    with Store.open(db_path, readonly=True) as s:
        assert s.record(record_id)["status"] == "draft"
