"""Dependencies shared by the panel and the API: settings, mailer and the request's DB session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.bus import StationBus
from laturi.config import Settings
from laturi.db import Database
from laturi.errors import LaturiError
from laturi.mail import Mailer


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


def station_bus(request: Request) -> StationBus:
    bus: StationBus = request.app.state.bus
    return bus


def mailer(request: Request) -> Mailer:
    value: Mailer = request.app.state.mailer
    return value


async def db_session(request: Request) -> AsyncIterator[AsyncSession]:
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


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# Every route takes its session through this: scope="function" ends the dependency, and so
# commits, before the response leaves; FastAPI's default would commit after the client
# already has its answer.
SessionDep = Depends(db_session, scope="function")


# How routes declare what they need: `session: DbSession`, `config: Config`, `bus: Bus`.
DbSession = Annotated[AsyncSession, SessionDep]
Config = Annotated[Settings, Depends(settings)]
Mail = Annotated[Mailer, Depends(mailer)]
Bus = Annotated[StationBus, Depends(station_bus)]
