"""Operator tests: the app mails through a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.config import Settings
from laturi.db import Database
from laturi.models import Operator
from laturi.models.operator import Level
from tests.fixtures.factories import PASSWORD, create_operator
from tests.fixtures.smtp import SmtpServer, smtp
from tests.fixtures.world import World, csrf, log_in

__all__ = ["smtp"]


@pytest.fixture
def settings(database: Database, outbox: Path, smtp: SmtpServer) -> Settings:
    return Settings(
        database_url=database.url,
        outbox_dir=outbox,
        base_url="http://testserver",
        smtp_url=smtp.url,
    )


@dataclass
class Targets:
    """Two invited operators who have not activated: delta in C (gamma's), epsilon in B."""

    delta: Operator
    epsilon: Operator

    def __getitem__(self, name: str) -> Operator:
        found: Operator = getattr(self, name)
        return found


@pytest.fixture
async def targets(session: AsyncSession, world: World) -> Targets:
    made = Targets(
        delta=await create_operator(
            session, base_group=world.c, username="delta", level=Level.BASIC, activated=False
        ),
        epsilon=await create_operator(
            session, base_group=world.b, username="epsilon", level=Level.BASIC, activated=False
        ),
    )
    await session.commit()
    return made


LoggedIn = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def clients(app: FastAPI) -> AsyncIterator[LoggedIn]:
    """Make further browser-like clients, each logged in as someone (own cookies, own session)."""
    made: list[httpx.AsyncClient] = []

    async def logged_in(username: str, password: str = PASSWORD) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app)
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        made.append(client)
        await log_in(client, username, password)
        return client

    yield logged_in
    for client in made:
        await client.aclose()


async def submit(client: httpx.AsyncClient, path: str, **data: object) -> httpx.Response:
    """POST a panel form with the client's CSRF token."""
    if "laturi_csrf" not in client.cookies:
        await client.get("/login")
    return await client.post(path, data={"csrf_token": csrf(client), **data})


async def reload(session: AsyncSession, operator_id: int) -> Operator | None:
    """The operator as the database holds it now (after the app's own commits)."""
    await session.commit()  # ends the read snapshot; expire_on_commit is off
    return await session.get(Operator, operator_id, populate_existing=True)
