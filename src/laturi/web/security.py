"""The panel's log-in cookie and CSRF protection (double-submit token)."""

from __future__ import annotations

import secrets

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth import service as auth
from laturi.auth.actor import Actor
from laturi.config import Settings
from laturi.errors import AccessDenied, NotAuthenticated
from laturi.http import SessionDep

SESSION_COOKIE = "laturi_session"
CSRF_COOKIE = "laturi_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def csrf_token(request: Request) -> str:
    """The request's CSRF token, minting one (set as a cookie by the middleware) if absent."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if token is None:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return str(token)


async def verify_csrf(request: Request) -> None:
    """Every unsafe panel request must echo the cookie's token in a form field or header."""
    if request.method not in UNSAFE:
        return
    expected = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        sent = str((await request.form()).get(CSRF_FIELD, ""))
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise AccessDenied("The form has expired. Reload the page and try again.")


def set_csrf_cookie(request: Request, response: Response, config: Settings) -> None:
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(
            CSRF_COOKIE, new, httponly=False, samesite="strict", secure=config.secure_cookies
        )


async def optional_actor(request: Request, session: AsyncSession = SessionDep) -> Actor | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    found = await auth.resolve_session(session, token)
    if found is None:
        return None
    actor, row = found
    request.state.actor = actor
    request.state.operator_session = row
    if row.flash and request.method == "GET" and "hx-request" not in request.headers:
        request.state.flash, row.flash = row.flash, None
    return actor


async def web_actor(actor: Actor | None = Depends(optional_actor)) -> Actor:
    """The logged-in operator; otherwise the error handler sends the browser to the log-in page."""
    if actor is None:
        raise NotAuthenticated()
    return actor


def set_session_cookie(response: Response, token: str, config: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=config.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=config.secure_cookies,
    )
