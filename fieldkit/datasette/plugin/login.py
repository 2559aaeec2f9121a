"""Logging in when `fieldkit serve --public` set a password (register_routes, forbidden):
the `/-/login` page (templates/fieldkit_login.html) checks the password once, in a worker
thread, one check at a time, so guesses never hold up other requests, and sets Datasette's
signed `ds_actor` cookie for the session's hours; a visitor without it is sent there; wrong
passwords are throttled per address (fieldkit/datasette/guard.py); /-/allow-debug asks the
same permission as every page."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any
from urllib.parse import quote

from datasette import hookimpl
from datasette.utils import baseconv
from datasette.utils.asgi import Response

from fieldkit.datasette import guard

_verifying = threading.Lock()  # one password check at a time, whatever the guessing


def _login_config(datasette: Any) -> dict[str, Any] | None:
    config = datasette.plugin_config("fieldkit") or {}
    return config if config.get("password_hash") else None


def _check(password: str, stored: str) -> bool:
    from datasette_auth_passwords.utils import verify_password

    with _verifying:
        return bool(verify_password(password, stored))


def _next_path(value: Any) -> str:
    """Where to go after logging in: a path on this server, never another site."""
    text = str(value or "/")
    return text if text.startswith("/") and not text.startswith("//") else "/"


async def _login_page(
    datasette: Any, request: Any, error: str | None, next_path: str, status: int
) -> Response:
    page = await datasette.render_template(
        "fieldkit_login.html", {"error": error, "next_path": next_path}, request=request
    )
    return Response.html(page, status=status)


async def login(request: Any, datasette: Any) -> Response:
    config = _login_config(datasette)
    if config is None:
        return Response.text("Not found", status=404)
    error = None
    next_path = _next_path(request.args.get("next"))
    if request.method == "POST":
        form = await request.post_vars()
        next_path = _next_path(form.get("next"))
        password = str(form.get("password") or "")
        throttle, client = guard.throttle_for(datasette), guard.client_of(request)
        wait = throttle.begin(client)
        if wait:
            error = f"Too many wrong passwords: try again in {max(1, round(wait))} s."
            return await _login_page(datasette, request, error, next_path, 429)
        if await asyncio.to_thread(_check, password, config["password_hash"]):
            throttle.passed(client)
            hours = float(config.get("session_hours") or 12)
            expires = baseconv.base62.encode(int(time.time() + hours * 3600))
            actor = {"a": {"id": config.get("account") or "fieldkit"}, "e": expires}
            response = Response.redirect(datasette.urls.path(next_path))
            response.set_cookie(
                "ds_actor", datasette.sign(actor, "actor"), httponly=True, samesite="lax"
            )
            return response
        throttle.failed(client)
        error = "Wrong password."
    return await _login_page(datasette, request, error, next_path, 401 if error else 200)


async def allow_debug(request: Any, datasette: Any) -> Response:
    """Datasette's /-/allow-debug, which asks no permission, behind the same one as every
    other page (a visitor who has not logged in is sent to log in)."""
    from datasette.views.special import AllowDebugView

    await datasette.ensure_permissions(request.actor, ["view-instance"])
    return await AllowDebugView(datasette).get(request)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/login$", login), (r"^/-/allow-debug$", allow_debug)]


@hookimpl
def forbidden(datasette: Any, request: Any, message: str) -> Any:
    """A visitor who has not logged in is sent to the login page (and back after)."""
    if _login_config(datasette) is None or request.actor:
        return None
    back = quote(request.full_path, safe="/")
    return Response.redirect(datasette.urls.path("/-/login") + f"?next={back}")
