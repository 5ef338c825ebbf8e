"""Bearer API tokens: each acts with its operator's permissions and domain."""

from __future__ import annotations

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth import service as auth
from laturi.auth.actor import Actor
from laturi.errors import NotAuthenticated
from laturi.http import SessionDep

bearer = HTTPBearer(
    auto_error=False, description="An API token from My account or `laturi api-token create`"
)


async def api_actor(
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    session: AsyncSession = SessionDep,
) -> Actor:
    if credentials is None:
        raise NotAuthenticated("An API token is required (Authorization: Bearer ...).")
    actor = await auth.resolve_api_token(session, credentials.credentials)
    if actor is None:
        raise NotAuthenticated("The API token is invalid or revoked, or its operator is inactive.")
    return actor
