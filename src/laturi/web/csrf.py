"""The panel's CSRF protection (double-submit token)."""

from __future__ import annotations

import secrets

from fastapi import Request, Response

from laturi.config import Settings
from laturi.errors import AccessDenied

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
            CSRF_COOKIE,
            new,
            httponly=False,
            samesite="strict",
            secure=cookies_secure(request, config),
        )


def cookies_secure(request: Request, config: Settings) -> bool:
    """Secure when configured, or whenever the request came over HTTPS: directly, or through
    a proxy uvicorn trusts (--proxy-headers --forwarded-allow-ips) saying so."""
    return config.secure_cookies or request.url.scheme == "https"
