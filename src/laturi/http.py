"""Dependencies shared by the panel and the API: settings, mailer and the request's DB session."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.config import Settings
from laturi.db import Database
from laturi.errors import LaturiError
from laturi.mail import Mailer


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


def mailer(request: Request) -> Mailer:
    value: Mailer = request.app.state.mailer
    return value


async def _transaction(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, committed at its end; an error undoes every write of it."""
    database: Database = request.app.state.db
    async with database.sessions() as session:
        try:
            yield session
            await session.commit()
        except LaturiError as err:
            await (session.commit() if err.keeps_writes else session.rollback())
            raise
        except BaseException:
            await session.rollback()
            raise


async def db_session(
    session: AsyncSession = Depends(_transaction, scope="function"),
) -> AsyncSession:
    """The request's session. Its transaction ends when the endpoint returns, before the
    response is sent (FastAPI's default would commit after): the page a redirect leads to sees
    the writes, and a failed commit is an error page rather than a write lost after a 303."""
    return session


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
