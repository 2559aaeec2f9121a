"""`fieldkit serve`: Datasette on fieldkit databases, read-only, on 127.0.0.1 by default.

A non-loopback address needs `--public` and a password; the password is hashed with
datasette-auth-passwords and every request must then carry it (HTTP basic auth, account
'fieldkit'). fieldkit never checks passwords itself."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

from fieldkit.errors import BadInput
from fieldkit.store import connection, schema

ACCOUNT = "fieldkit"
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
    """Register fieldkit's plugin and datasette-auth-passwords when the entry points were
    not loaded (Datasette skips them under tests)."""
    import datasette_auth_passwords
    import datasette_dashboards
    from datasette.plugins import pm

    from fieldkit import datasette_plugin

    for name, module in (
        ("fieldkit", datasette_plugin),
        ("auth_passwords", datasette_auth_passwords),
        ("datasette_dashboards", datasette_dashboards),
    ):
        if not pm.is_registered(module) and pm.get_plugin(name) is None:
            pm.register(module, name=name)


def auth_metadata(password: str) -> dict[str, Any]:
    """Metadata that makes every request log in as 'fieldkit' with this password."""
    from datasette_auth_passwords.utils import hash_password

    return {
        "allow": {"id": ACCOUNT},
        "plugins": {
            "datasette-auth-passwords": {
                f"{ACCOUNT}_password_hash": hash_password(password),
                "http_basic_auth": True,
            }
        },
    }


def make_datasette(paths: list[Path], *, password: str | None = None) -> Any:
    """A Datasette instance on the databases (checked first: each must be a fieldkit
    database this version can read)."""
    from datasette.app import Datasette

    seen: list[Path] = []
    for p in paths:
        p = Path(p)
        version = connection.require_fieldkit(p, schema.SCHEMA_VERSION)
        if version < schema.SCHEMA_VERSION:
            raise BadInput(
                f"{p}: older fieldkit schema {version}; open it once with a writing command "
                f"(e.g. `fieldkit init --db {p}`) to migrate it"
            )
        if p.resolve() not in [s.resolve() for s in seen]:
            seen.append(p)
    ensure_plugins()
    metadata: dict[str, Any] = {}
    settings = dict(SETTINGS)
    if password:
        metadata.update(auth_metadata(password))
    return Datasette(files=[str(p) for p in seen], metadata=metadata, settings=settings)


def run(ds: Any, *, host: str, port: int) -> None:
    """Serve until interrupted."""
    import uvicorn

    uvicorn.run(ds.app(), host=host, port=port, log_level="warning")
