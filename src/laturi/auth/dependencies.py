"""Who is asking: the panel's log-in cookie and the API's bearer token, each to an Actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from laturi.auth import service as auth
from laturi.auth.actor import Actor
from laturi.config import Settings
from laturi.errors import NotAuthenticated
from laturi.http import DbSession
from laturi.web.csrf import cookies_secure

SESSION_COOKIE = "laturi_session"

bearer = HTTPBearer(
    auto_error=False, description="An API token from My account or `laturi api-token create`"
)


async def optional_actor(request: Request, session: DbSession) -> Actor | None:
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


def set_session_cookie(request: Request, response: Response, token: str, config: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=config.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=cookies_secure(request, config),
    )


async def api_actor(
    session: DbSession, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> Actor:
    if credentials is None:
        raise NotAuthenticated("An API token is required (Authorization: Bearer ...).")
    actor = await auth.resolve_api_token(session, credentials.credentials)
    if actor is None:
        raise NotAuthenticated("The API token is invalid or revoked, or its operator is inactive.")
    return actor


# How routes declare who acts: `actor: WebActor` in the panel, `actor: ApiActor` in the API.
WebActor = Annotated[Actor, Depends(web_actor)]
ApiActor = Annotated[Actor, Depends(api_actor)]
