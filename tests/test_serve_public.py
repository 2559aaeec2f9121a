"""`fieldkit serve --public`: a password checked once per session, never per request; the
address bound (and a busy port reported) before anything is printed; IPv6 loopback; file
names that would break an SQLite URI. Datasette through its in-process client; the only
network is one socket on 127.0.0.1 (the busy-port test) and a bind on ::1."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from fieldkit.datasette import serve
from fieldkit.errors import BadInput
from fieldkit.store import Store

Cli = Callable[..., Result]
PASSWORD = "correct horse battery"


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password hash check made, by the password checked."""
    import datasette_auth_passwords.utils as utils

    made: list[str] = []
    real = utils.verify_password

    def counting(password: str, stored: str) -> bool:
        made.append(password)
        return real(password, stored)

    monkeypatch.setattr(utils, "verify_password", counting)
    return made


def make_db(path: Path) -> Path:
    with Store.create(path, inspector="tester") as s:
        s.create_record(
            "case_file_review",
            "kent",
            status="final",
            subject_ref="CR/1",
            answers={("cf_crime_ref", ""): "CR/1", ("cf_offence_category", ""): "abh"},
        )
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


async def log_in(ds, password: str):  # type: ignore[no-untyped-def]
    page = await ds.client.get("/-/login")
    assert page.status_code == 200
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
    assert token, page.text
    return await ds.client.post(
        "/-/login",
        data={"password": password, "csrftoken": token[1], "next": "/test/records"},
        cookies={"ds_csrftoken": page.cookies["ds_csrftoken"]},
    )


async def test_the_password_is_checked_once_per_session(
    db_path: Path, plugins: None, checks: list[str]
) -> None:
    make_db(db_path)
    ds = serve.make_datasette([db_path], password=PASSWORD)
    # Not logged in: sent to the login page, with no password hashed.
    res = await ds.client.get("/test/evidence.json")
    assert res.status_code == 302
    assert res.headers["location"].startswith("/-/login?next=/test/evidence.json")
    wrong = await log_in(ds, "wrong password, twelve+")
    assert wrong.status_code == 401 and "ds_actor" not in wrong.cookies
    assert "Wrong password" in wrong.text
    ok = await log_in(ds, PASSWORD)
    assert ok.status_code == 302 and ok.headers["location"] == "/test/records"
    session = {"ds_actor": ok.cookies["ds_actor"]}
    assert checks == ["wrong password, twelve+", PASSWORD]
    for _ in range(5):
        page = await ds.client.get("/test/evidence.json?_shape=array", cookies=session)
        assert page.status_code == 200
    assert checks == ["wrong password, twelve+", PASSWORD]  # no hash per request
    meta = await ds.client.get("/-/metadata.json", cookies=session)
    assert meta.status_code == 200 and PASSWORD not in meta.text


async def test_basic_auth_headers_are_never_hashed(
    db_path: Path, plugins: None, checks: list[str]
) -> None:
    """A guesser sending credentials with every request costs the server nothing."""
    import base64

    make_db(db_path)
    ds = serve.make_datasette([db_path], password=PASSWORD)
    for n in range(20):
        token = base64.b64encode(f"fieldkit:guess number {n:03d}".encode()).decode()
        res = await ds.client.get("/test/records.json", headers={"authorization": f"Basic {token}"})
        assert res.status_code in (302, 401, 403)
    assert checks == []


async def test_a_forged_session_cookie_is_refused(db_path: Path, plugins: None) -> None:
    make_db(db_path)
    ds = serve.make_datasette([db_path], password=PASSWORD)
    other = serve.make_datasette([db_path], password=PASSWORD)  # another secret
    forged = other.sign({"a": {"id": "fieldkit"}}, "actor")
    res = await ds.client.get("/test/records.json", cookies={"ds_actor": forged})
    assert res.status_code == 302


def test_short_passwords_are_refused(cli: Cli, db_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    make_db(db_path)
    with pytest.raises(BadInput, match="at least 12"):
        serve.make_datasette([db_path], password="elevenchars")
    monkeypatch.setenv("FIELDKIT_SERVE_PASSWORD", "elevenchars")
    res = cli("serve", "--db", db_path, "--host", "0.0.0.0", "--public")
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines() == [
        "fieldkit: the password must be at least 12 characters"
    ]
    assert "serving" not in res.stdout


def test_a_busy_port_is_one_line_before_serving(cli: Cli, db_path: Path) -> None:
    make_db(db_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        res = cli("serve", "--db", db_path, "--port", port)
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and f"port {port}" in lines[0] and "in use" in lines[0]
    assert "serving" not in res.stdout


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback on this machine")
@pytest.mark.parametrize("host", ["::1", "[::1]"])
def test_ipv6_loopback_binds_as_written(host: str) -> None:
    assert serve.is_loopback(host)
    sock = serve.bind(host, 0)
    try:
        assert sock.family == socket.AF_INET6
        assert re.fullmatch(r"http://\[::1\]:\d+/", serve.url(sock))
    finally:
        sock.close()


def test_an_address_this_machine_lacks_is_one_line(cli: Cli, db_path: Path) -> None:
    make_db(db_path)
    res = cli("serve", "--db", db_path, "--host", "no-such-host.invalid", "--public")
    # refused for being public without a password first; with one, the bind says why
    assert res.exit_code == 2
    with pytest.raises(BadInput, match="cannot serve on no-such-host.invalid"):
        serve.bind("no-such-host.invalid", 0)


async def test_a_file_named_with_a_hash_is_served_as_itself(tmp_path: Path, plugins: None) -> None:
    """`t#1.db`: Datasette pasted the path into a URI, opened `t` and created it empty."""
    path = make_db(tmp_path / "t#1.db")
    before = sorted(p.name for p in tmp_path.iterdir())
    ds = serve.make_datasette([path])
    (name,) = [n for n in ds.databases if n != "_internal"]
    db = ds.get_database(name)
    rows = (await db.execute("SELECT count(*) FROM records")).rows
    assert rows[0][0] == 1
    res = await ds.client.get(f"/{ds.urls.database(name).lstrip('/')}.json")
    assert res.status_code == 200
    for db_ in ds.databases.values():
        db_.close()
    after = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm")))
    assert after == before == ["t#1.db"]  # and no empty `t`
