"""The stage of the OCTT Core cases: station ST2 of the world, an operator, tokens in every state.

The fake station plays the OCTT's charge point; the operator sends commands through the
REST API as a person at the panel would; assertions read what Laturi stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.db import Database
from laturi.kit.time import utcnow
from laturi.models import ChargingPoint, StationEvent, Transaction
from laturi.models.station_event import EventKind
from tests.fixtures.factories import create_charging_user, create_token
from tests.fixtures.station import FakeStation, Script, connected
from tests.fixtures.wait import read
from tests.fixtures.world import World, api_token, build_world

IDENTIFIER = "ST2"
GOOD, EXPIRED, BLOCKED, UNKNOWN = "CERT-GOOD", "CERT-EXPIRED", "CERT-BLOCKED", "CERT-NOBODY"
# Recent (the tokens are valid since a month) and whole seconds, as stations write times.
START = utcnow().replace(microsecond=0) - timedelta(hours=2)


def at(minutes: int) -> str:
    """A station's timestamp `minutes` after START."""
    return when(minutes).isoformat().replace("+00:00", "Z")


def when(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def energy(minute: int, wh: int, context: str = "Sample.Periodic") -> dict[str, Any]:
    """One MeterValue with the energy register, as a station samples it."""
    sampled = {
        "value": str(wh),
        "measurand": "Energy.Active.Import.Register",
        "unit": "Wh",
        "context": context,
    }
    return {"timestamp": at(minute), "sampledValue": [sampled]}


@dataclass
class Stage:
    """Everything a case needs: the server, an operator's API access and the database."""

    url: str
    client: httpx.AsyncClient
    headers: dict[str, str]
    database: Database
    station_id: int

    def station(self, script: Script | None = None) -> AbstractAsyncContextManager[FakeStation]:
        return connected(self.url, IDENTIFIER, script=script)

    async def command(self, name: str, params: dict[str, Any] | None = None) -> httpx.Response:
        """What an operator does: send a command through the REST API."""
        url = f"/api/v1/stations/{self.station_id}/commands/{name}"
        return await self.client.post(url, json=params or {}, headers=self.headers)

    async def transactions(self) -> list[Transaction]:
        async def work(s: AsyncSession) -> list[Transaction]:
            query = select(Transaction).where(Transaction.station_id == self.station_id)
            return list((await s.scalars(query.order_by(Transaction.id))).all())

        return await read(self.database, work)

    async def events(self, kind: EventKind) -> list[StationEvent]:
        async def work(s: AsyncSession) -> list[StationEvent]:
            query = select(StationEvent).where(
                StationEvent.station_id == self.station_id, StationEvent.kind == kind
            )
            return list((await s.scalars(query.order_by(StationEvent.id))).all())

        return await read(self.database, work)

    async def point(self, connector_id: int) -> ChargingPoint | None:
        async def work(s: AsyncSession) -> ChargingPoint | None:
            query = select(ChargingPoint).where(
                ChargingPoint.station_id == self.station_id,
                ChargingPoint.connector_id == connector_id,
            )
            return (await s.scalars(query)).first()

        return await read(self.database, work)


@pytest.fixture
async def stage(
    session: AsyncSession, database: Database, client: httpx.AsyncClient, ocpp_url: str
) -> AsyncIterator[Stage]:
    """World station ST2 with tokens valid, expired and blocked there; alpha's API access."""
    world: World = await build_world(session)
    user = await create_charging_user(session, organization=world.org_a, groups=[world.b])
    since = utcnow() - timedelta(days=30)
    await create_token(session, user=user, id_tag=GOOD, valid_from=since)
    await create_token(
        session, user=user, id_tag=EXPIRED, valid_from=since, valid_to=utcnow() - timedelta(days=1)
    )
    await create_token(session, user=user, id_tag=BLOCKED, valid_from=since, active=False)
    await session.commit()
    headers = await api_token(session, world.alpha)
    yield Stage(ocpp_url, client, headers, database, world.stations[2].id)
