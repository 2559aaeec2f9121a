"""`fieldkit serve`: Datasette on fieldkit databases, read-only, on 127.0.0.1 by default.

A non-loopback address needs `--public` and a password of at least 12 characters. The
password is hashed once, at start (PBKDF2, datasette-auth-passwords' format); a visitor logs
in once on fieldkit's `/-/login` page, which checks it (off the event loop, one check at a
time) and sets Datasette's own signed `ds_actor` cookie. Later requests carry the cookie:
checking its signature costs microseconds, so wrong guesses never slow down the pages of
someone logged in (fieldkit/datasette/plugin.py).

The address is bound before anything is printed: a busy port or an address this machine
cannot serve on is one line and exit 2. Databases are opened through URIs with their path
quoted, so a file named `t#1.db` is served as itself."""

from __future__ import annotations

import errno
import ipaddress
import socket
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fieldkit.errors import BadInput
from fieldkit.store import SCHEMA_VERSION, require_fieldkit

ACCOUNT = "fieldkit"
MIN_PASSWORD = 12
SESSION_HOURS = 12
SETTINGS = {
    "sql_time_limit_ms": 15000,
    "facet_time_limit_ms": 1000,
    "truncate_cells_html": 300,
    "suggest_facets": False,
}


def is_loopback(host: str) -> bool:
    """Whether an address is reachable only from this machine."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def ensure_plugins() -> None:
    """Register fieldkit's plugin when the entry point was not loaded (Datasette skips
    them under tests), and take datasette-auth-passwords out of this process: its hooks
    would check an HTTP basic-auth header on every request (a full password hash each) and
    its `/-/login` page would shadow fieldkit's."""
    import datasette_dashboards
    from datasette.plugins import pm

    from fieldkit.datasette import plugin as datasette_plugin

    for name, module in (
        ("fieldkit", datasette_plugin),
        ("datasette_dashboards", datasette_dashboards),
    ):
        if not pm.is_registered(module) and pm.get_plugin(name) is None:
            pm.register(module, name=name)
    if pm.get_plugin("auth_passwords") is not None:
        pm.unregister(name="auth_passwords")


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise BadInput(f"the password must be at least {MIN_PASSWORD} characters")


def auth_metadata(password: str) -> dict[str, Any]:
    """Metadata that lets only the 'fieldkit' account in; the password is kept as a hash
    (computed here, once) for the plugin's login page."""
    from datasette_auth_passwords.utils import hash_password

    check_password(password)
    return {
        "allow": {"id": ACCOUNT},
        "plugins": {
            "fieldkit": {
                "password_hash": hash_password(password),
                "account": ACCOUNT,
                "session_hours": SESSION_HOURS,
            }
        },
    }


def _database_class() -> type:
    """Datasette's Database, opening its file through a URI with the path quoted
    (Datasette pastes the path in as it is, so `#` or `?` in a name opened another file)."""
    from datasette.database import Database

    class QuotedDatabase(Database):  # type: ignore[misc]
        def connect(self, write: bool = False) -> Any:
            if self.is_memory or not self.path:
                return super().connect(write)
            import sqlite3

            qs = "" if write else "?mode=ro" + ("&nolock=1" if self.ds.nolock else "")
            uri = f"file:{quote(Path(self.path).resolve().as_posix())}{qs}"
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._all_file_connections.append(conn)
            return conn

    return QuotedDatabase


def make_datasette(paths: list[Path], *, password: str | None = None) -> Any:
    """A Datasette instance on the databases (checked first: each must be a fieldkit
    database this version can read)."""
    from datasette.app import Datasette

    seen: list[Path] = []
    for p in paths:
        p = Path(p)
        version = require_fieldkit(p, SCHEMA_VERSION)
        if version < SCHEMA_VERSION:
            raise BadInput(
                f"{p}: older fieldkit schema {version}; open it once with a writing command "
                f"(e.g. `fieldkit init --db {p}`) to migrate it"
            )
        if p.resolve() not in [s.resolve() for s in seen]:
            seen.append(p)
    ensure_plugins()
    metadata: dict[str, Any] = {}
    settings = dict(SETTINGS)
    if password is not None:
        metadata.update(auth_metadata(password))
    ds = Datasette(files=[], metadata=metadata, settings=settings)
    ds.remove_database("_memory")  # Datasette adds it when given no files
    database = _database_class()
    for p in seen:
        ds.add_database(database(ds, str(p), is_mutable=True))
    ds.files = tuple(str(p) for p in seen)
    return ds


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or one clear line (BadInput): a busy port, an
    address this machine does not have, a name that does not resolve."""
    name = host.strip().strip("[]")
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise BadInput(f"cannot serve on {host}: {e.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise BadInput(
                f"port {port} on {host} is in use (another server?); choose another with --port"
            ) from None
        raise BadInput(f"cannot serve on {host} port {port}: {e.strerror or e}") from None
    return sock


def url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def run(ds: Any, sock: socket.socket) -> None:
    """Serve on the bound socket until interrupted."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(ds.app(), log_level="warning"))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
