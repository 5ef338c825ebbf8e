"""Rotating a station's password with ChangeConfiguration AuthorizationKey (issue 13, item 3)."""

from __future__ import annotations

import httpx
import pytest
import websockets
from ocpp.v16 import call_result
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.db import Database
from laturi.models import StationConfigurationKey, StationEvent
from laturi.models.station_event import EventKind
from tests.fixtures.factories import create_station
from tests.fixtures.server import ocpp_url
from tests.fixtures.station import Script, connected
from tests.fixtures.wait import read
from tests.fixtures.world import World

__all__ = ["ocpp_url"]

OLD = "old-key-0123456789"
NEW = "new-key-ABCDEFGHIJ-42"


@pytest.fixture
async def locked(session: AsyncSession, world: World) -> int:
    station = await create_station(session, group=world.b, identifier="KEYED-1", password=OLD)
    await session.commit()
    return station.id


def url(station_id: int) -> str:
    return f"/api/v1/stations/{station_id}/commands/ChangeConfiguration"


async def opens(ocpp: str, password: str) -> bool:
    try:
        async with connected(ocpp, "KEYED-1", password=password) as station:
            return bool((await station.boot()).status == "Accepted")
    except websockets.InvalidStatus as refused:
        assert refused.response.status_code == 401
        return False


async def feed(database: Database, station_id: int) -> list[str]:
    async def work(s: AsyncSession) -> list[str]:
        query = select(StationEvent.info).where(
            StationEvent.station_id == station_id, StationEvent.kind == EventKind.COMMAND
        )
        return [str(i) for i in (await s.scalars(query.order_by(StationEvent.id))).all()]

    return await read(database, work)


class TestRotation:
    async def test_an_accepted_key_becomes_the_password_and_the_old_one_stops_opening(
        self, locked: int, client: httpx.AsyncClient, alpha: dict[str, str], ocpp_url: str,
        database: Database,
    ) -> None:  # fmt: skip
        script = Script()
        async with connected(ocpp_url, "KEYED-1", password=OLD, script=script):
            response = await client.post(
                url(locked), json={"key": "AuthorizationKey", "value": NEW}, headers=alpha
            )
        assert response.status_code == 200, response.text
        assert response.json()["accepted"] is True
        assert script.received == [
            ("ChangeConfiguration", {"key": "AuthorizationKey", "value": NEW})
        ]
        assert "AuthorizationKey accepted: the station's password is now the new key" in (
            await feed(database, locked)
        )
        assert await opens(ocpp_url, NEW)
        assert not await opens(ocpp_url, OLD)

        async def stored(s: AsyncSession) -> list[str | None]:
            query = select(StationConfigurationKey.value).where(
                StationConfigurationKey.station_id == locked
            )
            return list((await s.scalars(query)).all())

        # The key is a password: the configuration tab never shows it.
        assert NEW not in await read(database, stored)

    async def test_a_rejected_key_leaves_the_password_as_it_was(
        self, locked: int, client: httpx.AsyncClient, alpha: dict[str, str], ocpp_url: str
    ) -> None:
        script = Script()
        script.answers["ChangeConfiguration"] = call_result.ChangeConfiguration(status="Rejected")
        async with connected(ocpp_url, "KEYED-1", password=OLD, script=script):
            response = await client.post(
                url(locked), json={"key": "AuthorizationKey", "value": NEW}, headers=alpha
            )
        assert response.status_code == 200 and response.json()["accepted"] is False
        assert await opens(ocpp_url, OLD)
        assert not await opens(ocpp_url, NEW)

    @pytest.mark.parametrize("value", ["short", "x" * 41, "has:colon-0123456789"])
    async def test_a_key_no_station_could_use_is_refused_before_sending(
        self, locked: int, client: httpx.AsyncClient, alpha: dict[str, str], ocpp_url: str,
        value: str,
    ) -> None:  # fmt: skip
        script = Script()
        async with connected(ocpp_url, "KEYED-1", password=OLD, script=script):
            response = await client.post(
                url(locked), json={"key": "AuthorizationKey", "value": value}, headers=alpha
            )
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "value"
        assert script.received == []
