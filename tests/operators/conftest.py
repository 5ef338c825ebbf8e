"""Operator tests: the app mails through a real SMTP server on loopback."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.config import Settings
from laturi.db import Database
from laturi.models import Operator
from laturi.models.operator import Level
from tests.fixtures.factories import create_operator
from tests.fixtures.smtp import SmtpServer, smtp
from tests.fixtures.world import World, build_world

__all__ = ["smtp"]


@pytest.fixture
def settings(database: Database, outbox: Path, smtp: SmtpServer) -> Settings:
    return Settings(
        database_url=database.url,
        outbox_dir=outbox,
        base_url="http://testserver",
        smtp_url=smtp.url,
    )


@pytest.fixture
async def world(session: AsyncSession) -> World:
    return await build_world(session)


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
